"""Stand-ins for I2C parts on the emulated bus.

The emulator talks to anything with `read` and `write` (the `I2CDevice` protocol), so a kit
maker can model a sensor in a few lines; `RegisterDevice` covers the common register-map part.
"""

from __future__ import annotations

from typing import Protocol


class I2CDevice(Protocol):
    """An I2C part as the emulated bus sees it."""

    def write(self, data: bytes) -> None:
        """Bytes the host wrote (the first is usually a register address)."""

    def read(self, register: int | None, count: int) -> bytes:
        """`count` bytes from `register` (None: from wherever the part's pointer is)."""


class RegisterDevice:
    """A part with 256 byte-wide registers and an auto-incrementing register pointer,
    like most I2C sensors (BME280, MPU-6050...)."""

    def __init__(self, registers: dict[int, int] | None = None) -> None:
        self.registers = bytearray(256)
        self.pointer = 0
        for register, value in (registers or {}).items():
            self.registers[register] = value

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.pointer = data[0]
        for value in data[1:]:
            self.registers[self.pointer] = value
            self.pointer = (self.pointer + 1) & 0xFF

    def read(self, register: int | None, count: int) -> bytes:
        if register is not None:
            self.pointer = register & 0xFF
        out = bytearray()
        for _ in range(count):
            out.append(self.registers[self.pointer])
            self.pointer = (self.pointer + 1) & 0xFF
        return bytes(out)
