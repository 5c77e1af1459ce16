"""Lesson: a rover that stops before walls. Sensing and acting in a loop, on wheels."""

from __future__ import annotations

from typing import Any

from ..checks import expect, how_it_ran, seconds
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

#: Metres from the distance sensor to the wall at the start; the stopping distance asked
#: for; the farthest from the wall a stop still counts as "at the wall" (the sensor's
#: readings lag a little, so a rover that stops at "< 0.2" stands about 14 cm off; one that
#: stops at "< 0.3" about 24 cm).
WALL, STOP, TOO_FAR = 0.5, 0.2, 0.2


def setup(trial: Trial) -> None:
    trial.rover(wall=WALL)


def _moving(report: dict[str, Any]) -> bool:
    return bool(report["left"] != 0 or report["right"] != 0)


def drives(trial: Trial) -> None:
    if trial.wait(lambda: trial.rover_report()["x"] > 0.05, 3.0):
        return
    report = trial.rover_report()
    if report["x"] < -0.02:
        raise StepFailed(saw="your rover drove backwards",
                         hint="forward is kit.drive.forward(0.5)")
    if abs(report["heading"]) > 20:
        raise StepFailed(saw="your rover turned on the spot",
                         hint="drive both wheels forward together: kit.drive.forward(0.5)")
    if trial.ended and _moving(report):  # the safety net stopped it as the script ended
        raise StepFailed(saw=f"{how_it_ran(trial)}, before your rover had gone anywhere",
                         hint="keep your script running while the rover drives: sleep(2) "
                              "after kit.drive.forward(0.5)")
    raise StepFailed(saw="your rover did not move", hint="drive it with kit.drive.forward(0.5)")


def stops_before_the_wall(trial: Trial) -> None:
    def settled() -> bool:
        report = trial.rover_report()
        return report["bumped_after"] is not None or not _moving(report)

    trial.wait(settled, 6.0)
    report = trial.rover_report()
    if report["bumped_after"] is None and not _moving(report):
        trial.run_for(0.5)  # a stop must last: not a stutter in the loop
        report = trial.rover_report()
    if report["bumped_after"] is not None:
        raise StepFailed(saw=f"your rover hit the wall {seconds(report['bumped_after'])} after "
                             f"it started, at {report['bump_speed']:.2f} m/s",
                         hint=f"read kit.distance.distance again and again in a loop, and "
                              f"stop when it is less than {STOP}: kit.drive.stop()")
    if _moving(report):
        raise StepFailed(saw=f"your rover was still driving, {report['gap'] * 100:.0f} cm "
                             "from the wall",
                         hint=f"stop when the wall is less than {STOP} m away: "
                              "kit.drive.stop()")
    if report["gap"] > TOO_FAR:
        raise StepFailed(saw=f"your rover stopped {report['gap'] * 100:.0f} cm from the wall",
                         hint=f"drive on until the wall is less than {STOP} m away: keep "
                              "checking kit.distance.distance while you drive")


def drives_on_when_clear(trial: Trial) -> None:
    if trial.ended:
        raise StepFailed(saw="your script ended after the rover stopped",
                         hint="keep checking in a while True: loop: drive forward when the "
                              "way is clear, stop when the wall is near (if ... else ...)")
    trial.turn_rover(180)
    expect(trial, lambda: trial.rover_report()["left"] > 0 and trial.rover_report()["right"] > 0,
           2.0, saw="I turned your rover round so the way was clear, but it stayed where it was",
           hint="keep checking in a while True: loop: drive forward when the way is clear, "
                "stop when the wall is near (if ... else ...)")


STARTER = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("rover")

# Step 1: drive forward at half speed.

sleep(1)
kit.drive.stop()
'''

SOLUTION = f'''\
from time import sleep

from kitsdk import Kit

kit = Kit("rover")

while True:
    if kit.distance.distance < {STOP}:
        kit.drive.stop()
    else:
        kit.drive.forward(0.5)
    sleep(0.05)
'''

LESSON = Lesson(
    id="rover-walls",
    title="A rover that stops before walls",
    level=2,
    minutes=30,
    profile="rover",
    intro=f"""\
A robot must not crash. Your rover's distance sensor looks straight ahead:
`kit.distance.distance` is how far away the wall is, in metres. `kit.drive.forward(0.5)`
drives at half speed and `kit.drive.stop()` stops.

On a laptop the rover is simulated: it starts {WALL * 100:.0f} cm from a wall, and the
distance goes down as it drives.""",
    steps=(
        Step("Drive forward", """\
Drive forward at half speed: `kit.drive.forward(0.5)`.""", check=drives),
        Step("Stop before the wall", f"""\
In a `while True:` loop, read the distance. When it is less than {STOP} m, stop; otherwise
drive forward. Wait a little each time round the loop: `sleep(0.05)`.""",
             check=stops_before_the_wall),
        Step("Drive on when the way is clear", """\
Keep the loop going after the stop: if someone turns the rover round, the way is clear
again and it should drive on by itself.""", check=drives_on_when_clear),
    ),
    starter=STARTER,
    solution=SOLUTION,
    setup=setup,
)
