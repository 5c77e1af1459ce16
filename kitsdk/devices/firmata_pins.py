"""A board's pins for students: ``kit.arduino.analog("A0").value`` and friends.

Each call of ``kit.arduino.analog(...)``, ``digital``, ``pwm`` or ``servo`` gives the same
object for the same pin, which sets the pin's mode on first use. A pin that a part of the
profile uses (``board = "arduino"``) belongs to that part: use the part instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_bridge import PinMode

from ..exc import BadValue
from .firmata_errors import translated, writing

if TYPE_CHECKING:
    from firmware_bridge import Pin

    from .firmata import FirmataBoard


class _PinHandle:
    """One pin of a board, by the name printed on it."""

    def __init__(self, board: FirmataBoard, io: Pin) -> None:
        self._board = board
        self._io = io

    @property
    def name(self) -> str:
        return self._io.name

    def _use(self, mode: PinMode, **servo: int) -> Pin:
        """The pin, put in ``mode`` if it is not in it already."""
        self._board._check_open()
        if self._io.mode != mode:
            with translated(self._board.describe()):
                self._io.set_mode(mode, **servo)
        return self._io

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} of {self._board.describe()}>"


class AnalogPin(_PinHandle):
    """An analog input (``A0``): a potentiometer, a light or soil sensor's voltage.

    ::

        knob = kit.arduino.analog("A0")
        print(knob.value, knob.raw)      # 0.5 and 512 at half the voltage
    """

    @property
    def raw(self) -> int:
        """The reading in ADC counts: 0 to 1023 on an Uno, Nano or Mega."""
        io = self._use(PinMode.ANALOG)
        with translated(self._board.describe()):
            return int(io.read())

    @property
    def value(self) -> float:
        """The reading from 0 (0 V) to 1 (the board's reference voltage, 5 V on an Uno)."""
        return fraction(self._io, self.raw)


class DigitalPin(_PinHandle):
    """A digital pin: reading it makes it an input, setting it makes it an output.

    ::

        print(kit.arduino.digital("D2", pull_up=True).value)   # a button to GND: False pressed
        kit.arduino.digital("D13").value = True                # the board's own LED on
    """

    def __init__(self, board: FirmataBoard, io: Pin, pull_up: bool = False) -> None:
        super().__init__(board, io)
        self.pull_up = pull_up

    @property
    def value(self) -> bool:
        """An input's level, or the level an output was set to."""
        if self._io.mode == PinMode.OUTPUT:
            return bool(self._io.written)
        io = self._use(PinMode.PULLUP if self.pull_up else PinMode.INPUT)
        with translated(self._board.describe()):
            return bool(io.read())

    @value.setter
    def value(self, level: bool) -> None:
        io = self._use(PinMode.OUTPUT)
        with writing(self._board.describe(), off=not level):
            io.write(bool(level))

    def on(self) -> None:
        self.value = True

    def off(self) -> None:
        self.value = False


class PWMPin(_PinHandle):
    """A PWM output (``D3``, ``D5``, ``D6``, ``D9``, ``D10``, ``D11`` on an Uno): LED brightness,
    motor speed through a driver.

    ::

        kit.arduino.pwm("D9").value = 0.5     # half brightness
    """

    @property
    def value(self) -> float:
        """The duty cycle last set, 0 (off) to 1 (full)."""
        return float(self._io.written or 0.0) if self._io.mode == PinMode.PWM else 0.0

    @value.setter
    def value(self, duty: float) -> None:
        _check_number(self, duty, 0, 1, "a duty cycle from 0 (off) to 1 (full)")
        io = self._use(PinMode.PWM)
        with writing(self._board.describe(), off=not duty):
            io.write(float(duty))


class ServoPin(_PinHandle):
    """A hobby servo's signal wire on a digital pin (power it from 5V, not from the pin).

    ::

        kit.arduino.servo("D10").angle = 90
        kit.arduino.servo("D10").detach()     # stop holding the position
    """

    def __init__(self, board: FirmataBoard, io: Pin, min_pulse: int, max_pulse: int) -> None:
        super().__init__(board, io)
        self.pulses = (min_pulse, max_pulse)

    @property
    def angle(self) -> float | None:
        """The angle last set, 0 to 180 degrees; None while detached."""
        if self._io.mode != PinMode.SERVO or self._io.written is None:
            return None
        return float(self._io.written)

    @angle.setter
    def angle(self, degrees: float) -> None:
        _check_number(self, degrees, 0, 180, "an angle from 0 to 180 degrees")
        low, high = self.pulses
        io = self._use(PinMode.SERVO, min_pulse=low, max_pulse=high)
        with translated(self._board.describe()):
            io.write(degrees)

    def detach(self) -> None:
        """Stop the pulses: the servo relaxes where it is."""
        self._use(PinMode.OUTPUT)


def fraction(io: Pin, raw: int | bool) -> float:
    """An analog reading of ``io`` as a fraction of its full scale (1023 on an Uno)."""
    return int(raw) / ((1 << (io.resolution or 10)) - 1)


def _check_number(pin: _PinHandle, value: object, low: float, high: float, expected: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadValue(f"{pin._board.describe()}: pin {pin.name} takes {expected}, not {value!r}",
                       hint=f"use a number from {low:g} to {high:g}")
