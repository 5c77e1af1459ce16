"""The kit's lab link: command reading and in-flight books without I/O, then telemetry, status
and commands against a private Mosquitto (``tests/conftest.py``). Outages: test_link_outage.py.

Every wait is on a condition with a timeout (``WAIT``), never a fixed sleep.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import unavailable

from kitsdk.agent.config import AgentConfig
from kitsdk.agent.link import LabLink, noticed_within, will_delay
from kitsdk.agent.link_commands import CommandWorker, RecentIds, Refusal, read_command
from kitsdk.agent.link_delivery import InFlight, Sent
from kitsdk.agent.outbox import Outbox
from kitsdk.telemetry import (
    MAX_PAYLOAD,
    Command,
    CommandAck,
    Event,
    Kind,
    Status,
    Telemetry,
    decode,
    encode,
    topic_for,
)

LAB, KIT = "room-4", "kit-07"
CMD = topic_for(LAB, KIT, Kind.CMD)
ALL = topic_for(LAB, "_all", Kind.CMD)
ACK = topic_for(LAB, KIT, Kind.ACK)
STATUS = topic_for(LAB, KIT, Kind.STATUS)
TELEMETRY = topic_for(LAB, KIT, Kind.TELEMETRY)
EVENT = topic_for(LAB, KIT, Kind.EVENT)
WAIT = 10.0


def command(name: str = "stop", **args: Any) -> Command:
    return Command(name=name, issuer="mrs-khan", args=args)  # type: ignore[arg-type]


def raw(**fields: Any) -> bytes:
    """A command payload with ``fields`` changed from a valid one."""
    payload = {"v": 1, "id": "c-1", "name": "stop", "args": {}, "ts": 1.0, "issuer": "mrs-khan"}
    payload.update(fields)
    return json.dumps(payload).encode()


def reading(seq: int) -> bytes:
    return encode(Telemetry(session="3f9a1c0d2b7e", seq=seq, values={"distance": {"cm": seq}}))


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll a condition that has no event of its own (the outbox's length, a counter)."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        tick.wait(0.01)
    return True


# -- without a broker ------------------------------------------------------------------------


@pytest.mark.parametrize("keepalive, delay", [(1, 3), (3, 3), (4, 1), (5, 0), (60, 0)])
def test_will_delay_keeps_a_vanished_kit_offline_within_15_s(keepalive: int, delay: int) -> None:
    assert will_delay(keepalive) == delay
    assert noticed_within(keepalive) + delay + 1 <= 15 or delay == 0


@pytest.mark.parametrize("topic", [CMD, ALL])
def test_read_command_accepts_own_and_lab_wide_commands(topic: str) -> None:
    sent = command("identify", seconds=2.0)
    assert read_command(topic, encode(sent), lab=LAB, kit=KIT) == sent


@pytest.mark.parametrize("topic, payload, kind, cmd_id", [
    (CMD, b"{not json", "malformed", None),
    (CMD, b"\xff\xfe", "malformed", None),
    (CMD, b"[1, 2]", "malformed", None),
    (CMD, raw(v=2), "version", "c-1"),
    (CMD, raw(name="fly"), "unknown_command", "c-1"),
    (CMD, raw(name="identify", args={"seconds": 999}), "invalid", "c-1"),
    (CMD, raw(id="Not An Id"), "invalid", None),
    (CMD, raw(args={"pad": "x" * MAX_PAYLOAD}), "oversized", None),
    (topic_for(LAB, "kit-08", Kind.CMD), raw(), "foreign_topic", "c-1"),
    (topic_for("room-5", "_all", Kind.CMD), raw(), "foreign_topic", "c-1"),
    (TELEMETRY, raw(), "foreign_topic", "c-1"),
    ("elsewhere/cmd", raw(), "foreign_topic", "c-1"),
])
def test_read_command_refuses_bad_input_by_kind(topic: str, payload: bytes, kind: str,
                                                cmd_id: str | None) -> None:
    refusal = read_command(topic, payload, lab=LAB, kit=KIT)
    assert isinstance(refusal, Refusal)
    assert (refusal.kind, refusal.command_id) == (kind, cmd_id)
    ack = refusal.ack()
    assert (ack is None) == (cmd_id is None)
    if ack is not None:
        assert (ack.id, ack.outcome, ack.message) == (cmd_id, "refused", refusal.reason)


def test_read_command_refuses_a_retained_command() -> None:
    refusal = read_command(CMD, raw(), lab=LAB, kit=KIT, retained=True)
    assert refusal == Refusal("retained", refusal.reason, "c-1")  # type: ignore[union-attr]
    assert "retain" in refusal.reason  # type: ignore[union-attr]


def test_recent_ids_remember_a_bounded_number() -> None:
    recent = RecentIds(size=2)
    assert [recent.seen(i) for i in ("a", "b", "a", "c", "b")] == [False, False, True, False,
                                                                    False]


def test_command_worker_obeys_once_and_answers_every_command() -> None:
    answers: list[CommandAck] = []
    reports: list[str] = []
    counted: list[str] = []

    def obey(cmd: Command) -> CommandAck | None:
        if cmd.name == "reset":
            raise RuntimeError("the board did not answer")
        return None if cmd.name == "snapshot" else CommandAck(id=cmd.id, outcome="ok")

    worker = CommandWorker(LAB, KIT, on_command=obey, answer=answers.append,
                           report=reports.append, count=lambda kind, error: counted.append(kind))
    stop, reset, snapshot = command("stop"), command("reset"), command("snapshot")
    for cmd in (stop, stop, reset, snapshot):
        worker.handle(CMD, encode(cmd))
    worker.handle(CMD, b"{")
    worker.handle(CMD, raw(name="fly"))
    assert [(a.id, a.outcome) for a in answers] == [(stop.id, "ok"), (reset.id, "failed"),
                                                    ("c-1", "refused")]
    assert "the board did not answer" in answers[1].message
    assert counted == ["duplicate", "on_command", "malformed", "unknown_command"]
    assert len(reports) == 1 and "not JSON" in reports[0]


def test_in_flight_books_match_an_ack_that_beats_publish_back() -> None:
    class Ok:
        is_failure = False

    flight = InFlight(window=4)
    flight.set_connected(True)
    assert flight.note(1, Sent("t", entry_id=10)) is None
    assert flight.room() == 3
    assert flight.confirm(1, Ok()) == Sent("t", entry_id=10)
    assert flight.confirm(2, Ok()) is None  # the PUBACK came before the sender noted mid 2
    assert isinstance(flight.note(2, Sent("t", entry_id=11)), Ok)
    assert flight.entries == 0
    flight.note(3, Sent("t", entry_id=12))
    flight.note(4, Sent("a", ack=b"ack"))
    assert flight.reset(receive_maximum=6) == [Sent("t", entry_id=12), Sent("a", ack=b"ack")]
    assert (flight.entries, flight.limit, flight.room()) == (0, 2, 2)  # 4 kept for acks
    flight.reset(receive_maximum=1)
    assert flight.limit == 1
    flight.set_connected(False)
    assert flight.room() == 0


# -- against a private broker ------------------------------------------------------------------


class FakeKit:
    """The supervisor's side of the link: a status, and commands obeyed and recorded."""

    def __init__(self) -> None:
        self.state = "online"
        self.commands: list[tuple[Command, str]] = []
        self.release = threading.Event()
        self.release.set()
        self.connections: list[bool] = []
        self.connection_gate = threading.Event()
        self.connection_gate.set()

    def status(self) -> Status:
        return Status(state=self.state, session="0a0a0a0a0a0a", profile="starter",  # type: ignore[arg-type]
                      sdk="0.1.0", channels={"distance": {"cm": "cm"}})

    def connection(self, up: bool) -> None:
        self.connections.append(up)
        assert self.connection_gate.wait(WAIT)

    def obey(self, cmd: Command) -> CommandAck:
        self.commands.append((cmd, threading.current_thread().name))
        assert self.release.wait(WAIT)
        return CommandAck(id=cmd.id, outcome="ok", message=f"did {cmd.name}")


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    with Outbox(tmp_path / "outbox.db") as box:
        yield box


