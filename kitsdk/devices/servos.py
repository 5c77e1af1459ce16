"""Hobby servos, as gpiozero's Servo (position -1..1) and AngularServo (degrees)."""

from __future__ import annotations

from typing import Any, ClassVar

import gpiozero

from ..exc import BadValue
from ..options import PIN, Option
from ..readings import Channel
from .base import KitDevice

_PULSES: dict[str, Option] = {
    "min_pulse_width": Option(float, 1 / 1000, "pulse in seconds at the low end",
                              min=0.0001, max=0.003),
    "max_pulse_width": Option(float, 2 / 1000, "pulse in seconds at the high end",
                              min=0.0005, max=0.004),
    "frame_width": Option(float, 20 / 1000, "seconds between pulses", min=0.005, max=0.05),
}


class Servo(KitDevice, gpiozero.Servo):
    """A hobby servo (SG90...) whose signal wire is on a GPIO pin; powered from 5V.

    ::

        kit.servo.min()
        kit.servo.value = 0.5
        kit.servo.max()
    """

    is_output = True
    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin of the servo's signal (orange) wire"),
        "initial_value": Option(float, 0.0, "position at start, -1 to 1", min=-1, max=1),
        **_PULSES,
    }
    looks = "servo"
    channels = (Channel("position", "", "-1 to 1, None when relaxed", attr="value", low=-1,
                        high=1),)

    @property
    def value(self) -> Any:
        return gpiozero.Servo.value.fget(self)

    @value.setter
    def value(self, value: Any) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not -1 <= value <= 1):
            raise BadValue(f"{self.describe()}: position {value!r} is out of range",
                           hint="use a number from -1 to 1, or None to relax the servo")
        gpiozero.Servo.value.fset(self, value)

    def look(self) -> dict[str, Any]:
        return {"min_angle": -90, "max_angle": 90}

    def stop(self) -> None:
        """Stop sending pulses: the servo relaxes where it is."""
        self.detach()


class AngularServo(KitDevice, gpiozero.AngularServo):
    """A servo you move by angle: ``kit.arm.angle = 45``.

    ::

        kit.arm.angle = -90
        kit.arm.angle = 90
    """

    is_output = True
    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin of the servo's signal (orange) wire"),
        "initial_angle": Option(float, 0.0, "angle at start, in degrees"),
        "min_angle": Option(float, -90.0, "the angle at the low end, in degrees"),
        "max_angle": Option(float, 90.0, "the angle at the high end, in degrees"),
        **_PULSES,
    }
    looks = "servo"
    channels = (Channel("angle", "°", "the angle it was last sent to, None when relaxed"),)

    @property
    def angle(self) -> Any:
        return gpiozero.AngularServo.angle.fget(self)

    @angle.setter
    def angle(self, angle: Any) -> None:
        low, high = sorted((self.min_angle, self.max_angle))
        if angle is not None and (isinstance(angle, bool) or not isinstance(angle, int | float)
                                  or not low <= angle <= high):
            raise BadValue(f"{self.describe()}: angle {angle!r} is out of range",
                           hint=f"use a number of degrees from {low:g} to {high:g}")
        gpiozero.AngularServo.angle.fset(self, angle)

    def look(self) -> dict[str, Any]:
        return {"min_angle": self.min_angle, "max_angle": self.max_angle}

    def stop(self) -> None:
        self.detach()
