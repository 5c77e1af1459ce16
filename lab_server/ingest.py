"""``Ingest``: the one module that owns the lab's paho client (kits -> store and hub).

::

    ingest = Ingest(store, hub, lab="room-4", url="mqtt://127.0.0.1:1883",
                    username="_kitlab", password=...)
    ingest.start()                 # returns at once; connects and reconnects by itself
    ingest.wait_connected(5)
    ingest.send_command("kit-07", "stop", {}, issuer="mrs-khan")
    ingest.stats()                 # connected, rate, queue depth, errors by kind
    ingest.close()

**Threads.** paho's network thread runs ``on_message``, which hands ``(topic, payload)``
to the pure decoder (``intake.decode_inbound``) and puts the result on a bounded queue; bad
input is counted by kind and never raised into paho. One *writer* thread takes what the
queue holds (up to ``batch_size``, waiting at most ``batch_interval`` for a batch to fill),
writes it to the store in one transaction, then acknowledges it to the broker, then
publishes it to the live hub: a browser never sees what the store does not have.

**Every message is stored or refused, and always acknowledged.** Bad input (``intake``),
an unknown kit's message and one over its kit's budget (``budget``) are counted and
acknowledged unwritten; a row the store refuses is found and refused alone
(``writer.store_batch``): a poison message never holds up the others, nor comes back from
the session. ``stalled_for()``: how long messages have waited with no batch finished.

**No message lost to a crash.** paho runs with ``manual_ack``: a message's PUBACK goes out
only after its batch is committed, in the order the messages came (as MQTT requires). A
server that dies mid-batch has acknowledged none of it, and the broker sends it again to
the persistent session; the store's unique keys drop what was already written. A write that
fails is retried (the broker holds everything after it), so a database outage pauses the
ingest instead of losing data. Acks of a connection that has since dropped are not sent on
the next one (the broker redelivers those messages).

**Flow control.** MQTT 5's Receive Maximum caps the messages the broker sends ahead of our
acks, so the queue never holds more than that and ``on_message`` never waits; with MQTT
3.1.1 the queue's bound (``queue_size``) holds the network thread instead, and TCP holds
the broker.

**Session and subscriptions.** MQTT 5 with ``clean_start=False`` and a week's session
expiry (3.1.1: ``clean_session=False``), QoS 1, subscribing again on every connect. With a
``shared_group``, telemetry, events and acks use ``$share/{group}/...`` so several ingest
processes split them; statuses are never shared: every process sees every kit's state, so
each knows every kit's current session.

**Stale wills.** An ``offline`` status is applied only when its session is the kit's
current one (from its latest online or locked status); any other is ignored and counted
(``stale_will``). The store applies the same rule in SQL, for several processes.

**The broker's protocol.** ``protocol=3`` speaks MQTT 3.1.1 (the services choose it for
the embedded amqtt, which speaks nothing else). A broker that refuses MQTT 5 with a reason
code, or twice hangs up on MQTT 5's CONNECT unanswered, makes the ingest fall back to 3.1.1
by itself, said in the log and in ``stats()``. (amqtt 0.12 neither answers nor hangs up: its
close fails and the connection just waits, which is why the services do not rely on this.)
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from kitsdk.telemetry import (
    ALL_KITS,
    MAX_ACK_PAYLOAD,
    QOS,
    Command,
    Kind,
    Status,
    encode,
    lab_filters,
    shared,
    topic_for,
)

from .budget import KitBudget
from .exc import BadInput, BadValue, NotConnected, NotFound, StoreError
from .hub import LiveHub
from .intake import KitMessage, decode_inbound
from .store import Inbound, Store
from .writer import live_updates, store_batch

log = logging.getLogger(__name__)

SESSION_EXPIRY = 7 * 24 * 3600
"""Seconds the broker keeps the lab's session (and queues for it) while the lab is away."""
KEEPALIVE = 30
RECEIVE_MAXIMUM = 2000
"""Most messages the broker sends ahead of our acks (MQTT 5)."""
MAX_PACKET = MAX_ACK_PAYLOAD + 64 * 1024
"""Largest packet we accept (MQTT 5): a valid ack plus its topic and headers."""
KITS_POLL = 2.0
"""Seconds between checks of the store for added kits (also made by another process)."""
PRUNE_EVERY = 3600.0
RETRY_WAIT = 1.0
"""Seconds between attempts to write a batch while the store fails."""
STALL_AFTER = 10.0
"""Seconds messages may wait with no batch finished before ``stats()`` calls it a stall."""
RATE_WINDOW = 5
"""Seconds over which ``rate`` is measured."""
LOG_FIRST = 20
"""Bad inputs of each kind logged one by one; after that one in ``LOG_EVERY``."""
LOG_EVERY = 1000

