"""Lesson: line following. Two sensors, three cases, and steering in a fast loop."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from ...sim.rover import SENSOR_SPREAD, SENSORS_AHEAD
from ..checks import how_it_ran
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

#: Metres: the radius of the circle of tape, how far round it the rover must go, and how far
#: its sensors' middle may stray from the tape's middle before it has lost the line.
RADIUS, DISTANCE, LOST = 0.4, 0.4, 0.04
#: Seconds the rover has to steer towards the line after the check turned it off it: a
#: rover driving a fixed curve, or steering one way only, does not.
REACT = 0.5
#: The drive base's motor pins, each wheel forward and backward.
MOTORS = ("left.forward", "left.backward", "right.forward", "right.backward")


def setup(trial: Trial) -> None:
    trial.rover(line=RADIUS)


def moves_along(trial: Trial) -> None:
    # Staying on the line is the next step's: here it only has to get going.
    if trial.wait(lambda: trial.rover_report()["along_line"] > 0.03, 3.0):
        return
    report = trial.rover_report()
    if report["along_line"] < -0.02:
        raise StepFailed(saw="your rover drove backwards",
                         hint="forward is kit.drive.forward(0.3)")
    if trial.ended and report["left"] > 0 and report["right"] > 0:
        raise StepFailed(saw=f"{how_it_ran(trial)}, before your rover had gone anywhere",
                         hint="keep it driving in a while True: loop")
    raise StepFailed(saw="your rover did not move along the line",
                     hint="drive slowly forward: kit.drive.forward(0.3)")


def follows_the_curve(trial: Trial) -> None:
    _follow(trial, DISTANCE / 2, "")
    for side, sensor in (("left", "right"), ("right", "left")):
        # Turn it just so far that the line is under one sensor: a follower turns that way.
        degrees = _kick(trial.rover_report(), sensor)
        kicked = trial.turn_rover(degrees)
        nudged = f", after I turned it {abs(degrees):.0f}° to the {side}"
        if not trial.wait(partial(_steered, trial, kicked, sensor), REACT):
            raise StepFailed(
                saw=f"I turned your rover {abs(degrees):.0f}° to the {side}, so the line was "
                    f"under line_{sensor}, and it did not turn {sensor}"
                    + (f" ({how_it_ran(trial)})" if trial.ended else ""),
                hint=f"when line_{sensor} sees the line, the line is on the {sensor}: turn "
                     f"{sensor} (kit.drive.{sensor}(0.3)); read both sensors each time round "
                     "the loop")
        _follow(trial, DISTANCE / 4, nudged)


def _kick(report: dict[str, Any], sensor: str) -> float:
    """Degrees to turn the rover on the spot (anticlockwise if positive) to put line sensor
    ``sensor`` over the middle of the line: the first angle up to 60° where it crosses it."""
    side = SENSOR_SPREAD / 2 * (1 if sensor == "left" else -1)
    turn = -1 if sensor == "left" else 1  # the right sensor comes to the line turning left
    x, y, heading = report["x"], report["y"], math.radians(report["heading"])

    def off(degrees: float) -> float:
        angle = heading + math.radians(turn * degrees)
        px = x + SENSORS_AHEAD * math.cos(angle) - side * math.sin(angle)
        py = y + SENSORS_AHEAD * math.sin(angle) + side * math.cos(angle)
        return math.hypot(px, py - RADIUS) - RADIUS

    angles = [quarter / 4 for quarter in range(1, 241)]
    outside = off(0.0) > 0
    crossing = next((a for a in angles if (off(a) > 0) != outside), None)
    return turn * (crossing if crossing is not None else min(angles, key=lambda a: abs(off(a))))


def _steered(trial: Trial, since: float, towards: str) -> bool:
    """Whether the rover turned ``towards`` ("left" or "right") at any moment since
    ``since``: read from the motor pins' journal, so no quick turn is missed."""
    histories = {role: trial.history("drive", role) for role in MOTORS}

    def level(role: str, t: float) -> float:
        value = 0.0
        for when, changed in histories[role]:
            if when > t:
                break
            value = changed
        return value

    for t in sorted({since, *(w for h in histories.values() for w, _ in h if w >= since)}):
        left = level("left.forward", t) - level("left.backward", t)
        right = level("right.forward", t) - level("right.backward", t)
        if (left - right if towards == "right" else right - left) > 0.05:
            return True
    return False


def _follow(trial: Trial, distance: float, nudged: str) -> None:
    """Let the rover go ``distance`` further along the line; it must not lose it."""
    start = trial.rover_report()["along_line"]
    worst = 0.0

    def lost() -> bool:
        nonlocal worst
        report = trial.rover_report()
        worst = max(worst, report["off_line"])
        return bool(worst > LOST or report["along_line"] >= start + distance)

    trial.wait(lost, 6.0)
    report = trial.rover_report()
    along = max(report["along_line"], 0) * 100
    if worst > LOST:
        raise StepFailed(
            saw=f"your rover lost the line {along:.0f} cm after the start{nudged}"
                + ("" if nudged else ", where it curves to the left"),
            hint="when line_left sees the line, the line is on the left: turn left "
                 "(kit.drive.left(0.3)); when line_right sees it, turn right; otherwise "
                 "drive forward")
    if trial.ended:
        raise StepFailed(saw=f"{how_it_ran(trial)}, when your rover had gone {along:.0f} cm "
                             "along the line",
                         hint="keep following the line in a while True: loop")
    if report["along_line"] < start + distance:
        raise StepFailed(saw=f"your rover stayed on the line but went only "
                             f"{(report['along_line'] - start) * 100:.0f} cm in 6 s{nudged}",
                         hint="keep it moving: drive forward when neither sensor sees the line")


STARTER = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("rover")

# Step 1: drive slowly forward, and print what the line sensors see.
print(kit.line_left.line_detected, kit.line_right.line_detected)
sleep(1)
'''

SOLUTION = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("rover")

while True:
    left = kit.line_left.line_detected
    right = kit.line_right.line_detected
    if left and not right:
        kit.drive.left(0.3)
    elif right and not left:
        kit.drive.right(0.3)
    else:
        kit.drive.forward(0.3)
    sleep(0.01)
'''

LESSON = Lesson(
    id="line-follower",
    title="Line following",
    level=3,
    minutes=45,
    profile="rover",
    intro=f"""\
Factory robots follow lines painted on the floor. Your rover has two line sensors under its
nose, `kit.line_left` and `kit.line_right`, one each side of the line.
`kit.line_left.line_detected` is `True` while that sensor is over the line.

If the left sensor sees the line, the rover has drifted right, so it must turn left; and
the other way round. If neither sees it, the line is between them: drive on.

On a laptop the rover is simulated on a circle of tape {RADIUS * 200:.0f} cm across that
curves to the left.""",
    steps=(
        Step("Start moving along the line", """\
Drive slowly forward with `kit.drive.forward(0.3)`, in a `while True:` loop.""",
             check=moves_along),
        Step("Follow the curve", """\
Inside the loop, read both sensors. If only the left one sees the line, turn left with
`kit.drive.left(0.3)`; if only the right one does, `kit.drive.right(0.3)`; otherwise drive
forward. Check often: `sleep(0.01)`. The check turns your rover a little off the line, once to
the left and once to the right: it must steer back by itself.""", check=follows_the_curve),
    ),
    starter=STARTER,
    solution=SOLUTION,
    setup=setup,
)
