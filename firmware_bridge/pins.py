"""`Pin`: one pin of a connected board, with its latest reading and what was written to it.

Readings arrive on the board's reader thread; a `Pin` keeps the latest value and its time
(`time.monotonic`), wakes threads waiting for it, and calls callbacks. A first `read` waits
briefly for the first report instead of returning None: right after a mode change the value
is simply not known yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .exc import BoardClosed, BoardTimeout, LocalProtocolError
from .protocol import PinCapability, PinMode
from .protocol.constants import INPUT_MODES, SERVO_MAX_PULSE_US, SERVO_MIN_PULSE_US, mode_name

if TYPE_CHECKING:
    from .client import Board

Reading = int | bool
Callback = Callable[["Pin", Reading], None]

#: How long a first read waits for the board's first report, by default.
DEFAULT_READ_TIMEOUT = 1.0


class Pin:
    """A pin of `Board`, named as on the board (``D9``, ``A0``).

    ::

        led = board.pin("D13", PinMode.OUTPUT)
        led.write(True)
        knob = board.pin("A0", PinMode.ANALOG)
        print(knob.read())            # 0 to 1023 on an Uno

    Set a mode first (`set_mode`); the mode is refused, naming the modes the pin has, if the
    board cannot do it. Inputs (INPUT, PULLUP, ANALOG) report by themselves; outputs take
    `write` (a level for OUTPUT, a duty 0.0 to 1.0 for PWM, an angle in degrees for SERVO).
    """

    def __init__(
        self, board: Board, number: int, name: str, capability: PinCapability, channel: int | None
    ) -> None:
        self._board = board
        self.number = number
        #: The name printed on the board: ``A0`` for analog pins, ``D9`` otherwise.
        self.name = name
        #: The modes and resolutions the board reported for this pin.
        self.capability = capability
        #: The analog channel this pin reads (A0 is 0), or None.
        self.channel = channel
        self._mode: PinMode | int | None = None
        self.servo_pulses = (SERVO_MIN_PULSE_US, SERVO_MAX_PULSE_US)
        self._value: Reading | None = None
        self._timestamp: float | None = None
        self._written: Reading | float | None = None
        self._callbacks: list[Callback] = []

    def __repr__(self) -> str:
        mode = mode_name(self._mode) if self._mode is not None else "no mode"
        return f"<Pin {self.name} ({mode}) of {self._board.url}>"

    # -- mode ----------------------------------------------------------------------------------

    @property
    def mode(self) -> PinMode | int | None:
        """The mode set through `set_mode`, or None."""
        return self._mode

    def set_mode(
        self,
        mode: PinMode | int,
        *,
        min_pulse: int = SERVO_MIN_PULSE_US,
        max_pulse: int = SERVO_MAX_PULSE_US,
    ) -> Pin:
        """Put the pin in `mode` and start the reports an input needs. Pulse widths (in
        microseconds) apply to SERVO. Kept across reconnects. Returns the pin."""
        board = self._board
        board._layout_or_raise().check_mode(self.number, mode)
        with board._config:
            with board._readings:
                self._mode = mode
                self.servo_pulses = (min_pulse, max_pulse)
                self._value = self._timestamp = self._written = None
            board._mode_changed(self)
        return self

    def _expect(self, modes: frozenset[PinMode], doing: str) -> PinMode | int:
        mode = self._mode
        if mode not in modes:
            wanted = ", ".join(m.name for m in sorted(modes))
            now = "has no mode yet" if mode is None else f"is in {mode_name(mode)} mode"
            raise LocalProtocolError(f"pin {self.name} {now}; set it to {wanted} to {doing}")
        return mode

    @property
    def resolution(self) -> int | None:
        """Bits of the current mode (10 for an Uno's analog inputs, 8 for its PWM)."""
        return None if self._mode is None else self.capability.resolution(self._mode)

    # -- reading -------------------------------------------------------------------------------

    @property
    def timestamp(self) -> float | None:
        """`time.monotonic()` when the latest reading arrived, or None."""
        return self._timestamp

    def read(self, timeout: float | None = DEFAULT_READ_TIMEOUT) -> Reading:
        """The latest reading: ADC counts for ANALOG, True/False for INPUT and PULLUP.

        Waits up to `timeout` seconds for the first report; `BoardTimeout` if none came.
        """
        self._expect(INPUT_MODES | {PinMode.ANALOG}, "read it")
        return self.wait_for(lambda _: True, timeout)

    value = property(read, doc="The latest reading (see `read`).")

    def wait_for(self, predicate: Callable[[Reading], bool], timeout: float | None) -> Reading:
        """Block until a reading satisfies `predicate`, and return it; `BoardTimeout` if none
        does within `timeout` seconds."""
        cond = self._board._readings

        def ready() -> bool:
            return self._board.closed or (self._value is not None and predicate(self._value))

        with cond:
            if not cond.wait_for(ready, timeout) or self._board.closed:
                if self._board.closed:
                    raise BoardClosed(f"pin {self.name}: the board on {self._board.url} was closed")
                got = "no reading yet" if self._value is None else f"the last was {self._value}"
                raise BoardTimeout(
                    f"pin {self.name}: no reading within {timeout} s was the one waited for "
                    f"({got}; the board is {self._board.state.value})"
                )
            assert self._value is not None
            return self._value

    def _reset_reading(self) -> None:
        with self._board._readings:
            self._value = self._timestamp = None

    # -- callbacks -----------------------------------------------------------------------------

    def add_callback(self, callback: Callback) -> None:
        """Call ``callback(pin, reading)`` on the reader thread for every analog report, and
        for every change of a digital input. Keep it short; exceptions are logged and counted."""
        self._callbacks.append(callback)

    def remove_callback(self, callback: Callback) -> None:
        self._callbacks.remove(callback)

    @property
    def callbacks(self) -> tuple[Callback, ...]:
        return tuple(self._callbacks)

    # -- writing -------------------------------------------------------------------------------

    @property
    def written(self) -> Reading | float | None:
        """The last value written through `write` (reset by a mode change or a reconnect)."""
        return self._written

    def write(self, value: bool | float) -> None:
        """OUTPUT: drive high (True) or low. PWM: a duty cycle from 0.0 to 1.0. SERVO: an angle
        from 0 to 180 degrees. Out-of-range values raise `LocalProtocolError`."""
        mode = self._expect(frozenset({PinMode.OUTPUT, PinMode.PWM, PinMode.SERVO}), "write it")
        if mode == PinMode.OUTPUT:
            self._board._digital_write(self, bool(value))
        elif mode == PinMode.PWM:
            if not 0.0 <= value <= 1.0:
                raise LocalProtocolError(f"pin {self.name}: PWM duty is 0.0 to 1.0, not {value}")
            top = (1 << (self.resolution or 8)) - 1
            self._board._analog_write(self, round(value * top))
        else:
            if not 0 <= value <= 180:
                raise LocalProtocolError(f"pin {self.name}: servo angle is 0 to 180, not {value}")
            self._board._analog_write(self, round(value))
        self._written = value

    def write_raw(self, value: int) -> None:
        """Write a raw PWM or servo value, checked against the pin's resolution (0-255 for an
        Uno's PWM; servo values of 544 and above are pulse widths in microseconds)."""
        self._expect(frozenset({PinMode.PWM, PinMode.SERVO}), "write a raw value")
        self._board._analog_write(self, value)
        self._written = value
