"""Lesson: a distance alarm. A sensor read in a loop, and a decision with if and else.

It brings its own kit (``alarm.toml``): the starter kit's buzzer with a distance sensor.
"""

from __future__ import annotations

from ..checks import expect, how_it_ran, near, printed_number, pulses, seconds
from ..exc import StepFailed
from ..lesson import Lesson, Step
from ..trial import Trial

#: Metres: nothing near (the sensor's range), the alarm distance, and where the check puts
#: something not quite close and something close.
FAR, ALARM, MIDDLE, CLOSE = 1.0, 0.2, 0.3, 0.1
#: Seconds the alarm may take to start or stop; and how long it must stay quiet when nothing
#: is close (longer: a buzzer that sounds a little late is still a wrong alarm).
QUICK, QUIET = 0.5, 1.0

PROFILE = """\
# A distance alarm: a buzzer and an HC-SR04 ultrasonic distance sensor.
[kit]
name = "alarm"
description = "A buzzer and an HC-SR04 distance sensor, for a parking or burglar alarm"

[devices.buzzer]
driver = "buzzer"
pin = 19

# TRIG to GPIO23; ECHO through a 1k/2k voltage divider to GPIO24.
[devices.distance]
driver = "distance_sensor"
trigger = 23
echo = 24
queue_len = 5
"""


def setup(trial: Trial) -> None:
    trial.set("distance", FAR)


def measures(trial: Trial) -> None:
    if printed_number(trial, 2.0, accept=lambda v: near(v, FAR, 0.05)
                      or near(v, FAR * 100, 5)) is None:
        raise StepFailed(saw=f"your script printed no distance (nothing was nearer than {FAR:g} "
                             "m, so it should say about 1)",
                         hint="print what the sensor measures, in metres: "
                              "print(kit.distance.distance)")


def _sounding_since(trial: Trial, since: float) -> float | None:
    """When the buzzer was first on at or after ``since``, or None."""
    return next((max(p.start, since) for p in pulses(trial, "buzzer") if p.end > since
                 or not p.over), None)


def sounds_when_close(trial: Trial) -> None:
    for distance in (FAR, MIDDLE):  # setup put it FAR
        since = trial.now() if distance == FAR else trial.set("distance", distance)
        trial.run_for(QUICK if distance == FAR else QUIET)
        if _sounding_since(trial, since) is not None:
            raise StepFailed(saw=f"the buzzer sounded while the nearest thing was "
                                 f"{distance * 100:.0f} cm away",
                             hint=f"sound it only when something is closer than {ALARM} m: "
                                  f"if kit.distance.distance < {ALARM}:")
    _sounds(trial)


def _sounds(trial: Trial, again: str = "") -> None:
    """Bring something CLOSE: the buzzer must sound, quickly."""
    moved = trial.set("distance", CLOSE)
    expect(trial, lambda: _sounding_since(trial, moved) is not None, 2.0,
           saw=f"I put something {CLOSE * 100:.0f} cm in front of the sensor{again}, and the "
               "buzzer stayed quiet",
           hint=f"check the distance again and again in a loop: while True:, "
                f"and if kit.distance.distance < {ALARM}: kit.buzzer.on()")
    took = (_sounding_since(trial, moved) or moved) - moved
    if took > QUICK:
        raise StepFailed(saw=f"the buzzer took {seconds(took)} to sound after something came "
                             f"{CLOSE * 100:.0f} cm close",
                         hint=f"an alarm must be quick (under {QUICK} s): check the distance "
                              "more often, e.g. sleep(0.1) in the loop")


def quiet_when_gone(trial: Trial) -> None:
    gone = trial.set("distance", FAR)

    def stopped() -> bool:
        last = pulses(trial, "buzzer")[-1]
        return last.over and last.end >= gone

    if not trial.wait(stopped, 2.0):
        if trial.ended:
            raise StepFailed(saw=f"the buzzer was still on when {how_it_ran(trial)}",
                             hint="keep checking in a while True: loop, and switch the buzzer "
                                  "off when nothing is close: else: kit.buzzer.off()")
        raise StepFailed(saw="the buzzer kept sounding after the thing went away",
                         hint="switch it off when nothing is close: else: kit.buzzer.off()")
    took = pulses(trial, "buzzer")[-1].end - gone
    if took > QUICK:
        raise StepFailed(saw=f"the buzzer took {seconds(took)} to stop",
                         hint="check the distance more often, e.g. sleep(0.1) in the loop")
    _sounds(trial, again=" again")  # an alarm that works once is not an alarm


STARTER = '''\
from time import sleep

from kitsdk import Kit

kit = Kit("alarm.toml")

# Step 1: print the distance to the nearest thing.

sleep(1)
'''

SOLUTION = f'''\
from time import sleep

from kitsdk import Kit

kit = Kit("alarm.toml")
print("Distance:", kit.distance.distance, "m")

while True:
    if kit.distance.distance < {ALARM}:
        kit.buzzer.on()
    else:
        kit.buzzer.off()
    sleep(0.1)
'''

LESSON = Lesson(
    id="distance-alarm",
    title="Distance alarm",
    level=2,
    minutes=30,
    profile="alarm.toml",
    profile_text=PROFILE,
    intro="""\
A parking sensor beeps when a car gets close to a wall. Yours uses an ultrasonic distance
sensor: it sends out a click too high for you to hear and times the echo.
`kit.distance.distance` is how far away the nearest thing is, in metres (0.2 is 20 cm).

This lesson's kit is described in `alarm.toml` (`kit lesson start` writes it for you):
the buzzer on GPIO19, the sensor's TRIG on GPIO23 and ECHO on GPIO24. On a laptop, make
something come close with `kit.sim.set("distance", 0.1)`.""",
    steps=(
        Step("Measure the distance", """\
Print what the sensor measures: `print(kit.distance.distance)`.""", check=measures),
        Step("Sound the alarm when something is close", f"""\
In a `while True:` loop, read the distance. If it is less than {ALARM} m
(`if kit.distance.distance < {ALARM}:`), switch the buzzer on. Wait 0.1 s each time round
the loop so the alarm answers quickly.""", check=sounds_when_close),
        Step("Quiet when it goes away", """\
Add an `else:` that switches the buzzer off when nothing is close.""", check=quiet_when_gone),
    ),
    starter=STARTER,
    solution=SOLUTION,
    setup=setup,
)
