"""The round trip of a command to the simulated Tello over loopback UDP, and the time from a
teacher's Stop to the drone's ``land``, printed (not a test).

    python benchmarks/bench_drone.py [--commands 2000] [--rounds 4] [--trials 20]

Prints p50 and p99 of a command sent through kitsdk's link (``kitsdk.tello.link.TelloLink``)
and answered by the simulated Tello, for ``battery?`` (answered at once) and ``command``
(SDK mode), each against a reference measured in the same run on the same loopback: a plain
UDP socket whose datagram an echo server sends straight back. The ratio is what the link and
the simulator add over the bare network path, which a noisy machine slows alike. Two set-ups:

1. ``kit sim tello`` in a process of its own (what another program flies), against an echo
   server in a process of its own;
2. the simulated Tello in this process (what a simulated kit and a lesson check fly), against
   an echo thread in this process: both share this process's GIL with the client.

The kinds are measured in interleaved rounds (reference, ``battery?``, ``command``, again),
so that drift hits them alike.

3. The teacher's Stop and emergency: a lab client publishes ``stop`` (then, in another
   trial, ``emergency``) on a private Mosquitto to a kit agent (in this process) whose
   student script is hovering the simulated drone; timed from the publish to the drone
   receiving ``land`` (``emergency``), p50 and p99 over ``--trials`` flights (the issue's
   goal: p99 under 1 s). The reference, measured on the very same commands: the broker's
   hop alone, from the publish to the lab client's own subscription receiving it.

Every packet goes to 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from bench_agent_link import Broker
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from kitsdk.agent.config import AgentConfig
from kitsdk.agent.supervisor import Agent
from kitsdk.sim.tello import SimTello
from kitsdk.telemetry import Command, Kind, decode, encode, topic_for
from kitsdk.tello.link import TelloLink
from kitsdk.tello.space import Space

HOST_PROCESS = "127.0.0.41"  # kit sim tello, and its echo server's address
HOST_HERE = "127.0.0.42"  # the simulated drone in this process, and the echo thread
HOST_AGENT = "127.0.0.43"  # the drone of the agent's kit
LAB, KIT = "room-4", "drone-1"
WARMUP = 100
TIMEOUT = 2.0

ECHO = """
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((sys.argv[1], 0))
print(sock.getsockname()[1], flush=True)
while True:
    data, sender = sock.recvfrom(2048)
    sock.sendto(data, sender)
"""


@contextmanager
def echo_process(host: str) -> Iterator[tuple[str, int]]:
    """A UDP echo server in a child process; yields its address."""
    child = subprocess.Popen([sys.executable, "-c", ECHO, host], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None
        yield host, int(child.stdout.readline())
    finally:
        child.terminate()
        child.wait(timeout=10)


@contextmanager
def echo_thread(host: str) -> Iterator[tuple[str, int]]:
    """A UDP echo server on a thread of this process; yields its address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, sender = sock.recvfrom(2048)
            except TimeoutError:
                continue
            sock.sendto(data, sender)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield sock.getsockname()
    finally:
        stop.set()
        thread.join()
        sock.close()


