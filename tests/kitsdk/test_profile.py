"""Kit profiles: the built-ins load, good files load, and every mistake is named.

A bad profile must say which file, which device, which key, what was expected and the
nearest valid name, as a ``KitError`` subclass, before any pin is touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from kitsdk import (
    BadPin,
    BadProfile,
    Kit,
    KitError,
    NoProfile,
    PinConflict,
    Profile,
    UnknownDriver,
    builtin_profiles,
    load_profile,
)
from kitsdk.options import PIN, SAFE_OPTION, Option
from kitsdk.pins import HeaderPin, header_pin, valid_pins
from kitsdk.profile import RESERVED, SEARCH_PATH

LED_17 = '[devices.red]\ndriver = "led"\npin = 17\n'


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str], Path]:
    """Write a profile file into the test's folder and return its path."""

    def write(text: str, name: str = "kit.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def bad(write: Callable[[str], Path], text: str, error: type[KitError] = BadProfile) -> KitError:
    """Load ``text`` from a file; it must fail with ``error``, whose message names the file."""
    path = write(text)
    with pytest.raises(error) as info:
        load_profile(path)
    assert str(path) in str(info.value)
    return info.value


# -- the built-in profiles -----------------------------------------------------------------

def test_the_built_in_profiles_are_listed() -> None:
    assert {"starter", "rover"} <= set(builtin_profiles())
    assert builtin_profiles() == sorted(builtin_profiles())


def test_the_starter_profile_has_the_devices_lessons_rely_on() -> None:
    profile = load_profile("starter")
    assert profile.name == "starter"
    assert profile.source == "built-in profile 'starter'"
    assert profile.description
    drivers = {name: spec.driver for name, spec in profile.devices.items()}
    assert drivers == {
        "red": "led", "amber": "led", "green": "led", "button": "button",
        "buzzer": "buzzer", "rgb": "rgb_led", "light": "analog_light_sensor",
    }
    assert profile.devices["red"].pins == {"pin": HeaderPin("GPIO17", 11)}
    assert profile.devices["red"].options == {"pin": "GPIO17"}
    assert set(profile.devices["rgb"].pins) == {"red", "green", "blue"}
    # The light sensor sits on SPI0: bus pins, shared, not its own.
    light = profile.devices["light"]
    assert light.pins == {}
    assert {role: pin.name for role, pin in light.bus_pins.items()} == {
        "spi.clock": "GPIO11", "spi.mosi": "GPIO10", "spi.miso": "GPIO9",
        "spi.select": "GPIO8",
    }


def test_the_rover_profile_has_the_devices_lessons_rely_on() -> None:
    profile = load_profile("rover")
    assert profile.name == "rover"
    assert {"drive", "servo", "distance", "line_left", "line_right",
            "status_led"} <= set(profile.devices)
    drive = profile.devices["drive"]
    assert drive.driver == "drive_base"
    assert {role: pin.name for role, pin in drive.pins.items()} == {
        "left.forward": "GPIO10", "left.backward": "GPIO9",
        "right.forward": "GPIO8", "right.backward": "GPIO7",
    }
    assert drive.options["left"] == {"forward": "GPIO10", "backward": "GPIO9"}


@pytest.mark.parametrize("name", builtin_profiles())
def test_every_built_in_profile_loads_and_has_no_pin_twice(name: str) -> None:
    profile = load_profile(name)
    assert profile.devices
    used = [pin.name for spec in profile.devices.values() for pin in spec.pins.values()]
    assert len(used) == len(set(used))


# -- good custom profiles ------------------------------------------------------------------

GOOD = """
# A kit maker's kit, one of each kind of table.
[kit]
name = "lab bench"
description = "everything at once"

[devices.lamp]
driver = "pwm_led"
pin = "GPIO12"
frequency = 200
safe = "float"

[devices.front]
driver = "distance_sensor"
trigger = "BOARD11"   # GPIO17
echo = 18
max_distance = 2      # a whole number where a number is expected is fine

[devices.drive]
driver = "drive_base"
left = { forward = 20, backward = 21 }
right = { forward = "BCM5", backward = "J8:31" }   # GPIO5, GPIO6

[devices.pot]
driver = "mcp3008"
channel = 1

[devices.knob]
driver = "mcp3008"
channel = 2

[devices.probe]
driver = "ds18b20"
max_age = 0
"""


def test_a_good_custom_profile_loads_with_checked_values(write: Callable[[str], Path]) -> None:
    path = write(GOOD)
    profile = load_profile(path)
    assert isinstance(profile, Profile)
    assert (profile.name, profile.description, profile.source) == (
        "lab bench", "everything at once", str(path))
    assert list(profile.devices) == ["lamp", "front", "drive", "pot", "knob", "probe"]
    assert profile.devices["lamp"].options == {"pin": "GPIO12", "frequency": 200,
                                               "safe": "float"}
    front = profile.devices["front"].options
    assert front == {"trigger": "GPIO17", "echo": "GPIO18", "max_distance": 2.0}
    assert isinstance(front["max_distance"], float)
    assert profile.devices["drive"].options["right"] == {"forward": "GPIO5",
                                                         "backward": "GPIO6"}
    # The probe's 1-wire pin is its default, GPIO4, and is reserved all the same.
    assert profile.devices["probe"].pins == {"pin": HeaderPin("GPIO4", 7)}
    rows = profile.wiring()
    assert ("drive", "drive_base", "right.backward", HeaderPin("GPIO6", 31)) in rows
    assert ("knob", "mcp3008", "spi.clock", HeaderPin("GPIO11", 23)) in rows


def test_a_profile_without_a_kit_table_is_named_after_its_file(
        write: Callable[[str], Path]) -> None:
    profile = load_profile(write(LED_17, name="my-bench.toml"))
    assert profile.name == "my-bench"
    assert profile.description == ""


def test_a_path_object_and_a_string_load_the_same(write: Callable[[str], Path]) -> None:
    path = write(LED_17)
    assert load_profile(path) == load_profile(str(path))


# -- pins ----------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", [17, "17", "GPIO17", "gpio17", "BCM17", "BOARD11",
                                      "J8:11", " GPIO17 "])
