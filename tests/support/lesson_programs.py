"""Programs a student might write for each built-in lesson, wrong and right, as data.

A lesson's checks must not be fooled: every program in :data:`WRONG` must fail at the step
it names, with a ``saw`` and a hint that contain the words given, and every program in
:data:`RIGHT` (another way of doing it correctly) must pass, like the lesson's solution.
``tests/kitsdk/test_lessons_wrong.py`` runs them all through the real checker. The drone
lessons' programs are in ``drone_programs.py`` (``test_lessons_drone.py`` runs them).

A new lesson adds its own entries here: the kinds of mistake worth one each are too many or
too few repetitions, never ending, wrong timing, the wrong device, ending without cleaning
up (an output left on), and doing the right thing once by luck (a number made up, a value
read once, a path driven blind). ``program(kit, body)`` writes the usual first lines;
``edit(lesson, (old, new), ...)`` changes the lesson's own solution.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from kitsdk.lessons import Report, find

#: The kinds of mistake: each lesson's wrong programs cover several of them.
KINDS = {
    "count": "too many or too few repetitions",
    "never ends": "a loop that never ends where the program must end",
    "ends early": "ending where the program must go on (a value read once, no loop)",
    "timing": "waits too long, too short, or not at all",
    "device": "the wrong part, or one the kit does not have",
    "left on": "ending, or going on, without switching an output off",
    "luck": "right once, by luck: a made-up value, a path driven blind, a first go only",
    "logic": "the wrong order, condition, direction or threshold",
}


@dataclass(frozen=True)
class Wrong:
    """A wrong program of one of the :data:`KINDS`, where the check must stop it, and what
    it must say.

    ``running``: True if the program was still running when the check finished (it never
    ends), False if it ended by itself, None if either is right.
    """

    lesson: str
    name: str
    kind: str
    program: str
    step: int
    saw: tuple[str, ...] = ()
    hint: tuple[str, ...] = ()
    running: bool | None = None


@dataclass(frozen=True)
class Right:
    """Another correct program: it must pass every step, as the solution does."""

    lesson: str
    name: str
    program: str


def described(report: Report) -> str:
    """A report as a failing test shows it: each step's verdict, what it saw, its hint."""
    return "\n".join(f"step {r.number} {r.passed}: {r.saw} / {r.hint}"
                     for r in report.results) + f"\nended by itself: {report.ended}"


def assert_fails_where_it_goes_wrong(report: Report, wrong: Wrong) -> None:
    """``report`` passed every step before ``wrong.step``, failed that one saying the words
    ``wrong`` names (not a bug of the check's own), and the script ran as ``running`` says."""
    passed = [r.passed for r in report.results]
    assert passed[:wrong.step] == [True] * (wrong.step - 1) + [False], described(report)
    failed = report.results[wrong.step - 1]
    for words in wrong.saw:
        assert words in failed.saw, described(report)
    for words in wrong.hint:
        assert words in failed.hint, described(report)
    assert "went wrong" not in failed.saw, described(report)  # a bug in the check itself
    if wrong.running is not None:
        assert report.ended is not wrong.running, described(report)


def program(kit: str, body: str) -> str:
    """A script for ``kit`` (``"starter"``, ``"alarm.toml"``): the imports, the kit, ``body``."""
    return ("from random import uniform\nfrom time import sleep, time\n\nfrom kitsdk import Kit\n\n"
            f'kit = Kit("{kit}")\n' + textwrap.dedent(body))


def edit(lesson: str, *changes: tuple[str, str]) -> str:
    """The lesson's solution with each ``(old, new)`` made; ``old`` must be in it once."""
    text = find(lesson).solution
    for old, new in changes:
        if text.count(old) != 1:
            raise AssertionError(f"{lesson}'s solution has {old!r} {text.count(old)} times")
        text = text.replace(old, new)
    return text


