"""Lesson: blink an LED. The first lesson: on, off, wait, repeat."""

from __future__ import annotations

from ..checks import ends, expect, how_it_ran, lit_instead, near, pulses, seconds
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

ON, OFF, TIMES = 0.3, 0.3, 5
#: Seconds a blink may be off from the rhythm: the first one, and each of the five (a little
#: more: one late wake-up on a busy computer must not fail a right script).
TOLERANCE, EACH = 0.1, 0.15
OTHERS = ("amber", "green", "buzzer")
#: Seconds after the start by which a right script has blinked and ended, with room to spare.
END_BY = TIMES * (ON + OFF) + 2.5


def red_lit(trial: Trial) -> None:
    expect(trial, lambda: pulses(trial, "red"), 3.0,
           saw=lambda: "the red LED stayed off" + lit_instead(trial, OTHERS),
           hint="the red LED is kit.red: switch it on with kit.red.on()")


def red_blinks(trial: Trial) -> None:
    # Two blinks and the dark between them tell the rhythm.
    trial.wait(lambda: len(pulses(trial, "red")) >= 2, 2 * (ON + OFF) + 1.0)
    blinks = pulses(trial, "red")
    if len(blinks) < 2:
        first = blinks[0]
        stayed = "on" if not first.over else "off again"
        raise StepFailed(
            saw=f"the red LED turned on once, then stayed {stayed}",
            hint=f"repeat it: on, wait {ON} s, off, wait {OFF} s, in a loop "
                 f"(for i in range({TIMES}):)")
    on, off = blinks[0].length, blinks[1].start - blinks[0].end
    if off < 0.05:
        raise StepFailed(
            saw=f"the red LED was off for only {seconds(off)} between blinks, too quick to see",
            hint=f"wait after switching it off too: sleep({OFF}) after kit.red.off()")
    if not near(on, ON, TOLERANCE) or not near(off, OFF, TOLERANCE):
        raise StepFailed(
            saw=f"the red LED was on for {seconds(on)} and off for {seconds(off)}",
            hint=f"the lesson asks for {ON} s on and {OFF} s off: sleep({ON}) after "
                 f"kit.red.on() and sleep({OFF}) after kit.red.off()")


def five_then_stop(trial: Trial) -> None:
    ended = ends(trial, END_BY)
    blinks = pulses(trial, "red")
    if not ended:
        raise StepFailed(saw=f"{how_it_ran(trial)}, and the red LED had blinked {len(blinks)} "
                             "times",
                         hint=f"blink it {TIMES} times with for i in range({TIMES}): (not "
                              "while True:), and let your program end after the last blink")
    if len(blinks) != TIMES:
        raise StepFailed(saw=f"the red LED blinked {len(blinks)} times",
                         hint=f"the step asks for exactly {TIMES}: for i in range({TIMES}):")
    if not blinks[-1].over:
        raise StepFailed(saw=f"after {TIMES} blinks the red LED was still on when your script "
                             "ended",
                         hint="switch it off at the end of each blink: kit.red.off()")
    for number, blink in enumerate(blinks, 1):
        off = blinks[number].start - blink.end if number < len(blinks) else OFF
        if not near(blink.length, ON, EACH) or not near(off, OFF, EACH):
            raise StepFailed(
                saw=f"blink {number} was on for {seconds(blink.length)}"
                    + (f" and off for {seconds(off)}" if number < len(blinks) else ""),
                hint=f"every blink is {ON} s on and {OFF} s off: sleep({ON}) after "
                     f"kit.red.on() and sleep({OFF}) after kit.red.off(), each time round")


STARTER = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("starter")

# Step 1: switch the red LED on.

sleep(1)
'''

SOLUTION = f'''\
from time import sleep

from kitsdk import Kit

kit = Kit("starter")

for i in range({TIMES}):
    kit.red.on()
    sleep({ON})
    kit.red.off()
    sleep({OFF})
print("Blinked {TIMES} times!")
'''

LESSON = Lesson(
    id="blink",
    title="Blink an LED",
    level=1,
    minutes=20,
    profile="starter",
    intro="""\
An LED is a tiny lamp. Your starter kit has three of them, like a traffic light: red,
amber and green. In your program the red one is called `kit.red`.

Computers are fast: to see a light blink, your program has to *wait* between on and off.
`sleep(0.3)` waits for 0.3 seconds.""",
    steps=(
        Step("Switch the red LED on", """\
Under `kit = Kit("starter")`, add the line

```python
kit.red.on()
```

Run it: the red LED lights up. (The `sleep(1)` keeps the program running for a second so
you can see it.)""", check=red_lit),
        Step("Make it blink", f"""\
Blinking is: on, wait, off, wait, again. Switch the LED on, wait {ON} seconds, switch it
off with `kit.red.off()`, and wait {OFF} seconds. Put that in a loop so it happens again
and again.""", check=red_blinks),
        Step("Blink five times, then stop", f"""\
A `for` loop repeats its lines a set number of times:

```python
for i in range({TIMES}):
    ...
```

Make the LED blink exactly {TIMES} times, then let the program end.""", check=five_then_stop),
    ),
    starter=STARTER,
    solution=SOLUTION,
)