def test_every_spelling_of_a_pin_is_the_same_pin(spelling: object) -> None:
    assert header_pin(spelling) == HeaderPin("GPIO17", 11)


@pytest.mark.parametrize("spelling", [99, 28, -1, "GPIO28", "BOARD1", "BOARD6", "pin17",
                                      17.0, True, None, ""])
def test_what_is_not_a_gpio_pin(spelling: object) -> None:
    assert header_pin(spelling) is None


def test_the_valid_pins_are_gpio0_to_gpio27_in_order() -> None:
    assert valid_pins() == tuple(f"GPIO{n}" for n in range(28))


def test_pin_99_names_the_valid_pins(write: Callable[[str], Path]) -> None:
    error = bad(write, '[devices.red]\ndriver = "led"\npin = 99\n', BadPin)
    assert isinstance(error, BadProfile)
    assert isinstance(error, ValueError)
    assert (error.device, error.key) == ("red", "pin")
    message = str(error)
    assert "device 'red'" in message
    assert "no GPIO pin 99" in message
    assert "valid pins are " + ", ".join(valid_pins()) in message
    assert "17" in error.hint


@pytest.mark.parametrize("first, second", [
    ('"GPIO17"', "17"),
    ("17", '"BOARD11"'),
    ('"BOARD11"', '"GPIO17"'),
    ('"BCM17"', '"J8:11"'),
])
def test_two_spellings_of_one_pin_conflict_and_both_devices_are_named(
        write: Callable[[str], Path], first: str, second: str) -> None:
    text = (f'[devices.red]\ndriver = "led"\npin = {first}\n'
            f'[devices.horn]\ndriver = "buzzer"\npin = {second}\n')
    error = bad(write, text, PinConflict)
    assert isinstance(error, BadProfile)
    message = str(error)
    assert "GPIO17 (header pin 11) is used twice" in message
    assert "device 'red' (pin)" in message
    assert "device 'horn' (pin)" in message
    assert error.device == "horn"
    assert "kit check" in error.hint


