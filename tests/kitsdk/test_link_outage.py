"""The lab link through outages, against a private Mosquitto (``tests/conftest.py``): the broker
stopped mid-stream, an agent SIGKILLed (its last will, and its buffered readings), and a broker
that comes back without its sessions.

``KITSDK_OUTAGE_SECONDS`` sets the outage of ``test_broker_outage_mid_stream_loses_nothing``
(3 s by default, to keep the suite fast; the issue's 20 s runs in
``benchmarks/bench_agent_link.py``). The outage is measured in readings the kit produces while
the broker is down (``RATE`` per second), so no test sleeps for a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kitsdk.agent.config import AgentConfig
from kitsdk.agent.link import OFFLINE_WITHIN, WINDOW, LabLink, will_delay
from kitsdk.agent.outbox import Outbox
from kitsdk.telemetry import (
    Command,
    CommandAck,
    Kind,
    Status,
    Telemetry,
    decode,
    encode,
    topic_for,
)

LAB, KIT = "room-4", "kit-07"
TELEMETRY = topic_for(LAB, KIT, Kind.TELEMETRY)
STATUS = topic_for(LAB, KIT, Kind.STATUS)
CMD = topic_for(LAB, KIT, Kind.CMD)
ACK = topic_for(LAB, KIT, Kind.ACK)
WAIT = 15.0
OUTAGE = float(os.environ.get("KITSDK_OUTAGE_SECONDS", "3"))
RATE = 200
"""Readings per second the kit produces during the outage test."""

# An agent in a process of its own: it buffers COUNT readings in its outbox, starts a link and
# reports every connection's session on stdout; then it idles until it is killed.
AGENT = textwrap.dedent("""
    import sys
    import threading
    from kitsdk.agent.config import AgentConfig
    from kitsdk.agent.link import LabLink
    from kitsdk.agent.outbox import Outbox
    from kitsdk.telemetry import Kind, Status, Telemetry, encode, topic_for

    url, path, count, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    outbox = Outbox(path)
    topic = topic_for("room-4", "kit-07", Kind.TELEMETRY)
    outbox.put_many([(topic, encode(Telemetry(session="0a0a0a0a0a0a", seq=seq,
                                              values={"n": {"seq": seq}})))
                     for seq in range(1, count + 1)])

    def status():
        return Status(state="online", session="0a0a0a0a0a0a", profile="starter", sdk="0.1.0",
                      channels={"n": {"seq": ""}})

    lock = threading.Lock()  # two threads print: keep their lines whole

    def say(*words):
        with lock:
            print(*words, flush=True)

    def connection(up):
        if up:
            say("connected", link.session)

    link = LabLink(AgentConfig(broker=url, lab="room-4", kit="kit-07"), outbox, status=status,
                   on_command=lambda command: None, on_connection=connection,
                   reconnect_delays=(1, 1))
    link.start()
    say("ready", len(outbox))

    def sample():  # the agent's sampling loop, so the link is busy up to the end
        seq = count
        while not stop.wait(1 / rate):
            seq += 1
            outbox.put(topic, encode(Telemetry(session=link.session, seq=seq,
                                               values={"n": {"seq": seq}})))

    stop = threading.Event()
    if rate:
        threading.Thread(target=sample, daemon=True).start()
    sys.stdin.read()