_Item = tuple[str, KitMessage, float, int, int, int]
"""(kit, message, received, mid, qos, connection) on the writer's queue."""


class Ingest:
    """The lab's MQTT ingest (the module's docstring explains the design).

    ``on_kits_changed`` is called (on the writer thread) when the store's kit list changed,
    for the broker's files. ``budget`` limits each kit (None: no limit). Counters:
    ``received``, ``stored``, ``duplicates``, ``errors`` (bad input and failures by kind),
    ``ignored`` (stale wills), ``last_errors``.
    """

    def __init__(
        self,
        store: Store,
        hub: LiveHub | None = None,
        *,
        lab: str,
        url: str,
        username: str = "",
        password: str = "",
        client_id: str | None = None,
        protocol: int = 5,
        shared_group: str | None = None,
        ca_file: str = "",
        batch_size: int = 500,
        batch_interval: float = 0.01,
        queue_size: int = 20_000,
        receive_maximum: int = RECEIVE_MAXIMUM,
        on_kits_changed: Callable[[], None] | None = None,
        reconnect_delays: tuple[int, int] = (1, 10),
        budget: KitBudget | None = None,
        stall_after: float = STALL_AFTER,
    ) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.store = store
        self.hub = hub
        self.lab = lab
        self.url = url
        self.host = parts.hostname or "localhost"
        self.tls = parts.scheme == "mqtts"
        self.port = parts.port or (8883 if self.tls else 1883)
        self.username = username
        self._password = password
        self.client_id = client_id or f"kitlab-{lab}"
        self.protocol = protocol
        self.shared_group = shared_group
        self.ca_file = ca_file
        self.batch_size = batch_size
        self.batch_interval = batch_interval
        self.receive_maximum = receive_maximum
        self.on_kits_changed = on_kits_changed
        self.reconnect_delays = reconnect_delays
        self.budget = budget
        self.stall_after = stall_after

        self.received = 0
        self.stored = 0
        self.duplicates = 0
        self.published = 0
        self.errors: Counter[str] = Counter()
        self.ignored: Counter[str] = Counter()
        self.last_errors: dict[str, str] = {}
        self._lock = threading.Lock()
        self._connected = threading.Condition(self._lock)
        self._up = False
        self._connection = 0
        self._subscription_mid: int | None = None
        self._down_since: float | None = time.time()
        self._queued = self._finished = 0
        """Messages put on the writer's queue, and those written (or refused) and acked."""
        self._busy_since = self._last_finish = 0.0
        self._queue: queue.Queue[_Item] = queue.Queue(queue_size)
        self._stopping = threading.Event()
        self._accepting = True
        self._started = False
        self._closed = False
        self._rate: deque[list[int]] = deque(maxlen=RATE_WINDOW + 2)
        self._kits: frozenset[str] = frozenset()
        self._kits_version = ""
        self._kits_checked = 0.0
        self._kits_unannounced = False  # a change found here, for ``on_kits_changed``
        self._sessions: dict[str, tuple[str | None, float | None]] = {}
        self._live: dict[str, tuple[float, int]] = {}
        self._wrong_protocol = False
        self._connack = False
        self._unanswered = 0
        self._writer = threading.Thread(target=self._write_loop, name="kitlab-ingest-writer",
                                        daemon=True)
        self._client = self._make_client()

    # -- lifecycle ---------------------------------------------------------------------------

    def _make_client(self) -> Client:
        v5 = self.protocol == 5
        client = Client(CallbackAPIVersion.VERSION2, client_id=self.client_id,
                        protocol=MQTTProtocolVersion.MQTTv5 if v5 else MQTTProtocolVersion.MQTTv311,
                        clean_session=None if v5 else False, manual_ack=True)
        if self.username:
            client.username_pw_set(self.username, self._password)
        if self.tls:
            client.tls_set(ca_certs=self.ca_file or None)
        client.reconnect_delay_set(*self.reconnect_delays)
        client.on_connect = self._guarded("on_connect", self._on_connect)
        client.on_disconnect = self._guarded("on_disconnect", self._on_disconnect)
        client.on_subscribe = self._guarded("on_subscribe", self._on_subscribe)
        client.on_message = self._guarded("on_message", self._on_message)
        return client

    def _connect(self) -> None:
        if self.protocol == 5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = SESSION_EXPIRY
            props.ReceiveMaximum = self.receive_maximum
            props.MaximumPacketSize = MAX_PACKET
            self._client.connect_async(self.host, self.port, KEEPALIVE, clean_start=False,
                                       properties=props)
        else:
            self._client.connect_async(self.host, self.port, KEEPALIVE)
        self._client.loop_start()

    def start(self) -> None:
        """Load the kit list from the store, start the writer and connect (in the background)."""
        if self._started:
            return
        self._started = True
        self._refresh_kits(force=True)
        self._sessions = self.store.kit_sessions()
        self._writer.start()
        self._connect()
        log.info("ingest: connecting to %s as %s (MQTT %s%s)", self.url,
                 self.username or "anonymous", "5" if self.protocol == 5 else "3.1.1",
                 f", shared group {self.shared_group}" if self.shared_group else "")

    def close(self, timeout: float = 10.0) -> None:
        """Write and acknowledge what is queued, disconnect, join the threads; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._accepting = False  # later messages stay unacknowledged: sent again later
        self._stopping.set()
        if self._writer.is_alive():
            self._writer.join(timeout)
        self._client.disconnect()
        self._client.loop_stop()
        with self._lock:
            self._up = False

    def __enter__(self) -> Ingest:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- state -------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Connected and subscribed."""
        with self._lock:
            return self._up

    def wait_connected(self, timeout: float | None = None) -> bool:
        with self._connected:
            return self._connected.wait_for(lambda: self._up, timeout)

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize()

    @property
    def rate(self) -> float:
        """Messages received per second over the last ``RATE_WINDOW`` whole seconds."""
        now = int(time.monotonic())
        with self._lock:
            total = sum(count for second, count in self._rate if now - RATE_WINDOW <= second < now)
        return total / RATE_WINDOW

    def stalled_for(self) -> float:
        """Seconds that messages have waited with no batch written or refused (0: none wait)."""
        now = time.monotonic()
        with self._lock:
            if self._queued == self._finished:
                return 0.0
            return now - max(self._busy_since, self._last_finish)

    def stats(self) -> dict[str, Any]:
        """Counters for ``health()``."""
        rate = self.rate
        stalled_for = self.stalled_for()
        budget = None if self.budget is None else self.budget.to_json()
        with self._lock:
            return {
                "rate": rate,
                "connected": self._up,
                "down_since": self._down_since,
                "pending": self._queued - self._finished,
                "stalled_for": stalled_for,
                "stalled": stalled_for > self.stall_after,
                "budget": budget,
                "url": self.url,
                "protocol": "5" if self.protocol == 5 else "3.1.1",
                "shared_group": self.shared_group,
                "received": self.received,
                "stored": self.stored,
                "duplicates": self.duplicates,
                "published": self.published,
                "queue_depth": self._queue.qsize(),
                "errors": dict(self.errors),
                "ignored": dict(self.ignored),
                "last_errors": dict(self.last_errors),
            }

    def __repr__(self) -> str:
        return f"<Ingest {self.client_id} from {self.url}, " \
               f"{'connected' if self.connected else 'disconnected'}>"

    # -- commands ----------------------------------------------------------------------------

    def send_command(self, kit: str, name: str, args: dict[str, Any] | None = None,
                     issuer: str = "teacher") -> Command:
        """Send command ``name`` to ``kit`` (``"_all"``: every kit of the lab); record it.

        Raises ``BadValue`` for an unknown command or bad arguments, ``NotFound`` for a kit
        the lab does not have, ``NotConnected`` when the lab is not connected to its broker
        (a teacher must know that a Stop did not go out).
        """
        try:
            command = Command(name=name, args=dict(args or {}), issuer=issuer)  # type: ignore[arg-type]
            topic = topic_for(self.lab, kit, Kind.CMD)
        except ValueError as exc:
            raise BadValue(f"command {name!r} to {kit!r}: {exc}") from None
        if kit != ALL_KITS and kit not in self._kits:
            self._refresh_kits(force=True)
            if kit not in self._kits:
                raise NotFound(f"the lab has no kit '{kit}'")
        if not self.connected:
            raise NotConnected(f"command {name} to {kit} not sent: the lab is not connected to "
                               f"its broker at {self.url}")
        self.store.record_command(command, kit)
        info = self._client.publish(topic, encode(command), QOS)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise NotConnected(f"command {name} to {kit} not sent: {info.rc!s}")
        log.info("ingest: sent %s (%s) to %s for %s", name, command.id, kit, issuer)
        return command

    # -- paho's callbacks (network thread) ---------------------------------------------------

    def _guarded(self, where: str, callback: Callable[..., None]) -> Callable[..., None]:
        def guarded(*args: Any) -> None:
            try:
                callback(*args)
            except Exception as exc:  # never into paho: counted and logged
                self._count(where, f"{type(exc).__name__}: {exc}", exc)

        return guarded

    def _filters(self) -> list[str]:
        filters = []
        for kind, topic_filter in zip((Kind.STATUS, Kind.TELEMETRY, Kind.EVENT, Kind.ACK),
                                      lab_filters(self.lab, (Kind.STATUS, Kind.TELEMETRY,
                                                             Kind.EVENT, Kind.ACK)),
                                      strict=True):
            group = self.shared_group
            filters.append(shared(group, topic_filter)
                           if group and kind is not Kind.STATUS else topic_filter)
        return filters

    def _on_connect(self, client: Client, userdata: Any, flags: ConnectFlags,
                    reason: ReasonCode, properties: Properties | None) -> None:
        with self._lock:
            self._connack = True
            self._unanswered = 0
        if reason.is_failure:
            if self.protocol == 5 and reason.getName().lower() == "unsupported protocol version":
                self._wrong_protocol = True
                log.warning("ingest: %s refused MQTT 5; falling back to MQTT 3.1.1 (no shared "
                            "subscriptions)", self.url)
                return
            self._count("connect", f"{self.url} refused the connection: {reason}")
            return
        with self._lock:
            self._connection += 1
        if self.protocol == 5:
            options = SubscribeOptions(qos=QOS)
            result, mid = client.subscribe([(f, options) for f in self._filters()])
        else:
            result, mid = client.subscribe([(f, QOS) for f in self._filters()])
        self._subscription_mid = mid
        log.info("ingest: connected to %s%s", self.url,
                 "" if flags.session_present else " (a new broker session)")

    def _on_subscribe(self, client: Client, userdata: Any, mid: int, reasons: list[ReasonCode],
                      properties: Properties | None) -> None:
        for reason in reasons:
            if reason.is_failure:
                self._count("subscribe", f"{self.url} refused a subscription: {reason}")
        if mid == self._subscription_mid:
            with self._connected:
                self._up = True
                self._down_since = None
                self._connected.notify_all()

    def _on_disconnect(self, client: Client, userdata: Any, flags: DisconnectFlags,
                       reason: ReasonCode, properties: Properties | None) -> None:
        with self._lock:
            was_up, self._up = self._up, False
            if was_up:
                self._down_since = time.time()
            if not self._connack and self.protocol == 5 and not self._stopping.is_set():
                # a broker that hangs up on MQTT 5's CONNECT without a CONNACK (amqtt does)
                self._unanswered += 1
                if self._unanswered >= 2 and not self._wrong_protocol:
                    self._wrong_protocol = True
                    log.warning("ingest: %s closes MQTT 5 connections unanswered; falling "
                                "back to MQTT 3.1.1", self.url)
            self._connack = False
        if was_up and not self._stopping.is_set():
            log.warning("ingest: lost %s (%s); reconnecting", self.url, reason)

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        now = time.time()
        second = int(time.monotonic())
        with self._lock:
            self.received += 1
            rate = self._rate
            if rate and rate[-1][0] == second:
                rate[-1][1] += 1
            else:
                rate.append([second, 1])
            connection = self._connection
            accepting = self._accepting
        if not accepting:
            return  # closing: not acknowledged, so the broker keeps it for the next start
        self._put(self._admit(message, now, connection))

    def _admit(self, message: MQTTMessage, now: float, connection: int) -> _Item:
        """The writer's item for ``message``: to be stored, or (kit "") only acknowledged,
        in order, when it is refused, over its kit's budget or a stale will. Never raises."""
        mid, qos = message.mid, message.qos
        refused: _Item = ("", _NOTHING, now, mid, qos, connection)
        try:
            payload = bytes(message.payload)
            if self.budget is not None and self.budget.check(
                    message.topic, payload, kits=self._kits, now=now) is not None:
                return refused  # counted by the budget, before any decoding
            kit, msg = decode_inbound(message.topic, payload, self.lab)
            if kit not in self._kits:
                self._refresh_kits(now=True)  # a kit added by another process a moment ago
                if kit not in self._kits:
                    raise BadInput("unknown_kit", f"{message.topic}: no kit '{kit}' in lab "
                                                  f"{self.lab}; add it with 'kitlab kits add'")
            if type(msg) is Status and self._stale(kit, msg):
                self._ignore("stale_will", kit, msg)
                return refused
        except BadInput as exc:
            self._count(exc.kind, str(exc))
            return refused
        except Exception as exc:  # whatever a message holds, it is refused and acknowledged
            self._count("intake", f"{type(exc).__name__}: {exc}", exc)
            return refused
        return (kit, msg, now, mid, qos, connection)

    def _put(self, item: _Item) -> None:
        with self._lock:
            if self._queued == self._finished:
                self._busy_since = time.monotonic()
            self._queued += 1
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if self._stopping.is_set():
                    with self._lock:
                        self._queued -= 1
                    return

    def _stale(self, kit: str, status: Status) -> bool:
        """Whether ``status`` is a stale will; notes the kit's current session otherwise."""
        current, _ = self._sessions.get(kit, (None, None))
        if status.state == "offline":
            return current is not None and status.session != current
        # online and locked always apply: a kit's clock (no RTC on a Pi) cannot order them
        self._sessions[kit] = (status.session, status.ts)
        return False

    def _ignore(self, kind: str, kit: str, status: Status) -> None:
        with self._lock:
            self.ignored[kind] += 1
        log.info("ingest: ignored a stale last will of %s (session %s is not current)", kit,
                 status.session)

    def _count(self, kind: str, message: str, exc: BaseException | None = None) -> None:
        with self._lock:
            self.errors[kind] += 1
            count = self.errors[kind]
            self.last_errors[kind] = message[:500]
        if count <= LOG_FIRST or count % LOG_EVERY == 0:
            log.warning("ingest: %s (%d so far): %s", kind, count, message[:500],
                        exc_info=exc)

    def refresh_kits(self) -> None:
        """Read the kit list from the store now (after ``add_kit`` in this process)."""
        self._refresh_kits(force=True)

    def _refresh_kits(self, *, force: bool = False, now: bool = False) -> None:
        """Reload the kit list if its version changed, at most every ``KITS_POLL`` s unless
        ``now`` (one cheap query: a message from a kit not in the list) or ``force`` (reload
        whatever the version). A change found unforced is left for ``on_kits_changed``."""
        checked = time.monotonic()
        if not (force or now) and checked - self._kits_checked < KITS_POLL:
            return
        self._kits_checked = checked
        try:
            version = self.store.kits_version()
            if version == self._kits_version and not force:
                return
            kits = frozenset(self.store.kit_ids())
        except StoreError as exc:
            self._count("store", f"cannot read the kit list: {exc}")
            return
        changed = kits != self._kits or version != self._kits_version
        self._kits, self._kits_version = kits, version
        self._kits_unannounced |= changed and not force  # a forced reload's caller knows

    # -- the writer thread -------------------------------------------------------------------

    def _write_loop(self) -> None:
        next_prune = time.monotonic() + 60.0
        while True:
            try:
                batch = self._take()
                if batch:
                    self._commit(batch)
                elif self._stopping.is_set():
                    return
                now = time.monotonic()
                if now - self._kits_checked >= KITS_POLL:
                    self._refresh_kits()
                if self._kits_unannounced and self.on_kits_changed is not None:
                    self._kits_unannounced = False
                    self.on_kits_changed()
                if now >= next_prune:
                    next_prune = now + PRUNE_EVERY
                    deleted = self.store.prune()
                    if deleted:
                        log.info("ingest: pruned %d old rows", deleted)
                if self._wrong_protocol:
                    self._fall_back()
            except Exception as exc:  # the writer outlives any one failure, and says so
                self._count("writer", f"{type(exc).__name__}: {exc}", exc)
                self._stopping.wait(RETRY_WAIT)

    def _take(self) -> list[_Item]:
        """The next batch: what the queue holds, waiting at most ``batch_interval`` to fill."""
        try:
            first = self._queue.get(timeout=0.25)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_interval
        get = self._queue.get_nowait
        while len(batch) < self.batch_size:
            try:
                batch.append(get())
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self._queue.get(timeout=remaining))
                except queue.Empty:
                    break
        return batch

    def _commit(self, batch: list[_Item]) -> None:
        """Write ``batch`` (``writer.store_batch``), then acknowledge it, then publish it."""
        written = store_batch(self.store, [Inbound(kit, msg, received) for kit, msg, received,
                                           _, _, _ in batch if kit],
                              count=self._count, retry=self._retry)
        if written is None:
            return  # closing with the store down: the broker keeps the batch
        self._acknowledge(batch)
        with self._lock:
            self.stored += written.new
            self.duplicates += written.duplicates
            self._finished += len(batch)
            self._last_finish = time.monotonic()
        if self.hub is not None:
            self._publish(written.stored)

    def _retry(self) -> bool:
        """After the store could not be reached: wait, then whether to try again."""
        return not (self._stopping.wait(RETRY_WAIT) and self._closed)

    def _acknowledge(self, batch: list[_Item]) -> None:
        with self._lock:
            connection = self._connection
        for _, _, _, mid, qos, conn in batch:
            if qos and conn == connection:
                self._client.ack(mid, qos)

    def _publish(self, inbound: list[Inbound]) -> None:
        hub = self.hub
        assert hub is not None
        count = 0
        for update in live_updates(inbound, self._live):
            hub.publish(update)
            count += 1
        with self._lock:
            self.published += count

    def _fall_back(self) -> None:
        """Rebuild the client for MQTT 3.1.1 after the broker refused MQTT 5."""
        self._wrong_protocol = False
        old = self._client
        old.disconnect()
        old.loop_stop()
        self.protocol = 3
        self.shared_group = None
        self._client = self._make_client()
        self._connect()


class _Nothing:
    """Stands for a refused message on the writer's queue: acknowledged, never stored."""


_NOTHING: Any = _Nothing()
