"""pyserial URL handler for ``emulator://NAME`` (found by pyserial through
``serial.protocol_handler_packages``; see `inprocess`).

Reading runs the emulated board's clock: a read waits on the emulator until it has output or
the next sample is due, so the board needs no thread. Writing feeds the board directly.
"""

from __future__ import annotations

import time

from serial import PortNotOpenError, SerialBase, SerialException

from .inprocess import lookup


class Serial(SerialBase):  # type: ignore[misc]  # pyserial ships no type hints
    """A serial port whose other end is an in-process `Emulator`."""

    is_open: bool

    def open(self) -> None:
        if self.is_open:
            raise SerialException("port already open")
        if self._port is None:
            raise SerialException("port must be configured before it can be used")
        self._name = str(self._port).removeprefix("emulator://").split("?")[0]
        self._emulator = lookup(self._name)
        self._rx = bytearray()
        self._cancelled = False
        self.is_open = True
        if self._emulator.reset_on_open:
            self._emulator.power_on()

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            self._emulator.wake()

    def _reconfigure_port(self, force_update: bool = False) -> None:
        """Baud rate and framing mean nothing in memory."""

    def _check_alive(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()
        if not self._emulator.powered:
            raise SerialException(f"emulator://{self._name} was unplugged")

    @property
    def in_waiting(self) -> int:
        self._check_alive()
        self._rx += self._emulator.poll()[0]
        return len(self._rx)

    def read(self, size: int = 1) -> bytes:
        self._check_alive()
        self._cancelled = False
        end = None if self._timeout is None else time.monotonic() + self._timeout
        while len(self._rx) < size:
            wait = None if end is None else max(0.0, end - time.monotonic())
            chunk = self._emulator.read_output(wait, lambda: self._cancelled or not self.is_open)
            if not chunk:
                self._check_alive()
                if self._cancelled or (end is not None and time.monotonic() >= end):
                    break
            self._rx += chunk
        data = bytes(self._rx[:size])
        del self._rx[:size]
        return data

    def write(self, data: bytes) -> int:
        self._check_alive()
        self._emulator.feed(bytes(data))
        return len(data)

    def cancel_read(self) -> None:
        self._cancelled = True
        self._emulator.wake()

    def reset_input_buffer(self) -> None:
        self._check_alive()
        self._rx.clear()
        self._emulator.poll()

    def reset_output_buffer(self) -> None:
        """Writes reach the board at once: nothing to drop."""

    def flush(self) -> None:
        """Writes reach the board at once: nothing to wait for."""

    @property
    def out_waiting(self) -> int:
        return 0