@pytest.fixture
def kit() -> FakeKit:
    return FakeKit()


@pytest.fixture
def make_link(mosquitto: Any, outbox: Outbox, kit: FakeKit) -> Iterator[Callable[..., LabLink]]:
    links: list[LabLink] = []

    def make(**options: Any) -> LabLink:
        config = AgentConfig(broker=mosquitto.url, lab=LAB, kit=KIT)
        link = LabLink(config, outbox, status=kit.status, on_command=kit.obey,
                       on_connection=kit.connection, reconnect_delays=(1, 1), **options)
        links.append(link)
        link.start()
        assert link.wait_connected(WAIT)
        return link

    yield make
    for link in links:
        link.stop()


def test_telemetry_arrives_valid_and_leaves_the_outbox_only_once_acked(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any], make_link: Callable[..., LabLink],
        outbox: Outbox) -> None:
    lab = mqtt_subscriber(mosquitto.url, [TELEMETRY])
    link = make_link(window=8)
    mosquitto.pause()  # the connection stays up; no PUBACK comes back
    outbox.put_many([(TELEMETRY, reading(seq)) for seq in range(1, 51)])
    assert wait_until(lambda: link.inflight == 8)  # the window fills, and holds
    assert (len(outbox), link.acked, outbox.stats.inflight) == (50, 0, 8)
    mosquitto.resume()
    assert lab.wait_for(lambda got: len(got) >= 50)
    received = [decode(m.topic, m.payload) for m in lab.on(TELEMETRY)]
    assert all(isinstance(m, Telemetry) for m in received)
    assert [m.seq for m in received] == list(range(1, 51))  # type: ignore[union-attr]
    assert wait_until(lambda: len(outbox) == 0)
    assert (link.acked, link.inflight) == (50, 0)
    assert link.published == 51 and not link.errors  # 50 readings and the online status


