"""The emulator driven by a Firmata client nobody here wrote: pyfirmata2 (PyPI) over a pty.

pyfirmata2's constructor busy-waits BOARD_SETUP_WAIT_TIME (5 s) for an Uno's bootloader; the
emulator boots in milliseconds, so the tests shorten that constant of the third-party client.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyfirmata2
import pytest

from firmware_bridge import Emulator, PinMode

from .conftest import WAIT


@pytest.fixture
def arduino(pty_port: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setattr(pyfirmata2.pyfirmata2, "BOARD_SETUP_WAIT_TIME", 0.3)
    board = pyfirmata2.Arduino(pty_port)
    yield board
    board.exit()


def test_boot_reports_reach_pyfirmata2(arduino: object) -> None:
    assert arduino.firmware == "StandardFirmata.ino"  # type: ignore[attr-defined]
    assert arduino.firmware_version == (2, 5)  # type: ignore[attr-defined]
    assert arduino.get_firmata_version() == (2, 5)  # type: ignore[attr-defined]


def test_analog_input_with_callbacks(arduino: object, emulator: Emulator) -> None:
    emulator.set_analog("A0", 1023)
    values: list[float] = []
    full = threading.Event()

    def on_value(value: float) -> None:
        values.append(value)
        if value == 1.0:
            full.set()

    arduino.samplingOn(10)  # type: ignore[attr-defined]
    pin = arduino.get_pin("a:0:i")  # type: ignore[attr-defined]
    pin.register_callback(on_value)
    pin.enable_reporting()
    assert full.wait(WAIT)
    assert emulator.sampling_interval_ms == 10
    zero = threading.Event()
    pin.register_callback(lambda value: value == 0.0 and zero.set())
    emulator.set_analog("A0", 0)
    assert zero.wait(WAIT)


def test_digital_output_pwm_and_servo(arduino: object, emulator: Emulator) -> None:
    arduino.digital[13].write(1)  # type: ignore[attr-defined]
    assert emulator.wait_until(lambda e: e.digital_output("D13"), WAIT)
    pwm = arduino.get_pin("d:9:p")  # type: ignore[attr-defined]
    pwm.write(0.5)
    assert emulator.wait_until(lambda e: e.pwm_duty("D9") == 128 / 255, WAIT)
    servo = arduino.get_pin("d:10:s")  # type: ignore[attr-defined]
    servo.write(90)
    assert emulator.wait_until(lambda e: e.servo_angle("D10") == 90, WAIT)
    assert emulator.pin_mode("D10") == PinMode.SERVO


def test_digital_input_reports(arduino: object, emulator: Emulator) -> None:
    levels: list[bool] = []
    high = threading.Event()
    arduino.samplingOn()  # type: ignore[attr-defined]
    button = arduino.get_pin("d:2:i")  # type: ignore[attr-defined]
    button.register_callback(lambda value: (levels.append(value), value and high.set()))
    assert emulator.wait_until(lambda e: e.pin_mode("D2") == PinMode.INPUT, WAIT)
    emulator.drive_digital("D2", True)
    assert high.wait(WAIT)


def test_capability_query_auto_setup(pty_port: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyfirmata2's auto-setup (no layout: it asks for capabilities) expects INPUT, OUTPUT as
    the first modes of a digital pin; StandardFirmata 2.5 lists INPUT, PULLUP, OUTPUT, so it
    fails on a real Uno exactly as here (pyFirmata2 issue #19, open)."""
    monkeypatch.setattr(pyfirmata2.pyfirmata2, "BOARD_SETUP_WAIT_TIME", 0.3)
    try:
        board = pyfirmata2.Board(pty_port)
    except IndexError:
        pytest.xfail("pyFirmata2 issue #19: capability responses with PULLUP")
    try:
        assert len(board.analog) == 6
        assert board.digital[9].PWM_CAPABLE and not board.digital[8].PWM_CAPABLE
    finally:
        board.exit()