def loop(text: str, cases: str) -> str:
    """``text`` with the ``{cases}`` of its loop filled in (any indentation)."""
    return text.format(cases=textwrap.indent(textwrap.dedent(cases), "    ").rstrip("\n"))


BLINK = """\
for i in range({times}):
    kit.red.on()
    sleep(0.3)
    kit.red.off()
    sleep(0.3)
"""

MORSE = """\
def beep(seconds):
    kit.buzzer.on()
    sleep(seconds)
    kit.buzzer.off()
    sleep(0.1)


def letter(beeps):
    for seconds in beeps:
        beep(seconds)
    sleep(0.2)


S = [0.1, 0.1, 0.1]
O = [0.3, 0.3, 0.3]
"""

LOG = """\
print(kit.light.value)
with open("light.csv", "w", newline="") as file:
    writer = csv.writer(file)
    writer.writerow(["time", "light"])
    for i in range({readings}):
        writer.writerow([time(), kit.light.value])
        sleep({every})
"""


def log(readings: int = 10, every: float = 0.2) -> str:
    return "import csv\n" + program("starter", LOG.format(readings=readings, every=every))


STEER = """\
while True:
    left = kit.line_left.line_detected
    right = kit.line_right.line_detected
{cases}
    sleep(0.01)
"""

CARDS = """\
while True:
    colour = kit.camera.dominant_colour().name
    print("I see", colour)
{cases}
    sleep(0.1)
"""

NIGHT = """\
while True:
    light = kit.light.value
    print(light, kit.temperature.temperature)
{cases}
    sleep(0.2)
"""

