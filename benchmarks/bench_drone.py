"""The round trip of a command to the simulated Tello over loopback UDP, printed (not a test).

    python benchmarks/bench_drone.py [--commands 2000] [--rounds 4]

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
so that drift hits them alike. Every packet goes to 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from kitsdk.sim.tello import SimTello
from kitsdk.tello.link import TelloLink

HOST_PROCESS = "127.0.0.31"  # kit sim tello, and its echo server's address
HOST_HERE = "127.0.0.32"  # the simulated drone in this process, and the echo thread
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=2000,
                        help="round trips of each kind (default 2000)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="interleaved rounds they are measured in (default 4)")
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
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
