"""Parts on a board's pins in a profile: ``board = "arduino"`` and pin names as printed on the
board, checked before anything is plugged in, then built on the board's pins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from kitsdk import BadPin, BadProfile, Kit, NotSimulated, PinConflict
from kitsdk.profile import Profile, parse_profile

WAIT = 5.0
ARDUINO = '[devices.arduino]\ndriver = "firmata"\n'


def load(text: str) -> Profile:
    return parse_profile(text, "kit.toml")


def part(name: str, driver: str, **keys: object) -> str:
    lines = [f"[devices.{name}]", f'driver = "{driver}"']
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def bad(text: str, error: type[BadProfile] = BadProfile) -> BadProfile:
    with pytest.raises(error) as info:
        load(text)
    return info.value


def test_board_pins_are_named_as_printed_on_the_board() -> None:
    profile = load(ARDUINO + part("lamp", "pwm_led", board="arduino", pin="D9")
                   + part("fan", "motor", board="arduino", forward=5, backward="d6")
                   + part("knob", "analog_input", board="arduino", pin="A0"))
    assert profile.devices["lamp"].board == "arduino"
    assert profile.devices["lamp"].options == {"pin": "D9"}
    assert profile.devices["fan"].options == {"forward": "D5", "backward": "D6"}
    assert [(device, role, pin.name, pin.physical) for device, _, role, pin in profile.wiring()] \
        == [("lamp", "pin", "arduino:D9", "-"), ("fan", "forward", "arduino:D5", "-"),
            ("fan", "backward", "arduino:D6", "-"), ("knob", "pin", "arduino:A0", "-")]


def test_a_pico_names_its_pins_gp() -> None:
    profile = load('[devices.pico]\ndriver = "firmata"\nboard = "pico"\ntelemetry = ["A1"]\n'
                   + part("lamp", "led", board="pico", pin="GP15")
                   + part("knob", "analog_input", board="pico", pin="A0"))
    assert profile.devices["lamp"].options == {"pin": "GP15"}
    assert profile.devices["knob"].options == {"pin": "GP26"}  # A0 is GP26 on a Pico
    assert profile.devices["pico"].options["telemetry"] == ("GP27",)


def test_an_unknown_board_pin_lists_the_boards_pins() -> None:
    error = bad(ARDUINO + part("lamp", "led", board="arduino", pin="D20"), BadPin)
    assert (error.device, error.key) == ("lamp", "pin")
    assert "board 'arduino' (uno) has no pin 'D20'; valid pins are D2-D13, A0-A5" in str(error)
    mega = bad('[devices.arduino]\ndriver = "firmata"\nboard = "mega"\n'
               + part("lamp", "led", board="arduino", pin="D70"), BadPin)
    assert "valid pins are D2-D53, A0-A15" in str(mega)


def test_an_analog_part_needs_an_analog_pin() -> None:
    error = bad(ARDUINO + part("knob", "analog_input", board="arduino", pin="D9"), BadPin)
    assert "pin D9 of board 'arduino' (uno) is not an analog input; its analog pins are A0-A5" \
        in str(error)
    on_the_pi = bad(part("knob", "analog_input", pin="A0"), BadPin)
    assert "the Raspberry Pi has no analog inputs" in str(on_the_pi)
    assert 'board = "arduino"' in on_the_pi.hint


def test_two_parts_on_one_board_pin_name_both() -> None:
    error = bad(ARDUINO + part("lamp", "led", board="arduino", pin="D9")
                + part("fan", "motor", board="arduino", forward=9, backward="D10"), PinConflict)
    assert ("pin D9 of board 'arduino' is used twice: by device 'lamp' (pin) and by device "
            "'fan' (forward)") in str(error)
    analog = bad(ARDUINO + part("a", "analog_input", board="arduino", pin="A0")
                 + part("b", "button", board="arduino", pin="D14"), PinConflict)
    assert "pin A0 of board 'arduino'" in str(analog)  # D14 is A0 on an Uno


def test_pi_pins_and_board_pins_never_conflict() -> None:
    profile = load(ARDUINO + part("lamp", "led", board="arduino", pin=9)
                   + part("red", "led", pin=9))
    assert {pin.name for spec in profile.devices.values() for pin in spec.pins.values()} \
        == {"arduino:D9", "GPIO9"}


@pytest.mark.parametrize("text, expected", [
    (part("status", "led", pin=17) + part("lamp", "led", board="status", pin="D9"),
     "device 'status' (driver 'led') is not a board"),
    (ARDUINO + part("lamp", "led", board="arduno", pin="D9"),
     "no board 'arduno' above this device: did you mean 'arduino'?"),
    (part("lamp", "led", board="arduino", pin="D9") + ARDUINO,
     "no board 'arduino' above this device"),
    (ARDUINO + part("probe", "ds18b20", board="arduino"),
     "driver 'DS18B20' cannot use a board's pins"),
    (ARDUINO + part("lamp", "led", board=1, pin="D9"),
     "expected the name of a board device, got 1"),
])
def test_board_must_name_a_firmata_device_above(text: str, expected: str) -> None:
    error = bad(text)
    assert error.key == "board" and error.device in ("lamp", "probe")
    assert expected in str(error)


def test_telemetry_pins_are_checked_against_the_model() -> None:
    error = bad(ARDUINO + 'telemetry = ["A0", "A9"]\n', BadPin)
    assert error.key == "telemetry[1]"
    not_a_list = bad(ARDUINO + 'telemetry = "A0"\n')
    assert 'expected a list of a board\'s analog pins, such as ["A0", "A1"]' in str(not_a_list)
    model = bad(ARDUINO + 'board = "leonardo"\n')
    assert "expected one of 'uno', 'nano', 'mega', 'pico', got 'leonardo'" in str(model)


def test_profile_parts_on_a_simulated_board(make_kit: Callable[..., Kit],
                                            tmp_path: Path) -> None:
    path = tmp_path / "bench.toml"
    path.write_text(ARDUINO + part("button", "button", board="arduino", pin="D2")
                    + part("arm", "servo", board="arduino", pin="D10")
                    + part("fan", "motor", board="arduino", forward="D5", backward="D6"))
    kit = make_kit(path)
    emulator = kit.arduino.emulated.emulator
    pressed = threading.Event()
    kit.button.when_pressed = pressed.set
    kit.sim.press("button")  # drives the emulated D2 low, and returns once the kit saw it
    assert kit.button.is_pressed and pressed.wait(WAIT)
    kit.sim.release("button")
    assert not kit.button.is_pressed
    kit.arm.value = 0  # 1.5 ms pulses
    assert emulator.wait_until(lambda e: e.servo_angle("D10") > 0, WAIT)
    kit.fan.forward(0.5)
    assert emulator.pwm_duty("D5") == pytest.approx(0.5, abs=1 / 255)
    assert kit.read()["fan"]["speed"].value == 0.5
    assert "arduino:D5" in repr(kit.fan)


def test_a_part_that_cannot_be_simulated_on_a_board_says_so(make_kit: Callable[..., Kit],
                                                            tmp_path: Path) -> None:
    path = tmp_path / "ldr.toml"
    path.write_text(ARDUINO + part("ldr", "light_sensor", board="arduino", pin="D2"))
    with pytest.raises(NotSimulated, match="cannot be simulated on pin D2 of board 'arduino'"):
        make_kit(path)
