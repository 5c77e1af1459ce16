"""The MCP3008 analogue-to-digital converter: eight analogue inputs over SPI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import gpiozero

from ..options import Option
from ..readings import Channel
from .base import KitDevice

#: SPI0 on the Pi's header; the chip-select pin depends on ``device`` (CE0 or CE1).
SPI0 = {"clock": "GPIO11", "mosi": "GPIO10", "miso": "GPIO9"}
CHIP_SELECT = ("GPIO8", "GPIO7")


class MCP3008(KitDevice, gpiozero.MCP3008):
    """One channel of an MCP3008 on the Pi's SPI0 (enable SPI in raspi-config).

    Several devices can use channels of the same chip: they share its SPI pins.

    ::

        print(kit.pot.value)      # 0 to 1
        print(kit.pot.voltage)    # volts
    """

    options: ClassVar = {
        "channel": Option(int, help="the chip's input, 0 to 7", min=0, max=7),
        "device": Option(int, 0, "0 when CS is wired to CE0 (GPIO8), 1 for CE1 (GPIO7)",
                         min=0, max=1),
        "differential": Option(bool, False, "true to read the channel pair's difference"),
        "max_voltage": Option(float, 3.3, "the chip's reference voltage", min=0.1, max=5.5),
    }
    looks: ClassVar[str] = "analog"
    channels: ClassVar[tuple[Channel, ...]] = (
        Channel("value", "", "0 to 1 of the reference voltage", low=0, high=1),
        Channel("voltage", "V", "the input's voltage"),
    )

    @classmethod
    def bus_pins(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        pins = {f"spi.{role}": pin for role, pin in SPI0.items()}
        pins["spi.select"] = CHIP_SELECT[options.get("device", 0)]
        return pins

    @classmethod
    def from_profile(cls, spec: Any, env: Any) -> KitDevice:
        return cls(name=spec.name, pin_factory=env.pin_factory, port=0, **spec.options)

    @classmethod
    def simulate(cls, spec: Any, env: Any) -> None:
        world = env.sim.world
        world.add(spec.name, 0.5, low=0.0, high=1.0)
        pins = {role.removeprefix("spi."): pin for role, pin in cls.bus_pins(spec.options).items()}
        env.sim.adc_channel(pins, spec.options["channel"], lambda: world.get(spec.name))