def test_status_is_retained_online_then_changes_then_offline_on_stop(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any], make_link: Callable[..., LabLink],
        kit: FakeKit) -> None:
    link = make_link()
    session = link.session
    watcher = mqtt_subscriber(mosquitto.url, [STATUS])  # arrives late: sees the retained one
    assert watcher.wait_for(lambda got: len(got) == 1)
    first = watcher.on(STATUS)[0]
    online = decode(STATUS, first.payload)
    assert first.retain
    assert online == replace(kit.status(), session=session, ts=online.ts)
    kit.state = "locked"
    link.publish_status()
    link.stop()
    link.stop()  # idempotent
    assert not link.connected
    assert watcher.wait_for(lambda got: len(got) == 3)
    states = [decode(STATUS, m.payload) for m in watcher.on(STATUS)]
    assert [(s.state, s.session) for s in states] == [  # type: ignore[union-attr]
        ("online", session), ("locked", session), ("offline", session)]
    late = mqtt_subscriber(mosquitto.url, [STATUS])
    assert late.wait_for(lambda got: len(got) == 1)
    assert decode(STATUS, late.on(STATUS)[0].payload).state == "offline"  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="cannot start again"):
        link.start()


def test_commands_are_obeyed_off_the_network_thread_and_acknowledged(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any], make_link: Callable[..., LabLink],
        kit: FakeKit) -> None:
    lab = mqtt_subscriber(mosquitto.url, [ACK])
    kit.connection_gate.clear()  # on_connection(True) holds up paho's network thread
    make_link()  # a new broker session, so only the link's SUBSCRIBE brings commands
    own, everyone = command("lock", message="eyes on the board"), command("stop")
    lab.publish(CMD, encode(own))  # the broker has them: connected means subscribed
    lab.publish(ALL, encode(everyone))
    kit.connection_gate.set()
    assert lab.wait_for(lambda got: len(got) == 2)
    acks = [decode(ACK, m.payload) for m in lab.on(ACK)]
    assert [(a.id, a.outcome, a.message) for a in acks] == [  # type: ignore[union-attr]
        (own.id, "ok", "did lock"), (everyone.id, "ok", "did stop")]
    assert [cmd for cmd, _ in kit.commands] == [own, everyone]
    assert {thread for _, thread in kit.commands} == {f"lab-link-cmd-{KIT}"}


def test_bad_commands_are_refused_counted_and_the_link_goes_on(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any], make_link: Callable[..., LabLink],
        kit: FakeKit) -> None:
    link = make_link()
    lab = mqtt_subscriber(mosquitto.url, [ACK, EVENT])
    again = command("unlock")
    bad = [
        (b"{not json", False),
        (raw(id="c-2", v=2), False),
        (raw(id="c-3", name="fly"), False),
        (raw(id="c-4", name="identify", args={"seconds": -1}), False),
        (raw(id="c-5", args={"pad": "x" * MAX_PAYLOAD}), False),
        (raw(id="c-6"), True),
        (encode(again), False),
        (encode(again), False),
    ]
    for payload, retain in bad:
        lab.publish(CMD, payload, retain=retain)
    good = command("stop")
    lab.publish(ALL, encode(good))
    assert lab.wait_for(lambda got: any(good.id in m.payload.decode() for m in got))
    assert lab.wait_for(lambda got: len(got) == 8)  # 4 refusals, 2 oks, 2 error events
    acks = [decode(ACK, m.payload) for m in lab.on(ACK)]
    assert [(a.id, a.outcome) for a in acks] == [  # type: ignore[union-attr]
        ("c-2", "refused"), ("c-3", "refused"), ("c-4", "refused"), ("c-6", "refused"),
        (again.id, "ok"), (good.id, "ok")]
    assert "cmd.v" in acks[0].message and "fly" in acks[1].message  # type: ignore[union-attr]
    events = [decode(EVENT, m.payload) for m in lab.on(EVENT)]
    assert [(e.kind, e.data["source"]) for e in events] == [  # type: ignore[union-attr]
        ("error", "lab-link"), ("error", "lab-link")]
    assert "not JSON" in events[0].data["message"]  # type: ignore[union-attr]
    assert "over the limit" in events[1].data["message"]  # type: ignore[union-attr]
    assert isinstance(events[0], Event) and events[0].session == link.session
    assert link.errors == {"malformed": 1, "version": 1, "unknown_command": 1, "invalid": 1,
                           "oversized": 1, "retained": 1, "duplicate": 1}
    assert [cmd for cmd, _ in kit.commands] == [again, good]


