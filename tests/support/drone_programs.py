"""Programs a student might write for the drone lessons, wrong and right, as data.

The same catalogue as ``lesson_programs`` (its :class:`Wrong` and :class:`Right`, its
``KINDS``), for ``drone-hover`` and ``drone-square``; ``tests/kitsdk/test_lessons_drone.py``
runs them through the real checker. Each check flies a simulated drone of its own, ten
times faster than real time (the lessons' ``sim_time_scale``), and reads that drone's own
record: a program that prints "landed", or sleeps while the drone lands by itself, or flies
a shape that only looks like a square in its code, must fail where it goes wrong.

A drone's mistakes of each kind: never taking off or the wrong move first (``logic``), too
few or too many sides (``count``), landing too early or waiting with ``sleep`` so the drone
lands by itself (``timing``), never landing (``never ends``), leaving the drone in the air
for the kit to land (``left on``), and a landing or a square claimed but not flown
(``luck``).
"""

from __future__ import annotations

import textwrap

from lesson_programs import Right, Wrong, edit, program

SQUARE = """\
kit.drone.takeoff()
for side in range({sides}):
    kit.drone.forward({length})
    kit.drone.turn_right({turn})
"""


def square(*, sides: int = 4, length: int = 100, turn: int = 90, then: str = "") -> str:
    """A square flown by the drone (or not quite), and ``then`` after it."""
    return program("drone", SQUARE.format(sides=sides, length=length, turn=turn)
                   + textwrap.dedent(then))


