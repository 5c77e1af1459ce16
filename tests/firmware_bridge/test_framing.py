"""The framer alone, on a tiny dispatch table: the edges of a corrupted stream that the whole
protocol's tests pass by (each is a bug tests/test_planted_bugs.py plants)."""

from __future__ import annotations

import pytest

from firmware_bridge.exc import RemoteProtocolError
from firmware_bridge.protocol.framing import Framer

NOTE = 0x90  # a fixed message: command byte, two data bytes
ECHO = 0x71  # a sysex: its payload comes back as it is
MAX_SYSEX = 4


@pytest.fixture
def errors() -> list[RemoteProtocolError]:
    return []


@pytest.fixture
def framer(errors: list[RemoteProtocolError]) -> Framer[tuple[str, bytes]]:
    return Framer(fixed={NOTE: (2, lambda channel, data: ("note", bytes([channel]) + data))},
                  sysex={ECHO: lambda payload: ("echo", payload)},
                  max_sysex_payload=MAX_SYSEX, on_error=errors.append)


def kinds(errors: list[RemoteProtocolError]) -> list[str]:
    return [error.kind for error in errors]


def test_a_complete_sysex_over_the_bound_is_an_overflow_not_a_message(
        framer: Framer[tuple[str, bytes]], errors: list[RemoteProtocolError]) -> None:
    """All in one read, so the bound on buffered input never comes into play."""
    at_the_bound = bytes([0xF0, ECHO]) + b"\x01" * MAX_SYSEX + b"\xf7"
    over_it = bytes([0xF0, ECHO]) + b"\x01" * (MAX_SYSEX + 1) + b"\xf7"
    assert framer.feed(at_the_bound + over_it + b"\x90\x01\x02") == [
        ("echo", b"\x01" * MAX_SYSEX), ("note", b"\x00\x01\x02")]
    assert kinds(errors) == ["overflow"]


def test_garbage_spread_over_reads_is_one_error(
        framer: Framer[tuple[str, bytes]], errors: list[RemoteProtocolError]) -> None:
    """A run of stray bytes is reported once, however many reads it takes to arrive."""
    out = [message for chunk in (b"\x01\x02", b"\x03", b"\x04\x05", b"\x06\x90\x01\x02")
           for message in framer.feed(chunk)]
    assert out == [("note", b"\x00\x01\x02")]
    assert kinds(errors) == ["stray"]
    assert errors[0].data == b"\x01\x02"


def test_a_message_cut_short_gives_its_command_byte_to_the_next(
        framer: Framer[tuple[str, bytes]], errors: list[RemoteProtocolError]) -> None:
    assert framer.feed(b"\x90\x01\x91\x05\x06") == [("note", b"\x01\x05\x06")]
    assert kinds(errors) == ["truncated"]
    assert framer.pending == 0
