"""LEDs: plain, dimmable and RGB, as gpiozero's LED, PWMLED and RGBLED."""

from __future__ import annotations

from typing import ClassVar

import gpiozero

from ..options import PIN, Option
from ..readings import Channel
from .base import KitDevice

_ACTIVE_HIGH = Option(bool, True, "false when the LED lights with the pin low (wired to 3V3)")


class LED(KitDevice, gpiozero.LED):
    """An LED on a GPIO pin, through a resistor (330 Ω) to ground.

    ::

        kit.red.on()
        kit.red.blink(on_time=0.5, off_time=0.5)
        kit.red.off()
    """

    is_output = True
    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin the LED's long leg is wired to"),
        "active_high": _ACTIVE_HIGH,
        "initial_value": Option(bool, False, "true to start lit"),
    }
    channels = (Channel("on", "", "lit (True) or dark (False)", attr="is_lit"),)


class PWMLED(KitDevice, gpiozero.PWMLED):
    """An LED whose brightness can be set from 0 (off) to 1 (full), e.g. for fading.

    ::

        kit.lamp.value = 0.3
        kit.lamp.pulse()
    """

    is_output = True
    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin the LED is wired to"),
        "active_high": _ACTIVE_HIGH,
        "initial_value": Option(float, 0.0, "brightness at start", min=0, max=1),
        "frequency": Option(int, 100, "PWM frequency in Hz", min=1, max=10000),
    }
    channels = (Channel("brightness", "", "0 (off) to 1 (full)", attr="value"),)


class RGBLED(KitDevice, gpiozero.RGBLED):
    """A three-colour LED (common cathode by default) on three GPIO pins.

    ::

        kit.rgb.color = (1, 0.5, 0)     # orange
        kit.rgb.blink(on_color=(0, 0, 1))
    """

    is_output = True
    options: ClassVar = {
        "red": Option(PIN, help="the pin of the red leg"),
        "green": Option(PIN, help="the pin of the green leg"),
        "blue": Option(PIN, help="the pin of the blue leg"),
        "active_high": Option(bool, True, "false for a common-anode LED"),
        "pwm": Option(bool, True, "false for on/off colours only"),
    }
    channels = (
        Channel("red", "", "red level, 0 to 1"),
        Channel("green", "", "green level, 0 to 1"),
        Channel("blue", "", "blue level, 0 to 1"),
    )