WRONG: tuple[Wrong, ...] = (
    # -- blink: 1 the red LED on, 2 the blink's rhythm, 3 exactly five blinks and the end --
    Wrong("blink", "the green LED", "device", program("starter", "kit.green.on()\nsleep(1)\n"), 1,
          saw=("green",), hint=("kit.red.on()",)),
    Wrong("blink", "no wait after off", "timing",
          edit("blink", ("    sleep(0.3)\nprint", "print")), 2,
          saw=("off for only",), hint=("sleep(0.3) after kit.red.off()",)),
    Wrong("blink", "too slow", "timing",
          edit("blink", ("kit.red.on()\n    sleep(0.3)", "kit.red.on()\n    sleep(0.6)")), 2,
          saw=("on for 0.6",), hint=("0.3 s on",)),
    Wrong("blink", "never ends", "never ends",
          program("starter", BLINK.replace("for i in range({times})", "while True")), 3,
          saw=("still running",), hint=("for i in range(5):",), running=True),
    Wrong("blink", "seven blinks", "count", program("starter", BLINK.format(times=7)), 3,
          saw=("7 times",), hint=("exactly 5",), running=False),
    Wrong("blink", "four blinks", "count", program("starter", BLINK.format(times=4)), 3,
          saw=("4 times",), hint=("for i in range(5):",), running=False),
    Wrong("blink", "five, then waits for ever", "never ends",
          program("starter", BLINK.format(times=5) + "while True:\n    sleep(1)\n"), 3,
          saw=("still running", "5 times"), hint=("end after the last blink",), running=True),
    Wrong("blink", "left on at the end", "left on", program("starter", """\
        for i in range(5):
            kit.red.off()
            sleep(0.3)
            kit.red.on()
            sleep(0.3)
        """), 3, saw=("still on when your script ended",), hint=("kit.red.off()",),
          running=False),
    Wrong("blink", "only the first blink on time", "luck", program("starter", """\
        wait = 0.3
        for i in range(5):
            kit.red.on()
            sleep(wait)
            kit.red.off()
            sleep(0.3)
            wait = wait / 3
        """), 3, saw=("blink 2 was on for 0.1",), hint=("every blink",), running=False),

    # -- traffic lights: 1 red first, 2 the order, 3 the timings --
    Wrong("traffic-lights", "starts on green", "logic",
          program("starter", "kit.green.on()\nsleep(1)\nkit.green.off()\nkit.red.on()\n"
                             "sleep(1)\n"), 1, saw=("first light was green",),
          hint=("kit.red.on()",)),
    Wrong("traffic-lights", "no red and amber", "logic", edit("traffic-lights", (
        "kit.amber.on()\nsleep(0.5)\nkit.red.off()\nkit.amber.off()\n", "kit.red.off()\n")),
          2, saw=("the lights went red 1.", "→ green"),
          hint=("after red comes red and amber: kit.amber.on()",)),
    Wrong("traffic-lights", "amber alone after red", "logic",
          edit("traffic-lights", ("kit.red.on()\nsleep(1)\nkit.amber.on()",
                                  "kit.red.on()\nsleep(1)\nkit.red.off()\nkit.amber.on()")),
          2, saw=("the lights went red 1.", "→ amber"), hint=("red and amber",)),
    Wrong("traffic-lights", "the wrong light for amber", "device",
          edit("traffic-lights", ("kit.red.on()\nsleep(1)\nkit.amber.on()",
                                  "kit.red.on()\nsleep(1)\nkit.green.on()")),
          2, saw=("red and green",), hint=("kit.amber.on()",)),
    Wrong("traffic-lights", "a light that is not there", "device",
          edit("traffic-lights", ("kit.red.on()\nsleep(1)\nkit.amber.on()",
                                  "kit.red.on()\nsleep(1)\nkit.yellow.on()")),
          2, saw=("yellow", "line 9"), hint=("fix that error first",), running=False),
    Wrong("traffic-lights", "forgets red at the end", "logic",
          edit("traffic-lights", ("kit.amber.off()\nkit.red.on()", "kit.amber.off()")), 2,
          saw=("→ amber 0.", "→ all off"), hint=("after amber comes red",)),
    Wrong("traffic-lights", "green too long", "timing",
          edit("traffic-lights", ("kit.green.on()\nsleep(1)", "kit.green.on()\nsleep(2)")), 3,
          saw=("green stayed on for 2.",), hint=("sleep(1)",)),
    Wrong("traffic-lights", "every light for a second", "timing",
          edit("traffic-lights", ("sleep(0.5)\nkit.red.off()", "sleep(1)\nkit.red.off()"),
               ("sleep(0.5)\nkit.amber.off()", "sleep(1)\nkit.amber.off()")), 3,
          saw=("red and amber stayed on for 1.",), hint=("sleep(0.5)",)),
    Wrong("traffic-lights", "the last amber too short", "luck",
          edit("traffic-lights", ("sleep(0.5)\nkit.amber.off()", "sleep(0.2)\nkit.amber.off()")),
          3,
          saw=("amber stayed on for 0.2",), hint=("sleep(0.5)",)),

    # -- reaction game: 1 the light after a wait, 2 the button, 3 the time it took --
    Wrong("reaction-game", "no surprise wait", "timing",
          edit("reaction-game", ("sleep(uniform(1, 2))\n", "")), 1,
          saw=("straight away",), hint=("sleep(uniform(1, 2))",)),
    Wrong("reaction-game", "the red LED", "device",
          edit("reaction-game", ("kit.green.on()", "kit.red.on()"),
               ("kit.green.off()", "kit.red.off()")), 1,
          saw=("red LED", "green LED stayed off"), hint=("kit.green.on()",)),
    Wrong("reaction-game", "does not wait for the button", "logic",
          edit("reaction-game", ("kit.button.wait_for_press()", "sleep(0.1)")), 2,
          saw=("before anyone pressed",), hint=("kit.button.wait_for_press()",)),
    Wrong("reaction-game", "leaves the LED on", "left on",
          edit("reaction-game", ("kit.green.off()\n", "")), 2,
          saw=("stayed on",), hint=("kit.green.off()",)),
    Wrong("reaction-game", "timing from the start", "timing", program("starter", """\
        start = time()
        sleep(uniform(1, 2))
        kit.green.on()
        kit.button.wait_for_press()
        kit.green.off()
        print("You took", time() - start, "seconds")
        """), 3, saw=("you printed",), hint=("start timing when the LED turns on",)),
    Wrong("reaction-game", "milliseconds", "logic",
          edit("reaction-game", ("{reaction:.2f} seconds", "{reaction * 1000:.0f} ms")), 3,
          saw=("milliseconds",), hint=("in seconds",)),
    Wrong("reaction-game", "a made-up time", "luck",
          edit("reaction-game", ("{reaction:.2f} seconds", "0.3 seconds")), 3,
          saw=("you printed 0.3",), hint=("reaction = time() - start",)),
    Wrong("reaction-game", "timed before the press", "logic",
          edit("reaction-game", ("kit.button.wait_for_press()\nreaction = time() - start",
                                 "reaction = time() - start\nkit.button.wait_for_press()")),
          3, saw=("you printed 0",), hint=("after the press",)),

    # -- buzzer tunes: 1 one short beep, 2 the letter S, 3 S O S and the end --
    Wrong("buzzer-tunes", "an LED, not the buzzer", "device",
          program("starter", "kit.red.on()\nsleep(0.1)\nkit.red.off()\nsleep(1)\n"), 1,
          saw=("buzzer stayed quiet", "red LED"), hint=("kit.buzzer.on()",)),
    Wrong("buzzer-tunes", "a long first beep", "timing",
          program("starter", MORSE + "for beeps in [O, O, O]:\n    letter(beeps)\n"), 1,
          saw=("the first beep lasted 0.3",), hint=("sleep(0.1)",)),
    Wrong("buzzer-tunes", "no quiet between beeps", "timing",
          edit("buzzer-tunes", ("    kit.buzzer.off()\n    sleep(0.1)\n",
                                "    kit.buzzer.off()\n")), 2,
          saw=("ran into each other",), hint=("sleep(0.1) after kit.buzzer.off()",)),
    Wrong("buzzer-tunes", "S S S", "logic", program("starter", """\
        for letter in range(3):
            for beep in range(3):
                kit.buzzer.on()
                sleep(0.1)
                kit.buzzer.off()
                sleep(0.1)
            sleep(0.2)
        """), 3, saw=("... ... ...",), hint=("letter 2 should be O: 3 long beeps of 0.3 s",)),
    Wrong("buzzer-tunes", "no gap between letters", "timing",
          program("starter", MORSE.replace("    sleep(0.2)\n", "")
                  + "for beeps in [S, O, S]:\n    letter(beeps)\n"), 3,
          hint=("longer gap between letters",)),
    Wrong("buzzer-tunes", "S O and no last S", "count",
          program("starter", MORSE + "for beeps in [S, O]:\n    letter(beeps)\n"), 3,
          saw=("... ---",), hint=("then comes S",), running=False),
    Wrong("buzzer-tunes", "one letter too many", "count",
          program("starter", MORSE + "for beeps in [S, O, S, O]:\n    letter(beeps)\n"), 3,
          saw=("... --- ... ---", "more than S O S"), hint=("S O S once",)),
    Wrong("buzzer-tunes", "SOS for ever", "never ends",
          program("starter", MORSE + "while True:\n    for beeps in [S, O, S]:\n"
                                     "        letter(beeps)\n"), 3,
          saw=("... --- ... ...",), hint=("S O S once",), running=True),
    Wrong("buzzer-tunes", "SOS, then silence for ever", "never ends",
          program("starter", MORSE + "for beeps in [S, O, S]:\n    letter(beeps)\n"
                                     "while True:\n    sleep(1)\n"), 3,
          saw=("still running",), hint=("let your program end",), running=True),
    Wrong("buzzer-tunes", "the buzzer left on at the end", "left on",
          program("starter", MORSE + "for beeps in [S, O, S]:\n    letter(beeps)\n"
                                     "kit.buzzer.on()\nsleep(0.5)\n"), 3,
          saw=("still on when your script ended",), hint=("kit.buzzer.off()",),
          running=False),

    # -- light meter: 1 print the light, 2 light.csv and the end, 3 a reading every 0.2 s --
    Wrong("light-meter", "the wrong sensor", "device",
          log().replace("print(kit.light.value)", "print(kit.button.value)"), 1,
          saw=("you printed 0", "light level was 0.3"), hint=("print(kit.light.value)",)),
    Wrong("light-meter", "no heading", "logic", log().replace(
        '    writer.writerow(["time", "light"])\n', ""), 2,
          saw=("first line of light.csv",), hint=('writer.writerow(["time", "light"])',)),
    Wrong("light-meter", "five readings", "count", log(readings=5), 2,
          saw=("5 readings",), hint=("for i in range(10):",), running=False),
    Wrong("light-meter", "fifteen readings", "count", log(readings=15), 2,
          saw=("15 readings",), hint=("for i in range(10):",), running=False),
    Wrong("light-meter", "logs for ever", "never ends",
          log().replace("for i in range(10):", "while True:\n        file.flush()"), 2,
          saw=("still running",), hint=("then let it end",), running=True),
    Wrong("light-meter", "no wait", "timing", log(every=0), 3,
          saw=("within",), hint=("sleep(0.2)",)),
    Wrong("light-meter", "reads the light once", "luck", program("starter", """\
        import csv
        level = kit.light.value
        print(level)
        with open("light.csv", "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["time", "light"])
            for i in range(10):
                writer.writerow([time(), level])
                sleep(0.2)
        """), 3, saw=("all 10 readings were 0.30",), hint=("kit.light.value inside the loop",)),
    Wrong("light-meter", "counts instead of the time", "luck",
          log().replace("writer.writerow([time(), kit.light.value])",
                        "writer.writerow([i, kit.light.value])"), 3,
          saw=("go from 0 to 9", "ran for only"), hint=("time()",)),

    # -- distance alarm: 1 print the distance, 2 sound when close, 3 quiet when gone --
    Wrong("distance-alarm", "prints no distance", "logic",
          edit("distance-alarm", ('print("Distance:", kit.distance.distance, "m")',
                                  'print("Hello")')),
          1, saw=("printed no distance",), hint=("print(kit.distance.distance)",)),
    Wrong("distance-alarm", "the alarm the wrong way round", "logic",
          edit("distance-alarm", ("< 0.2", "> 0.2")), 2,
          saw=("sounded while",), hint=("if kit.distance.distance < 0.2:",)),
    Wrong("distance-alarm", "the alarm too far out", "logic",
          edit("distance-alarm", ("< 0.2", "< 0.5")),
          2, saw=("30 cm",), hint=("< 0.2",)),
    Wrong("distance-alarm", "the alarm too close in", "logic",
          edit("distance-alarm", ("< 0.2", "< 0.05")), 2,
          saw=("stayed quiet",), hint=("< 0.2",)),
    Wrong("distance-alarm", "looks once", "ends early", program("alarm.toml", """\
        print(kit.distance.distance)
        if kit.distance.distance < 0.2:
            kit.buzzer.on()
        sleep(0.2)
        """), 2, saw=("ended",), hint=("while True:",), running=False),
    Wrong("distance-alarm", "no else", "left on", program("alarm.toml", """\
        print(kit.distance.distance)
        while True:
            if kit.distance.distance < 0.2:
                kit.buzzer.on()
            sleep(0.1)
        """), 3, saw=("kept sounding",), hint=("else: kit.buzzer.off()",), running=True),
    Wrong("distance-alarm", "sounds once, then ends", "ends early", program("alarm.toml", """\
        print(kit.distance.distance)
        while kit.distance.distance >= 0.2:
            sleep(0.1)
        kit.buzzer.on()
        sleep(0.3)
        """), 3, saw=("ended",), hint=("while True:",), running=False),
    Wrong("distance-alarm", "sounds and stops once, then ends", "luck", program("alarm.toml", """\
        print(kit.distance.distance)
        while kit.distance.distance >= 0.2:
            sleep(0.1)
        kit.buzzer.on()
        while kit.distance.distance < 0.2:
            sleep(0.1)
        kit.buzzer.off()
        """), 3, saw=("ended",), hint=("while True:",), running=False),

    # -- rover walls: 1 drive, 2 stop before the wall, 3 drive on when the way is clear --
    Wrong("rover-walls", "backwards", "logic",
          program("rover", "kit.drive.backward(0.5)\nsleep(2)\n"), 1,
          saw=("backwards",), hint=("kit.drive.forward(0.5)",)),
    Wrong("rover-walls", "drives and ends at once", "ends early",
          program("rover", "kit.drive.forward(0.5)\n"),
          1, saw=("ended", "before your rover had gone anywhere"), hint=("sleep(2)",),
          running=False),
    Wrong("rover-walls", "spins", "logic", program("rover", "kit.drive.left(0.5)\nsleep(2)\n"), 1,
          saw=("turned on the spot",), hint=("kit.drive.forward(0.5)",)),
    Wrong("rover-walls", "never looks", "luck", program("rover", """\
        kit.drive.forward(0.5)
        sleep(4)
        kit.drive.stop()
        """), 2, saw=("hit the wall",), hint=("stop when it is less than 0.2",)),
    Wrong("rover-walls", "stops too soon", "logic", edit("rover-walls", ("< 0.2", "< 0.35")), 2,
          saw=("stopped", "cm from the wall"), hint=("less than 0.2 m",)),
    Wrong("rover-walls", "stops by the clock", "luck", program("rover", """\
        kit.drive.forward(0.5)
        sleep(1.7)
        kit.drive.stop()
        while True:
            sleep(1)
        """), 3, saw=("stayed where it was",), hint=("while True:",), running=True),
    Wrong("rover-walls", "stops once, then ends", "ends early", program("rover", """\
        while kit.distance.distance >= 0.2:
            kit.drive.forward(0.5)
            sleep(0.05)
        kit.drive.stop()
        """), 3, saw=("ended",), hint=("while True:",), running=False),

    # -- line follower: 1 move along the line, 2 follow it round the curve --
    Wrong("line-follower", "backwards", "logic",
          program("rover", "kit.drive.backward(0.3)\nsleep(3)\n"), 1,
          saw=("backwards",), hint=("kit.drive.forward(0.3)",)),
    Wrong("line-follower", "drives and ends at once", "ends early",
          program("rover", "kit.drive.forward(0.3)\n"), 1,
          saw=("ended", "before your rover had gone anywhere"), hint=("while True:",),
          running=False),
    Wrong("line-follower", "straight on", "logic", program("rover", """\
        kit.drive.forward(0.3)
        while True:
            sleep(0.1)
        """), 2, saw=("lost the line",), hint=("turn left",), running=True),
    Wrong("line-follower", "turns the wrong way", "logic", program("rover", loop(STEER, """\
            if left:
                kit.drive.right(0.3)
            elif right:
                kit.drive.left(0.3)
            else:
                kit.drive.forward(0.3)""")), 2,
          saw=("lost the line",), hint=("the line is on the left: turn left",)),
    Wrong("line-follower", "only turns left", "luck", program("rover", loop(STEER, """\
            if left:
                kit.drive.left(0.3)
            else:
                kit.drive.forward(0.3)""")), 2,
          saw=("to the left, so the line was under line_right", "did not turn right"),
          hint=("turn right (kit.drive.right(0.3))",)),
    Wrong("line-follower", "a curve driven blind", "luck", program("rover", """\
        kit.drive.forward(0.3, curve_left=0.26)
        while True:
            sleep(0.1)
        """), 2, saw=("did not turn right",), hint=("read both sensors",)),
    Wrong("line-follower", "gives up after a second", "ends early", edit(
        "line-follower", ("import sleep", "import sleep, time"),
        ("while True:", "begun = time()\nwhile True:"),
        ("    sleep(0.01)", "    sleep(0.01)\n    if time() - begun > 1:\n        break")), 2,
          saw=("ended",), hint=("while True:",), running=False),

    # -- colour rover: 1 name the colour, 2 stop at red and go at green --
    Wrong("colour-rover", "always says red", "luck",
          program("rover", 'print("red")\nsleep(1)\n'), 1,
          saw=("printed 'red'",), hint=("print(kit.camera.dominant_colour().name)",)),
    Wrong("colour-rover", "looks once", "luck", program("rover", """\
        colour = kit.camera.dominant_colour().name
        print(colour)
        while True:
            if colour == "green":
                kit.drive.forward(0.5)
            else:
                kit.drive.stop()
            sleep(0.1)
        """), 2, saw=("stayed still",),
          hint=("look at the camera again each time round a while True: loop",)),
    Wrong("colour-rover", "goes at red", "logic", program("rover", loop(CARDS, """\
            if colour == "red":
                kit.drive.forward(0.5)
            elif colour == "green":
                kit.drive.stop()""")), 2,
          saw=("drove while the camera saw a red card",), hint=("stop at red",)),
    Wrong("colour-rover", "never stops", "logic", program("rover", loop(CARDS, """\
            if colour == "green":
                kit.drive.forward(0.5)""")), 2,
          saw=("drove on",), hint=("kit.drive.stop()",)),
    Wrong("colour-rover", "reverses at green", "logic", program("rover", loop(CARDS, """\
            if colour == "green":
                kit.drive.backward(0.5)
            elif colour == "red":
                kit.drive.stop()""")), 2,
          saw=("backwards",), hint=("kit.drive.forward(0.5)",)),
    Wrong("colour-rover", "obeys one card, then ends", "ends early", program("rover", """\
        colour = kit.camera.dominant_colour().name
        print(colour)
        while colour != "green":
            sleep(0.1)
            colour = kit.camera.dominant_colour().name
        kit.drive.forward(0.5)
        sleep(0.5)
        """), 2, saw=("ended",), hint=("while True:",), running=False),

    # -- arduino light: 1 print the light, 2 a night light, 3 a weather report each time --
    Wrong("arduino-light", "prints the temperature", "device",
          program("weather-station", "print(kit.temperature.temperature)\nsleep(1)\n"), 1,
          saw=("you printed 18.5",), hint=("print(kit.light.value)",)),
    Wrong("arduino-light", "no else", "left on", program("weather-station", """\
        while True:
            print(kit.light.value)
            if kit.light.value < 0.3:
                kit.status_led.on()
            sleep(0.2)
        """), 2, saw=("stayed on",), hint=("else: kit.status_led.off()",), running=True),
    Wrong("arduino-light", "on when bright", "logic", program("weather-station", loop(NIGHT, """\
            if light > 0.3:
                kit.status_led.on()
            else:
                kit.status_led.off()""")), 2,
          saw=("on while it was bright",), hint=("if kit.light.value < 0.3:",)),
    Wrong("arduino-light", "too dark to notice", "logic",
          program("weather-station", loop(NIGHT, """\
            if light < 0.05:
                kit.status_led.on()
            else:
                kit.status_led.off()""")), 2,
          saw=("stayed off",), hint=("< 0.3",)),
    Wrong("arduino-light", "looks once", "ends early", program("weather-station", """\
        light = kit.light.value
        print(light, kit.temperature.temperature)
        if light < 0.3:
            kit.status_led.on()
        sleep(0.5)
        """), 2, saw=("ended",), hint=("while True:",), running=False),
    Wrong("arduino-light", "the report only once", "luck", program("weather-station", """\
        print(kit.light.value, kit.temperature.temperature)
        while True:
            if kit.light.value < 0.3:
                kit.status_led.on()
            else:
                kit.status_led.off()
            sleep(0.2)
        """), 3, saw=("once",), hint=("each time round the loop",), running=True),
    Wrong("arduino-light", "no temperature", "logic", program("weather-station", loop(NIGHT.replace(
        "print(light, kit.temperature.temperature)", "print(light)"), """\
            if light < 0.3:
                kit.status_led.on()
            else:
                kit.status_led.off()""")), 3,
          saw=("temperature",), hint=("kit.temperature.temperature",)),
)