def test_one_device_cannot_use_a_pin_twice(write: Callable[[str], Path]) -> None:
    text = ('[devices.drive]\ndriver = "drive_base"\n'
            "left = { forward = 20, backward = 21 }\n"
            "right = { forward = 20, backward = 16 }\n")
    error = bad(write, text, PinConflict)
    assert "(left.forward)" in str(error)
    assert "(right.forward)" in str(error)


def test_a_default_pin_conflicts_like_a_written_one(write: Callable[[str], Path]) -> None:
    # The DS18B20's 1-wire bus is on GPIO4 unless the profile says otherwise.
    error = bad(write, '[devices.probe]\ndriver = "ds18b20"\n'
                       '[devices.red]\ndriver = "led"\npin = 4\n', PinConflict)
    assert "GPIO4" in str(error)
    assert "'probe'" in str(error)
    assert "'red'" in str(error)


# -- the SPI bus ---------------------------------------------------------------------------

def test_mcp3008_channels_share_the_spi_pins(write: Callable[[str], Path]) -> None:
    profile = load_profile(write(
        '[devices.pot]\ndriver = "mcp3008"\nchannel = 0\n'
        '[devices.light]\ndriver = "analog_light_sensor"\nchannel = 1\n'
        '[devices.other_chip]\ndriver = "mcp3008"\nchannel = 0\ndevice = 1\n'))
    assert profile.devices["pot"].bus_pins["spi.clock"] == HeaderPin("GPIO11", 23)
    assert profile.devices["light"].bus_pins["spi.clock"] == HeaderPin("GPIO11", 23)
    assert profile.devices["other_chip"].bus_pins["spi.select"].name == "GPIO7"


@pytest.mark.parametrize("led_first", [False, True], ids=["adc-first", "led-first"])
def test_an_led_on_the_spi_clock_conflicts_with_the_adc(
        write: Callable[[str], Path], led_first: bool) -> None:
    adc = '[devices.pot]\ndriver = "mcp3008"\nchannel = 0\n'
    led = '[devices.red]\ndriver = "led"\npin = 11\n'
    error = bad(write, led + adc if led_first else adc + led, PinConflict)
    message = str(error)
    assert "GPIO11" in message
    assert "device 'pot' (spi.clock)" in message
    assert "device 'red' (pin)" in message


def test_the_second_chip_select_is_free_for_an_led_when_the_adc_uses_the_first(
        write: Callable[[str], Path]) -> None:
    load_profile(write('[devices.pot]\ndriver = "mcp3008"\nchannel = 0\n'
                       '[devices.red]\ndriver = "led"\npin = 7\n'))
    error = bad(write, '[devices.pot]\ndriver = "mcp3008"\nchannel = 0\ndevice = 1\n'
                       '[devices.red]\ndriver = "led"\npin = 7\n', PinConflict)
    assert "device 'pot' (spi.select)" in str(error)


# -- bad files, one mistake each -----------------------------------------------------------

def test_bad_toml_names_the_line(write: Callable[[str], Path]) -> None:
    error = bad(write, '[devices.red]\ndriver = "led"\npin = \n')
    assert type(error) is BadProfile
    assert "not valid TOML" in str(error)
    assert "line 3" in str(error)
    assert "quotes" in error.hint
    assert error.__cause__ is not None  # the TOML error is kept, translated at the boundary


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "kit.toml"
    path.write_bytes(b'[kit]\ndescription = "22 \xb0C"\n' + LED_17.encode())  # Latin-1
    with pytest.raises(BadProfile) as info:
        load_profile(path)
    assert str(info.value) == f"{path}: this is not UTF-8 text (byte 24 is 0xb0)"
    assert "UTF-8" in info.value.hint


