"""Lesson: fly a square and land where you took off. A loop, in the air.

The checks read the way the simulated drone itself flew (:mod:`kitsdk.lessons.flight`):
where each move and turn ended and where it landed, never what the script printed. So a
square is four sides of the right length with the same turn at each corner, and "back
where it started" is measured, not claimed.
"""

from __future__ import annotations

import math
from typing import Final

from ..checks import near
from ..exc import StepFailed
from ..flight import SLACK, Flight, flight, landing_failure, real, takes_off
from ..lesson import Lesson, Step
from ..trial import Trial

#: A side of the square, in cm, and how far off a side may be.
SIDE: Final = 100
SIDE_OFF: Final = 20
#: The turn at each corner, in degrees, and how far off it may be.
TURN: Final = 90
TURN_OFF: Final = 15
#: How far from the take-off spot (cm) a landing still counts as "where it started".
HOME: Final = 30
#: The drone's seconds for one side and one corner at the kit's 50 cm/s (with the settle).
LEG: Final = SIDE / 50 + 0.3 + TURN / 90 + 0.3
#: How many times faster than real time the drone flies in a check.
SCALE: Final = 10.0


def _sides_so_far(seen: Flight) -> str:
    count = len(seen.sides())
    return f"{count} side{'s' if count != 1 else ''}"


def flies_a_side(trial: Trial) -> None:
    def done() -> bool:
        seen = flight(trial)
        return len(seen.corners()) >= 3 or seen.landing is not None

    trial.wait(done, real(trial, 2 * LEG) + SLACK)
    seen = flight(trial)
    sides = seen.sides()
    if not sides:
        where = ("it landed" if seen.landing is not None else
                 "then your script ended" if trial.ended else "it stayed where it was")
        raise StepFailed(saw=f"your drone took off, but did not fly anywhere: {where}",
                         hint=f"fly the first side: kit.drone.forward({SIDE})")
    if not near(sides[0], SIDE, SIDE_OFF):
        raise StepFailed(saw=f"the first side was {sides[0]:.0f} cm long",
                         hint=f"make each side {SIDE} cm: kit.drone.forward({SIDE})")


def flies_a_square(trial: Trial) -> None:
    """The first four sides (more are the landing's to judge: the drone may still be on
    its way round when the fourth side has brought it home)."""

    def done() -> bool:
        seen = flight(trial)
        corners = seen.corners()
        home = len(corners) >= 5 and math.dist(corners[0], corners[4]) <= HOME
        return home or seen.landing is not None

    trial.wait(done, real(trial, 5 * LEG) + SLACK)
    seen = flight(trial)
    sides, turns = seen.sides(), seen.turns()
    for number, length in enumerate(sides[:4], 1):
        if not near(length, SIDE, SIDE_OFF):
            raise StepFailed(saw=f"side {number} was {length:.0f} cm long",
                             hint=f"make every side {SIDE} cm: kit.drone.forward({SIDE})")
    for number, turn in enumerate(turns[:3], 1):
        if not near(abs(turn), TURN, TURN_OFF):
            raise StepFailed(saw=f"after side {number} your drone turned {abs(turn):.0f}° "
                                 f"{'right' if turn > 0 else 'left'}",
                             hint=f"turn {TURN}° at every corner: "
                                  f"kit.drone.turn_right({TURN})")
        if (turn > 0) != (turns[0] > 0):
            raise StepFailed(saw=f"your drone turned {'right' if turns[0] > 0 else 'left'} "
                                 f"after side 1, but {'right' if turn > 0 else 'left'} after "
                                 f"side {number}",
                             hint=f"turn the same way at every corner: "
                                  f"kit.drone.turn_right({TURN}) each time")
    if len(sides) < 4:
        then = ("then it landed" if seen.landing is not None else
                "then your script ended" if trial.ended else "then it stopped")
        raise StepFailed(saw=f"your drone flew {_sides_so_far(seen)} of the square; {then}",
                         hint="a square has 4 sides: fly a side and turn, 4 times: "
                              "for i in range(4):")


def lands_at_home(trial: Trial) -> None:
    trial.wait(lambda: flight(trial).landing is not None, real(trial, 2 * LEG) + SLACK)
    seen = flight(trial)
    failure = landing_failure(trial, seen)
    if failure is not None:
        raise failure
    assert seen.landing is not None
    corners = seen.corners()
    away = math.dist(corners[0], (seen.landing["x"], seen.landing["y"]))
    if len(corners) > 5:  # more sides than a square (twice round lands at home, too)
        raise StepFailed(saw=f"your drone flew {_sides_so_far(seen)}, then landed {away:.0f} "
                             "cm from where it took off",
                         hint="a square has exactly 4 sides: fly a side and turn 4 times "
                              "(for i in range(4):), then land")
    if away > HOME:
        raise StepFailed(saw=f"your drone landed {away:.0f} cm from where it took off, "
                             f"after {_sides_so_far(seen)}",
                         hint=f"fly exactly 4 sides of {SIDE} cm with a {TURN}° turn after "
                              "each, then land: a square ends where it began")


STARTER = '''\
from kitsdk import Kit

kit = Kit("drone")

# Step 1: take off.

# Steps 2 and 3: fly a square: forward 100 cm, then turn right 90 degrees, four times.

# Step 4: land.
'''

SOLUTION = f'''\
from kitsdk import Kit

kit = Kit("drone")

kit.drone.takeoff()
for side in range(4):
    kit.drone.forward({SIDE})
    kit.drone.turn_right({TURN})
kit.drone.land()
'''

LESSON = Lesson(
    id="drone-square",
    title="Fly a square",
    level=2,
    minutes=30,
    profile="drone",
    intro=f"""\
A drone can draw shapes in the air. `kit.drone.forward({SIDE})` flies {SIDE} cm straight
ahead, and `kit.drone.turn_right({TURN})` turns it on the spot by {TURN} degrees, a quarter of
a full turn. Fly a side and turn, four times, and the drone is back where it started.

Your drone flies in a room of 4 m x 3 m and takes off in the middle, so a square of
{SIDE / 100:g} m fits. On a laptop the drone is simulated. The check flies it {SCALE:g}
times faster than real time and looks at where the drone really went.""",
    steps=(
        Step("Take off", "Make the drone take off: `kit.drone.takeoff()`.", check=takes_off),
        Step("Fly the first side", f"""\
Fly the first side of the square: `kit.drone.forward({SIDE})`.""", check=flies_a_side),
        Step("Fly a square", f"""\
At each corner turn {TURN} degrees, always the same way: `kit.drone.turn_right({TURN})`.
Fly and turn four times. A `for` loop saves you typing it all out:
`for side in range(4):`.""", check=flies_a_square),
        Step("Land where you started", f"""\
After the fourth side, land: `kit.drone.land()`. The drone should come down within
{HOME} cm of where it took off.""", check=lands_at_home),
    ),
    starter=STARTER,
    solution=SOLUTION,
    sim_time_scale=SCALE,
)
