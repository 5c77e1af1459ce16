"""The kit agent's link to the lab: the one module that owns the kit's paho client.

::

    link = LabLink(config, outbox, status=agent.status, on_command=agent.handle_command,
                   on_connection=agent.on_connection)
    link.start()              # returns at once; connects, and reconnects, in the background
    link.wait_connected(5.0)
    link.publish_status()     # after a change: locked, a script started
    link.stop()               # offline status, clean disconnect, threads joined

**Threads.** paho's network thread runs the callbacks below; they keep books and never raise
into paho (``_guarded`` counts and logs). The *sender* thread moves telemetry and events from
the outbox to paho. The *command* thread (``link_commands.CommandWorker``) reads and obeys
commands, so a slow command never delays the broker's acks, which the network thread turns
into ``outbox.ack``. ``status``, ``on_command`` and ``on_connection`` are called with no lock
of the link held; ``on_connection`` runs on the network thread and must return quickly.
The link counts as connected once the broker has granted the command subscriptions (SUBACK):
a command sent after ``wait_connected()`` is never lost to a subscription still on its way,
and a kit that cannot hear the teacher (a broker that refuses a subscription) is not
connected, so the agent treats the lab as lost. Telemetry starts flowing at CONNACK.

**MQTT 5, persistent session.** ``clean_start=False`` with a session expiry of an hour:
commands sent while the kit is away are queued by the broker and delivered on reconnect (the
hour bounds how stale they get). MQTT 5 rather than 3.1.1 for the will delay (below), the
broker's Receive Maximum, and reason codes on acks.

**Sessions and the last will.** Every connection attempt gets a fresh session id, made in
``on_pre_connect``, which paho 2 calls before each CONNECT, its own reconnects included; the
will (``Status.offline()``, retained) is set again there, so it always carries the session of
the connection it belongs to, as does the online status published on connect (the link puts
its session into what ``status()`` returns). The will has a delay (``will_delay``): a kit that
reconnects within it takes its session over and the broker drops the stale will, and it is
short enough that a kit that silently vanished shows offline within 15 s, so with Mosquitto
2.0's slow keepalive checks it is 0 at the default keepalive of 5 s and 3 s at 3 s.

**Delivery.** The outbox is the one source of retransmission. The sender takes entries in
order, at most ``window`` in flight (within the broker's Receive Maximum), and notes what
each paho message id stands for (``link_delivery.InFlight``); ``on_publish`` (the broker's
PUBACK) acks the entry in the outbox, never earlier. On every connect the link has paho drop
its copies of unacknowledged messages and calls ``outbox.requeue_inflight()``, so the sender
sends them again once, in order: at most one window of duplicates per reconnect, which readers
drop by sequence number. Command acks skip the outbox (an ack matters while a teacher waits,
and a snapshot's is 300 KiB): an unconfirmed ack is kept in memory and sent again after a
reconnect. Statuses skip it too: only the latest counts, and every connect publishes it.

**Lock order.** ``_send_lock`` (held across ``publish`` and noting its id, so a connect cannot
come between them), then paho's internal mutex, then ``InFlight.cond``. paho holds its mutex
while calling ``on_publish``, so no thread calls paho while holding ``cond``.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from paho.mqtt.client import Client, ConnectFlags, DisconnectFlags, MQTTMessage, MQTTMessageInfo
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from ..exc import BadMessage
from ..telemetry import (
    QOS,
    Command,
    CommandAck,
    Event,
    Kind,
    Status,
    encode,
    kit_filters,
    new_id,
    topic_for,
)
from ..telemetry.fields import TEXT_MAX
from .config import AgentConfig
from .link_commands import CommandWorker
from .link_delivery import InFlight, Reason, Sent
from .outbox import Outbox

log = logging.getLogger(__name__)

OFFLINE_WITHIN = 15.0
"""Seconds within which the lab must see a kit whose network silently vanished as offline."""
WILL_DELAY_MAX = 3
"""Longest will delay, seconds: enough for a reconnecting kit to take its session over."""
BROKER_TICK = 6
"""Seconds between a broker's keepalive checks, at worst: Mosquitto 2.0 checks every 6 s
against ``int(1.5 * keepalive)`` (later versions check every second)."""
SESSION_EXPIRY = 3600
"""Seconds the broker keeps a vanished kit's session and the commands queued for it."""
WINDOW = 64
"""Most outbox entries in flight (published, not yet acknowledged) at once."""
IDLE_WAIT = 0.25
"""Longest wait of the sender between checks: bounds how long ``stop`` waits for it."""