""")


def status() -> Status:
    return Status(state="online", session="0a0a0a0a0a0a", profile="starter", sdk="0.1.0",
                  channels={"n": {"seq": ""}})


def obey(command: Command) -> CommandAck:
    return CommandAck(id=command.id, outcome="ok", message=command.name)


def reading(seq: int) -> bytes:
    return encode(Telemetry(session="0a0a0a0a0a0a", seq=seq, values={"n": {"seq": seq}}))


def latest(got: list[Any]) -> tuple[str, str]:
    """The state and session of the last status received."""
    message = decode(STATUS, got[-1].payload)
    assert isinstance(message, Status)
    return message.state, message.session


def first_arrivals(payloads: list[bytes]) -> tuple[list[int], int]:
    """What the lab keeps, dropping a reading whose seq it has passed, and how many it dropped."""
    kept: list[int] = []
    for payload in payloads:
        message = decode(TELEMETRY, payload)
        assert isinstance(message, Telemetry)
        if not kept or message.seq > kept[-1]:
            kept.append(message.seq)
    return kept, len(payloads) - len(kept)


def seqs_received(lab: Any) -> list[bytes]:
    return [m.payload for m in lab.on(TELEMETRY)]


class Connections:
    """What ``on_connection`` reported, with a wait for it."""

    def __init__(self) -> None:
        self.seen: list[bool] = []
        self.cond = threading.Condition()

    def __call__(self, up: bool) -> None:
        with self.cond:
            self.seen.append(up)
            self.cond.notify_all()

    def wait_for(self, seen: list[bool]) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: self.seen == seen, WAIT)


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


@pytest.fixture
def make_link(mosquitto: Any) -> Iterator[Callable[..., LabLink]]:
    links: list[LabLink] = []

    def make(outbox: Outbox, connections: Connections | None = None, keepalive: int = 5
             ) -> LabLink:
        config = AgentConfig(broker=mosquitto.url, lab=LAB, kit=KIT, keepalive=keepalive)
        link = LabLink(config, outbox,
                       status=status, on_command=obey, on_connection=connections,
                       reconnect_delays=(1, 1))
        links.append(link)
        link.start()
        return link

    yield make
    for link in links:
        link.stop()


@pytest.fixture
def run_agent(mosquitto: Any, outbox_path: Path
              ) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    agents: list[subprocess.Popen[str]] = []

    def run(count: int, rate: int = 0) -> subprocess.Popen[str]:
        agent = subprocess.Popen([sys.executable, "-c", AGENT, mosquitto.url, str(outbox_path),
                                  str(count), str(rate)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        agents.append(agent)
        return agent

    yield run
    for agent in agents:
        agent.kill()
        agent.communicate(timeout=WAIT)


def read_line(agent: subprocess.Popen[str]) -> list[str]:
    assert agent.stdout is not None
    line = agent.stdout.readline()
    assert line, f"the agent died with status {agent.poll()}"
    return line.split()


def next_session(agent: subprocess.Popen[str]) -> str:
    """The session of the agent's next connection (its 'ready' line may come before or after)."""
    while (words := read_line(agent))[0] != "connected":
        assert words[0] == "ready"
    return words[1]


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll a condition that has no event of its own (a counter, the outbox's length)."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        tick.wait(0.01)
    return True


def kill(agent: subprocess.Popen[str]) -> None:
    agent.send_signal(signal.SIGKILL)
    assert agent.wait(timeout=WAIT) == -signal.SIGKILL


class Producer:
    """The agent's sampling loop: puts one reading every 1/RATE s until stopped."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.count = 0
        self.cond = threading.Condition()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(1 / RATE):
            self.outbox.put(TELEMETRY, reading(self.count + 1))
            with self.cond:
                self.count += 1
                self.cond.notify_all()

    def wait_for(self, count: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.count >= count, WAIT + count / RATE)

    def stop(self) -> int:
        self.done.set()
        self.thread.join(WAIT)
        return self.count


def test_broker_outage_mid_stream_loses_nothing_and_keeps_order(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any], make_link: Callable[..., LabLink],
        outbox_path: Path) -> None:
    lab = mqtt_subscriber(mosquitto.url, [TELEMETRY])  # persistent: the broker keeps its queue
    connections = Connections()
    with Outbox(outbox_path) as outbox:
        link = make_link(outbox, connections)
        assert link.wait_connected(WAIT)
        producer = Producer(outbox)
        assert lab.wait_for(lambda got: len(got) >= RATE // 2)
        mosquitto.stop()
        down_at = producer.count
        producer.wait_for(down_at + int(OUTAGE * RATE))  # the outage, counted in readings
        assert len(outbox) >= OUTAGE * RATE  # all of it held on the kit
        mosquitto.start()
        assert connections.wait_for([True, False, True])
        producer.wait_for(producer.count + RATE // 2)  # live again for a while
        last = producer.stop()
        assert lab.wait_for(lambda got: f'"seq":{last},'.encode() in got[-1].payload, WAIT)
        kept, duplicates = first_arrivals(seqs_received(lab))
        assert kept == list(range(1, last + 1)), "lost or reordered readings"
        assert duplicates <= WINDOW  # at most one window per reconnect
        assert not link.errors


def test_sigkill_with_5000_readings_buffered_offline_loses_none(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any], make_link: Callable[..., LabLink],
        run_agent: Callable[..., subprocess.Popen[str]], outbox_path: Path) -> None:
    mosquitto.stop()
    agent = run_agent(5000)
    assert read_line(agent) == ["ready", "5000"]  # buffered, and its link trying to connect
    kill(agent)
    mosquitto.start()
    lab = mqtt_subscriber(mosquitto.url, [TELEMETRY])
    with Outbox(outbox_path) as outbox:
        link = make_link(outbox)
        assert lab.wait_for(lambda got: len(got) >= 5000, WAIT)
        kept, _ = first_arrivals(seqs_received(lab))
        assert kept == list(range(1, 5001))
        assert wait_until(lambda: link.acked == 5000 and len(outbox) == 0)


def test_last_will_marks_a_killed_agent_offline_with_its_current_session(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any],
        run_agent: Callable[..., subprocess.Popen[str]]) -> None:
    lab = mqtt_subscriber(mosquitto.url, [STATUS])
    agent = run_agent(0)
    first = next_session(agent)
    mosquitto.stop()
    mosquitto.start()
    second = next_session(agent)  # reconnected: a new session, and a will to match
    assert second != first
    assert lab.wait_for(lambda got: bool(got) and latest(got) == ("online", second))
    kill(agent)
    killed = time.monotonic()
    keepalive = AgentConfig().keepalive
    assert lab.wait_for(lambda got: latest(got) == ("offline", second),
                        keepalive * 1.5 + will_delay(keepalive) + 2)
    assert time.monotonic() - killed >= will_delay(keepalive) - 1
    late = mqtt_subscriber(mosquitto.url, [STATUS])  # the will was retained
    assert late.wait_for(lambda got: len(got) == 1)
    assert late.on(STATUS)[0].payload == lab.on(STATUS)[-1].payload


def test_commands_arrive_after_a_broker_comes_back_without_sessions(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any], make_link: Callable[..., LabLink],
        outbox_path: Path) -> None:
    connections = Connections()
    with Outbox(outbox_path) as outbox:
        make_link(outbox, connections)
        assert connections.wait_for([True])
        lab = mqtt_subscriber(mosquitto.url, [ACK])
        mosquitto.stop()
        mosquitto.start(fresh=True)  # a replaced broker: no session, no subscription survives
        assert lab.wait_for(lambda got: lab.subscriptions >= 2)
        assert connections.wait_for([True, False, True])
        command = Command(name="identify", issuer="mrs-khan", args={"seconds": 1.0})
        lab.publish(CMD, encode(command))
        assert lab.wait_for(lambda got: len(got) == 1)
        ack = decode(ACK, lab.on(ACK)[0].payload)
        assert (ack.id, ack.outcome) == (command.id, "ok")  # type: ignore[union-attr]


def test_a_frozen_agent_is_offline_by_its_will_within_15_s(
        mosquitto: Any, mqtt_subscriber: Callable[..., Any],
        run_agent: Callable[..., subprocess.Popen[str]]) -> None:
    lab = mqtt_subscriber(mosquitto.url, [STATUS, TELEMETRY])
    agent = run_agent(0, 10)  # the default config, sending telemetry at 10 Hz
    session = next_session(agent)
    assert lab.wait_for(lambda got: len(got) > 20)  # busy: the worst case, as in a lesson
    agent.send_signal(signal.SIGSTOP)  # no TCP close: the broker must notice the silence
    frozen = time.monotonic()

    def offline(got: list[Any]) -> bool:
        statuses = [m for m in got if m.topic == STATUS]
        return bool(statuses) and latest(statuses) == ("offline", session)

    assert lab.wait_for(offline, OFFLINE_WITHIN + 2)
    assert time.monotonic() - frozen <= OFFLINE_WITHIN + 0.5


def test_a_frozen_broker_is_noticed_by_the_kit_within_two_keepalives(
        mosquitto: Any, make_link: Callable[..., LabLink], outbox_path: Path) -> None:
    connections = Connections()
    with Outbox(outbox_path) as outbox:
        make_link(outbox, connections, keepalive=1)
        assert connections.wait_for([True])
        mosquitto.pause()  # the connection stays open; nothing comes back
        frozen = time.monotonic()
        assert connections.wait_for([True, False])  # the supervisor's lab-lost grace starts
        assert time.monotonic() - frozen <= 2 * 1 + 1.5
        mosquitto.resume()
        assert connections.wait_for([True, False, True])
