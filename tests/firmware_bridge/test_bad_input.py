"""A corrupted byte stream from the board: counted, never raised into user code, and never
taken for a reading."""

from __future__ import annotations

import os
import threading

from firmware_bridge import Board, Emulator, Pin

from .conftest import WAIT

#: Noise a flaky cable or a confused sketch produces, each piece aimed at a parser weakness.
NOISE = [
    b"\xe0\x7f",  # an analog report for A0 cut short (the next report's command byte ends it)
    b"\xe0\x7f\x7f",  # A0 reading 16383: more than a 10-bit ADC can say
    b"\xe7\x01\x02",  # a reading for channel A7, which an Uno lacks
    b"\x12\x34\x56",  # data bytes outside any message
    b"\xf0\x6a\x01\x02",  # a sysex with no end
    b"\xa3\x05",  # a command byte Firmata does not use
    b"\xf7",  # an end of sysex with no start
    b"\xf0\x11\x22\xf7",  # an unknown sysex
    b"Hello world!\r\n",  # a sketch printing text
]


def test_noise_is_counted_and_readings_stay_true(board: Board, emulator: Emulator) -> None:
    emulator.set_analog("A0", 512)
    board.sampling_interval = 2
    readings: list[int | bool] = []
    knob = board.analog("A0")
    assert knob.read() == 512
    knob.add_callback(lambda pin, value: readings.append(value))
    for _ in range(5):
        for piece in NOISE:
            emulator.inject(piece)
            count = len(readings)
            knob.wait_for(lambda v, seen=count: len(readings) > seen, WAIT)
    errors = board.stats.input_errors
    assert set(errors) == {"truncated", "malformed", "stray", "unknown"}
    assert sum(errors.values()) >= 2 * len(NOISE)  # adjacent pieces may merge into one error
    assert readings and set(readings) == {512}
    assert board.stats.recent_errors


def test_random_noise_never_stops_the_reader(board: Board, emulator: Emulator) -> None:
    emulator.set_analog("A2", 3)
    knob = board.analog("A2")
    assert knob.read() == 3
    for _ in range(20):
        emulator.inject(os.urandom(256))
    emulator.set_analog("A2", 1000)
    assert knob.wait_for(lambda v: v == 1000, WAIT) == 1000
    assert board.connected and sum(board.stats.input_errors.values()) > 0


def test_a_failing_callback_is_logged_and_counted_not_raised(
    board: Board, emulator: Emulator
) -> None:
    called = threading.Event()

    def broken(pin: Pin, value: int | bool) -> None:
        called.set()
        raise RuntimeError("student bug")

    knob = board.analog("A1")
    knob.add_callback(broken)
    assert called.wait(WAIT)
    emulator.set_analog("A1", 77)
    assert knob.wait_for(lambda v: v == 77, WAIT) == 77
    assert board.stats.callback_errors >= 1 and board.connected