def test_a_slow_command_holds_up_neither_telemetry_nor_acks(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any], make_link: Callable[..., LabLink],
        kit: FakeKit, outbox: Outbox) -> None:
    link = make_link()
    lab = mqtt_subscriber(mosquitto.url, [ACK, TELEMETRY])
    kit.release.clear()
    slow = command("reset")
    lab.publish(CMD, encode(slow))
    assert wait_until(lambda: len(kit.commands) == 1)  # on_command is now blocked
    outbox.put_many([(TELEMETRY, reading(seq)) for seq in range(1, 21)])
    assert lab.wait_for(lambda got: len(got) == 20)
    assert wait_until(lambda: link.acked == 20)
    kit.release.set()
    assert lab.wait_for(lambda got: len(got) == 21)
    assert decode(ACK, lab.on(ACK)[0].payload).id == slow.id  # type: ignore[union-attr]


def test_a_link_never_started_stops_quietly(outbox: Outbox, kit: FakeKit) -> None:
    link = LabLink(AgentConfig(lab=LAB, kit=KIT), outbox, status=kit.status,
                   on_command=kit.obey)
    assert not link.connected and not link.wait_connected(0)
    link.stop()
    assert link.published == 0 and not link.errors


def test_a_message_the_broker_refuses_is_counted_and_not_sent_forever(
        mosquitto_factory: Callable[..., Any], mqtt_subscriber: Callable[..., Any],
        outbox: Outbox, kit: FakeKit) -> None:
    kit_topics = f"kitsdk/v1/{LAB}/{KIT}"
    acl = "".join(f"topic readwrite {kit_topics}/{kind}\n"
                  for kind in ("status", "event", "cmd", "cmd/ack"))  # no telemetry
    broker = mosquitto_factory("acl_file {dir}/acl\n", files={"acl": acl})
    lab = mqtt_subscriber(broker.url, [EVENT])
    link = LabLink(AgentConfig(broker=broker.url, lab=LAB, kit=KIT), outbox, status=kit.status,
                   on_command=kit.obey)
    link.start()
    try:
        outbox.put(TELEMETRY, reading(1))
        outbox.put(EVENT, encode(Event(session="3f9a1c0d2b7e", seq=1, kind="button.pressed",
                                       data={"device": "button"})))
        assert lab.wait_for(lambda got: len(got) == 1)
        assert wait_until(lambda: len(outbox) == 0)
        assert link.errors == {"broker_refused": 1}
        assert link.acked == 2
    finally:
        link.stop()


def make_tls_files(directory: Path, openssl: str) -> None:
    """A lab CA, and a server certificate it signed for 127.0.0.1 (EC keys: fast to make)."""

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
        "-subj", "/CN=test lab CA")
    run("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "san.ext")


def test_tls_with_the_lab_ca_and_the_kit_password(
        mosquitto_factory: Callable[..., Any], outbox: Outbox, kit: FakeKit,
        tmp_path: Path) -> None:
    openssl, mosquitto_passwd = shutil.which("openssl"), shutil.which("mosquitto_passwd")
    if openssl is None or mosquitto_passwd is None:
        unavailable("needs openssl and mosquitto_passwd (apt-get install openssl mosquitto)")
    make_tls_files(tmp_path, openssl)
    subprocess.run([mosquitto_passwd, "-b", "-c", str(tmp_path / "passwd"), KIT, "s3cret"],
                   check=True, capture_output=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        tls_port = sock.getsockname()[1]
    mosquitto_factory(  # a TLS listener beside the plain one, and the kit's password
        f"password_file {tmp_path}/passwd\nlistener {tls_port} 127.0.0.1\n"
        f"cafile {tmp_path}/ca.pem\ncertfile {tmp_path}/server.pem\n"
        f"keyfile {tmp_path}/server.key\n")
    config = AgentConfig(broker=f"mqtts://127.0.0.1:{tls_port}", lab=LAB, kit=KIT,
                         username=KIT, password="wrong", ca_file=str(tmp_path / "ca.pem"))
    refused = LabLink(config, outbox, status=kit.status, on_command=kit.obey)
    refused.start()
    try:
        assert wait_until(lambda: refused.errors["connect"] >= 1)  # refused, counted, retrying
        assert not refused.connected
    finally:
        refused.stop()
    link = LabLink(config.with_changes(password="s3cret"), outbox, status=kit.status,
                   on_command=kit.obey)
    link.start()
    try:
        assert link.wait_connected(WAIT)
        outbox.put(TELEMETRY, reading(1))
        assert wait_until(lambda: link.acked == 1)
        assert not link.errors
    finally:
        link.stop()
