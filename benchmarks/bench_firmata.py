"""Figures for firmware_bridge's client, printed (not a test).

    python benchmarks/bench_firmata.py [--seconds 10]

1. Host CPU time per 10,000 analog reports delivered through the public API (a callback per
   report), ours against pyfirmata2, both consuming the same stream (six channels at 1 ms)
   from the same emulator, which runs in its own process so that only the client's CPU time
   is measured.
2. Round trip over a pty: write a digital output, then a pin-state query answered: p50, p99.
3. Six analog channels at a 1 ms sampling interval for N seconds over a pty: reports lost or
   corrupted, and reports per second delivered. The emulator's inputs count up by one per
   report, so every gap or wrong value is seen.

The pty has no baud rate: a real Uno at 57600 baud carries at most about 1,900 reports/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from firmware_bridge import Board, Pin, PinMode

REPORTS = 10_000
WARMUP = 1_000
CHANNELS = 6


@contextmanager
def emulator_process(link: Path) -> Iterator[dict[str, int]]:
    """An Uno with counting analog inputs on a pty, in a child process; yields its final
    counters (filled in when the block ends)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "firmware_bridge.emulator", "--link", str(link), "--counting"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdin is not None
    ready = child.stdout.readline()
    assert ready.startswith("ready"), ready
    final: dict[str, int] = {}
    try:
        yield final
    finally:
        child.stdin.close()
        final.update(json.loads(child.stdout.readline()))
        child.wait(timeout=10)


class Counter:
    """Counts deliveries; notes the CPU time at the warm-up mark and at the target."""

    def __init__(self, target: int) -> None:
        self.count = 0
        self.target = target
        self.cpu_start = 0.0
        self.cpu_end = 0.0
        self.done = threading.Event()

    def tick(self) -> None:
        self.count += 1
        if self.count == WARMUP:
            self.cpu_start = time.process_time()
        elif self.count == WARMUP + self.target:
            self.cpu_end = time.process_time()
            self.done.set()

    @property
    def cpu_per_target(self) -> float:
        return self.cpu_end - self.cpu_start


def ours_cpu(link: Path, batch_window: float | None = None) -> float:
    counter = Counter(REPORTS)
    options = {} if batch_window is None else {"batch_window": batch_window}
    with Board.connect(str(link), **options) as board:
        board.sampling_interval = 1
        for channel in range(CHANNELS):
            board.analog(f"A{channel}").add_callback(lambda pin, value: counter.tick())
        if not counter.done.wait(60):
            raise RuntimeError(f"ours: only {counter.count} reports")
    return counter.cpu_per_target


def pyfirmata2_cpu(link: Path) -> float:
    import pyfirmata2  # the comparison client, only here

    pyfirmata2.pyfirmata2.BOARD_SETUP_WAIT_TIME = 0.5  # the emulator boots in milliseconds
    counter = Counter(REPORTS)
    board = pyfirmata2.Arduino(str(link))
    try:
        board.samplingOn(1)
        for channel in range(CHANNELS):
            pin = board.get_pin(f"a:{channel}:i")
            pin.register_callback(lambda value: counter.tick())
        if not counter.done.wait(60):
            raise RuntimeError(f"pyfirmata2: only {counter.count} reports")
    finally:
        board.exit()
    return counter.cpu_per_target


def round_trip(link: Path, rounds: int = 2000) -> list[float]:
    times: list[float] = []
    with Board.connect(str(link)) as board:
        led = board.pin("D13", PinMode.OUTPUT)
        for i in range(rounds):
            start = time.perf_counter()
            led.write(bool(i % 2))
            state = board.query_pin_state("D13")
            times.append(time.perf_counter() - start)
            assert state.state == i % 2
    return times


def stream(link: Path, seconds: float) -> dict[str, float]:
    received = [0] * CHANNELS
    lost = [0] * CHANNELS
    last: list[int | None] = [None] * CHANNELS

    def check(channel: int) -> Callable[[Pin, int | bool], None]:
        def on_report(pin: Pin, value: int | bool) -> None:
            previous = last[channel]
            if previous is not None:
                lost[channel] += (int(value) - previous - 1) % 1024
            last[channel] = int(value)
            received[channel] += 1

        return on_report

    with Board.connect(str(link)) as board:
        board.sampling_interval = 1
        for channel in range(CHANNELS):
            board.analog(f"A{channel}").add_callback(check(channel))
        time.sleep(0.5)  # settle: this is a benchmark, not a test
        start_received = sum(received)
        start_lost = sum(lost)
        start = time.perf_counter()
        time.sleep(seconds)
        elapsed = time.perf_counter() - start
        delivered = sum(received) - start_received
        errors = sum(board.stats.input_errors.values())
    return {
        "delivered": delivered,
        "per_second": delivered / elapsed,
        "lost_or_out_of_sequence": sum(lost) - start_lost,
        "corrupted_frames": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        link = Path(tmp) / "ttyEMU"
        with emulator_process(link):
            ours = ours_cpu(link)
            unbatched = ours_cpu(link, batch_window=0.0)
            theirs = pyfirmata2_cpu(link)
        print(f"1. CPU time per {REPORTS:,} analog reports through the public API")
        print(f"   firmware_bridge (default 4 ms batch window): {ours * 1000:8.1f} ms")
        print(f"   firmware_bridge (batch_window=0):           {unbatched * 1000:8.1f} ms")
        print(f"   pyfirmata2:                                  {theirs * 1000:8.1f} ms")
        print(
            f"   ratio: ours is {theirs / ours:.1f}x cheaper (goal: at least 3x); "
            f"{theirs / unbatched:.1f}x without batching"
        )

        with emulator_process(link):
            times = sorted(round_trip(link))
        p50 = statistics.median(times) * 1000
        p99 = times[int(len(times) * 0.99)] * 1000
        print("2. Round trip over a pty (digital write, then pin-state query answered)")
        print(f"   p50 {p50:.3f} ms, p99 {p99:.3f} ms ({len(times)} rounds)")

        with emulator_process(link) as final:
            result = stream(link, args.seconds)
        print(f"3. {CHANNELS} analog channels at 1 ms for {args.seconds:g} s over a pty")
        print(f"   delivered {result['delivered']:,.0f} reports, {result['per_second']:,.0f}/s")
        print(
            f"   lost or out of sequence: {result['lost_or_out_of_sequence']:.0f}; "
            f"corrupted frames: {result['corrupted_frames']:.0f}"
        )
        print(
            f"   emulator: {final['analog_reports']:,} reports sent, "
            f"{final['skipped_samples']} samples skipped for a full buffer"
        )


if __name__ == "__main__":
    main()
