"""The kit agent's lab link against a private Mosquitto: CPU, throughput, replay after an outage.

    python benchmarks/bench_agent_link.py [--messages N] [--outage SECONDS] [--broker-default]

Prints:

- process CPU time per 1,000 telemetry messages sent through the outbox and the link, acked
  (and deleted) one by one, against a raw paho loop publishing the same payloads at QoS 1 with
  the same window and waiting for the acks, in the same run (the ratio is the price of never
  losing a message); also with the outbox ``put`` included, as the agent pays it; each the
  best of three;
- the highest sustained rate: readings put one by one at a stepped rate for 2 s each, the
  highest rate at which the outbox does not build a backlog;
- replay after an outage: the broker stopped for ``--outage`` s (the issue's 20 s by default)
  while the kit samples at 50 Hz, then restarted; 0 lost and order kept are checked by a
  subscriber; then the replay rate of a one-hour backlog at 10 Hz (36,000 readings).

The broker runs with ``set_tcp_nodelay true`` (as a lab's should: without it Mosquitto holds
each small PUBACK back for Nagle); ``--broker-default`` leaves it out.
"""

from __future__ import annotations

import argparse
import logging
import os
import pwd
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from kitsdk.agent.config import AgentConfig
from kitsdk.agent.link import LabLink
from kitsdk.agent.outbox import Outbox
from kitsdk.telemetry import Kind, Status, Telemetry, decode, encode, topic_for

LAB, KIT = "room-4", "kit-07"
TOPIC = topic_for(LAB, KIT, Kind.TELEMETRY)
WAIT = 60.0


