"""Lesson: a light meter that logs to a CSV file. Sensors, loops and files."""

from __future__ import annotations

import csv
from itertools import pairwise

from ..checks import ends, how_it_ran, near, numbers, printed_number
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

#: The light the check shines: DARK for the first CHANGE seconds, then BRIGHT.
DARK, BRIGHT, CHANGE = 0.3, 0.8, 1.0
READINGS, EVERY = 10, 0.2
FILE = "light.csv"
#: Seconds after the start by which a right script has logged and ended, with room to spare.
END_BY = READINGS * EVERY + 2.5


def setup(trial: Trial) -> None:
    trial.follow("light", [DARK, BRIGHT], every=CHANGE)


def reads_the_light(trial: Trial) -> None:
    shown = printed_number(trial, 2.0, accept=lambda v: near(v, DARK, 0.05)
                           or near(v, BRIGHT, 0.05))
    if shown is None:
        printed = [n for _, line in trial.printed() for n in numbers(line)]
        raise StepFailed(
            saw=(f"you printed {printed[0]:g}, but the light level was {DARK}" if printed
                 else "your script printed no number"),
            hint="print the light sensor's level, from 0 (dark) to 1 (bright): "
                 "print(kit.light.value)")


def writes_the_file(trial: Trial) -> None:
    if not ends(trial, END_BY):
        raise StepFailed(saw=how_it_ran(trial),
                         hint=f"log {READINGS} readings with for i in range({READINGS}): and "
                              "then let it end")
    rows = _rows(trial)
    if rows[:1] != [["time", "light"]]:
        raise StepFailed(saw=f"the first line of {FILE} is {','.join(rows[0])!r}" if rows
                         else f"{FILE} is empty",
                         hint='start with a heading line: writer.writerow(["time", "light"])')
    if len(rows) - 1 != READINGS:
        raise StepFailed(saw=f"{FILE} has {len(rows) - 1} readings under its heading",
                         hint=f"write one row per reading, {READINGS} times: "
                              f"for i in range({READINGS}):")
    for number, row in enumerate(rows[1:], 2):
        if len(row) != 2 or len(numbers(",".join(row))) != 2:
            raise StepFailed(saw=f"line {number} of {FILE} is {','.join(row)!r}",
                             hint="each row is two numbers, the time and the light: "
                                  "writer.writerow([time(), kit.light.value])")


def follows_the_light(trial: Trial) -> None:
    times, levels = zip(*((float(t), float(level)) for t, level in _rows(trial)[1:]),
                        strict=True)
    if any(later <= earlier for earlier, later in pairwise(times)):
        raise StepFailed(saw=f"the times in {FILE} do not go up",
                         hint="write the time of each reading as you take it: time()")
    took = times[-1] - times[0]
    ran = trial.ended_at or 0.0
    if took > ran + 0.5:
        raise StepFailed(saw=f"the times in {FILE} go from {times[0]:g} to {times[-1]:g}, "
                             f"{took:g} s apart, but your script ran for only {ran:.1f} s",
                         hint="write the time of each reading as you take it: time()")
    if took < (READINGS - 1) * EVERY - 0.5:
        raise StepFailed(saw=f"all {READINGS} readings were taken within {took:.2f} s",
                         hint=f"wait between readings: sleep({EVERY}) in the loop")
    if not any(near(v, DARK, 0.05) for v in levels) or \
            not any(near(v, BRIGHT, 0.05) for v in levels):
        same = len(set(levels)) == 1
        raise StepFailed(
            saw=(f"all {READINGS} readings were {levels[0]:.2f}" if same else
                 f"the readings went from {min(levels):.2f} to {max(levels):.2f}")
            + f", but the light changed from {DARK} to {BRIGHT} after {CHANGE:g} s",
            hint="read the sensor again for each row: kit.light.value inside the loop")


def _rows(trial: Trial) -> list[list[str]]:
    path = trial.folder / FILE
    if not path.is_file():
        raise StepFailed(saw=f"there is no {FILE} in the folder your script ran in",
                         hint=f'open the file for writing: open("{FILE}", "w", newline="")')
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        return [row for row in csv.reader(handle) if row]


STARTER = '''\
import csv
from time import sleep, time

from kitsdk import Kit

kit = Kit("starter")

# Step 1: print the light level.
'''

SOLUTION = f'''\
import csv
from time import sleep, time

from kitsdk import Kit

kit = Kit("starter")
print("Light level:", kit.light.value)

with open("{FILE}", "w", newline="") as file:
    writer = csv.writer(file)
    writer.writerow(["time", "light"])
    for i in range({READINGS}):
        writer.writerow([round(time(), 2), round(kit.light.value, 3)])
        sleep({EVERY})
print("Saved {READINGS} readings in {FILE}")
'''

LESSON = Lesson(
    id="light-meter",
    title="Light meter: log data to a CSV file",
    level=2,
    minutes=30,
    profile="starter",
    intro=f"""\
Scientists log their measurements to files, so they can make graphs later. A CSV file is a
table in plain text: one line per row, commas between the columns. Any spreadsheet opens it.

Your kit's light sensor is `kit.light`; `kit.light.value` goes from 0 (dark) to 1 (bright).
You will log {READINGS} readings, one every {EVERY} s, to `{FILE}`.""",
    steps=(
        Step("Read the light", """\
Print the light level: `print(kit.light.value)`. Cover the sensor with your hand (or, on a
laptop, set it: `kit.sim.set("light", 0.1)`) and run it again.""", check=reads_the_light),
        Step(f"Write {FILE}", f"""\
Open the file, write a heading row, then one row per reading:

```python
with open("{FILE}", "w", newline="") as file:
    writer = csv.writer(file)
    writer.writerow(["time", "light"])
    for i in range({READINGS}):
        writer.writerow([time(), kit.light.value])
```""", check=writes_the_file),
        Step("Log what the light does", f"""\
Wait {EVERY} s between readings, so the log shows the light changing. Open `{FILE}` in a
spreadsheet and make a graph of it.""", check=follows_the_light),
    ),
    starter=STARTER,
    solution=SOLUTION,
    setup=setup,
)
