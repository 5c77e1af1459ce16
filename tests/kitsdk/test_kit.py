"""``Kit``: named parts from a profile, readings, and the safe states it leaves behind."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from gpiozero import LED as GpiozeroLED
from gpiozero.pins.mock import MockFactory

from kitsdk import (
    BackendUnavailable,
    BadValue,
    Channel,
    DeviceClosed,
    DeviceFailed,
    Kit,
    NotSimulated,
    Reading,
    UnknownDevice,
    load_profile,
)
from kitsdk.backend import pi_model
from kitsdk.devices import LED, AnalogLightSensor, Button, Buzzer
from kitsdk.sim import SimFactory

STARTER = ["red", "amber", "green", "button", "buzzer", "rgb", "light"]

#: Parts that plain gpiozero mock pins can carry (no PWM, no SPI).
PLAIN_PARTS = """
[kit]
name = "plain"

[devices.red]
driver = "led"
pin = 17

[devices.button]
driver = "button"
pin = 26
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kit.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- devices by name ------------------------------------------------------------------------------

def test_devices_are_attributes_and_items(starter: Kit) -> None:
    assert isinstance(starter.red, LED)
    assert isinstance(starter.button, Button)
    assert isinstance(starter.buzzer, Buzzer)
    assert isinstance(starter.light, AnalogLightSensor)
    assert starter["red"] is starter.red
    assert starter.red.name == "red"
    assert starter.name == "starter"


def test_a_mistyped_device_suggests_the_nearest(starter: Kit) -> None:
    with pytest.raises(UnknownDevice) as info:
        starter.rde  # noqa: B018
    assert str(info.value) == "no device 'rde' in profile 'starter': did you mean 'red'?"
    assert info.value.hint == "devices: " + ", ".join(STARTER)
    assert isinstance(info.value, AttributeError)


def test_an_unknown_device_far_from_any(starter: Kit) -> None:
    with pytest.raises(UnknownDevice) as info:
        starter["motor"]
    assert str(info.value) == "no device 'motor' in profile 'starter'"
    assert not hasattr(starter, "motor")
    assert getattr(starter, "motor", None) is None


def test_dunder_lookups_are_not_devices(starter: Kit) -> None:
    with pytest.raises(AttributeError) as info:
        starter.__wrapped__  # noqa: B018
    assert not isinstance(info.value, UnknownDevice)


def test_iteration_and_len_follow_the_profile(starter: Kit, rover: Kit) -> None:
    assert [device.name for device in starter] == STARTER
    assert len(starter) == 7
    assert list(starter.devices) == STARTER
    assert len(rover) == len(rover.profile.devices)


def test_devices_is_a_copy(starter: Kit) -> None:
    starter.devices.pop("red")
    assert "red" in starter.devices
    assert starter.red.name == "red"


def test_a_kit_from_a_profile_object(make_kit: Callable[..., Kit]) -> None:
    profile = load_profile("rover")
    kit = make_kit(profile)
    assert kit.profile is profile
    assert kit.name == "rover"


def test_repr(starter: Kit) -> None:
    assert repr(starter) == f"<Kit 'starter' (simulated): {', '.join(STARTER)}>"


# -- readings -----------------------------------------------------------------------------------

def test_read_returns_every_channel_with_its_unit(starter: Kit) -> None:
    starter.red.on()
    starter.sim.set("light", 0.25)
    readings = starter.read()
    assert list(readings) == STARTER
    assert readings["red"] == {"on": Reading(True, "")}
    assert readings["amber"] == {"on": Reading(False, "")}
    assert readings["button"] == {"pressed": Reading(False, "")}
    assert set(readings["rgb"]) == {"red", "green", "blue"}
    level = readings["light"]["level"]
    assert isinstance(level, Reading)
    assert level.value == pytest.approx(0.25, abs=1 / 1023)
    assert all(isinstance(r, Reading) for channels in readings.values() for r in channels.values())