def test_an_unknown_driver_suggests_the_nearest(write: Callable[[str], Path]) -> None:
    error = bad(write, '[devices.front]\ndriver = "distnce"\ntrigger = 17\necho = 18\n',
                UnknownDriver)
    assert isinstance(error, BadProfile)
    assert (error.device, error.key) == ("front", "driver")
    assert re.search(r"device 'front'.*unknown driver 'distnce'.*"
                     r"did you mean 'distance_sensor'\?", str(error))
    assert error.explain().count("did you mean") == 1  # the hint says where the list is
    assert "kit drivers" in error.hint


def test_a_mistyped_key_is_suggested_once(write: Callable[[str], Path]) -> None:
    error = bad(write, LED_17 + "active_hi = false\n")
    assert error.explain().count("did you mean 'active_high'?") == 1
    assert error.hint == "known keys: active_high, color, initial_value, pin, safe"


def test_an_unknown_driver_far_from_any_says_where_the_list_is(
        write: Callable[[str], Path]) -> None:
    error = bad(write, '[devices.thing]\ndriver = "zzzzzz"\n', UnknownDriver)
    assert "unknown driver 'zzzzzz'" in str(error)
    assert "did you mean" not in str(error)
    assert "kit drivers" in error.hint


def test_a_missing_driver_key(write: Callable[[str], Path]) -> None:
    error = bad(write, "[devices.red]\npin = 17\n")
    assert (error.device, error.key) == ("red", "driver")
    assert "missing key 'driver'" in str(error)
    assert 'driver = "led"' in error.hint


def test_a_driver_that_is_not_text(write: Callable[[str], Path]) -> None:
    error = bad(write, "[devices.red]\ndriver = 5\npin = 17\n")
    assert "expected the driver's name as text, got 5" in str(error)


def test_a_missing_key_says_what_is_expected(write: Callable[[str], Path]) -> None:
    error = bad(write, '[devices.red]\ndriver = "led"\n')
    assert (error.device, error.key) == ("red", "pin")
    assert "device 'red', key 'pin': missing key 'pin'" in str(error)
    assert 'expected a pin such as 17 or "GPIO17"' in str(error)
    assert "long leg" in error.hint  # the option's own help


def test_a_mistyped_key_suggests_the_right_one(write: Callable[[str], Path]) -> None:
    error = bad(write, LED_17 + "active_hi = false\n")
    assert (error.device, error.key) == ("red", "active_hi")
    assert "unknown key 'active_hi' for driver 'LED': did you mean 'active_high'?" in str(error)


def test_an_input_has_no_safe_level(write: Callable[[str], Path]) -> None:
    error = bad(write, '[devices.button]\ndriver = "button"\npin = 26\nsafe = "off"\n')
    assert error.key == "safe"
    assert error.hint == "known keys: bounce_time, hold_repeat, hold_time, pin, pull_up"


@pytest.mark.parametrize("line, expected", [
    ('active_high = "yes"', "expected true or false, got 'yes'"),
    ("initial_value = 1", "expected true or false, got 1"),
    ('safe = "maybe"', "expected one of 'off', 'float', got 'maybe'"),
    ("safe = 0", "expected one of 'off', 'float', got 0"),
])
def test_a_value_of_the_wrong_type(write: Callable[[str], Path], line: str,
                                   expected: str) -> None:
    error = bad(write, LED_17 + line + "\n")
    assert error.key == line.split(" =")[0]
    assert expected in str(error)


@pytest.mark.parametrize("line, key, expected", [
    ("max_distance = 9.0", "max_distance", "expected a number from 0.05 to 4, got 9.0"),
    ("max_distance = 0", "max_distance", "expected a number from 0.05 to 4, got 0"),
    ("queue_len = 0", "queue_len", "expected a whole number from 1 to 50, got 0"),
    ("queue_len = 2.5", "queue_len", "expected a whole number from 1 to 50, got 2.5"),
    ("partial = 1", "partial", "expected true or false, got 1"),
])
def test_a_value_out_of_range(write: Callable[[str], Path], line: str, key: str,
                              expected: str) -> None:
    error = bad(write, '[devices.front]\ndriver = "distance_sensor"\ntrigger = 17\n'
                       f"echo = 18\n{line}\n")
    assert (error.device, error.key) == ("front", key)
    assert expected in str(error)
    assert error.hint  # the option's help says what the key means


