"""kitsdk's cost over plain gpiozero, measured as ratios in one run (these machines are noisy).

    python benchmarks/bench_sdk.py

Goals (issue 2): per-operation overhead at most 1.2x gpiozero on the same mock pins;
``import kitsdk`` at most 1.3x ``import gpiozero`` (whole process); the time to build the
simulated rover, printed. Each figure is the best of several interleaved rounds.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable

import gpiozero
from gpiozero.exc import PWMSoftwareFallback

from kitsdk import Kit
from kitsdk.devices import LED, DistanceSensor, Motor
from kitsdk.sim import SimFactory
from kitsdk.sim.pins import SimEchoPin, SimTriggerPin

ROUNDS = 7


def per_call(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def compare(name: str, ours: Callable[[], object], theirs: Callable[[], object],
            calls: int) -> None:
    best_ours = best_theirs = float("inf")
    for _ in range(ROUNDS):  # interleaved, so drift hits both sides alike
        best_theirs = min(best_theirs, per_call(theirs, calls))
        best_ours = min(best_ours, per_call(ours, calls))
    print(f"{name:<22} gpiozero {best_theirs * 1e6:8.2f} us   kitsdk {best_ours * 1e6:8.2f} us"
          f"   ratio {best_ours / best_theirs:5.2f}  (goal <= 1.20)")


def distance_sensor(cls: type, factory: SimFactory, **kwargs: object) -> gpiozero.DistanceSensor:
    echo = factory.attach(18, SimEchoPin)
    factory.attach(17, SimTriggerPin, echo_pin=echo, distance=lambda: 0.25)
    sensor = cls(echo=18, trigger=17, pin_factory=factory, partial=True, **kwargs)
    sensor.distance  # noqa: B018 - the first read starts the sampling thread
    return sensor


def operations() -> None:
    ours_led = LED(17, name="red", pin_factory=SimFactory())
    their_led = gpiozero.LED(17, pin_factory=SimFactory())
    compare("LED toggle", ours_led.toggle, their_led.toggle, 20_000)

    ours_motor = Motor(20, 21, name="m", pin_factory=SimFactory())
    their_motor = gpiozero.Motor(20, 21, pin_factory=SimFactory())
    speeds = iter([0.5, -0.5] * 10**7)

    def set_ours() -> None:
        ours_motor.value = next(speeds)

    def set_theirs() -> None:
        their_motor.value = next(speeds)

    compare("motor speed set", set_ours, set_theirs, 20_000)

    ours_distance = distance_sensor(DistanceSensor, SimFactory(), name="d")
    their_distance = distance_sensor(gpiozero.DistanceSensor, SimFactory())
    compare("distance read", lambda: ours_distance.distance,
            lambda: their_distance.distance, 20_000)
    for device in (ours_led, their_led, ours_motor, their_motor, ours_distance, their_distance):
        device.close()


def process_time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def imports() -> None:
    ours, theirs, bare = [], [], []
    for _ in range(15):
        bare.append(process_time("pass"))
        theirs.append(process_time("import gpiozero"))
        ours.append(process_time("import kitsdk"))
    o, t, b = (statistics.median(x) for x in (ours, theirs, bare))
    print(f"{'import (process)':<22} gpiozero {t * 1e3:8.1f} ms   kitsdk {o * 1e3:8.1f} ms"
          f"   ratio {o / t:5.2f}  (goal <= 1.30; bare python {b * 1e3:.1f} ms)")


def build_rover() -> None:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        kit = Kit("rover", backend="sim")
        times.append(time.perf_counter() - start)
        kit.close()
    label = 'Kit("rover") build'
    print(f"{label:<22} median {statistics.median(times) * 1e3:.1f} ms, "
          f"best {min(times) * 1e3:.1f} ms (simulated; first build {times[0] * 1e3:.1f} ms)")


if __name__ == "__main__":
    warnings.simplefilter("ignore", PWMSoftwareFallback)  # gpiozero's own sensor asks for pigpio
    operations()
    imports()
    build_rover()