RIGHT: tuple[Right, ...] = (
    Right("blink", "gpiozero's own blink",
          program("starter", "kit.red.blink(on_time=0.3, off_time=0.3, n=5, "
                             "background=False)\n")),
    Right("blink", "a while loop with a counter", program("starter", """\
        count = 0
        while count < 5:
            kit.red.on()
            sleep(0.3)
            kit.red.off()
            sleep(0.3)
            count = count + 1
        """)),
    Right("traffic-lights", "a table of lights, for ever", program("starter", """\
        CYCLE = [({"red"}, 1), ({"red", "amber"}, 0.5), ({"green"}, 1), ({"amber"}, 0.5)]
        lights = {"red": kit.red, "amber": kit.amber, "green": kit.green}
        while True:
            for lit, wait in CYCLE:
                for name, light in lights.items():
                    light.value = name in lit
                sleep(wait)
        """)),
    Right("reaction-game", "plays again and again", program("starter", """\
        while True:
            sleep(uniform(1, 2))
            kit.green.on()
            start = time()
            kit.button.wait_for_press()
            kit.green.off()
            print("You took", round(time() - start, 3), "s")
        """)),
    Right("buzzer-tunes", "one beep at a time, from a string", program("starter", """\
        for letter in ["...", "---", "..."]:
            for sign in letter:
                kit.buzzer.on()
                sleep(0.1 if sign == "." else 0.3)
                kit.buzzer.off()
                sleep(0.1)
            sleep(0.2)
        """)),
    Right("distance-alarm", "centimetres", program("alarm.toml", """\
        print(kit.distance.distance * 100, "cm")
        while True:
            kit.buzzer.value = kit.distance.distance * 100 < 20
            sleep(0.1)
        """)),
    Right("light-meter", "seconds since the start", log().replace(
        "writer.writerow([time(), kit.light.value])",
        "writer.writerow([round(time() - begun, 2), kit.light.value])").replace(
        "print(kit.light.value)", "begun = time()\nprint(kit.light.value)")),
    Right("line-follower", "steers while driving on", program("rover", loop(STEER, """\
        if left and not right:
            kit.drive.forward(0.3, curve_left=0.8)
        elif right and not left:
            kit.drive.forward(0.3, curve_right=0.8)
        else:
            kit.drive.forward(0.3)"""))),
    Right("arduino-light", "a report in words", program("weather-station", loop(NIGHT.replace(
        "print(light, kit.temperature.temperature)",
        'print(f"It is {{kit.temperature.temperature}} °C and the light is {{light:.2f}}")'), """\
        if light < 0.3:
            kit.status_led.on()
        else:
            kit.status_led.off()"""))),
    Right("rover-walls", "stops, then waits for a clear way", edit("rover-walls", (
        "sleep(0.05)", "sleep(0.02)"))),
    Right("colour-rover", "reads the colour's name once a round", program("rover", """\
        while True:
            name = kit.camera.dominant_colour().name
            print(name)
            if name == "red":
                kit.drive.stop()
            if name == "green":
                kit.drive.forward(0.4)
            sleep(0.05)
        """)),
)
