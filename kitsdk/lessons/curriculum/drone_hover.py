"""Lesson: a drone's first flight. Take off, hover, land: in that order, and nothing left to luck.

The checks read the simulated drone's own record (:mod:`kitsdk.lessons.flight`), never what
the script printed: when it took off, how long it stayed up, and why it came down.
"""

from __future__ import annotations

from typing import Final

from ..checks import ends
from ..exc import StepFailed
from ..flight import IDLE_LANDING, SLACK, flight, landing_failure, real, takes_off
from ..lesson import Lesson, Step
from ..trial import Trial

#: The drone's seconds to hover: longer than a Tello waits before it lands by itself, so
#: that only a hover that keeps talking to it stays up.
HOVER: Final = 20
#: The longest hover that is still "about" HOVER.
LONGEST: Final = 30
#: How many times faster than real time the drone flies in a check.
SCALE: Final = 10.0


def hovers(trial: Trial) -> None:
    def done() -> bool:
        seen = flight(trial)
        return seen.landing is not None or seen.in_air >= HOVER

    trial.wait(done, real(trial, HOVER + 5) + SLACK)
    seen = flight(trial)
    if seen.in_air >= HOVER - 0.5:
        return
    again = f"hover for {HOVER} seconds: kit.drone.hover({HOVER}), then kit.drone.land()"
    if seen.landing is not None:
        raise landing_failure(trial, seen, hover=HOVER) or StepFailed(
            saw=f"your drone landed {seen.in_air:.1f} s after it took off",
            hint=f"hover for {HOVER} seconds before you land: kit.drone.hover({HOVER})")
    if trial.ended:
        raise StepFailed(saw=f"your script ended {seen.in_air:.1f} s after your drone took "
                             "off, with the drone still in the air", hint=again)
    raise StepFailed(saw=f"your drone had hovered only {seen.in_air:.1f} s", hint=again)


def lands(trial: Trial) -> None:
    def done() -> bool:
        seen = flight(trial)
        return seen.landing is not None or seen.in_air > LONGEST

    trial.wait(done, real(trial, LONGEST - HOVER + 5) + SLACK)
    seen = flight(trial)
    failure = landing_failure(trial, seen, hover=HOVER)
    if failure is not None and seen.landing is None and not trial.ended:
        failure = StepFailed(saw=failure.saw, hint=f"land after about {HOVER} s of hovering: "
                                                   "kit.drone.land()")
    if failure is None and seen.in_air > LONGEST:
        failure = StepFailed(saw=f"your drone hovered {seen.in_air:.0f} s before it landed",
                             hint=f"land after about {HOVER} s: kit.drone.hover({HOVER}), "
                                  "then kit.drone.land()")
    if failure is not None:
        raise failure


def finishes(trial: Trial) -> None:
    if not ends(trial, by=trial.now() + 1.0):
        raise StepFailed(saw="your drone had landed, but your script was still running",
                         hint="end your script after kit.drone.land(): nothing after it "
                              "needs to keep going")
    if trial.exit_code != 0:
        raise StepFailed(saw="your drone landed, then your script stopped with an error",
                         hint="end your script after kit.drone.land(): a landed drone "
                              "cannot hover or fly until it takes off again")


STARTER = '''\
from kitsdk import Kit

kit = Kit("drone")

# Step 1: take off.

# Step 2: hover for 20 seconds.

# Step 3: land.
'''

SOLUTION = f'''\
from kitsdk import Kit

kit = Kit("drone")

kit.drone.takeoff()
kit.drone.hover({HOVER})
kit.drone.land()
'''

LESSON = Lesson(
    id="drone-hover",
    title="A drone's first flight",
    level=1,
    minutes=20,
    profile="drone",
    intro=f"""\
Your kit has a drone: `kit.drone`. It is a Tello, a small drone flown from Python.
`kit.drone.takeoff()` lifts it to about 80 cm and waits there, `kit.drone.land()` brings
it down, and `kit.drone.hover(5)` keeps it still in the air for 5 seconds.

A Tello is careful: if it hears nothing from your program for {IDLE_LANDING:.0f} seconds, it
lands by itself. `hover()` keeps talking to it while it waits; `sleep()` does not.

On a laptop the drone is simulated. The check flies it {SCALE:g} times faster than real
time, so a long flight is checked in a few seconds.""",
    steps=(
        Step("Take off", "Make the drone take off: `kit.drone.takeoff()`.", check=takes_off),
        Step(f"Hover for {HOVER} seconds", f"""\
Keep the drone in the air for {HOVER} seconds: `kit.drone.hover({HOVER})`. That is longer
than a Tello waits before it lands by itself, so do not use `sleep()` here.""",
             check=hovers),
        Step("Land", f"""\
Land it yourself after about {HOVER} seconds: `kit.drone.land()`. A drone that lands by
itself, or that the kit has to land when your script ends, does not count.""", check=lands),
        Step("End your script", """\
After the landing there is nothing left to do: let the script end.""", check=finishes),
    ),
    starter=STARTER,
    solution=SOLUTION,
    sim_time_scale=SCALE,
)
