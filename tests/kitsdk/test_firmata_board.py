"""The ``firmata`` driver's own API: analog, digital, PWM, servo and I2C pins of the board,
its telemetry, stop and close, and errors a student can read; against the emulated board,
and once over a real pty with pyserial."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory
from helpers import wait_until

from firmware_bridge import BoardNotFound, Emulator, PinMode, RegisterDevice, find_board, serve_pty
from firmware_bridge.protocol import SystemReset
from kitsdk import BadValue, DeviceClosed, DeviceFailed, Kit, Reading
from kitsdk.devices import FirmataBoard

WAIT = 5.0
COUNT = 1 / 1023
STEP = 1 / 255


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str], Path]:
    def write_profile(text: str) -> Path:
        path = tmp_path / "kit.toml"
        path.write_text(text)
        return path

    return write_profile


@pytest.fixture
def kit(make_kit: Callable[..., Kit], write: Callable[[str], Path]) -> Kit:
    return make_kit(write('[devices.arduino]\ndriver = "firmata"\ntelemetry = ["A1", "A2"]\n'
                          '[devices.lamp]\ndriver = "pwm_led"\nboard = "arduino"\npin = "D9"\n'))


@pytest.fixture
def board(kit: Kit) -> FirmataBoard:
    return kit.arduino  # type: ignore[return-value]


@pytest.fixture
def emulator(board: FirmataBoard) -> Emulator:
    assert board.emulated is not None
    return board.emulated.emulator


def test_analog_pins_read_from_0_to_1(board: FirmataBoard, emulator: Emulator) -> None:
    knob = board.analog("A3")
    assert board.analog("A3") is knob
    emulator.set_analog("A3", 256)
    wait_until(lambda: knob.raw == 256, WAIT, "A3 at 256")
    assert knob.value == pytest.approx(256 / 1023)
    assert emulator.pin_mode("A3") == PinMode.ANALOG


def test_digital_pins_read_and_drive(board: FirmataBoard, emulator: Emulator) -> None:
    switch = board.digital("D7")
    assert switch.value is False  # floating: it reads low
    emulator.drive_digital("D7", True)
    wait_until(lambda: switch.value, WAIT, "D7 high")
    assert board.digital("D8", pull_up=True).value is True
    assert emulator.pin_mode("D8") == PinMode.PULLUP
    led = board.digital("D13")
    led.value = True
    assert emulator.digital_output("D13") and led.value is True
    led.off()
    assert not emulator.digital_output("D13") and led.value is False


def test_pwm_sets_a_duty_cycle(board: FirmataBoard, emulator: Emulator) -> None:
    board.pwm("D6").value = 0.25
    assert emulator.pwm_duty("D6") == pytest.approx(0.25, abs=STEP)
    assert board.pwm("D6").value == 0.25
    with pytest.raises(BadValue, match="pin D6 takes a duty cycle from 0 .off. to 1 .full., "
                                       "not 1.5") as info:
        board.pwm("D6").value = 1.5
    assert info.value.hint == "use a number from 0 to 1"
    with pytest.raises(BadValue, match="pin D4 cannot be PWM; it supports INPUT, PULLUP, "
                                       "OUTPUT, SERVO"):
        board.pwm("D4").value = 0.5


def test_a_servo_turns_to_an_angle(board: FirmataBoard, emulator: Emulator) -> None:
    arm = board.servo("D11")
    assert arm.angle is None
    arm.angle = 45
    assert emulator.wait_until(lambda e: e.servo_angle("D11") == 45, WAIT)
    assert arm.angle == 45
    with pytest.raises(BadValue, match="an angle from 0 to 180 degrees, not 200"):
        arm.angle = 200
    arm.detach()
    assert emulator.pin_mode("D11") == PinMode.OUTPUT and arm.angle is None


def test_i2c_reads_and_writes_a_parts_registers(board: FirmataBoard,
                                                emulator: Emulator) -> None:
    sensor = RegisterDevice({0xD0: 0x60})  # a BME280's chip id
    emulator.add_i2c_device(0x76, sensor)
    assert board.i2c_read(0x76, 1, register=0xD0) == b"\x60"
    board.i2c_write(0x76, [0xF4, 0x27, 0x11])
    assert sensor.registers[0xF4:0xF6] == b"\x27\x11"
    assert board.i2c_read(0x76, 2, register=0xF4) == b"\x27\x11"


def test_telemetry_pins_are_the_boards_channels(kit: Kit, emulator: Emulator) -> None:
    assert [c.name for c in kit.channels()["arduino"]] == ["connected", "reconnects", "A1", "A2"]
    kit.sim.set("arduino.A1", 0.5)
    emulator.set_analog("A2", 1023)  # the emulator's own control works as well
    wait_until(lambda: kit.read()["arduino"]["A2"].value == 1.0, WAIT, "A2 at full scale")
    readings = kit.read()["arduino"]
    assert readings["connected"] == Reading(True, "")
    assert readings["A1"].value == pytest.approx(0.5, abs=COUNT)


def test_stop_drives_every_output_off(kit: Kit, board: FirmataBoard,
                                      emulator: Emulator) -> None:
    board.digital("D12").value = True
    board.pwm("D6").value = 0.5
    board.servo("D11").angle = 90
    kit.lamp.value = 1  # type: ignore[attr-defined]
    kit.stop()
    assert not emulator.digital_output("D12")
    assert emulator.pwm_duty("D6") == 0 and emulator.pwm_duty("D9") == 0
    assert emulator.pin_mode("D11") == PinMode.OUTPUT  # no pulses: the servo relaxes
    assert kit.lamp.value == 0  # type: ignore[attr-defined]


def test_close_resets_the_board_and_use_after_says_so(kit: Kit, board: FirmataBoard,
                                                      emulator: Emulator) -> None:
    board.digital("D12").value = True
    kit.close()
    assert SystemReset() in emulator.commands()
    assert board.closed
    board.close()  # twice is fine
    with pytest.raises(DeviceClosed, match="FirmataBoard 'arduino' is closed"):
        board.analog("A0")


def test_a_pin_that_a_part_uses_belongs_to_it(board: FirmataBoard) -> None:
    with pytest.raises(BadValue, match="pin D9 belongs to PWMLED 'lamp'") as info:
        board.pwm("D9")
    assert info.value.hint == "use kit.lamp instead"


def test_an_unknown_pin_says_what_the_board_has(board: FirmataBoard) -> None:
    with pytest.raises(BadValue, match="no usable pin 'D99' on this board: D2-D19 and A0-A5"):
        board.digital("D99")


def a_board_is_plugged_in() -> bool:
    try:
        find_board()
    except BoardNotFound:
        return False
    return True


@pytest.mark.skipif(a_board_is_plugged_in(), reason="a board is plugged into this machine")
def test_auto_with_no_board_plugged_in_lists_the_ports() -> None:
    with pytest.raises(DeviceFailed) as info:
        FirmataBoard("auto", name="arduino")
    message = str(info.value)
    assert message.startswith("FirmataBoard 'arduino': No Arduino or Pico board was found.")
    assert "Serial ports found: " in message or "No serial ports were found" in message
    assert "USB data cable" in info.value.hint
    assert isinstance(info.value.__cause__, BoardNotFound)


def test_a_port_that_does_not_exist_is_named() -> None:
    with pytest.raises(DeviceFailed, match="Cannot open /dev/ttyKITSDK0: there is no such port"):
        FirmataBoard("/dev/ttyKITSDK0", name="arduino")


def test_a_silent_port_asks_for_standard_firmata() -> None:
    main, other = os.openpty()  # a serial port where nothing answers
    try:
        with pytest.raises(DeviceFailed) as info:
            FirmataBoard(os.ttyname(other), timeout=0.5, name="arduino")
    finally:
        os.close(main)
        os.close(other)
    assert "upload StandardFirmata" in info.value.hint


def test_a_real_serial_port_with_pyserial(write: Callable[[str], Path]) -> None:
    emulator = Emulator(boot_delay=0.02)
    with serve_pty(emulator) as port:
        profile = write(f'[devices.arduino]\ndriver = "firmata"\nport = "{port}"\n'
                        '[devices.lamp]\ndriver = "pwm_led"\nboard = "arduino"\npin = "D9"\n'
                        '[devices.knob]\ndriver = "analog_input"\nboard = "arduino"\n'
                        'pin = "A0"\n')
        with Kit(profile, pin_factory=MockFactory()) as kit:  # not simulated: a real port
            assert not kit.simulated and kit.arduino.emulated is None
            assert kit.arduino.port == port and kit.arduino.connected
            kit.lamp.value = 0.5
            assert emulator.wait_until(lambda e: abs(e.pwm_duty("D9") - 0.5) <= STEP, WAIT)
            emulator.set_analog("A0", 700)
            wait_until(lambda: kit.knob.raw == 700, WAIT, "A0 at 700")
            assert kit.knob.voltage == pytest.approx(700 / 1023 * 5)
        assert SystemReset() in emulator.commands()
