"""``KitBudget``: how much one kit may send, so that one kit cannot crowd out the room.

::

    budget = KitBudget(messages_per_second=1000, bytes_per_day=4 * 2**30)
    reason = budget.admit("kit-07", len(payload), live=True)   # None, "rate" or "bytes"
    budget.check(topic, payload, kits={"kit-07"})   # the same for a message as it arrives
    budget.drops()            # {"kit-07": {"rate": 1520}}: what each kit had dropped
    budget.last_drops()       # {"kit-07": (1764923400.5, 1520)}: when it last dropped one

A kit with a bug in its loop (10,000 samples a second instead of 50) would otherwise be
stored in full (gigabytes an hour) and hold every other kit's live view up behind its
messages. Beyond its budget a message is dropped (acknowledged, never stored) and counted for
its kit. The ingest asks (``check``) on paho's network thread before it decodes the message,
so a dropped message costs a topic split, a dict lookup and a little arithmetic, not a JSON
parse or a write: the drop path takes about 13,000 messages a second where decoding first
took 11,600 (one ingest, a flood of 20,000, this project's two-core machine).

**Messages per second** is a token bucket: ``messages_per_second`` on average, with a burst
of ``burst_seconds`` of it, for a kit that reconnects and sends what it buffered. Replayed
telemetry (``historical``) and a last will are not counted against it: a kit's outbox
replays a long outage as fast as the broker takes it, and dropping a replay would lose what
the outbox exists to keep. Before decoding, both are told by the marks the agent's compact
JSON carries (``"historical":true``, ``"state":"offline"``); a payload that fakes one escapes
the rate, never the bytes. **Bytes per day** (payload bytes, per UTC day) covers everything,
replays included: it is what bounds the disk.

Defaults (``LabConfig.kit_messages_per_second`` / ``kit_bytes_per_day``) are sized by the
room's ``max_rate``: twenty times a kit's fastest sampling, and a whole day at that rate in
messages of 1 KiB (a sample of a dozen channels is about 300 bytes).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from kitsdk.telemetry import parse_topic

log = logging.getLogger(__name__)

BURST_SECONDS = 10.0
"""Seconds of its message rate that a kit may send at once."""
DAY = 86400
LOG_EVERY = 10_000
"""A kit's drops are logged at the first and then one in ``LOG_EVERY``."""

REPLAY, WILL = b'"historical":true', b'"state":"offline"'
"""How the agent's compact JSON marks replayed telemetry and a last will (``check``)."""

Reason = Literal["rate", "bytes"]
"""Why a message was dropped: ``"rate"`` (messages per second) or ``"bytes"`` (per day)."""


@dataclass(slots=True)
class _Allowance:
    tokens: float
    refilled: float
    day: int
    bytes: int = 0


class KitBudget:
    """Per-kit limits on messages per second and payload bytes per day (see the module)."""

    def __init__(self, messages_per_second: float, bytes_per_day: int, *,
                 burst_seconds: float = BURST_SECONDS) -> None:
        if not messages_per_second > 0 or not bytes_per_day > 0 or not burst_seconds > 0:
            raise ValueError("a kit budget needs messages per second, bytes per day and a "
                             "burst above 0")
        self.messages_per_second = messages_per_second
        self.bytes_per_day = bytes_per_day
        self.burst = max(1.0, messages_per_second * burst_seconds)
        self._kits: dict[str, _Allowance] = {}
        self._drops: dict[str, Counter[str]] = {}
        self._last_drop: dict[str, float] = {}
        self._lock = threading.Lock()

    def admit(self, kit: str, size: int, *, live: bool = True,
              now: float | None = None) -> Reason | None:
        """Take a message of ``size`` bytes from ``kit`` out of its budget: None if it fits,
        else why it is dropped (and counted). ``live`` False: not counted against the rate."""
        wall = time.time() if now is None else now
        day = int(wall // DAY)
        with self._lock:
            allowance = self._kits.get(kit)
            if allowance is None:
                allowance = self._kits[kit] = _Allowance(self.burst, wall, day)
            if allowance.day != day:
                allowance.day, allowance.bytes = day, 0
            reason: Reason | None = None
            if allowance.bytes + size > self.bytes_per_day:
                reason = "bytes"
            elif live:
                elapsed = max(0.0, wall - allowance.refilled)
                allowance.tokens = min(self.burst,
                                       allowance.tokens + elapsed * self.messages_per_second)
                allowance.refilled = wall
                if allowance.tokens < 1.0:
                    reason = "rate"
                else:
                    allowance.tokens -= 1.0
            if reason is None:
                allowance.bytes += size
                return None
            counts = self._drops.setdefault(kit, Counter())
            counts[reason] += 1
            count = counts[reason]
            self._last_drop[kit] = wall
        if count == 1 or count % LOG_EVERY == 0:
            limit = (f"{self.messages_per_second:g} messages a second" if reason == "rate"
                     else f"{self.bytes_per_day:,} bytes a day")
            log.warning("ingest: %s is over its budget of %s; its messages are dropped "
                        "(%d so far)", kit, limit, count)
        return reason

    def check(self, topic: str, payload: bytes, *, kits: Collection[str],
              now: float | None = None) -> Reason | None:
        """``admit`` for a message as it arrives, before it is decoded: the kit from the topic
        (None for a topic or a kit not in ``kits``: the decoder refuses those), replays and
        wills told from the payload as the agent writes them (faked, they escape the rate,
        never the bytes)."""
        try:
            kit = parse_topic(topic).kit
        except ValueError:
            return None
        if kit not in kits:
            return None
        return self.admit(kit, len(payload), now=now,
                          live=REPLAY not in payload and WILL not in payload)

    def drops(self, kit: str | None = None) -> dict[str, dict[str, int]]:
        """Messages dropped so far, kit -> reason -> count (only ``kit``'s if given)."""
        with self._lock:
            return {k: dict(counts) for k, counts in self._drops.items()
                    if kit is None or k == kit}

    def last_drops(self) -> dict[str, tuple[float, int]]:
        """kit -> (when it last had a message dropped, how many so far): is it dropping now?"""
        with self._lock:
            return {k: (at, sum(self._drops[k].values())) for k, at in self._last_drop.items()}

    def to_json(self) -> dict[str, object]:
        """The limits and the drops, for ``/health``."""
        drops = self.drops()
        return {"messages_per_second": self.messages_per_second,
                "bytes_per_day": self.bytes_per_day,
                "dropped": drops,
                "dropped_total": sum(sum(c.values()) for c in drops.values())}