WRONG: tuple[Wrong, ...] = (
    # -- drone-hover: 1 take off, 2 hover 20 s, 3 land (its own land()), 4 end --
    Wrong("drone-hover", "never takes off", "logic",
          edit("drone-hover", ("kit.drone.takeoff()\n", "")), 1,
          saw=("on the ground", "not flying"), hint=("takeoff()",), running=False),
    Wrong("drone-hover", "climbs instead of taking off", "logic",
          edit("drone-hover", ("kit.drone.takeoff()", "kit.drone.up(80)")), 1,
          saw=("on the ground",), hint=("takeoff()",), running=False),
    Wrong("drone-hover", "lands at once", "timing",
          edit("drone-hover", ("kit.drone.hover(20)\n", "")), 2,
          saw=("landed 0.",), hint=("hover(20)",), running=False),
    Wrong("drone-hover", "hovers 5 s", "timing",
          edit("drone-hover", ("hover(20)", "hover(5)")), 2,
          saw=("landed 5.",), hint=("hover(20)",), running=False),
    Wrong("drone-hover", "waits with sleep", "timing",
          edit("drone-hover", ("kit.drone.hover(20)", "from time import sleep\nsleep(20)")),
          2, saw=("landed by itself", "no command for 15 s"), hint=("not with sleep()",),
          running=True),
    Wrong("drone-hover", "never lands", "never ends", program("drone", """\
        kit.drone.takeoff()
        while True:
            kit.drone.hover(1)
        """), 3, saw=("still flying",), hint=("kit.drone.land()",), running=True),
    Wrong("drone-hover", "forgets to land", "left on",
          edit("drone-hover", ("kit.drone.land()\n", "")), 3,
          saw=("still in the air", "landed it for you"), hint=("kit.drone.land()",),
          running=False),
    Wrong("drone-hover", "prints landed without landing", "luck",
          edit("drone-hover", ("kit.drone.land()", 'print("landed")')), 3,
          saw=("still in the air",), hint=("kit.drone.land()",), running=False),
    Wrong("drone-hover", "stops the motors in the air", "logic",
          edit("drone-hover", ("kit.drone.land()", "kit.drone.emergency()")), 3,
          saw=("stopped its motors 80 cm up",), hint=("kit.drone.land()",), running=False),
    Wrong("drone-hover", "an error before landing", "left on",
          edit("drone-hover", ("kit.drone.land()", "print(kit.drone.hieght)\nkit.drone.land()")),
          3, saw=("still in the air", "AttributeError", "hieght"), hint=("fix that error first",),
          running=False),
    Wrong("drone-hover", "hovers a minute", "timing",
          edit("drone-hover", ("hover(20)", "hover(60)")), 3,
          saw=("still flying 3",), hint=("about 20 s",)),
    Wrong("drone-hover", "waits for ever after landing", "never ends",
          edit("drone-hover", ("kit.drone.land()\n", "kit.drone.land()\nimport time\n"
                               "while True:\n    time.sleep(0.1)\n")), 4,
          saw=("still running",), hint=("end your script",), running=True),
    Wrong("drone-hover", "hovers on after landing", "logic",
          edit("drone-hover", ("kit.drone.land()\n", "kit.drone.land()\nkit.drone.hover(5)\n")),
          4, saw=("stopped with an error", "not flying"), hint=("fix that error first",),
          running=False),
    # -- drone-square: 1 take off, 2 the first side, 3 the square, 4 land where it began --
    Wrong("drone-square", "never takes off", "logic",
          edit("drone-square", ("kit.drone.takeoff()\n", "")), 1,
          saw=("on the ground", "not flying"), hint=("takeoff()",), running=False),
    Wrong("drone-square", "a square printed, not flown", "luck", program("drone", """\
        kit.drone.takeoff()
        for side in range(4):
            print("forward 100")
            print("turn right 90")
        kit.drone.land()
        """), 2, saw=("did not fly anywhere",), hint=("forward(100)",), running=False),
    Wrong("drone-square", "sides of 50 cm", "logic", square(length=50, then="kit.drone.land()\n"),
          2, saw=("first side was 50 cm",), hint=("forward(100)",)),
    Wrong("drone-square", "three sides", "count", square(sides=3, then="kit.drone.land()\n"),
          3, saw=("3 sides", "landed"), hint=("range(4)",), running=False),
    Wrong("drone-square", "five sides", "count", square(sides=5, then="kit.drone.land()\n"),
          4, saw=("landed 100 cm from where it took off", "5 sides"), hint=("exactly 4",),
          running=False),
    Wrong("drone-square", "turns 60 degrees", "logic",
          square(turn=60, then="kit.drone.land()\n"), 3,
          saw=("turned 60° right",), hint=("turn 90°",), running=False),
    Wrong("drone-square", "turns right, then left", "logic", program("drone", """\
        kit.drone.takeoff()
        for side in range(2):
            kit.drone.forward(100)
            kit.drone.turn_right(90)
            kit.drone.forward(100)
            kit.drone.turn_left(90)
        kit.drone.land()
        """), 3, saw=("right after side 1, but left after side 2",), hint=("same way",),
          running=False),
    Wrong("drone-square", "the last side short", "logic", program("drone", """\
        kit.drone.takeoff()
        for side in range(3):
            kit.drone.forward(100)
            kit.drone.turn_right(90)
        kit.drone.forward(50)
        kit.drone.land()
        """), 3, saw=("side 4 was 50 cm",), hint=("forward(100)",), running=False),
    Wrong("drone-square", "an error after two sides", "left on", square(sides=2, then="""\
        print(kit.drone.corner)
        kit.drone.land()
        """), 3, saw=("2 sides", "AttributeError"), hint=("fix that error first",),
          running=False),
    Wrong("drone-square", "never lands", "never ends", square(then="""\
        while True:
            kit.drone.hover(1)
        """), 4, saw=("still flying",), hint=("kit.drone.land()",), running=True),
    Wrong("drone-square", "waits with sleep to land", "timing", square(then="""\
        sleep(20)
        kit.drone.land()
        """), 4, saw=("landed by itself",), hint=("hover(", "sleep()"), running=True),
    Wrong("drone-square", "prints landed without landing", "luck",
          square(then='print("landed where I started")\n'), 4,
          saw=("still in the air", "landed it for you"), hint=("kit.drone.land()",),
          running=False),
)

RIGHT: tuple[Right, ...] = (
    Right("drone-hover", "hovers a second at a time", program("drone", """\
        kit.drone.takeoff()
        for second in range(20):
            kit.drone.hover(1)
        kit.drone.land()
        """)),
    Right("drone-hover", "hovers 25 s, minding the battery", program("drone", """\
        kit.drone.takeoff()
        for i in range(5):
            print("battery", kit.drone.battery, "%")
            kit.drone.hover(5)
        kit.drone.land()
        """)),
    Right("drone-square", "to the left", square(then="kit.drone.land()\n").replace(
        "turn_right", "turn_left")),
    Right("drone-square", "sideways, never turning", program("drone", """\
        kit.drone.takeoff()
        kit.drone.forward(100)
        kit.drone.right(100)
        kit.drone.back(100)
        kit.drone.left(100)
        kit.drone.land()
        """)),
    Right("drone-square", "each side in two halves", program("drone", """\
        kit.drone.takeoff()
        for side in range(4):
            kit.drone.forward(50)
            kit.drone.forward(50)
            kit.drone.turn_right(90)
        kit.drone.land()
        """)),
)