@contextmanager
def sim_process(host: str) -> Iterator[tuple[str, int]]:
    """``kit sim tello`` on a free port; yields where it answers, once it says so."""
    child = subprocess.Popen([sys.executable, "-m", "kitsdk.cli", "sim", "tello", "--host",
                              host, "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        ready = re.match(r"A simulated Tello answers at ([\d.]+):(\d+)", child.stdout.readline())
        if ready is None:
            sys.exit("kit sim tello did not start")
        yield ready[1], int(ready[2])
    finally:
        child.terminate()
        child.wait(timeout=10)


@contextmanager
def sim_here(host: str) -> Iterator[tuple[str, int]]:
    with SimTello(host, port=0) as drone:
        yield drone.address


def echo_client(address: tuple[str, int]) -> Callable[[], None]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(TIMEOUT)
    sock.connect(address)

    def once() -> None:
        sock.send(b"battery?")
        sock.recv(2048)

    return once


def timed(fn: Callable[[], object], count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def measure(echo: tuple[str, int], drone: tuple[str, int], commands: int,
            rounds: int) -> dict[str, list[float]]:
    """Round trips in seconds by kind, ``commands`` of each, in ``rounds`` interleaved."""
    link = TelloLink(*drone, state_port=0)
    try:
        link.ask("command", TIMEOUT)
        link.ask(f"port {link.state_port} 11111", TIMEOUT)  # its state to our free port
        kinds: dict[str, Callable[[], object]] = {
            "reference": echo_client(echo),
            "battery?": lambda: link.ask("battery?", TIMEOUT),
            "command": lambda: link.ask("command", TIMEOUT),
        }
        for fn in kinds.values():
            timed(fn, WARMUP)
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(rounds):
            for kind, fn in kinds.items():
                times[kind] += timed(fn, commands // rounds)
        if link.faults:
            print(f"   link faults: {dict(link.faults)}")
        return times
    finally:
        link.close()


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def report(times: dict[str, list[float]]) -> None:
    reference = times["reference"]
    ref50, ref99 = statistics.median(reference), percentile(reference, 0.99)
    print(f"   {'reference: UDP echo':<22} p50 {ref50 * 1000:6.3f} ms   "
          f"p99 {ref99 * 1000:6.3f} ms")
    for kind in ("battery?", "command"):
        p50, p99 = statistics.median(times[kind]), percentile(times[kind], 0.99)
        print(f"   {'TelloLink ' + kind:<22} p50 {p50 * 1000:6.3f} ms   p99 {p99 * 1000:6.3f} ms"
              f"   ratio to the echo: p50 {p50 / ref50:4.1f}x, p99 {p99 / ref99:4.1f}x")


class TimedTello(SimTello):
    """A simulated Tello that notes when each command came (``perf_counter``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.heard: list[tuple[str, float]] = []

    def obey(self, text: str, sender: tuple[str, int]) -> str | None:
        self.heard.append((text, time.perf_counter()))
        return super().obey(text, sender)

    def heard_at(self, command: str, since: float) -> float | None:
        return next((t for c, t in reversed(self.heard) if c == command and t >= since), None)


PILOT = """
from kitsdk import Kit
kit = Kit()
kit.drone.takeoff()
print("flying", flush=True)
kit.drone.hover(600)
"""


def wait(predicate: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            sys.exit("timed out")
        tick.wait(0.0005)


def stop_to_land(trials: int) -> None:
    """Part 3: the teacher's Stop and emergency through a real Mosquitto to a flying drone."""
    with tempfile.TemporaryDirectory(prefix="bench-drone-") as folder:
        root = Path(folder)
        broker = Broker(root, nodelay=True)
        profile = root / "drone.toml"
        profile.write_text(f'[kit]\nname = "drone"\n[devices.drone]\ndriver = "tello"\n'
                           f'sim_host = "{HOST_AGENT}"\nsim_time_scale = 10\n')
        script = root / "pilot.py"
        script.write_text(PILOT)
        drone = TimedTello(HOST_AGENT, space=Space(400, 300, 200), time_scale=10)
        drone.start()
        agent = Agent(AgentConfig(broker=broker.url, lab=LAB, kit=KIT, profile=str(profile),
                                  outbox=str(root / "outbox.db"),
                                  control_socket=str(root / "agent.sock")), backend="sim")
        serving = threading.Thread(target=agent.serve, daemon=True)
        serving.start()
        echoed: dict[str, float] = {}  # command id -> when the lab's own copy came back
        lab = Client(CallbackAPIVersion.VERSION2, protocol=MQTTProtocolVersion.MQTTv5)

        def on_message(client: Client, data: Any, message: Any) -> None:
            command = cast(Command, decode(message.topic, bytes(message.payload)))
            echoed.setdefault(command.id, time.perf_counter())
        lab.on_message = on_message
        lab.connect("127.0.0.1", broker.port)
        lab.subscribe(topic_for(LAB, KIT, Kind.CMD), qos=1)
        lab.loop_start()
        times: dict[str, list[float]] = {"reference": [], "stop": [], "emergency": []}
        try:
            wait(lambda: agent.link.connected, 10)
            for trial in range(trials):
                name = "emergency" if trial % 2 else "stop"
                times[name].append(_one_flight(agent, drone, lab, script, name, echoed,
                                               times["reference"]))
        finally:
            lab.loop_stop()
            lab.disconnect()
            agent.shutdown()
            serving.join(timeout=15)
            drone.close()
            broker.stop()
    reference = times["reference"]
    ref50, ref99 = statistics.median(reference), percentile(reference, 0.99)
    print(f"   {'reference: broker hop':<27} p50 {ref50 * 1000:6.2f} ms   "
          f"p99 {ref99 * 1000:6.2f} ms   (the same commands, back to the lab's own client)")
    for name, word in (("stop", "land"), ("emergency", "emergency")):
        got = times[name]
        p50, p99 = statistics.median(got), percentile(got, 0.99)
        print(f"   {name + ' -> ' + word + ' sent':<27} p50 {p50 * 1000:6.2f} ms   "
              f"p99 {p99 * 1000:6.2f} ms   ratio to the hop: p50 {p50 / ref50:4.1f}x, "
              f"p99 {p99 / ref99:4.1f}x   ({len(got)} flights; goal: p99 under 1000 ms)")


def _one_flight(agent: Agent, drone: TimedTello, lab: Client, script: Path, name: str,
                echoed: dict[str, float], hops: list[float]) -> float:
    """Fly the pilot script, send ``name``; seconds until the drone heard what it asks."""
    assert agent.start_script(script, env={**os.environ, "KITSDK_BACKEND": "sim"}) is None
    wait(lambda: agent.run is not None and "flying" in agent.run.tail)
    heard = "emergency" if name == "emergency" else "land"
    command = Command(name=name, issuer="bench", args={})  # type: ignore[arg-type]
    sent = time.perf_counter()
    lab.publish(topic_for(LAB, KIT, Kind.CMD), encode(command), qos=1)
    wait(lambda: drone.heard_at(heard, sent) is not None and command.id in echoed)
    hops.append(echoed[command.id] - sent)
    took = cast(float, drone.heard_at(heard, sent)) - sent
    wait(lambda: agent.run is None and not drone.flying)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=2000,
                        help="round trips of each kind (default 2000)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="interleaved rounds they are measured in (default 4)")
    parser.add_argument("--trials", type=int, default=20,
                        help="flights stopped by the teacher, half by emergency (default 20)")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"Command round trip over loopback UDP, {args.commands} of each kind in "
          f"{args.rounds} interleaved rounds")
    print("1. kit sim tello in its own process; the echo server in its own process")
    with echo_process(HOST_PROCESS) as echo, sim_process(HOST_PROCESS) as drone:
        report(measure(echo, drone, args.commands, args.rounds))
    print("2. the simulated Tello in this process (a simulated kit); the echo on a thread here")
    with echo_thread(HOST_HERE) as echo, sim_here(HOST_HERE) as drone:
        report(measure(echo, drone, args.commands, args.rounds))
    print("3. the teacher's command through Mosquitto to the kit agent, its script flying")
    stop_to_land(args.trials)
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
