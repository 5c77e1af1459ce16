"""Our client against the emulator over a real pty (pyserial, termios), a TCP socket and the
in-process URL: the `board` fixture runs each test on each transport."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_bridge import (
    Board,
    BoardClosed,
    BoardConnectionError,
    BoardNotFound,
    BoardNotResponding,
    BoardTimeout,
    ConnectionState,
    Emulator,
    LocalProtocolError,
    NotFirmata,
    PinMode,
    RegisterDevice,
    StateChange,
)
from firmware_bridge.protocol import SystemReset

from .conftest import WAIT


def test_connect_learns_the_board(board: Board) -> None:
    assert board.state is ConnectionState.CONNECTED
    assert board.firmware is not None
    assert board.firmware.name == "StandardFirmata.ino" and board.firmware.protocol == (2, 5)
    assert board.layout is not None and board.layout.analog_pins == (14, 15, 16, 17, 18, 19)
    assert board.pin("A0") is board.pin(14) is board.pin("d14")
    assert board.pin("A0").name == "A0" and board.pin(9).name == "D9"


def test_first_read_waits_for_the_first_report(board: Board, emulator: Emulator) -> None:
    emulator.set_analog("A3", 612)
    knob = board.analog("A3")
    assert knob.read() == 612  # no None: the read waited for the report
    assert knob.timestamp is not None and knob.resolution == 10
    emulator.set_analog("A3", 100)
    assert knob.wait_for(lambda v: v == 100, WAIT) == 100
    with pytest.raises(
        BoardTimeout,
        match=r"pin A3: no reading within 0.05 s.*\(the last was 100; the board is connected\)",
    ):
        knob.wait_for(lambda v: v == 5000, 0.05)


def test_outputs_reach_the_board(board: Board, emulator: Emulator) -> None:
    led = board.pin("D13", PinMode.OUTPUT)
    led.write(True)
    assert emulator.wait_until(lambda e: e.digital_output("D13"), WAIT)
    led.write(False)
    assert emulator.wait_until(lambda e: not e.digital_output("D13"), WAIT)
    dimmer = board.pin("D9", PinMode.PWM)
    dimmer.write(0.25)
    assert emulator.wait_until(lambda e: e.pwm_duty("D9") == 64 / 255, WAIT)
    arm = board.pin("D10", PinMode.SERVO, min_pulse=600, max_pulse=2400)
    arm.write(135)
    assert emulator.wait_until(lambda e: e.servo_angle("D10") == 135, WAIT)
    assert board.query_pin_state("D10").state == 135
    assert board.query_pin_state("D13").mode == PinMode.OUTPUT
    assert (led.written, dimmer.written, arm.written) == (False, 0.25, 135)


def test_digital_inputs_and_callbacks(board: Board, emulator: Emulator) -> None:
    seen: list[tuple[str, bool | int]] = []
    changed = threading.Event()
    button = board.pin("D4", PinMode.PULLUP)
    assert button.read() is True
    button.add_callback(lambda pin, value: (seen.append((pin.name, value)), changed.set()))
    emulator.drive_digital("D4", False)
    assert changed.wait(WAIT)
    assert seen == [("D4", False)]
    assert button.read() is False


def test_refusals_name_the_pin_and_what_it_can_do(board: Board) -> None:
    with pytest.raises(LocalProtocolError, match="pin D4 cannot be PWM; it supports INPUT, PULLUP"):
        board.pin("D4", PinMode.PWM)
    with pytest.raises(LocalProtocolError, match="no pin 'A7'"):
        board.pin("A7")
    pwm = board.pin("D5", PinMode.PWM)
    with pytest.raises(LocalProtocolError, match="duty is 0.0 to 1.0"):
        pwm.write(1.5)
    with pytest.raises(LocalProtocolError, match="takes 0 to 255"):
        pwm.write_raw(256)
    with pytest.raises(LocalProtocolError, match="D5 is in PWM mode; set it to"):
        pwm.read()
    with pytest.raises(ValueError, match="has no mode yet"):
        board.pin("D7").write(True)


def test_i2c_through_the_board(board: Board, emulator: Emulator) -> None:
    sensor = RegisterDevice({0xD0: 0x60})
    emulator.add_i2c_device(0x76, sensor)
    assert board.i2c_read(0x76, 1, register=0xD0) == b"\x60"
    board.i2c_write(0x76, b"\xf4\x27")
    assert board.i2c_read(0x76, 2, register=0xF3) == b"\x00\x27"


def test_sampling_interval_is_sent(board: Board, emulator: Emulator) -> None:
    board.sampling_interval = 5
    assert emulator.wait_until(lambda e: e.sampling_interval_ms == 5, WAIT)
    with pytest.raises(LocalProtocolError):
        board.sampling_interval = 0


def test_close_resets_the_board_and_is_idempotent(url: str, emulator: Emulator) -> None:
    board = Board.connect(url, timeout=WAIT)
    board.pin("D13", PinMode.OUTPUT).write(True)
    assert emulator.wait_until(lambda e: e.digital_output("D13"), WAIT)
    changes: list[StateChange] = []
    board.add_state_callback(changes.append)
    board.close()
    board.close()
    assert board.closed and [c.state for c in changes] == [ConnectionState.CLOSED]
    assert emulator.commands()[-1] == SystemReset() or not emulator.powered
    with pytest.raises(BoardClosed):
        board.pin("D13").write(True)
    with pytest.raises(BoardClosed):
        board.open()


def test_a_board_never_opened_closes_quietly() -> None:
    board = Board("/dev/does-not-exist")
    board.close()
    assert board.closed
    with pytest.raises(BoardConnectionError, match="not open"):
        Board("/dev/x").pin("D9")


def test_missing_port_lists_the_ports_that_exist(tmp_path: Path) -> None:
    with pytest.raises(
        BoardNotFound, match=r"Cannot open .*no such port.*(Serial ports found|No serial ports)"
    ):
        Board.connect(str(tmp_path / "ttyACM9"), timeout=1.0)


@pytest.fixture
def silent_pty() -> Iterator[tuple[int, str]]:
    """A serial port with nothing behind it that answers (the test plays the other end)."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.close(slave)
    yield master, path
    os.close(master)


def test_silence_says_no_answer(silent_pty: tuple[int, str]) -> None:
    with pytest.raises(BoardNotResponding, match="No answer from .* within 0.3 s") as caught:
        Board.connect(silent_pty[1], timeout=0.3)
    assert isinstance(caught.value, TimeoutError) and isinstance(caught.value, ConnectionError)


def test_a_sketch_that_is_not_firmata_is_recognised(silent_pty: tuple[int, str]) -> None:
    master, path = silent_pty
    stop = threading.Event()

    def sketch() -> None:
        """A sketch whose loop() prints a line every 20 ms, as Serial.println would."""
        while not stop.wait(0.02):
            os.write(master, b"Hello from loop()\r\n")

    chatter = threading.Thread(target=sketch)
    chatter.start()
    try:
        with pytest.raises(NotFirmata, match=r"answered .* but not in Firmata.*57600"):
            Board.connect(path, timeout=0.5)
    finally:
        stop.set()
        chatter.join()
