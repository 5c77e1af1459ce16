"""Lesson: a reaction game. Waiting for a button, and measuring time."""

from __future__ import annotations

import random

from ..checks import expect, lit_instead, near, printed_number, pulses, seconds
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

#: The surprise wait the lesson asks for, in seconds (from, to).
WAIT = (1, 2)
#: How long after the light the check presses the button (a different time on each check,
#: so a made-up number cannot pass), and how exact the time printed must be.
REACTION, TOLERANCE = (0.45, 0.75), 0.1


def lights_after_a_wait(trial: Trial) -> None:
    expect(trial, lambda: pulses(trial, "green"), WAIT[1] + 1.5,
           saw=lambda: f"the green LED stayed off for {WAIT[1] + 1.5} s"
           + lit_instead(trial, ("red", "amber")),
           hint="after the surprise wait, switch it on: kit.green.on()")
    lit = pulses(trial, "green")[0].start
    if lit < WAIT[0] - 0.2:
        raise StepFailed(saw=f"the green LED lit straight away, {seconds(lit)} after the start",
                         hint=f"wait a surprise time first: sleep(uniform({WAIT[0]}, {WAIT[1]}))")
    trial.notes["lit"] = lit


def waits_for_the_button(trial: Trial) -> None:
    lit = trial.notes["lit"]
    trial.run_for(lit + random.uniform(*REACTION) - trial.now())
    if pulses(trial, "green")[0].over:
        raise StepFailed(
            saw=f"the green LED went off after {seconds(pulses(trial, 'green')[0].length)}, "
                "before anyone pressed the button",
            hint="wait for the player: kit.button.wait_for_press(), then kit.green.off()")
    trial.notes["pressed"] = trial.click()
    expect(trial, lambda: pulses(trial, "green")[0].over, 1.0,
           saw="I pressed the button, but the green LED stayed on",
           hint="after kit.button.wait_for_press(), switch it off: kit.green.off()")


def shows_the_time(trial: Trial) -> None:
    pressed, lit = trial.notes["pressed"], trial.notes["lit"]
    took = pressed - lit
    shown = printed_number(trial, 1.5, since=pressed)
    if shown is None:
        raise StepFailed(saw="your script printed no number after the button was pressed",
                         hint="print the time it took: print(reaction)")
    if near(shown, took * 1000, 1000 * TOLERANCE):
        raise StepFailed(saw=f"you printed {shown:g}: that looks like milliseconds",
                         hint="print the time in seconds, as time() gives it")
    if not near(shown, took, TOLERANCE):
        raise StepFailed(
            saw=f"you printed {shown:g}, but I pressed the button {seconds(took)} after the "
                "LED lit",
            hint="start timing when the LED turns on: start = time() right after "
                 "kit.green.on(), and reaction = time() - start after the press")


STARTER = '''\
from random import uniform
from time import sleep, time

from kitsdk import Kit

kit = Kit("starter")
print("Get ready...")

# Step 1: wait a surprise time, then switch the green LED on.
sleep(uniform(1, 2))

print("The time now is", time())
'''

SOLUTION = '''\
from random import uniform
from time import sleep, time

from kitsdk import Kit

kit = Kit("starter")
print("Get ready...")
sleep(uniform(1, 2))
kit.green.on()
start = time()
kit.button.wait_for_press()
reaction = time() - start
kit.green.off()
print(f"Your reaction time: {reaction:.2f} seconds")
'''

LESSON = Lesson(
    id="reaction-game",
    title="Reaction game",
    level=2,
    minutes=30,
    profile="starter",
    intro="""\
How fast are you? Your program waits a surprise time, lights the green LED, and measures
how long the player takes to press the button.

`time()` tells the time in seconds; take it twice and subtract to know how long something
took. `uniform(1, 2)` picks a random number between 1 and 2. On a laptop the kit is
simulated: press Enter to press the button.""",
    steps=(
        Step("Light up after a surprise wait", """\
Wait a random time between 1 and 2 seconds with `sleep(uniform(1, 2))`, then switch the
green LED on.""", check=lights_after_a_wait),
        Step("Wait for the button", """\
After the light goes on, wait for the player with `kit.button.wait_for_press()`, then
switch the LED off again.""", check=waits_for_the_button),
        Step("Show the reaction time", """\
Take the time right after the LED goes on (`start = time()`), and again after the press.
Print how many seconds it took: `reaction = time() - start`.""", check=shows_the_time),
    ),
    starter=STARTER,
    solution=SOLUTION,
)
