"""Light sensors: an LDR on an MCP3008 channel, or an LDR and capacitor on one GPIO pin."""

from __future__ import annotations

from typing import Any, ClassVar

import gpiozero

from ..options import PIN, Option
from ..readings import Channel
from ..sim.pins import SimChargingPin
from .adc import MCP3008
from .base import KitDevice


class AnalogLightSensor(MCP3008):
    """An LDR in a voltage divider on an MCP3008 channel: 0 is dark, 1 is bright.

    ::

        print(kit.light.value)
        if kit.light.value < 0.2:
            kit.red.on()
    """

    looks = "light"
    channels = (Channel("level", "", "0 (dark) to 1 (bright)", attr="value", low=0, high=1),)


class LightSensor(KitDevice, gpiozero.LightSensor):
    """An LDR and a 1 µF capacitor on one GPIO pin: timed charging measures the light.

    ::

        kit.light.wait_for_light()
        print(kit.light.value)
    """

    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin between the LDR and the capacitor"),
        "queue_len": Option(int, 5, "readings averaged for each value", min=1, max=50),
        "charge_time_limit": Option(float, 0.01, "seconds of charging that mean dark",
                                    min=0.001, max=1),
        "threshold": Option(float, 0.1, "the level above which it is light", min=0, max=1),
    }
    looks = "light"
    channels = (Channel("level", "", "0 (dark) to 1 (bright)", attr="value", low=0, high=1),)

    @classmethod
    def simulate(cls, spec: Any, env: Any) -> None:
        world = env.sim.world
        world.add(spec.name, 0.5, low=0.0, high=1.0)
        env.sim.factory.attach(spec.options["pin"], SimChargingPin,
                               level=lambda: world.get(spec.name),
                               charge_time_limit=spec.options.get("charge_time_limit", 0.01))
