"""``kitlab loadgen``: a room's or a district's kits from one process, for sizing and soak runs.

::

    kitlab loadgen --broker mqtt://127.0.0.1:1883 --lab room-4 --kits 1000 --rate 10 \\
                   --seconds 600 --outage 120:30

Each simulated kit sends what an agent sends, through the schema's own encoder: an
``online`` status (its catalogue and parts, so the room draws it), then telemetry at
``rate`` Hz with its session and a sequence number, then ``offline``. The kits' ticks are
spread over each period, as kits that were switched on at different moments are. During an
outage (``START:LENGTH`` seconds into the run) the kits keep sampling into their outboxes
and, when it ends, replay the backlog as historical telemetry, as agents do
(docs/mqtt.md); the broker connection itself stays up, so that every message sent is one
that the broker acknowledged.

The run ends with a JSON report on stdout (``LoadReport``): what was sent, live and
historical, each kit's session and sequence range, and how far publishing fell behind its
schedule. A test or a soak run compares it with the store to prove nothing was lost or
stored twice. The broker must let this client publish for every kit (a test broker, or a
user with ``topic write kitsdk/v1/LAB/+/#``); the lab must know the kits (``--prefix``
names them ``load-0001`` ...: add them with ``kitlab kits add`` or a store's ``add_kit``).
"""

from __future__ import annotations

import json
import math
import secrets
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from kitsdk.telemetry import QOS, Kind, Part, Status, Telemetry, encode, topic_for

SLOTS = 20
"""Each period is cut in this many slots; each kit sends in its own (kits are not in step)."""
INFLIGHT = 1000
"""QoS 1 messages sent ahead of the broker's acks."""

#: A rover's catalogue and parts, in the shape the room draws (device -> channel -> unit).
CHANNELS = {"drive": {"left": "", "right": ""}, "distance": {"cm": "cm"},
            "light": {"level": ""}, "button": {"pressed": ""}}
PARTS = tuple(Part(name, kind, name.replace("_", " ")) for name, kind in
              (("drive", "drive_base"), ("distance", "distance"), ("light", "light"),
               ("button", "button")))


@dataclass(frozen=True)
class Outage:
    """Seconds into the run when the kits lose the lab, and for how long."""

    start: float
    length: float

    @classmethod
    def parse(cls, text: str) -> Outage:
        """``"START:LENGTH"`` in seconds, as ``--outage`` takes it."""
        try:
            start, length = (float(part) for part in text.split(":"))
        except ValueError:
            raise ValueError(f"outage {text!r}: expected START:LENGTH in seconds, "
                             "like 60:30") from None
        if not (start >= 0 and length > 0 and math.isfinite(start + length)):
            raise ValueError(f"outage {text!r}: the start must be 0 or more and the length "
                             "more than 0")
        return cls(start, length)

    def covers(self, t: float) -> bool:
        return self.start <= t < self.start + self.length


@dataclass
class LoadReport:
    """What a run sent. Every kit sent seq ``first_seq`` to ``last_seq`` of its session, each
    once; ``acked`` of ``sent`` were acknowledged by the broker (QoS 1)."""

    lab: str
    kits: int
    rate: float
    seconds: float
    sent: int = 0
    live: int = 0
    historical: int = 0
    statuses: int = 0
    acked: int = 0
    behind_max: float = 0.0
    """The furthest publishing fell behind its schedule, in seconds (0: it kept up)."""
    elapsed: float = 0.0
    sessions: dict[str, str] = field(default_factory=dict)
    first_seq: int = 0
    last_seq: int = -1

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def kit_ids(prefix: str, count: int) -> list[str]:
    """The simulated kits' ids: ``load-0001`` ... (as many digits as ``count`` needs, at
    least four, so the room lists them in order)."""
    width = max(4, len(str(count)))
    return [f"{prefix}-{number:0{width}d}" for number in range(1, count + 1)]


