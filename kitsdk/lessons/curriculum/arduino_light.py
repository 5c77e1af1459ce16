"""Lesson: reading an Arduino's sensor through the Firmata bridge: a night light, and a
weather report that mixes the Arduino's light sensor with the Pi's own thermometer."""

from __future__ import annotations

from ..checks import expect, near, numbers, printed_number, pulses
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

#: Light levels the check shows (0 dark, 1 bright), the level below which it is dark, and
#: the temperatures the Pi's probe measures, in °C: at first, and once the report is due
#: (a report printed once, before the loop, does not show the change).
BRIGHT, DARK, NIGHT, WARMTH, WARMER = 0.7, 0.1, 0.3, 18.5, 21.5
#: Seconds the night light may take to answer.
ANSWER = 1.0


def setup(trial: Trial) -> None:
    trial.set("light", BRIGHT)
    trial.set("temperature", WARMTH)


def reads_the_arduino(trial: Trial) -> None:
    if printed_number(trial, 3.0, accept=lambda v: near(v, BRIGHT, 0.05)) is None:
        printed = [n for _, line in trial.printed() for n in numbers(line)]
        raise StepFailed(
            saw=(f"you printed {printed[0]:g}, but the Arduino's light sensor read {BRIGHT}"
                 if printed else "your script printed no number"),
            hint="print the light level the Arduino measures, from 0 to 1: "
                 "print(kit.light.value)")


def night_light(trial: Trial) -> None:
    trial.run_for(0.3)
    if pulses(trial, "status_led") and not pulses(trial, "status_led")[-1].over:
        raise StepFailed(saw=f"the LED was on while it was bright (light level {BRIGHT})",
                         hint=f"switch it on only when it is dark: if kit.light.value < {NIGHT}:")
    dusk = trial.set("light", DARK)
    expect(trial, lambda: any(p.end > dusk or not p.over for p in pulses(trial, "status_led")),
           ANSWER + 1.0,
           saw=f"I made it dark (light level {DARK}), and the LED stayed off",
           hint=f"in a while True: loop, if kit.light.value < {NIGHT}: kit.status_led.on()")
    dawn = trial.set("light", BRIGHT)

    def off_again() -> bool:
        last = pulses(trial, "status_led")[-1]
        return last.over and last.end >= dawn

    expect(trial, off_again, ANSWER + 1.0,
           saw="I made it bright again, and the LED stayed on",
           hint="switch it off when it is bright: else: kit.status_led.off()")


def weather_report(trial: Trial) -> None:
    def reported(temperature: float, since: float = float("-inf")) -> bool:
        return any(any(near(v, temperature, 0.05) for v in numbers(line))
                   and any(0 <= v <= 1 for v in numbers(line))
                   for _, line in trial.printed(since))

    warmed = trial.set("temperature", WARMER)
    if trial.wait(lambda: reported(WARMER, warmed), 3.0):
        return
    hint = ("print both on one line each time round the loop: "
            "print(kit.light.value, kit.temperature.temperature)")
    if reported(WARMTH):
        raise StepFailed(saw=f"your script printed the light and the temperature once, but "
                             f"not again when it warmed up to {WARMER} °C", hint=hint)
    raise StepFailed(saw=f"no line your script printed had both the light level and the "
                         f"temperature ({WARMER} °C)", hint=hint)


STARTER = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("weather-station")

# Step 1: print the light level the Arduino measures.

sleep(1)
'''

SOLUTION = f'''\
from time import sleep

from kitsdk import Kit

kit = Kit("weather-station")

while True:
    light = kit.light.value
    print(f"light {{light:.2f}}, temperature {{kit.temperature.temperature}} °C")
    if light < {NIGHT}:
        kit.status_led.on()
    else:
        kit.status_led.off()
    sleep(0.2)
'''

LESSON = Lesson(
    id="arduino-light",
    title="An Arduino's sensor: night light and weather report",
    level=2,
    minutes=40,
    profile="weather-station",
    intro="""\
The Raspberry Pi cannot measure voltages, but an Arduino can. Plugged in by USB and running
StandardFirmata, the Arduino's pins become part of your kit: the weather station's light
sensor is wired to the Arduino's pin A0, and you read it like any other part,
`kit.light.value` (0 is dark, 1 is bright). kitsdk talks to the Arduino for you.

The weather station also has a temperature probe on the Pi, `kit.temperature.temperature`
(°C), and a status LED, `kit.status_led`. On a laptop the Arduino is simulated: make it
dark with `kit.sim.set("light", 0.1)`.""",
    steps=(
        Step("Read the Arduino's light sensor", """\
Print the light level: `print(kit.light.value)`.""", check=reads_the_arduino),
        Step("A night light", f"""\
In a `while True:` loop, switch the status LED on when the light level is below {NIGHT}
and off when it is not. Wait `sleep(0.2)` each time round.""", check=night_light),
        Step("A weather report", """\
Each time round the loop, print the light level and the temperature on one line, so you
can watch the weather.""", check=weather_report),
    ),
    starter=STARTER,
    solution=SOLUTION,
    setup=setup,
)
