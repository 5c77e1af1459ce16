"""Lesson: buzzer tunes. A rhythm from lists and functions: SOS in Morse code."""

from __future__ import annotations

from itertools import pairwise

from ..checks import Pulse, ends, expect, how_it_ran, lit_instead, near, pulses, seconds
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

SHORT, LONG, GAP, LETTER_GAP = 0.1, 0.3, 0.1, 0.3
LETTERS = {"...": "S", "---": "O"}
SOS = ("...", "---", "...")
#: Seconds after the start by which a right script has played S O S and ended, with room.
END_BY = 2 * (3 * SHORT + 3 * GAP + LETTER_GAP) + 3 * LONG + 3 * GAP + 2.0


def _beeps(trial: Trial) -> list[Pulse]:
    return [p for p in pulses(trial, "buzzer") if p.length > 0.02]


def _morse(beeps: list[Pulse]) -> list[str]:
    """The letters a listener hears: dots and dashes, split where the gap is long."""
    letters: list[str] = []
    for index, beep in enumerate(beeps):
        gap = beep.start - beeps[index - 1].end if index else None
        if gap is None or gap >= (GAP + LETTER_GAP) / 2:
            letters.append("")
        letters[-1] += "." if beep.length < (SHORT + LONG) / 2 else "-"
    return letters


def _heard(beeps: list[Pulse]) -> str:
    return "I heard " + (" ".join(_morse(beeps)) or "nothing") + " (. short, - long)"


def one_beep(trial: Trial) -> None:
    expect(trial, lambda: _beeps(trial), 3.0,
           saw=lambda: "the buzzer stayed quiet" + lit_instead(trial, ("red", "amber", "green")),
           hint="sound it with kit.buzzer.on(), then sleep(0.1) and kit.buzzer.off()")
    expect(trial, lambda: _beeps(trial)[0].over, 2.0, saw="the buzzer started and never stopped",
           hint="stop it after a short while: sleep(0.1), then kit.buzzer.off()")
    length = _beeps(trial)[0].length
    if not near(length, SHORT, 0.08):
        raise StepFailed(saw=f"the first beep lasted {seconds(length)}",
                         hint=f"a short beep is {SHORT} s: sleep({SHORT}) between on() and off()")


def _letters(trial: Trial, count: int) -> list[str]:
    """Wait for ``count`` letters' worth of beeps, then the letters heard."""
    wanted = 3 * count
    trial.wait(lambda: len(_beeps(trial)) >= wanted and _beeps(trial)[wanted - 1].over,
               count * (3 * LONG + 2 * GAP + LETTER_GAP) + 1.5)
    beeps = [b for b in _beeps(trial) if b.over][:wanted]
    if any(later.start - earlier.end < GAP / 2 for earlier, later in pairwise(beeps)):
        raise StepFailed(saw="the beeps ran into each other: no quiet between them",
                         hint=f"wait after each beep too: sleep({GAP}) after kit.buzzer.off()")
    heard = _morse(beeps)
    for index, letter in enumerate(SOS[:count]):
        name = LETTERS[letter]
        if index >= len(heard):
            raise StepFailed(saw=_heard(beeps),
                             hint=f"then comes {name}: {_spell(letter)}")
        if heard[index] != letter:
            joined = "".join(heard).startswith("".join(SOS[:count]))
            raise StepFailed(
                saw=_heard(beeps),
                hint=(f"leave a longer gap between letters: sleep({LETTER_GAP})") if joined
                else f"letter {index + 1} should be {name}: {_spell(letter)}")
    return heard


def _spell(letter: str) -> str:
    length = "short" if letter[0] == "." else "long"
    seconds_each = SHORT if letter[0] == "." else LONG
    return f"{len(letter)} {length} beeps of {seconds_each} s"


def letter_s(trial: Trial) -> None:
    _letters(trial, 1)


def sos(trial: Trial) -> None:
    _letters(trial, 3)
    ended = ends(trial, END_BY)
    beeps = _beeps(trial)
    if ended and not beeps[-1].over:
        raise StepFailed(saw="the buzzer was still on when your script ended",
                         hint="switch it off after the last beep: kit.buzzer.off()")
    if len(beeps) > 3 * len(SOS):
        raise StepFailed(saw=_heard(beeps) + ": more than S O S",
                         hint="play S O S once, then let your program end: a for loop over "
                              "[S, O, S], not while True:")
    if not ended:
        raise StepFailed(saw=f"I heard S O S, and then {how_it_ran(trial)}",
                         hint="play S O S once, then let your program end")


STARTER = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("starter")

# Step 1: one short beep.
kit.buzzer.on()
'''

SOLUTION = f'''\
from time import sleep

from kitsdk import Kit

kit = Kit("starter")


def beep(seconds):
    kit.buzzer.on()
    sleep(seconds)
    kit.buzzer.off()
    sleep({GAP})


def letter(beeps):
    for seconds in beeps:
        beep(seconds)
    sleep({LETTER_GAP - GAP:.1f})  # with the {GAP} s after the last beep: {LETTER_GAP} s


S = [{SHORT}, {SHORT}, {SHORT}]
O = [{LONG}, {LONG}, {LONG}]
for beeps in [S, O, S]:
    letter(beeps)
print("... --- ...")
'''

LESSON = Lesson(
    id="buzzer-tunes",
    title="Buzzer tunes: SOS in Morse code",
    level=1,
    minutes=25,
    profile="starter",
    intro=f"""\
A buzzer makes one sound, so its tunes are rhythms. Morse code spells letters in short and
long beeps: S is three short beeps, O is three long ones, and SOS calls for help.

| sound | how long |
| --- | --- |
| a short beep | {SHORT} s |
| a long beep | {LONG} s |
| quiet between beeps | {GAP} s |
| quiet between letters | {LETTER_GAP} s |

The buzzer is `kit.buzzer`: `on()` starts it and `off()` stops it.""",
    steps=(
        Step("One short beep", f"""\
Switch the buzzer on, wait {SHORT} s with `sleep({SHORT})`, and switch it off.""",
             check=one_beep),
        Step("The letter S", f"""\
S is three short beeps with {GAP} s of quiet after each. Write a function `beep(seconds)`
that beeps for `seconds` and then waits {GAP} s, and call it three times.""",
             check=letter_s),
        Step("S O S", f"""\
Keep each letter's beeps in a list: `S = [{SHORT}, {SHORT}, {SHORT}]` and
`O = [{LONG}, {LONG}, {LONG}]`. Play the letters S, O, S with a loop, and leave
{LETTER_GAP} s of quiet between letters. Play it once, then let the program end.""",
             check=sos),
    ),
    starter=STARTER,
    solution=SOLUTION,
)