class Broker:
    """A private Mosquitto on a free port; ``stop``/``start`` keep its port and sessions."""

    def __init__(self, directory: Path, nodelay: bool) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {directory}/\nmax_queued_messages 1000000\n"
            f"user {pwd.getpwuid(os.geteuid()).pw_name}\n"
            + ("set_tcp_nodelay true\n" if nodelay else ""))
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                try:
                    code = self.process.wait(timeout=0.02)
                except subprocess.TimeoutExpired:
                    continue
                sys.exit(f"mosquitto exited with status {code}")
        sys.exit("mosquitto did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def reading(seq: int) -> bytes:
    """A rover's sample: the size of a real kit's telemetry (about 200 bytes)."""
    return encode(Telemetry(session="3f9a1c0d2b7e", seq=seq, ts=1_700_000_000 + seq / 10,
                            values={"distance": {"cm": 17.5 + seq % 7},
                                    "motors": {"left": 0.5, "right": -0.5},
                                    "button": {"pressed": seq % 2 == 0},
                                    "light": {"lux": 301, "raw": 0.71}}))


def status() -> Status:
    return Status(state="online", session="3f9a1c0d2b7e", profile="rover", sdk="0.1.0",
                  channels={"distance": {"cm": "cm"}})


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit("timed out")
        tick.wait(0.002)


def make_link(broker: Broker, outbox: Outbox, **options: Any) -> LabLink:
    link = LabLink(AgentConfig(broker=broker.url, lab=LAB, kit=KIT), outbox, status=status,
                   on_command=lambda command: None, reconnect_delays=(1, 1), **options)
    return link


def cpu_of(run: Callable[[], None]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def raw_paho(broker: Broker, payloads: list[bytes]) -> float:
    """CPU seconds of a plain paho client publishing ``payloads`` at QoS 1 until all acked."""
    acked = threading.Semaphore(0)
    client = Client(CallbackAPIVersion.VERSION2, client_id="raw-paho",
                    protocol=MQTTProtocolVersion.MQTTv5)
    client.on_publish = lambda *args: acked.release()
    client.max_inflight_messages_set(16)  # the link's window against Mosquitto's default
    connected = threading.Event()
    client.on_connect = lambda *args: connected.set()
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    connected.wait(10)

    def run() -> None:
        for payload in payloads:
            client.publish(TOPIC, payload, qos=1)
        for _ in payloads:
            acked.acquire(timeout=WAIT)

    cpu = cpu_of(run)
    client.disconnect()
    client.loop_stop()
    return cpu


def link_cpu(broker: Broker, directory: Path, payloads: list[bytes], with_put: bool) -> float:
    """CPU seconds of the link sending ``payloads`` from the outbox until all are acked: put
    one by one while it runs (``with_put``), or put beforehand and left out of the count."""
    with Outbox(directory / f"cpu-{with_put}.db", max_entries=len(payloads)) as outbox:
        if not with_put:
            outbox.put_many([(TOPIC, payload) for payload in payloads])
        link = make_link(broker, outbox)

        def run() -> None:
            link.start()
            for payload in payloads if with_put else ():
                outbox.put(TOPIC, payload)
            wait_until(lambda: link.acked == len(payloads))

        cpu = cpu_of(run)
        link.stop()
        return cpu


def sustained_rate(broker: Broker, directory: Path) -> int:
    """The highest put rate (per second) the link keeps up with for 2 s, from 250 up by half."""
    best = 0
    with Outbox(directory / "rate.db", max_entries=1_000_000) as outbox:
        link = make_link(broker, outbox)
        link.start()
        link.wait_connected(10)
        rate = 250
        seq = 0
        while rate <= 100_000:
            start = time.perf_counter()
            for i in range(2 * rate):
                seq += 1
                outbox.put(TOPIC, reading(seq))
                ahead = start + (i + 1) / rate - time.perf_counter()
                if ahead > 0:
                    time.sleep(ahead)
            behind = time.perf_counter() - start > 2.2 or len(outbox) > rate // 10
            print(f"    {rate:>6,}/s for 2 s: backlog {len(outbox):,}"
                  + (" (falling behind)" if behind else ""))
            if behind:
                break
            best = rate
            rate = rate * 3 // 2
        link.stop()
    return best


def outage(broker: Broker, directory: Path, seconds: float) -> None:
    """The broker down for ``seconds`` mid-stream at 50 Hz: check 0 lost, order kept."""
    seqs: list[int] = []
    sub = Client(CallbackAPIVersion.VERSION2, client_id="bench-lab",
                 protocol=MQTTProtocolVersion.MQTTv5)
    sub.reconnect_delay_set(1, 1)
    sub.on_connect = lambda client, *args: client.subscribe(TOPIC, qos=1)

    def received(client: Client, userdata: Any, message: Any) -> None:
        telemetry = decode(message.topic, message.payload)
        assert isinstance(telemetry, Telemetry)
        seqs.append(telemetry.seq)

    sub.on_message = received
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 3600
    sub.connect("127.0.0.1", broker.port, clean_start=False, properties=props)
    sub.loop_start()
    with Outbox(directory / "outage.db") as outbox:
        link = make_link(broker, outbox)
        link.start()
        link.wait_connected(10)
        done = threading.Event()
        produced = [0]

        def sample() -> None:
            while not done.wait(1 / 50):
                produced[0] += 1
                outbox.put(TOPIC, reading(produced[0]))

        sampler = threading.Thread(target=sample)
        sampler.start()
        wait_until(lambda: len(seqs) >= 50)
        broker.stop()
        down = time.perf_counter()
        done.wait(seconds)
        backlog = len(outbox)
        broker.start()
        link.wait_connected(WAIT)
        back = time.perf_counter()
        wait_until(lambda: len(outbox) < 5)
        replayed = time.perf_counter() - back
        done.set()
        sampler.join()
        wait_until(lambda: bool(seqs) and seqs[-1] == produced[0])
        kept = dedupe(seqs)
        lost = produced[0] - len(set(seqs))
        print(f"  outage of {back - down:.1f} s at 50 Hz: {backlog:,} buffered, reconnected and "
              f"replayed in {replayed:.2f} s; {lost} lost, "
              f"{'order kept' if kept == list(range(1, produced[0] + 1)) else 'ORDER BROKEN'}, "
              f"{len(seqs) - len(kept)} duplicates dropped by seq")
        link.stop()
    sub.disconnect()
    sub.loop_stop()


def dedupe(seqs: list[int]) -> list[int]:
    """What the lab keeps: a reading whose seq it has passed is a duplicate."""
    kept: list[int] = []
    for seq in seqs:
        if not kept or seq > kept[-1]:
            kept.append(seq)
    return kept


def replay(broker: Broker, directory: Path, count: int) -> float:
    """Messages per second a fresh link replays a backlog of ``count`` readings at."""
    with Outbox(directory / "replay.db", max_entries=count) as outbox:
        outbox.put_many([(TOPIC, reading(seq)) for seq in range(1, count + 1)])
        link = make_link(broker, outbox)
        start = time.perf_counter()
        link.start()
        wait_until(lambda: len(outbox) == 0)
        elapsed = time.perf_counter() - start
        link.stop()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--outage", type=float, default=20.0)
    parser.add_argument("--broker-default", action="store_true",
                        help="leave Mosquitto's Nagle delay on (no set_tcp_nodelay)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the outage's "lost the broker" is expected
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        broker = Broker(directory, nodelay=not args.broker_default)
        try:
            n = args.messages
            payloads = [reading(seq) for seq in range(1, n + 1)]
            print(f"lab link: {n:,} telemetry messages of {len(payloads[0])} bytes, "
                  f"Mosquitto {'default' if args.broker_default else 'with set_tcp_nodelay'}, "
                  f"{os.cpu_count()} CPUs")
            raw = min(raw_paho(broker, payloads) for _ in range(3))
            sent = min(link_cpu(broker, directory, payloads, with_put=False) for _ in range(3))
            both = min(link_cpu(broker, directory, payloads, with_put=True) for _ in range(3))
            per = 1000 / n * 1000
            print(f"  CPU per 1,000: raw paho QoS 1 {raw * per:6.1f} ms")
            print(f"  CPU per 1,000: link           {sent * per:6.1f} ms  {sent / raw:.2f} x raw")
            print(f"  CPU per 1,000: put + link     {both * per:6.1f} ms  {both / raw:.2f} x raw")
            print("  sustained rate with acks (readings put one by one):")
            print(f"  highest sustained rate: {sustained_rate(broker, directory):,}/s")
            outage(broker, directory, args.outage)
            print(f"  replay of one hour at 10 Hz (36,000): "
                  f"{replay(broker, directory, 36_000):,.0f} messages/s")
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
