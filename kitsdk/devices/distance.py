"""The HC-SR04 ultrasonic distance sensor, as gpiozero's DistanceSensor."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import gpiozero
from gpiozero.exc import PWMSoftwareFallback

from ..options import PIN, Option
from ..readings import Channel
from ..sim.pins import SimEchoPin, SimTriggerPin
from .base import KitDevice


class DistanceSensor(KitDevice, gpiozero.DistanceSensor):
    """An HC-SR04: how far away the nearest object is, in metres.

    Wire TRIG to a GPIO pin and ECHO through a voltage divider (1 kΩ and 2 kΩ) to another:
    the sensor answers at 5 V and the Pi's pins take 3.3 V.

    ::

        print(kit.distance.distance)        # metres, e.g. 0.25
        kit.distance.when_in_range = kit.buzzer.on
    """

    options: ClassVar = {
        "echo": Option(PIN, help="the GPIO pin ECHO is wired to (through a voltage divider)"),
        "trigger": Option(PIN, help="the GPIO pin TRIG is wired to"),
        "max_distance": Option(float, 1.0, "the farthest it reports, in metres", min=0.05, max=4),
        "threshold_distance": Option(float, 0.3, "when_in_range below this, in metres",
                                     min=0.02, max=4),
        "queue_len": Option(int, 9, "readings averaged (median) for each value", min=1, max=50),
        # True, unlike gpiozero: the first reading comes at once instead of after half a
        # second, which a student's first print() and the agent's telemetry both want.
        "partial": Option(bool, True, "false to wait for queue_len readings before the first"),
    }
    looks = "distance"
    channels = (Channel("distance", "m", "distance to the nearest object"),)

    def look(self) -> dict[str, Any]:
        return {"max_distance": self.max_distance}

    @classmethod
    def simulate(cls, spec: Any, env: Any) -> None:
        world, factory = env.sim.world, env.sim.factory
        world.add(spec.name, 1.0, unit="m", low=0.02, high=4.0)
        factory.attach(spec.options["trigger"], SimTriggerPin,
                       echo_pin=factory.attach(spec.options["echo"], SimEchoPin),
                       distance=lambda: world.get(spec.name))

    def close(self) -> None:
        # gpiozero closes the trigger before it stops the sampling thread, which may then
        # fire a closed trigger and die with a traceback: stop the thread first.
        queue = getattr(self, "_queue", None)
        if queue is not None and queue.is_alive():
            queue.stop()
        super().close()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # gpiozero asks for pigpio here; on lgpio and in simulation the readings are good
        # enough for a classroom, and the warning would only alarm students.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PWMSoftwareFallback)
            super().__init__(*args, **kwargs)