def test_read_on_a_rover(rover: Kit) -> None:
    rover.drive.tank(0.5, -0.5)
    readings = rover.read()
    assert readings["drive"] == {"left": Reading(0.5, ""), "right": Reading(-0.5, "")}
    assert readings["distance"]["distance"].unit == "m"
    assert readings["line_left"] == {"line": Reading(False, "")}
    assert repr(readings["distance"]["distance"]) == "1 m"


def test_channels_describe_what_read_returns(starter: Kit, rover: Kit) -> None:
    for kit in (starter, rover):
        channels = kit.channels()
        readings = kit.read()
        assert list(channels) == list(readings)
        for name, described in channels.items():
            assert all(isinstance(c, Channel) for c in described)
            assert [c.name for c in described] == list(readings[name])
            assert [c.unit for c in described] == [r.unit for r in readings[name].values()]
    assert [(c.name, c.unit) for c in rover.channels()["distance"]] == [("distance", "m")]


# -- backends -----------------------------------------------------------------------------------

def test_a_kit_on_plain_gpiozero_mock_pins_has_no_simulator(tmp_path: Path) -> None:
    factory = MockFactory()
    with Kit(write(tmp_path, PLAIN_PARTS), pin_factory=factory) as kit:
        assert not kit.simulated
        with pytest.raises(NotSimulated) as info:
            kit.sim  # noqa: B018
        assert str(info.value) == "kit 'plain' runs on real parts, so it has no simulator"
        assert "KITSDK_BACKEND=sim" in info.value.hint
        kit.red.on()
        assert factory.pin(17).state == 1
        factory.pin(26).drive_low()
        assert kit.button.is_pressed


def test_a_kit_on_a_given_sim_factory_is_simulated(make_kit: Callable[..., Kit]) -> None:
    factory = SimFactory()
    kit = make_kit("starter", pin_factory=factory)
    assert kit.simulated
    assert kit.sim.factory is factory
    kit.sim.set("light", 0.8)
    assert kit.light.value == pytest.approx(0.8, abs=1 / 1023)


def test_a_part_that_will_not_start_is_named_and_the_rest_is_undone() -> None:
    factory = MockFactory()  # no PWM: the RGB LED cannot start
    with pytest.raises(DeviceFailed) as info:
        Kit("starter", pin_factory=factory)
    assert str(info.value).startswith("device 'rgb' (rgb_led) could not start: "
                                      "PinPWMUnsupported")
    assert "'rgb'" in info.value.hint
    # The LEDs built before it let go of their pins.
    GpiozeroLED(17, pin_factory=factory).close()


def test_an_unknown_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITSDK_BACKEND", "simulated")
    with pytest.raises(BadValue, match="KITSDK_BACKEND='simulated' is not a backend") as info:
        Kit("starter")
    assert "'sim'" in info.value.hint


def test_the_real_backend_refuses_to_fall_back() -> None:
    if pi_model():
        pytest.skip("this is a Raspberry Pi")
    with pytest.raises(BackendUnavailable, match="not a Raspberry Pi"):
        Kit("starter", backend="real")


