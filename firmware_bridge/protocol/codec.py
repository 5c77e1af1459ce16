"""The few ways Firmata packs numbers into 7-bit data bytes.

Every data byte on the wire has its high bit clear, so values travel as little-endian groups
of 7 bits: two groups for the common 14-bit values, as many as needed for extended analog and
pin state, and one LSB/MSB pair per byte for strings and I2C data.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..exc import LocalProtocolError, RemoteProtocolError
from .constants import END_SYSEX, MAX_14BIT, START_SYSEX


def split14(value: int, what: str = "value") -> bytes:
    """`value` as LSB, MSB data bytes; refuses what two bytes cannot carry."""
    if not 0 <= value <= MAX_14BIT:
        raise LocalProtocolError(f"{what} {value} does not fit in 14 bits (0 to {MAX_14BIT})")
    return bytes((value & 0x7F, value >> 7))


def split7(value: int, min_groups: int = 1, what: str = "value") -> bytes:
    """`value` as little-endian 7-bit groups, at least `min_groups` of them."""
    if value < 0:
        raise LocalProtocolError(f"{what} {value} is negative")
    groups = bytearray()
    while value or len(groups) < min_groups:
        groups.append(value & 0x7F)
        value >>= 7
    return bytes(groups)


def join7(data: bytes | bytearray) -> int:
    """The number that little-endian 7-bit groups `data` encode."""
    value = 0
    for shift, group in enumerate(data):
        value |= group << (7 * shift)
    return value


def pack_bytes(values: Iterable[int], what: str = "byte") -> bytes:
    """8-bit values as LSB/MSB pairs (strings and I2C data)."""
    out = bytearray()
    for value in values:
        if not 0 <= value <= 0xFF:
            raise LocalProtocolError(f"{what} {value} is not a byte (0 to 255)")
        out += bytes((value & 0x7F, value >> 7))
    return bytes(out)


def unpack_bytes(data: bytes, what: str) -> bytes:
    """The inverse of `pack_bytes`; the board sent garbage if the pairs do not fit bytes."""
    if len(data) % 2:
        raise RemoteProtocolError("malformed", f"{what} has an odd number of 7-bit bytes", data)
    out = bytearray()
    for i in range(0, len(data), 2):
        value = data[i] | (data[i + 1] << 7)
        if value > 0xFF:
            raise RemoteProtocolError("malformed", f"{what} carries {value}, not a byte", data)
        out.append(value)
    return bytes(out)


def sysex(feature: int, payload: bytes = b"") -> bytes:
    """A complete sysex message around an already 7-bit payload."""
    return bytes((START_SYSEX, feature)) + payload + bytes((END_SYSEX,))


def check_range(value: int, low: int, high: int, what: str) -> int:
    """`value` if ``low <= value <= high``, else a `LocalProtocolError` naming it."""
    if not low <= value <= high:
        raise LocalProtocolError(f"{what} must be {low} to {high}, not {value}")
    return value