def test_an_adc_channel_out_of_range(write: Callable[[str], Path]) -> None:
    error = bad(write, '[devices.pot]\ndriver = "mcp3008"\nchannel = 8\n')
    assert "expected a whole number from 0 to 7, got 8" in str(error)


@pytest.mark.parametrize("name", sorted(RESERVED))
def test_a_reserved_device_name(write: Callable[[str], Path], name: str) -> None:
    error = bad(write, f'[devices.{name}]\ndriver = "led"\npin = 17\n')
    assert error.device == name
    assert f"device name '{name}' is a word kitsdk uses itself" in str(error)
    assert "rename" in error.hint


@pytest.mark.parametrize("name", ["Red", "1led", "front-led", '"red led"', "a" * 33, "_x"])
def test_a_bad_device_name(write: Callable[[str], Path], name: str) -> None:
    error = bad(write, f'[devices.{name}]\ndriver = "led"\npin = 17\n')
    assert "must start with a lowercase letter and use only a-z, 0-9 and _" in str(error)


@pytest.mark.parametrize("text", ["", "# nothing yet\n", '[kit]\nname = "empty"\n',
                                  "[devices]\n"])
def test_an_empty_profile(write: Callable[[str], Path], text: str) -> None:
    error = bad(write, text)
    assert "the profile has no [devices.NAME] tables" in str(error)
    assert 'driver = "led"' in error.hint


def test_a_mistyped_top_level_table(write: Callable[[str], Path]) -> None:
    error = bad(write, LED_17.replace("devices", "devics"))
    assert "unknown top-level table 'devics': did you mean 'devices'?" in str(error)


def test_a_mistyped_kit_key(write: Callable[[str], Path]) -> None:
    error = bad(write, '[kit]\nnmae = "x"\n' + LED_17)
    assert error.key == "nmae"
    assert "unknown key 'nmae' in [kit]: did you mean 'name'?" in str(error)


@pytest.mark.parametrize("text, key", [
    ("devices = 5\n", "[devices]"),
    ("[devices]\nred = 5\n", "[devices.red]"),
    ('kit = "starter"\n' + LED_17, "[kit]"),
])
def test_a_table_that_is_not_a_table(write: Callable[[str], Path], text: str, key: str) -> None:
    error = bad(write, text)
    assert error.key == key
    assert "expected a table" in str(error)


@pytest.mark.parametrize("option, expected", [
    (Option(int, min=0, max=7), "a whole number from 0 to 7"),
    (Option(float, 1.0, min=0), "a number of at least 0"),
    (Option(float, 1.0, max=2.5), "a number of at most 2.5"),
    (Option(bool, False), "true or false"),
    (Option(str, "auto"), "text"),
    (Option(PIN), 'a pin such as 17 or "GPIO17"'),
    (SAFE_OPTION, "one of 'off', 'float'"),
])
def test_expected_values_in_words(option: Option, expected: str) -> None:
    assert option.describe() == expected


# -- sub-tables: a drive base's motors ------------------------------------------------------

DRIVE = ('[devices.drive]\ndriver = "drive_base"\nleft = {left}\n'
         "right = {{ forward = 8, backward = 7 }}\n")


@pytest.mark.parametrize("left, key, error_type, expected", [
    ("{ forward = 10, backwrd = 9 }", "left.backwrd", BadProfile,
     "unknown key 'backwrd' for driver 'Motor': did you mean 'backward'?"),
    ("{ forward = 10 }", "left.backward", BadProfile, "missing key 'backward'"),
    ("{ forward = 10, backward = 99 }", "left.backward", BadPin, "no GPIO pin 99"),
    ("{ forward = 10, backward = 9, pwm = 1 }", "left.pwm", BadProfile,
     "expected true or false, got 1"),
    ("5", "left", BadProfile, "expected a table, got 5"),
])
def test_sub_table_errors_name_the_dotted_key(
        write: Callable[[str], Path], left: str, key: str, error_type: type[KitError],
        expected: str) -> None:
    error = bad(write, DRIVE.format(left=left), error_type)
    assert isinstance(error, BadProfile)
    assert (error.device, error.key) == ("drive", key)
    assert f"device 'drive', key '{key}'" in str(error)
    assert expected in str(error)