def test_simulation_is_announced_once_per_process() -> None:
    if pi_model():
        pytest.skip("this is a Raspberry Pi")
    script = "from kitsdk import Kit\nKit('starter').close()\nKit('rover').close()\n"
    env = {k: v for k, v in os.environ.items() if k != "KITSDK_BACKEND"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["kitsdk: no Raspberry Pi here, so this kit is simulated"]


# -- stop and close -------------------------------------------------------------------------------

DRIVE_PINS = ("GPIO10", "GPIO9", "GPIO8", "GPIO7")


def test_stop_stops_motors_and_turns_outputs_off(rover: Kit) -> None:
    rover.drive.forward(0.8)
    rover.status_led.on()
    rover.servo.value = 0.5
    rover.stop()
    assert [rover.sim.pin(p).state for p in DRIVE_PINS] == [0, 0, 0, 0]
    assert rover.sim.pin("GPIO26").state == 0
    assert rover.servo.value is None  # relaxed
    # The kit stays usable.
    assert not rover.closed
    rover.drive.backward(0.3)
    assert rover.sim.pin("GPIO9").state == 0.3


def test_stop_turns_off_every_starter_output(starter: Kit) -> None:
    starter.red.on()
    starter.buzzer.on()
    starter.rgb.color = (1, 0, 1)
    starter.green.blink(on_time=0.005, off_time=0.005)
    starter.stop()
    assert not any(led.is_lit for led in (starter.red, starter.green))
    assert not starter.buzzer.is_active
    assert starter.rgb.color == (0, 0, 0)


def test_stop_motors_leaves_the_rest(rover: Kit) -> None:
    rover.drive.forward(0.8)
    rover.status_led.on()
    rover.stop_motors()
    assert [rover.sim.pin(p).state for p in DRIVE_PINS] == [0, 0, 0, 0]
    assert rover.status_led.is_lit


def test_close_leaves_safe_off_outputs_driven_low(make_kit: Callable[..., Kit]) -> None:
    kit = make_kit("rover")
    pins = {name: kit.sim.pin(name) for name in (*DRIVE_PINS, "GPIO26", "GPIO12")}
    kit.drive.forward(0.8)
    kit.status_led.on()
    kit.servo.value = 0.5
    kit.close()
    assert kit.closed
    for name, pin in pins.items():
        assert (name, pin.function, pin.state) == (name, "output", 0)


def test_close_releases_safe_float_outputs(make_kit: Callable[..., Kit], tmp_path: Path) -> None:
    kit = make_kit(write(tmp_path, '[devices.fan]\ndriver = "motor"\nforward = 20\n'
                                   'backward = 21\nsafe = "float"\n'
                                   '[devices.lamp]\ndriver = "led"\npin = 5\nsafe = "float"\n'
                                   '[devices.horn]\ndriver = "buzzer"\npin = 6\n'))
    pins = {name: kit.sim.pin(name) for name in ("GPIO20", "GPIO21", "GPIO5", "GPIO6")}
    kit.fan.forward(0.5)
    kit.lamp.on()
    kit.horn.on()
    kit.close()
    assert [(pin.function, pin.state) for pin in pins.values()] == [
        ("input", 0), ("input", 0), ("input", 0), ("output", 0)]


def test_close_leaves_the_rgb_led_driven_off(make_kit: Callable[..., Kit]) -> None:
    kit = make_kit("starter")
    pins = [kit.sim.pin(name) for name in ("GPIO13", "GPIO6", "GPIO5")]
    kit.rgb.color = (1, 1, 1)
    kit.close()
    assert [(pin.function, pin.state) for pin in pins] == [("output", 0)] * 3


def test_close_closes_every_device_and_twice_is_fine(make_kit: Callable[..., Kit]) -> None:
    kit = make_kit("starter")
    devices = list(kit)
    kit.close()
    kit.close()
    assert all(device.closed for device in devices)
    assert kit.closed
    assert repr(kit) == "<Kit 'starter' (closed): no devices>"
    with pytest.raises(DeviceClosed, match="LED 'red' is closed"):
        devices[0].on()


def test_a_device_of_a_closed_kit_says_the_kit_is_closed(make_kit: Callable[..., Kit]) -> None:
    kit = make_kit("starter")
    kit.close()
    with pytest.raises(DeviceClosed, match="'red'"):
        kit.red.on()


def test_with_closes_the_kit() -> None:
    with Kit("rover") as kit:
        pin = kit.sim.pin("GPIO10")
        kit.drive.forward(1)
        assert pin.state == 1
        drive = kit.drive
    assert kit.closed
    assert drive.closed
    assert (pin.function, pin.state) == ("output", 0)


def test_with_closes_the_kit_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), Kit("rover") as kit:
        pin = kit.sim.pin("GPIO10")
        kit.drive.forward(1)
        1 / 0  # noqa: B018
    assert kit.closed
    assert pin.state == 0
