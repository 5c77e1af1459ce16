"""An infrared line sensor (TCRT5000 module), as gpiozero's LineSensor."""

from __future__ import annotations

from typing import Any, ClassVar

import gpiozero

from ..options import PIN, Option
from ..readings import Channel
from ..sim.pins import SimLevelPin
from .base import KitDevice


class LineSensor(KitDevice, gpiozero.LineSensor):
    """Sees a dark line on a light floor: its output goes low over the line.

    ::

        if kit.line_left.line_detected:
            kit.drive.left(0.4)
        kit.line_right.when_line = kit.drive.stop
    """

    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin the module's OUT (DO) is wired to"),
        "pull_up": Option(bool, False, "true if the module's output needs a pull-up"),
        "queue_len": Option(int, 5, "readings averaged for each value", min=1, max=100),
        "sample_rate": Option(int, 100, "readings per second", min=1, max=1000),
        "threshold": Option(float, 0.5, "the average below which it is a line", min=0, max=1),
    }
    looks = "line"
    channels = (Channel("line", "", "True over the line", attr="line_detected"),)

    @classmethod
    def simulate(cls, spec: Any, env: Any) -> None:
        world = env.sim.world
        world.add(spec.name, False)
        # Over the line the module pulls its output low.
        env.sim.factory.attach(spec.options["pin"], SimLevelPin,
                               level=lambda: not world.get(spec.name))
