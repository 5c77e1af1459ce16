"""LEDs: plain, dimmable and RGB, as gpiozero's LED, PWMLED and RGBLED."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import gpiozero

from ..exc import BadValue
from ..options import PIN, Option
from ..readings import Channel
from .base import KitDevice

_ACTIVE_HIGH = Option(bool, True, "false when the LED lights with the pin low (wired to 3V3)")
_COLOR = Option(str, "", "its colour in drawings of the kit, e.g. \"yellow\" or \"#ffb000\" "
                         "(default: from its name if that is a colour, else red)")
#: Colours an LED's name may say (``red``, ``status_green``), for drawings of the kit.
_NAMED_COLORS = {"red": "red", "amber": "#ffb000", "orange": "orange", "yellow": "yellow",
                 "green": "#22cc44", "blue": "#2f6bff", "white": "white"}

_COLOR_SYNTAX = re.compile(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|[a-z]{3,20}")


class _Coloured:
    """An LED's colour, which only drawings of the kit use (the pin cannot know it)."""

    def __init__(self, *args: Any, color: str = "", name: str | None = None,
                 **kwargs: Any) -> None:
        if color and not _COLOR_SYNTAX.fullmatch(color):
            raise BadValue(f"LED '{name}': color {color!r} is not a colour",
                           hint='use a colour\'s name ("yellow") or "#" and hex ("#ffb000")')
        self.color = color or next((c for word, c in _NAMED_COLORS.items()
                                    if word in (name or "").lower()), "red")
        super().__init__(*args, name=name, **kwargs)  # type: ignore[call-arg]  # a mixin

    def look(self) -> dict[str, Any]:
        return {"color": self.color}


class LED(_Coloured, KitDevice, gpiozero.LED):
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
        "color": _COLOR,
        "initial_value": Option(bool, False, "true to start lit"),
    }
    looks = "led"
    channels = (Channel("on", "", "lit (True) or dark (False)", attr="is_lit"),)


class PWMLED(_Coloured, KitDevice, gpiozero.PWMLED):
    """An LED whose brightness can be set from 0 (off) to 1 (full), e.g. for fading.

    ::

        kit.lamp.value = 0.3
        kit.lamp.pulse()
    """

    is_output = True
    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin the LED is wired to"),
        "active_high": _ACTIVE_HIGH,
        "color": _COLOR,
        "initial_value": Option(float, 0.0, "brightness at start", min=0, max=1),
        "frequency": Option(int, 100, "PWM frequency in Hz", min=1, max=10000),
    }
    looks = "led"
    channels = (Channel("brightness", "", "0 (off) to 1 (full)", attr="value", low=0, high=1),)


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
    looks = "rgb_led"
    channels = (
        Channel("red", "", "red level, 0 to 1", low=0, high=1),
        Channel("green", "", "green level, 0 to 1", low=0, high=1),
        Channel("blue", "", "blue level, 0 to 1", low=0, high=1),
    )
