"""Motors: one DC motor on an H-bridge, and a two-motor drive base (a rover)."""

from __future__ import annotations

from typing import Any, ClassVar

import gpiozero

from ..exc import BadValue
from ..options import PIN, Option
from ..readings import Channel
from .base import KitDevice


class Motor(KitDevice, gpiozero.Motor):
    """A DC motor on an H-bridge driver (L298N, DRV8833...): two pins, forward and backward.

    ::

        kit.fan.forward(0.5)      # half speed
        kit.fan.backward()
        kit.fan.stop()
    """

    is_output = True
    is_motor = True
    options: ClassVar = {
        "forward": Option(PIN, help="the driver input that turns the motor forward"),
        "backward": Option(PIN, help="the driver input that turns the motor backward"),
        "enable": Option(PIN, None, "the driver's enable pin, if it has one wired"),
        "pwm": Option(bool, True, "false for full speed only"),
    }
    looks = "motor"
    channels = (Channel("speed", "", "-1 (full backward) to 1 (full forward)", attr="value",
                        low=-1, high=1),)

    def forward(self, speed: float = 1) -> None:
        _check_speed(self, speed)
        if self.held:  # the agent holds the motors: the script goes on, the wheels don't
            return
        try:
            gpiozero.Motor.forward(self, speed)
        except ValueError as exc:  # a speed between 0 and 1 on a motor with pwm = false
            raise BadValue(f"{self.describe()}: {exc}", hint="use 0 or 1") from exc

    def backward(self, speed: float = 1) -> None:
        _check_speed(self, speed)
        if self.held:
            return
        try:
            gpiozero.Motor.backward(self, speed)
        except ValueError as exc:
            raise BadValue(f"{self.describe()}: {exc}", hint="use 0 or 1") from exc

    @property
    def value(self) -> Any:
        """The speed: -1 (full backward) to 1 (full forward), 0 stopped."""
        return gpiozero.Motor.value.fget(self)

    @value.setter
    def value(self, value: float) -> None:
        # Dispatch here rather than through gpiozero's setter: one layer fewer on the
        # hottest call a rover script makes (forward, backward and stop are guarded).
        _check_speed(self, value, low=-1)
        if value > 0:
            self.forward(value)
        elif value < 0:
            self.backward(-value)
        else:
            self.stop()

    def stop(self) -> None:
        gpiozero.Motor.stop(self)


def _check_speed(device: KitDevice, speed: Any, low: float = 0) -> None:
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not low <= speed <= 1:
        raise BadValue(
            f"{device.describe()}: speed {speed!r} is out of range",
            hint=f"use a number from {low:g} to 1 (1 is full speed)",
        )


class DriveBase(KitDevice, gpiozero.Robot):
    """Two motors that drive a rover: ``left`` and ``right`` in the profile.

    ::

        kit.drive.forward(0.6)
        kit.drive.curve(0.6, turn=-0.3)   # gently to the left
        kit.drive.tank(0.5, -0.5)         # spin on the spot
        kit.drive.stop()
    """

    is_output = True
    is_motor = True
    looks = "drive_base"
    options: ClassVar = {
        "left": Option(Motor, help="the left motor's pins: { forward = .., backward = .. }"),
        "right": Option(Motor, help="the right motor's pins: { forward = .., backward = .. }"),
    }
    channels = (
        Channel("left", "", "left motor speed, -1 to 1", attr="left_speed", low=-1, high=1),
        Channel("right", "", "right motor speed, -1 to 1", attr="right_speed", low=-1, high=1),
    )

    @classmethod
    def from_profile(cls, spec: Any, env: Any) -> DriveBase:
        motors = {}
        try:
            for side in ("left", "right"):
                options = {"safe": spec.options.get("safe", "off"), **spec.options[side]}
                motors[side] = Motor(name=f"{spec.name}.{side}", pin_factory=env.pin_factory,
                                     **options)
            return cls(motors["left"], motors["right"], name=spec.name,
                       safe=spec.options.get("safe", "off"), pin_factory=env.pin_factory)
        except BaseException:
            for motor in motors.values():
                motor.close()
            raise

    def hold(self) -> None:
        super().hold()
        self.left_motor.hold()
        self.right_motor.hold()

    def release(self) -> None:
        super().release()
        self.left_motor.release()
        self.right_motor.release()

    @property
    def left_speed(self) -> float:
        return float(self.left_motor.value)

    @property
    def right_speed(self) -> float:
        return float(self.right_motor.value)

    def forward(self, speed: float = 1, **curves: float) -> None:
        _check_speed(self, speed)
        gpiozero.Robot.forward(self, speed, **curves)

    def backward(self, speed: float = 1, **curves: float) -> None:
        _check_speed(self, speed)
        gpiozero.Robot.backward(self, speed, **curves)

    def left(self, speed: float = 1) -> None:
        _check_speed(self, speed)
        gpiozero.Robot.left(self, speed)

    def right(self, speed: float = 1) -> None:
        _check_speed(self, speed)
        gpiozero.Robot.right(self, speed)

    def curve(self, speed: float, turn: float) -> None:
        """Drive at ``speed`` (-1 backward to 1 forward), turning by ``turn`` (-1 left, 1 right)."""
        _check_speed(self, speed, low=-1)
        if isinstance(turn, bool) or not isinstance(turn, int | float) or not -1 <= turn <= 1:
            raise BadValue(f"{self.describe()}: turn {turn!r} is out of range",
                           hint="use a number from -1 (left) to 1 (right); 0 is straight on")
        curves = {"curve_left": -turn} if turn < 0 else {"curve_right": turn}
        if speed >= 0:
            gpiozero.Robot.forward(self, speed, **curves)
        else:
            gpiozero.Robot.backward(self, -speed, **curves)

    def tank(self, left: float, right: float) -> None:
        """Set each side's speed directly, -1 (full backward) to 1 (full forward)."""
        self.value = (left, right)

    @property
    def value(self) -> Any:
        """The (left, right) speeds, each -1 (full backward) to 1 (full forward)."""
        return gpiozero.Robot.value.fget(self)

    @value.setter
    def value(self, value: tuple[float, float]) -> None:
        left, right = value
        _check_speed(self, left, low=-1)
        _check_speed(self, right, low=-1)
        gpiozero.Robot.value.fset(self, (left, right))

    def stop(self) -> None:
        gpiozero.Robot.stop(self)