_HELD = (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN)
"""``publish`` results after which paho holds the message (NO_CONN: until connected)."""


def noticed_within(keepalive: float) -> int:
    """Seconds after a kit's last packet by which the broker has noticed it fell silent."""
    return int(1.5 * keepalive) + 1 + BROKER_TICK


def will_delay(keepalive: float) -> int:
    """The will delay in seconds: what is left of ``OFFLINE_WITHIN`` once the broker has
    noticed the silence, less a second for the broker's timer (0 with the default keepalive
    of 5 s: then a reconnect may let a stale will through, which the lab tells apart by its
    session)."""
    return max(0, min(WILL_DELAY_MAX, int(OFFLINE_WITHIN - noticed_within(keepalive) - 1)))


class LabLink:
    """The kit's MQTT connection to the lab (the module's docstring explains the design).

    ``status()`` gives the kit's status now; ``on_command(command)`` obeys a command and
    returns its ack, or None to answer later with ``send_ack``; ``on_connection(up)`` hears of
    every connect and every loss of the connection (not of ``stop``'s own disconnect).
    ``window`` bounds the outbox entries in flight; ``reconnect_delays`` is paho's backoff,
    first and longest wait in seconds.
    """

    def __init__(
        self,
        config: AgentConfig,
        outbox: Outbox,
        *,
        status: Callable[[], Status],
        on_command: Callable[[Command], CommandAck | None],
        on_connection: Callable[[bool], None] | None = None,
        window: int = WINDOW,
        reconnect_delays: tuple[int, int] = (1, 10),
    ) -> None:
        self.config = config
        self.errors: Counter[str] = Counter()
        """Bad input and failures survived, by kind (``link_commands`` lists commands')."""
        self.published = 0
        """Messages handed to paho: outbox entries, statuses and acks."""
        self.acked = 0
        """Outbox entries the broker acknowledged and the outbox deleted."""
        self._flight = InFlight(window)
        self._state = self._flight.cond  # also guards the session and the counters
        self._send_lock = threading.Lock()
        self._outbox = outbox
        self._status = status
        self._on_connection = on_connection
        self._topics = {kind: topic_for(config.lab, config.kit, kind)
                        for kind in (Kind.STATUS, Kind.EVENT, Kind.ACK)}
        self._session = new_id()
        self._stopping = threading.Event()
        self._lifecycle = threading.Lock()
        self._started = self._stopped = False
        self._unreachable = False  # said so since the last connect
        self._up = False  # connected and subscribed: the teacher can reach the kit
        self._subscription: int | None = None  # the SUBSCRIBE whose SUBACK makes it up
        self._will_delay = will_delay(config.keepalive)
        if noticed_within(config.keepalive) > OFFLINE_WITHIN:
            log.warning("keepalive %s s: the lab may see a vanished kit offline only after %s s",
                        config.keepalive, noticed_within(config.keepalive))
        self._commands = CommandWorker(config.lab, config.kit, on_command=on_command,
                                       answer=self.send_ack, report=self._report,
                                       count=self._count)
        self._sender = threading.Thread(target=self._send_loop, daemon=True,
                                        name=f"lab-link-send-{config.kit}")
        self._v5 = config.mqtt_version == 5
        self._client = self._make_client(reconnect_delays)

    def _make_client(self, reconnect_delays: tuple[int, int]) -> Client:
        config = self.config
        if self._v5:
            client = Client(CallbackAPIVersion.VERSION2, client_id=config.client_id,
                            protocol=MQTTProtocolVersion.MQTTv5)
        else:  # a broker without MQTT 5 (the lab's embedded amqtt): a persistent 3.1.1 session
            client = Client(CallbackAPIVersion.VERSION2, client_id=config.client_id,
                            protocol=MQTTProtocolVersion.MQTTv311, clean_session=False)
        if config.username:
            client.username_pw_set(config.username, config.password or None)
        if config.tls:
            client.tls_set(ca_certs=config.ca_file or None)
        client.reconnect_delay_set(*reconnect_delays)
        # No limits in paho: the link's window is the gate (paho cannot move its own gate to
        # the broker's Receive Maximum once connected, and would hold messages back unseen).
        client.max_queued_messages_set(0)
        client.max_inflight_messages_set(0)
        client.on_pre_connect = self._guarded("pre_connect", self._before_connect)
        client.on_connect = self._guarded("on_connect", self._on_connect)
        client.on_connect_fail = self._guarded("on_connect_fail", self._on_connect_fail)
        client.on_disconnect = self._guarded("on_disconnect", self._on_disconnect)
        client.on_publish = self._guarded("on_publish", self._on_publish)
        client.on_subscribe = self._guarded("on_subscribe", self._on_subscribe)
        client.on_message = self._guarded("on_message", self._on_message)
        return client

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start connecting in the background, retrying with backoff; idempotent."""
        with self._lifecycle:
            if self._stopped:
                raise RuntimeError("a stopped LabLink cannot start again; make a new one")
            if self._started:
                return
            self._started = True
        if self._v5:
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = SESSION_EXPIRY
            self._client.connect_async(self.config.host, self.config.port,
                                       self.config.keepalive, clean_start=False,
                                       properties=props)
        else:
            self._client.connect_async(self.config.host, self.config.port,
                                       self.config.keepalive)
        self._client.loop_start()
        self._sender.start()
        self._commands.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Publish the offline status, disconnect cleanly (so no will) and join the threads.

        Idempotent. Unacknowledged outbox entries stay in the outbox for the next start.
        """
        with self._lifecycle:
            if self._stopped:
                return
            self._stopped = True
        self._stopping.set()
        with self._state:
            self._state.notify_all()
        if self._sender.is_alive():
            self._sender.join(timeout)
            self._say_offline(timeout)
        self._client.disconnect()
        self._client.loop_stop()
        self._flight.set_connected(False)
        with self._state:
            self._up = False
        self._commands.stop(timeout)

    # -- state -------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Connected, with the command subscriptions granted: the teacher can reach the kit."""
        with self._state:
            return self._up

    @property
    def session(self) -> str:
        """The current connection's session id: stamp telemetry and events with it."""
        with self._state:
            return self._session

    @property
    def inflight(self) -> int:
        """Outbox entries published and not yet acknowledged by the broker."""
        with self._state:
            return self._flight.entries

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until connected (True) or until ``timeout`` passes (False)."""
        with self._state:
            return self._state.wait_for(lambda: self._up, timeout)

    def __repr__(self) -> str:
        state = "connected" if self.connected else "disconnected"
        return f"<LabLink {self.config.client_id} to {self.config.broker}, {state}>"

    # -- publishing ----------------------------------------------------------------------------

    def publish_status(self) -> None:
        """Publish ``status()`` now, retained; nothing when disconnected, since every connect
        publishes it."""
        status = self._status()
        with self._send_lock:
            with self._state:
                if not self._flight.connected:
                    return
                session = self._session
            self._publish(self._topics[Kind.STATUS], encode(replace(status, session=session)),
                          retain=True)

    def send_ack(self, ack: CommandAck) -> None:
        """Answer a command on this kit's ``cmd/ack`` topic (for an ``on_command`` that
        returned None and answers later). Sent again after a reconnect until confirmed."""
        try:
            payload = encode(ack)
        except BadMessage as exc:
            self._count("ack", exc)
            payload = encode(CommandAck(id=ack.id, outcome="failed",
                                        message=f"the answer could not be sent: {exc}"[:TEXT_MAX]))
        with self._send_lock:
            self._publish(self._topics[Kind.ACK], payload, ack=payload)

    def _publish(self, topic: str, payload: bytes, qos: int = QOS, *, retain: bool = False,
                 entry_id: int | None = None, ack: bytes | None = None) -> MQTTMessageInfo | None:
        """Hand one message to paho and note what its id stands for; hold ``_send_lock``."""
        info = self._client.publish(topic, payload, qos, retain)
        if info.rc not in _HELD:
            self._count("publish", f"paho refused a message on {topic}: {info.rc!s}")
            return None
        sent = Sent(topic, entry_id, ack)
        with self._state:
            self.published += 1
        early = self._flight.note(info.mid, sent)
        if early is not None:
            self._confirmed(sent, early)
        return info

    def _confirmed(self, sent: Sent, reason: Reason) -> None:
        """The broker answered a publish, so its outbox entry can go. A refusal (an ACL
        denial) would come again on every retry, so the entry goes too, counted and logged."""
        if reason.is_failure:
            self._count("broker_refused", f"the broker refused a message on {sent.topic}: "
                                          f"{reason}")
        if sent.entry_id is not None and self._outbox.ack(sent.entry_id):
            with self._state:
                self.acked += 1

    def _say_offline(self, timeout: float) -> None:
        """Publish the offline status and wait for the broker to take it."""
        with self._state:
            if not self._flight.connected:
                return
            session = self._session
        try:
            offline = encode(replace(self._status(), session=session).offline())
        except Exception as exc:  # the agent may be half shut down; the clean disconnect stays
            self._count("status", exc)
            return
        with self._send_lock:
            info = self._publish(self._topics[Kind.STATUS], offline, retain=True)
        if info is not None and info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
            info.wait_for_publish(timeout)

    def _report(self, message: str) -> None:
        """Tell the lab, through the outbox, of bad input that no ack can answer."""
        event = Event(session=self.session, seq=self._outbox.next_seq("event"), kind="error",
                      data={"source": "lab-link", "message": message[:TEXT_MAX]})
        self._outbox.put(self._topics[Kind.EVENT], encode(event))

    # -- the sender thread -------------------------------------------------------------------

    def _send_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                if self._outbox.closed:
                    self._stopping.wait(IDLE_WAIT)
                elif (self._flight.wait_for_room(self._stopping, IDLE_WAIT)
                      and self._outbox.wait(IDLE_WAIT)):
                    self._send_batch()
            except Exception as exc:  # the sender outlives any one failure, and says so
                self._count("sender", exc)
                self._stopping.wait(1.0)

    def _send_batch(self) -> None:
        with self._send_lock:
            room = self._flight.room()
            if room <= 0:
                return
            for entry in self._outbox.take(room):
                try:
                    self._publish(entry.topic, entry.payload, entry.qos, entry_id=entry.id)
                except ValueError as exc:  # a topic paho refuses would fail forever
                    self._count("unsendable", f"dropped outbox entry {entry.id}: {exc}")
                    self._outbox.ack(entry.id)

    # -- paho's callbacks (network thread) ----------------------------------------------------

    def _guarded(self, where: str, callback: Callable[..., None]) -> Callable[..., None]:
        """``callback``, never raising into paho: an error is counted and logged."""

        def guarded(*args: Any) -> None:
            try:
                callback(*args)
            except Exception as exc:
                self._count(where, exc)

        return guarded

    def _before_connect(self, client: Client, userdata: Any) -> None:
        """A fresh session for this connection attempt, and the will that goes with it.

        If ``status()`` fails, the previous session and will stay: still a matching pair.
        """
        session = new_id()
        will = encode(replace(self._status(), session=session).offline())
        props = None
        if self._v5:
            props = Properties(PacketTypes.WILLMESSAGE)  # type: ignore[no-untyped-call]
            props.WillDelayInterval = self._will_delay
        client.will_set(self._topics[Kind.STATUS], will, QOS, retain=True, properties=props)
        with self._state:
            self._session = session

    def _on_connect(self, client: Client, userdata: Any, flags: ConnectFlags,
                    reason: ReasonCode, properties: Properties | None) -> None:
        if reason.is_failure:
            self._count("connect", f"{self.config.broker} refused the connection: {reason}")
            return
        session = self.session  # made by _before_connect, on this same thread
        try:
            online: bytes | None = encode(replace(self._status(), session=session))
        except Exception as exc:  # subscribe and send anyway; publish_status will retry
            self._count("status", exc)
            online = None
        receive_maximum = getattr(properties, "ReceiveMaximum", 65535)
        with self._send_lock:
            client.drop_out_messages()  # the outbox, not paho, sends the unconfirmed again
            unconfirmed = self._flight.reset(receive_maximum)
            self._outbox.requeue_inflight()
            # Retain as published: a retained command is refused also when it arrives live.
            filters = kit_filters(self.config.lab, self.config.kit)
            if self._v5:
                options = SubscribeOptions(qos=QOS, retainAsPublished=True)
                _, self._subscription = client.subscribe([(f, options) for f in filters])
            else:
                _, self._subscription = client.subscribe([(f, QOS) for f in filters])
            if online is not None:
                self._publish(self._topics[Kind.STATUS], online, retain=True)
            for sent in unconfirmed:
                if sent.ack is not None:
                    self._publish(sent.topic, sent.ack, ack=sent.ack)
            self._flight.set_connected(True)  # the sender may go; commands wait for SUBACK
        self._unreachable = False
        log.info("lab link: connected to %s, session %s%s", self.config.broker, session,
                 "" if flags.session_present else " (a new broker session)")

    def _on_connect_fail(self, client: Client, userdata: Any) -> None:
        if not self._unreachable:  # once per outage, not once per attempt
            self._unreachable = True
            log.warning("lab link: cannot reach %s; retrying", self.config.broker)

    def _on_disconnect(self, client: Client, userdata: Any, flags: DisconnectFlags,
                       reason: ReasonCode, properties: Properties | None) -> None:
        self._flight.set_connected(False)
        with self._state:
            was_up, self._up = self._up, False
        if was_up and not self._stopping.is_set():
            log.warning("lab link: lost %s (%s); reconnecting", self.config.broker, reason)
            self._tell_connection(False)

    def _on_publish(self, client: Client, userdata: Any, mid: int, reason: ReasonCode,
                    properties: Properties) -> None:
        sent = self._flight.confirm(mid, reason)
        if sent is not None:
            self._confirmed(sent, reason)

    def _on_subscribe(self, client: Client, userdata: Any, mid: int, reasons: list[ReasonCode],
                      properties: Properties | None) -> None:
        refused = [reason for reason in reasons if reason.is_failure]
        for reason in refused:
            self._count("subscribe", f"the broker refused a command subscription ({reason}): "
                                     "the teacher cannot reach this kit")
        if mid == self._subscription and not refused:
            with self._state:
                self._up = True
                self._state.notify_all()
            self._tell_connection(True)

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        self._commands.submit(message.topic, bytes(message.payload), message.retain)

    def _tell_connection(self, up: bool) -> None:
        if self._on_connection is not None:
            try:
                self._on_connection(up)
            except Exception as exc:
                self._count("on_connection", exc)

    def _count(self, kind: str, error: object) -> None:
        """Count one survived error of ``kind`` and log it (with its traceback if it is one)."""
        with self._state:
            self.errors[kind] += 1
        if isinstance(error, BaseException):
            log.error("lab link: %s: %s", kind, error, exc_info=error)
        else:
            log.warning("lab link: %s", error)