def test_a_missing_sub_table(write: Callable[[str], Path]) -> None:
    error = bad(write, '[devices.drive]\ndriver = "drive_base"\n'
                       "right = { forward = 8, backward = 7 }\n")
    assert error.key == "left"
    assert "missing key 'left': expected a table of Motor settings" in str(error)


# -- where Kit() looks ---------------------------------------------------------------------

@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty home folder, so the developer's own ~/.config is never read."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def user_profile(home: Path, text: str) -> Path:
    path = home / ".config" / "kitsdk" / "kit.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_search_path_is_the_user_config_then_etc() -> None:
    user, system = SEARCH_PATH
    assert (user, system) == (Path("~/.config/kitsdk/kit.toml"), Path("/etc/kitsdk/kit.toml"))


def test_kitsdk_profile_names_a_built_in(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_profile(home, LED_17)
    monkeypatch.setenv("KITSDK_PROFILE", "rover")
    assert load_profile().name == "rover"  # the variable wins over the config file


def test_kitsdk_profile_names_a_file(home: Path, write: Callable[[str], Path],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = write('[kit]\nname = "from env"\n' + LED_17)
    monkeypatch.setenv("KITSDK_PROFILE", str(path))
    assert load_profile().source == str(path)


def test_the_user_config_file_is_next(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = user_profile(home, '[kit]\nname = "mine"\n' + LED_17)
    monkeypatch.setenv("KITSDK_PROFILE", "")  # empty counts as unset
    profile = load_profile()
    assert (profile.name, profile.source) == ("mine", str(path))


def test_kit_uses_the_same_order(home: Path, make_kit: Callable[..., Kit]) -> None:
    user_profile(home, '[kit]\nname = "mine"\n' + LED_17)
    kit = make_kit(None)
    assert kit.name == "mine"
    assert list(kit.devices) == ["red"]


def test_no_profile_anywhere(home: Path) -> None:
    if Path("/etc/kitsdk/kit.toml").exists():
        pytest.skip("this machine has a system-wide kit profile")
    with pytest.raises(NoProfile) as info:
        load_profile()
    assert isinstance(info.value, FileNotFoundError)
    message = str(info.value)
    assert "$KITSDK_PROFILE" in message
    assert "~/.config/kitsdk/kit.toml" in message
    assert "/etc/kitsdk/kit.toml" in message
    assert "Kit('starter')" in info.value.hint
    assert "KITSDK_PROFILE" in info.value.hint
    shell = info.value.explain(shell=True)  # as a kit command prints it
    assert "--profile starter" in shell
    assert "Kit(" not in shell


def test_a_mistyped_built_in_name_suggests_the_nearest() -> None:
    with pytest.raises(NoProfile) as info:
        load_profile("startr")
    assert str(info.value) == "no built-in profile 'startr': did you mean 'starter'?"
    assert "starter" in info.value.hint
    assert "rover" in info.value.hint


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(NoProfile) as info:
        load_profile(path)
    assert str(path) in str(info.value)
    assert "does not exist" in str(info.value)
    assert "starter" in info.value.hint


@pytest.mark.parametrize("value, expected", [
    ("startr", "no built-in profile 'startr' (named by $KITSDK_PROFILE): did you mean "
               "'starter'?"),
    ("/no/such/kit.toml", "profile file /no/such/kit.toml (named by $KITSDK_PROFILE) does "
                          "not exist"),
])
def test_a_bad_kitsdk_profile_says_where_the_name_came_from(
        monkeypatch: pytest.MonkeyPatch, value: str, expected: str) -> None:
    monkeypatch.setenv("KITSDK_PROFILE", value)
    with pytest.raises(NoProfile) as info:
        load_profile()
    assert str(info.value) == expected
