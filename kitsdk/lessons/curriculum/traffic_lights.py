"""Lesson: traffic lights. Several outputs in order, with timings."""

from __future__ import annotations

from ..checks import Phase, describe_phases, near, phases, seconds
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

LIGHTS = ("red", "amber", "green")
#: One cycle of UK traffic lights: what is lit, and for how long.
CYCLE = ((frozenset({"red"}), 1.0), (frozenset({"red", "amber"}), 0.5),
         (frozenset({"green"}), 1.0), (frozenset({"amber"}), 0.5), (frozenset({"red"}), None))
TOLERANCE = 0.15


def _name(lit: frozenset[str]) -> str:
    return Phase(lit, 0, 0).name()


def _seen(trial: Trial) -> list[Phase]:
    """The phases from the first light on (the dark moment at the start does not count)."""
    seen = phases(trial, LIGHTS)
    return seen[1:] if seen and not seen[0].lit else seen


def red_first(trial: Trial) -> None:
    if not trial.wait(lambda: _seen(trial), 3.0):
        raise StepFailed(saw="all three lights stayed off",
                         hint="start by switching the red light on: kit.red.on()")
    first = _seen(trial)[0]
    if first.lit != CYCLE[0][0]:
        raise StepFailed(saw=f"the first light was {first.name()}",
                         hint="traffic lights start on red, alone: kit.red.on()")


def right_order(trial: Trial) -> None:
    trial.wait(lambda: len(_seen(trial)) >= len(CYCLE), sum(s or 0 for _, s in CYCLE) + 2.0)
    seen = _seen(trial)
    for index, (lit, _) in enumerate(CYCLE):
        if index >= len(seen):  # step 1 saw the first light: seen is not empty
            raise StepFailed(saw=f"the lights went {describe_phases(seen)}, and then stayed "
                                 "like that",
                             hint=f"after {seen[-1].name()} comes {_name(lit)}: "
                                  + _how(seen[-1].lit, lit))
        if seen[index].lit != lit:
            before = _name(CYCLE[index - 1][0])
            raise StepFailed(saw=f"the lights went {describe_phases(seen[:index + 1])}",
                             hint=f"after {before} comes {_name(lit)}: "
                                  + _how(CYCLE[index - 1][0], lit))


def right_timing(trial: Trial) -> None:
    seen = _seen(trial)
    for phase, (_, wanted) in zip(seen, CYCLE, strict=False):
        if wanted is not None and not near(phase.length, wanted, TOLERANCE):
            raise StepFailed(saw=f"{phase.name()} stayed on for {seconds(phase.length)}",
                             hint=f"{phase.name()} should stay for {wanted:g} s: put "
                                  f"sleep({wanted:g}) after switching it on")


def _how(before: frozenset[str], after: frozenset[str]) -> str:
    """Which calls turn the lights ``before`` into ``after``, in words a student copies."""
    calls = [f"kit.{light}.on()" for light in LIGHTS if light in after - before]
    calls += [f"kit.{light}.off()" for light in LIGHTS if light in before - after]
    return ", ".join(calls)


STARTER = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("starter")

# Step 1: start on red, for 1 second.

sleep(1)
'''

SOLUTION = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("starter")

kit.red.on()
sleep(1)
kit.amber.on()
sleep(0.5)
kit.red.off()
kit.amber.off()
kit.green.on()
sleep(1)
kit.green.off()
kit.amber.on()
sleep(0.5)
kit.amber.off()
kit.red.on()
sleep(0.5)
print("One full cycle!")
'''

LESSON = Lesson(
    id="traffic-lights",
    title="Traffic lights",
    level=1,
    minutes=30,
    profile="starter",
    intro="""\
Traffic lights in the UK change in this order:

| lights | for |
| --- | --- |
| red | 1 second |
| red and amber | half a second |
| green | 1 second |
| amber | half a second |
| red again | |

Real lights wait much longer; ours are quick so you can test them fast. Your kit's lights
are `kit.red`, `kit.amber` and `kit.green`.""",
    steps=(
        Step("Start on red", """\
Switch the red light on, and nothing else.""", check=red_first),
        Step("Change in the right order", """\
Make the lights go red, red and amber, green, amber, then red again. To show red and amber
together, switch amber on while red is still on.""", check=right_order),
        Step("Get the timings right", """\
Use `sleep()` so each light stays on for the time in the table. Red stays 1 second,
red and amber half a second (`sleep(0.5)`), and so on.""", check=right_timing),
    ),
    starter=STARTER,
    solution=SOLUTION,
)
