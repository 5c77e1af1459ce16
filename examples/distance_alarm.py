"""Beep when something comes closer than 20 cm to the rover's distance sensor.

On a laptop the kit is simulated, so a scripted obstacle comes closer and goes away again.
"""

from time import monotonic, sleep

from kitsdk import Kit
from kitsdk.sim import steps

kit = Kit("rover")
if kit.simulated:
    kit.sim.set("distance", steps([0.6, 0.4, 0.15, 0.1, 0.5], every=0.3, repeat=False))

alarms = 0
end = monotonic() + 2.0
while monotonic() < end:
    close = kit.distance.distance < 0.2
    kit.status_led.value = close
    if close:
        alarms += 1
    sleep(0.05)
print(f"alarm ticks: {alarms}")
