"""Analog inputs on a board's pins: a potentiometer, a light sensor, any voltage on ``A0``.

The Pi has no analog inputs; an Arduino or a Pico does. These parts sit on a board's analog
pin (``board = "arduino"`` in the profile) and are gpiozero devices on the board's pin
factory, whose analog pins give their reading as a state from 0 to 1.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gpiozero
from gpiozero.exc import PinInvalidFunction

from ..exc import BadValue
from ..options import ANALOG_PIN, Option
from ..readings import Channel
from .base import KitDevice


class AnalogInput(KitDevice, gpiozero.GPIODevice):
    """A voltage on a board's analog pin: a potentiometer, a soil-moisture probe...

    Wire the part's signal to an analog pin (``A0``-``A5`` on an Uno), its + to the board's
    5V (3V3 on a Pico) and its - to GND; a potentiometer's middle leg is its signal.

    ::

        print(kit.knob.value)       # 0 to 1
        print(kit.knob.voltage)     # volts
        print(kit.knob.raw)         # ADC counts, 0 to 1023 on an Uno
    """

    options: ClassVar = {
        "pin": Option(ANALOG_PIN, help="the board's analog pin the part's signal is wired to"),
        "max_voltage": Option(float, 5.0, "the board's reference voltage: 5 on an Arduino "
                                          "Uno, Nano or Mega, 3.3 on a Pico", min=0.1, max=5.5),
    }
    looks: ClassVar[str] = "analog"
    channels: ClassVar[tuple[Channel, ...]] = (
        Channel("value", "", "0 to 1 of the reference voltage", low=0, high=1),
        Channel("voltage", "V", "the pin's voltage"),
    )

    def __init__(self, pin: Any = None, *, max_voltage: float = 5.0, pin_factory: Any = None,
                 name: str | None = None) -> None:
        self._max_voltage = max_voltage
        super().__init__(pin, pin_factory=pin_factory, name=name)
        try:
            self.pin.function = "analog"
        except PinInvalidFunction as exc:
            self.close()
            raise BadValue(f"{self.describe()}: pin {pin} cannot read a voltage ({exc})",
                           hint="use a board's analog pin (A0) through the board's "
                                "pin_factory; the Pi has no analog inputs") from exc
        except BaseException:
            self.close()
            raise

    @property
    def value(self) -> float:
        """The reading, from 0 (0 V) to 1 (the reference voltage)."""
        return float(self.pin.state)

    @property
    def raw(self) -> int:
        """The reading in ADC counts (0 to 1023 on an Uno)."""
        return int(self.pin.raw)

    @property
    def voltage(self) -> float:
        """The pin's voltage."""
        return float(self.value) * self._max_voltage

    @property
    def max_voltage(self) -> float:
        return self._max_voltage

    @classmethod
    def simulate(cls, spec: Any, env: Any) -> None:
        # env.sim is the board's simulator (kitsdk.sim.board): the pin follows the world.
        env.sim.analog(spec.name, spec.options["pin"], default=0.5)


class BoardLightSensor(AnalogInput):
    """A light-dependent resistor (LDR) on a board's analog pin: 0 is dark, 1 is bright.

    Wire it as a divider: 5V to the LDR, the LDR's other leg to ``A0`` and through a 10 kΩ
    resistor to GND. The brighter the light, the lower the LDR's resistance and the higher
    the voltage on ``A0``.

    ::

        print(kit.light.value)
        if kit.light.value < 0.2:
            kit.status_led.on()
    """

    looks = "light"
    channels = (Channel("level", "", "0 (dark) to 1 (bright)", attr="value", low=0, high=1),)
