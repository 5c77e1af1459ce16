"""Lesson: a rover that obeys colour cards. The camera as a sensor, and names as values."""

from __future__ import annotations

from ..checks import expect
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

#: Seconds the rover may take to obey a new card, and how long it must wait at the first
#: red one.
OBEY, WAIT = 1.5, 1.0
#: The card the camera sees first: not red or green, so a script that prints a colour's
#: name without looking cannot pass by luck.
FIRST = "yellow"


def setup(trial: Trial) -> None:
    trial.show(FIRST)


def _driving(trial: Trial) -> bool:
    left, right = trial.wheels()
    return left > 0 and right > 0


def _stopped(trial: Trial) -> bool:
    return trial.wheels() == (0.0, 0.0)


def names_the_colour(trial: Trial) -> None:
    def said_it() -> bool:
        return any(FIRST in line.lower() for _, line in trial.printed())

    if trial.wait(said_it, 3.0):
        return
    lines = [line for _, line in trial.printed()]
    raise StepFailed(
        saw=(f"I held up a {FIRST} card, and your script printed {lines[-1]!r}" if lines
             else f"I held up a {FIRST} card, and your script printed nothing"),
        hint="print the name of the colour the camera sees most: "
             "print(kit.camera.dominant_colour().name)")


def obeys_the_cards(trial: Trial) -> None:
    try:
        _obeys(trial)
    except StepFailed as failed:
        if not trial.ended:
            raise
        raise StepFailed(failed.saw, "keep looking at the camera in a while True: loop, and "
                                     "obey each card as it comes") from None


def _obeys(trial: Trial) -> None:
    trial.show("red")
    if trial.wait(lambda: not _stopped(trial), WAIT):
        raise StepFailed(saw="your rover drove while the camera saw a red card",
                         hint='stop at red: if colour == "red": kit.drive.stop()')
    trial.show("green")
    expect(trial, lambda: _driving(trial), OBEY,
           saw=lambda: "I changed the card to green, and your rover " + (
               "drove backwards" if max(trial.wheels()) < 0 else f"stayed still for {OBEY} s"),
           hint='look at the camera again each time round a while True: loop, and drive '
                'on at green: if colour == "green": kit.drive.forward(0.5)')
    trial.show("red")
    expect(trial, lambda: _stopped(trial), OBEY,
           saw="I changed the card back to red, and your rover drove on",
           hint='stop at red: elif colour == "red": kit.drive.stop()')
    trial.show("green")
    expect(trial, lambda: _driving(trial), OBEY,
           saw="I showed green a second time, and your rover stayed still",
           hint="keep looking at the camera in a while True: loop")


STARTER = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("rover")

# Step 1: print the name of the colour the camera sees.

sleep(1)
'''

SOLUTION = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("rover")

while True:
    colour = kit.camera.dominant_colour().name
    print("I see", colour)
    if colour == "green":
        kit.drive.forward(0.5)
    elif colour == "red":
        kit.drive.stop()
    sleep(0.1)
'''

LESSON = Lesson(
    id="colour-rover",
    title="A rover that obeys colour cards",
    level=2,
    minutes=30,
    profile="rover",
    intro="""\
Your rover has a camera. `kit.camera.dominant_colour()` looks at a picture and finds the
colour most of it has; its `.name` is a word such as `"red"`, `"green"` or `"blue"`.

Make a rover that waits at a red card and drives at a green one, like at traffic lights.
On a laptop the camera is simulated: show it a card with `kit.camera.sim_scene = "green"`.""",
    steps=(
        Step("Name the colour", """\
Print the name of the colour the camera sees:
`print(kit.camera.dominant_colour().name)`.""", check=names_the_colour),
        Step("Stop at red, go at green", """\
In a `while True:` loop, look at the camera. If the colour is `"green"`, drive forward with
`kit.drive.forward(0.5)`; if it is `"red"`, `kit.drive.stop()`. Wait `sleep(0.1)` each
time round.""", check=obeys_the_cards),
    ),
    starter=STARTER,
    solution=SOLUTION,
    setup=setup,
)
