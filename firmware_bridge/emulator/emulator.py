"""`Emulator`: the emulated board made safe for threads, with the control API.

The sans-I/O `BoardCore` is wrapped in a lock and driven by the monotonic clock. Servers (pty,
socket, in-process URL) move bytes in and out through `feed` and `poll`; tests and kitsdk's
simulation play the world outside the board through the control methods, which take pin names
as printed on the board (``"A0"``, ``"D9"``) or numbers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..boards import UNO, BoardSpec
from ..exc import LocalProtocolError
from ..protocol import Message, PinMode, PinName
from .core import AnalogSource, BoardCore, EmulatorStats
from .i2c import I2CDevice

Waker = Callable[[], None]


class Emulator:
    """A Firmata board in software, behaving like StandardFirmata 2.5 (an Uno by default).

    ::

        emulator = Emulator()                    # an Uno
        emulator.set_analog("A0", 512)           # half of 5 V on A0
        with serve_pty(emulator) as port:        # a real serial port path
            ...                                  # connect any Firmata client to `port`
        emulator.digital_output("D13")           # what the host wrote to the LED pin

    `boot_delay` is how long the board stays in its bootloader after power-on (a real Uno
    takes about 1.6 s; input meanwhile is ignored). `reset_on_open` makes opening the port
    reset the board, as DTR does on an Uno; boards with native USB (Leonardo, Pico) do not.
    """

    def __init__(
        self, board: BoardSpec = UNO, *, boot_delay: float = 0.05, reset_on_open: bool = True
    ) -> None:
        self.board = board
        self.reset_on_open = reset_on_open
        self._core = BoardCore(board, boot_delay=boot_delay)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._wakers: list[Waker] = []

    def __repr__(self) -> str:
        return f"<Emulator {self.board.name}{'' if self._core.powered else ' (off)'}>"

    # -- for servers ---------------------------------------------------------------------------

    def add_waker(self, waker: Waker) -> None:
        """Call `waker` whenever the board may have new output or a new deadline."""
        with self._lock:
            self._wakers.append(waker)

    def remove_waker(self, waker: Waker) -> None:
        with self._lock:
            self._wakers.remove(waker)

    def _notify(self) -> None:
        """Wake waiters and servers; called with the lock held."""
        self._changed.notify_all()
        for waker in self._wakers:
            waker()

    def power_on(self) -> None:
        """Plug the board in (or reset it through DTR): it reboots."""
        with self._lock:
            self._core.power_on(time.monotonic())
            self._notify()

    def power_off(self) -> None:
        """Unplug the board: it stops and forgets unsent output."""
        with self._lock:
            self._core.power_off()
            self._notify()

    @property
    def powered(self) -> bool:
        return self._core.powered

    def feed(self, data: bytes) -> None:
        """Bytes the host wrote to the board."""
        with self._lock:
            self._core.receive_data(data, time.monotonic())
            self._notify()

    def poll(self) -> tuple[bytes, float | None]:
        """Run the board up to now; its output, and the monotonic time it next needs a poll."""
        with self._lock:
            self._core.tick(time.monotonic())
            return self._core.data_to_send(), self._core.next_deadline()

    # -- control: the world around the board ---------------------------------------------------

    def _pin(self, name: PinName) -> int:
        return self._core.layout.resolve(name)

    def set_analog(self, pin: PinName, source: AnalogSource) -> None:
        """What analog pin `pin` reads: ADC counts (0 to 1023 on an Uno), or a function of the
        seconds since power-on giving them (evaluated at every sample)."""
        with self._lock:
            self._core.set_analog(self._pin(pin), source)

    def drive_digital(self, pin: PinName, level: bool | None) -> None:
        """Drive input `pin` high (True) or low (False) from outside, or let it float (None):
        a floating pin reads low, or high with its pull-up on."""
        with self._lock:
            self._core.drive(self._pin(pin), level)
            self._notify()

    def inject(self, data: bytes) -> None:
        """Send raw bytes to the host between the board's messages: line noise, a flipped
        bit, a sketch printing text. For testing how a host copes."""
        with self._lock:
            self._core.inject(bytes(data))
            self._notify()

    def pin_mode(self, pin: PinName) -> PinMode | int:
        with self._lock:
            return self._core.mode(self._pin(pin))

    def digital_output(self, pin: PinName) -> bool:
        """The level an OUTPUT pin drives; `LocalProtocolError` if it is in another mode."""
        with self._lock:
            return self._core.output_level(self._pin(pin))

    def pwm_duty(self, pin: PinName) -> float:
        """A PWM pin's duty cycle, 0.0 to 1.0."""
        with self._lock:
            return self._core.pwm_duty(self._pin(pin))

    def servo_angle(self, pin: PinName) -> float:
        """A servo pin's angle in degrees."""
        with self._lock:
            return self._core.servo_angle(self._pin(pin))

    def add_i2c_device(self, address: int, device: I2CDevice) -> None:
        """Put a part (see `RegisterDevice`) on the I2C bus at `address`."""
        with self._lock:
            self._core.i2c_devices[address] = device

    @property
    def sampling_interval_ms(self) -> int:
        return self._core.sampling_interval_ms

    @property
    def stats(self) -> EmulatorStats:
        """Counters: reports sent, commands received, boots."""
        return self._core.stats

    @property
    def input_errors(self) -> int:
        """Malformed bytes from the host, counted and ignored."""
        return self._core.input_errors

    def commands(self) -> list[Message]:
        """The latest commands received (up to 256), oldest first."""
        with self._lock:
            return list(self._core.stats.history)

    def wait_until(self, predicate: Callable[[Emulator], bool], timeout: float) -> bool:
        """Block until `predicate(self)` holds, re-checking whenever the board changes; False
        on timeout. A predicate that raises `LocalProtocolError` (a pin not yet in the mode it
        asks about) counts as not yet true."""

        def check() -> bool:
            try:
                return predicate(self)
            except LocalProtocolError:
                return False

        with self._changed:
            return self._changed.wait_for(check, timeout)

    def wake(self) -> None:
        """Wake everything waiting on the board (a transport cancelling a read)."""
        with self._lock:
            self._notify()

    def read_output(self, timeout: float | None, cancelled: Callable[[], bool]) -> bytes:
        """For in-process transports: the board's output, waiting up to `timeout` seconds
        (None: forever) for some, while running the board's clock; empty on timeout or
        when `cancelled()` turns true (call `wake` after setting it)."""
        with self._changed:
            end = None if timeout is None else time.monotonic() + timeout
            while True:
                now = time.monotonic()
                self._core.tick(now)
                out = self._core.data_to_send()
                if out or cancelled():
                    return out
                wait = None if end is None else end - now
                if wait is not None and wait <= 0:
                    return b""
                deadline = self._core.next_deadline()
                if deadline is not None:
                    until = max(0.0, deadline - now)
                    wait = until if wait is None else min(wait, until)
                self._changed.wait(wait)
