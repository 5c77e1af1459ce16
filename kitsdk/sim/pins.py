"""Mock pins that behave like the parts wired to them.

They are gpiozero's own mock pins (``MockPin``, ``MockPWMPin``)
with two additions: their readings come from the simulated world, and every change is
journalled by the factory (``KITSDK_SIM_TRACE``) so another process, a test or a lesson
check can see what the pins did, even after the script died.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from gpiozero.pins.mock import MockPin, MockPWMPin

#: Metres per second, at 20 °C: what an HC-SR04's echo time is measured against.
SPEED_OF_SOUND = 343.26


class _Journalled:
    """Reports every state and function change to the factory's journal."""

    factory: Any
    info: Any
    _state: Any

    def _change_state(self, value: Any) -> bool:
        changed: bool = super()._change_state(value)  # type: ignore[misc]
        if changed:
            self.factory.journal(self.info.name, state=value)
        return changed

    def _set_function(self, value: str) -> None:
        super()._set_function(value)  # type: ignore[misc]
        self.factory.journal(self.info.name, function=value, state=self._state)


class SimPin(_Journalled, MockPWMPin):
    """The default simulated pin: any function, PWM everywhere, like a Pi with lgpio."""


class SimEchoPin(SimPin):
    """An HC-SR04 ECHO input whose pulses carry exact timestamps.

    The pulse is raised and dropped at once, but its falling edge is stamped ``seconds``
    after the rising one: the sensor's reader measures the stamps, so the distance comes
    out exact whatever the threads' latency, and no thread sleeps.
    """

    _pulse_end: float | None = None

    def pulse(self, seconds: float) -> None:
        self.drive_high()
        self._pulse_end = self._last_change + seconds
        self.drive_low()

    def _change_state(self, value: Any) -> bool:
        changed = super()._change_state(value)
        if changed and not value and self._pulse_end is not None:
            self._last_change, self._pulse_end = self._pulse_end, None
        return changed


class SimTriggerPin(_Journalled, MockPin):
    """An HC-SR04 TRIG output: each trigger pulse makes the echo pin answer with the time
    sound takes to reach the world's obstacle and back."""

    def __init__(self, factory: Any, info: Any, echo_pin: SimEchoPin | None = None,
                 distance: Callable[[], float] = lambda: 1.0) -> None:
        super().__init__(factory, info)
        self.echo_pin = echo_pin
        self._distance = distance

    def _set_state(self, value: Any) -> None:
        was_high = self._state
        super()._set_state(value)
        if was_high and not value and self.echo_pin is not None:
            self.echo_pin.pulse(2 * self._distance() / SPEED_OF_SOUND)


class SimChargingPin(_Journalled, MockPin):
    """An LDR and capacitor: the brighter the world's light, the sooner it charges.

    Like the echo pin, the charge is stamped rather than waited for: switched to input, the
    pin goes high at once, but its rising edge is stamped ``(1 - level) * charge_time_limit``
    seconds later. gpiozero's LightSensor measures that stamp, so the level comes out exact
    whatever the threads' latency. (gpiozero's ``MockChargingPin`` starts a thread that
    sleeps for the charge time; its start-up made every reading a few percent too dark, and
    far more on a busy machine.)
    """

    _charged_at: float | None = None

    def __init__(self, factory: Any, info: Any, level: Callable[[], float] = lambda: 0.5,
                 charge_time_limit: float = 0.01) -> None:
        super().__init__(factory, info)
        self._level = level
        self._limit = charge_time_limit

    def _set_function(self, value: str) -> None:
        super()._set_function(value)
        if value == "input" and not self._state:
            self._charged_at = time.monotonic() + (1.0 - self._level()) * self._limit
            self.drive_high()

    def _change_state(self, value: Any) -> bool:
        changed = super()._change_state(value)
        if changed and value and self._charged_at is not None:
            self._last_change, self._charged_at = self._charged_at, None
        return changed


class SimLevelPin(_Journalled, MockPin):
    """A digital input whose level the world decides at every read (a line sensor)."""

    def __init__(self, factory: Any, info: Any, level: Callable[[], bool] = lambda: False) -> None:
        super().__init__(factory, info)
        self._level = level

    def _get_state(self) -> Any:
        return self._level() if self._function == "input" else super()._get_state()