class LoadGenerator:
    """``kits`` simulated kits of ``lab`` publishing to the broker at ``url``."""

    def __init__(self, url: str, lab: str, kits: Sequence[str], rate: float, *,
                 username: str = "", password: str = "", protocol: int = 5,
                 client_id: str | None = None) -> None:
        if rate <= 0 or not kits:
            raise ValueError("a load needs at least one kit and a rate above 0")
        self.url, self.lab, self.kits, self.rate = url, lab, list(kits), rate
        self._sessions = {kit: secrets.token_hex(6) for kit in self.kits}
        self._topics = {kit: topic_for(lab, kit, Kind.TELEMETRY) for kit in self.kits}
        self._acked = 0
        self._acks = threading.Condition()
        parts = urlsplit(url)
        self._client = Client(CallbackAPIVersion.VERSION2,
                              client_id=client_id or f"kitlab-loadgen-{secrets.token_hex(3)}",
                              protocol=(MQTTProtocolVersion.MQTTv5 if protocol == 5
                                        else MQTTProtocolVersion.MQTTv311))
        if username:
            self._client.username_pw_set(username, password)
        if parts.scheme == "mqtts":
            self._client.tls_set()
        self._client.max_inflight_messages_set(INFLIGHT)
        self._client.max_queued_messages_set(0)
        self._client.on_publish = self._on_publish
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)

    def _on_publish(self, *args: object) -> None:
        with self._acks:
            self._acked += 1
            self._acks.notify_all()

    def run(self, seconds: float, outages: Iterable[Outage] = (),
            stopping: threading.Event | None = None,
            progress: Callable[[LoadReport], None] | None = None) -> LoadReport:
        """Send ``seconds`` of load (or until ``stopping`` is set); the report of what was
        sent, once the broker acknowledged all of it (or 30 s passed)."""
        outages = list(outages)
        stopping = stopping or threading.Event()
        report = LoadReport(lab=self.lab, kits=len(self.kits), rate=self.rate,
                            seconds=seconds, sessions=dict(self._sessions))
        self._client.connect(self._host, self._port, keepalive=30)
        self._client.loop_start()
        try:
            self._statuses("online", report)
            self._ticks(seconds, outages, stopping, report, progress)
            self._statuses("offline", report)
            with self._acks:
                self._acks.wait_for(lambda: self._acked >= report.sent, 30)
                report.acked = self._acked
        finally:
            self._client.disconnect()
            self._client.loop_stop()
        return report

    def _send(self, topic: str, payload: bytes, report: LoadReport) -> None:
        self._client.publish(topic, payload, QOS)
        report.sent += 1

    def _statuses(self, state: str, report: LoadReport) -> None:
        for kit in self.kits:
            status = Status(state=state, session=self._sessions[kit],  # type: ignore[arg-type]
                            profile="rover", sdk="loadgen", channels=CHANNELS, parts=PARTS)
            self._send(topic_for(self.lab, kit, Kind.STATUS), encode(status), report)
            report.statuses += 1

    def _ticks(self, seconds: float, outages: list[Outage], stopping: threading.Event,
               report: LoadReport, progress: Callable[[LoadReport], None] | None) -> None:
        period = 1.0 / self.rate
        slots = [self.kits[i::SLOTS] for i in range(SLOTS)]
        backlog: list[tuple[str, Telemetry]] = []
        start = time.monotonic()
        tick = 0
        last_said = start
        while tick * period < seconds and not stopping.is_set():
            for number, kits in enumerate(slots):
                due = start + (tick + number / SLOTS) * period
                now = time.monotonic()
                if due > now:
                    stopping.wait(due - now)  # once set, the tick ends without waiting
                else:
                    report.behind_max = max(report.behind_max, now - due)
                t = tick * period
                out = any(outage.covers(t) for outage in outages)
                if not out and backlog:  # back: the outbox first, as historical
                    for kit, sample in backlog:
                        self._send(self._topics[kit], encode(sample), report)
                        report.historical += 1
                    backlog.clear()
                wall = time.time()
                for kit in kits:
                    sample = Telemetry(session=self._sessions[kit], seq=tick,
                                       values=_values(kit, tick), historical=out, ts=wall)
                    if out:
                        backlog.append((kit, sample))
                    else:
                        self._send(self._topics[kit], encode(sample), report)
                        report.live += 1
            report.last_seq = tick
            tick += 1
            if progress is not None and time.monotonic() - last_said >= 5:
                last_said = time.monotonic()
                progress(report)
        for kit, sample in backlog:  # the run ended inside an outage: replay it now
            self._send(self._topics[kit], encode(sample), report)
            report.historical += 1
        report.elapsed = time.monotonic() - start


def _values(kit: str, tick: int) -> dict[str, dict[str, float | bool]]:
    """A rover's readings, varying with time so that charts and rollups have something."""
    phase = tick / 10 + zlib.crc32(kit.encode()) % 100 / 10
    return {"drive": {"left": 0.6, "right": 0.4},
            "distance": {"cm": round(60 + 40 * math.sin(phase), 1)},
            "light": {"level": round(0.5 + 0.4 * math.cos(phase / 3), 3)},
            "button": {"pressed": tick % 50 == 0}}
