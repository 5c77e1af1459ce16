"""Drivers by name: built-ins and kit makers' plug-ins, both through entry points.

Plug-ins here are real installed distributions: a ``*.dist-info`` folder with
``entry_points.txt`` next to a module, found through ``sys.path`` (``PYTHONPATH`` for a
subprocess) exactly as pip would leave them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import gpiozero
import pytest

from kitsdk import DriverError, DriverWarning, Kit, UnknownDriver, load_profile
from kitsdk.devices import KitDevice
from kitsdk.options import PIN, Option
from kitsdk.readings import Channel
from kitsdk.registry import GROUP, Registry, default_registry

#: Every driver kitsdk ships, by the name a profile uses.
BUILT_IN = {
    "led": "kitsdk.devices.leds:LED",
    "pwm_led": "kitsdk.devices.leds:PWMLED",
    "rgb_led": "kitsdk.devices.leds:RGBLED",
    "button": "kitsdk.devices.button:Button",
    "buzzer": "kitsdk.devices.buzzers:Buzzer",
    "tonal_buzzer": "kitsdk.devices.buzzers:TonalBuzzer",
    "motor": "kitsdk.devices.motors:Motor",
    "drive_base": "kitsdk.devices.motors:DriveBase",
    "servo": "kitsdk.devices.servos:Servo",
    "angular_servo": "kitsdk.devices.servos:AngularServo",
    "distance_sensor": "kitsdk.devices.distance:DistanceSensor",
    "line_sensor": "kitsdk.devices.line:LineSensor",
    "light_sensor": "kitsdk.devices.light:LightSensor",
    "analog_light_sensor": "kitsdk.devices.light:AnalogLightSensor",
    "mcp3008": "kitsdk.devices.adc:MCP3008",
    "ds18b20": "kitsdk.devices.temperature:DS18B20",
}

#: A kit maker's driver, as docs/drivers.md shows it.
SAMPLE_DRIVER = '''
from typing import ClassVar

import gpiozero

from kitsdk.devices import KitDevice
from kitsdk.options import PIN, Option
from kitsdk.readings import Channel


class MotionSensor(KitDevice, gpiozero.MotionSensor):
    """A PIR motion sensor."""

    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin the sensor's OUT is wired to"),
        "queue_len": Option(int, 1, "readings averaged for each value", min=1, max=100),
    }
    channels = (Channel("motion", "", "True while something moves", attr="motion_detected"),)

    @classmethod
    def simulate(cls, spec, env):
        factory, pin = env.sim.factory, spec.options["pin"]

        def move(moving):
            if moving:
                factory.pin(pin).drive_high()
            else:
                factory.pin(pin).drive_low()

        env.sim.world.add(spec.name, False, on_change=move)
'''

PIR_PROFILE = '[kit]\nname = "alarm"\n[devices.pir]\ndriver = "pir"\npin = 4\n' \
              '[devices.red]\ndriver = "led"\npin = 17\n'


def install(site: Path, dist: str, modules: dict[str, str], drivers: dict[str, str]) -> None:
    """Leave a distribution in ``site`` the way pip would: modules and a dist-info folder."""
    for name, source in modules.items():
        (site / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in drivers.items())
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on ``sys.path`` for plug-ins; the modules they import are forgotten after."""
    default_registry()  # read before: the process-wide registry never sees these plug-ins
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        if getattr(sys.modules[name], "__file__", "") and \
                str(folder) in str(sys.modules[name].__file__):
            del sys.modules[name]


# -- built-in drivers -----------------------------------------------------------------------------

def test_built_in_drivers_are_registered_as_entry_points() -> None:
    found = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    assert BUILT_IN.items() <= found.items()
    assert set(found) <= set(default_registry().names())


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_every_built_in_driver_loads_from_its_entry_point(name: str) -> None:
    driver = default_registry().get(name)
    assert issubclass(driver, KitDevice)
    assert f"{driver.__module__}:{driver.__qualname__}" == BUILT_IN[name]
    assert driver.__doc__  # a student and a kit maker can read what it is
    assert default_registry().get(name) is driver


def test_the_default_registry_is_read_once() -> None:
    assert default_registry() is default_registry()


def test_reading_the_registry_imports_no_driver() -> None:
    script = ("import sys\nfrom kitsdk.registry import default_registry\n"
              "names = default_registry().names()\n"
              "print(len(names), 'kitsdk.devices' in sys.modules, 'gpiozero' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    count, devices, gpio = result.stdout.split()
    assert int(count) >= len(BUILT_IN)
    assert (devices, gpio) == ("False", "False")


def test_an_unknown_driver_suggests_one() -> None:
    with pytest.raises(UnknownDriver) as info:
        default_registry().get("servvo", device="arm", source="kit.toml")
    assert str(info.value) == ("kit.toml: device 'arm', key 'driver': unknown driver "
                               "'servvo': did you mean 'servo'?")


# -- a kit maker's driver, installed --------------------------------------------------------------

ALARM = """
import json, sys
from kitsdk import Kit
from kitsdk.registry import default_registry

with Kit(sys.argv[1]) as kit:
    kit.sim.set("pir", True)
    moved = kit.pir.wait_for_motion(timeout=10)
    print(json.dumps({
        "drivers": default_registry().names(),
        "class": type(kit.pir).__module__ + ":" + type(kit.pir).__name__,
        "moved": moved,
        "reading": kit.read()["pir"]["motion"].value,
        "repr": repr(kit.pir),
    }))
"""


def test_an_installed_plug_in_driver_works_through_a_profile(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install(site, "sample_driver", {"sample_driver": SAMPLE_DRIVER},
            {"pir": "sample_driver:MotionSensor"})
    profile = tmp_path / "alarm.toml"
    profile.write_text(PIR_PROFILE)
    env = {**os.environ, "PYTHONPATH": str(site), "KITSDK_BACKEND": "sim"}
    result = subprocess.run([sys.executable, "-c", ALARM, str(profile)], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    out = json.loads(result.stdout)
    assert "pir" in out["drivers"]
    assert BUILT_IN.keys() <= set(out["drivers"])
    assert out["class"] == "sample_driver:MotionSensor"
    assert out["moved"] is True
    assert out["reading"] is True
    assert out["repr"] == "<MotionSensor 'pir' on GPIO4: motion=True>"


def test_a_plug_in_is_found_in_process_too(site: Path, tmp_path: Path,
                                           make_kit: Callable[..., Kit]) -> None:
    install(site, "sample_driver", {"sample_driver": SAMPLE_DRIVER},
            {"pir": "sample_driver:MotionSensor"})
    registry = Registry.from_entry_points()
    assert "pir" in registry.names()
    profile = tmp_path / "alarm.toml"
    profile.write_text(PIR_PROFILE)
    kit = make_kit(profile, registry=registry)
    kit.sim.set("pir", True)
    assert kit.pir.wait_for_motion(timeout=5)
    # Options of a plug-in are checked like a built-in's.
    profile.write_text(PIR_PROFILE.replace("pin = 4", "pin = 4\nqueue_lenn = 2"))
    with pytest.raises(Exception, match="unknown key 'queue_lenn'.*did you mean 'queue_len'"):
        load_profile(profile, registry=registry)


# -- broken plug-ins ------------------------------------------------------------------------------

BROKEN = {
    "needs_lib": ("broken_import:Sensor", "ImportError: needs the foo library"),
    "crashes": ("broken_runtime:Sensor", "RuntimeError: I2C bus 7 is not there"),
    "not_a_driver": ("not_a_driver:Sensor", "not a KitDevice subclass"),
    "a_number": ("not_a_driver:NUMBER", "driver 'a_number' is 42, not a KitDevice subclass"),
    "typo": ("no_such_module:Sensor", "ModuleNotFoundError: No module named 'no_such_module'"),
    "no_attr": ("not_a_driver:Missing", "AttributeError"),
}


@pytest.fixture
def broken(site: Path) -> Registry:
    """A registry with one good plug-in and every kind of broken one installed."""
    install(site, "sample_driver", {"sample_driver": SAMPLE_DRIVER},
            {"pir": "sample_driver:MotionSensor"})
    install(site, "broken_parts", {
        "broken_import": "raise ImportError('needs the foo library')\n",
        "broken_runtime": "raise RuntimeError('I2C bus 7 is not there')\n",
        "not_a_driver": "class Sensor:\n    pass\n\nNUMBER = 42\n",
    }, {name: target for name, (target, _) in BROKEN.items()})
    return Registry.from_entry_points()


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_plug_in_warns_once_and_errors_every_time(broken: Registry, name: str) -> None:
    target, cause = BROKEN[name]
    with pytest.warns(DriverWarning) as warned, pytest.raises(DriverError) as info:
        broken.get(name)
    assert len(warned) == 1
    message = str(warned[0].message)
    assert message.startswith(f"driver '{name}' ({target}) could not be loaded: ")
    assert cause in message
    assert isinstance(info.value, RuntimeError)
    assert str(info.value) == message
    assert info.value.__cause__ is not None
    assert "reinstall" in info.value.hint
    # Asked again: the same error, and no second warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DriverError, match="could not be loaded"):
            broken.get(name)


def test_a_profile_asking_for_a_broken_plug_in_names_its_device(
        broken: Registry, tmp_path: Path) -> None:
    profile = tmp_path / "kit.toml"
    profile.write_text('[devices.gas]\ndriver = "needs_lib"\npin = 4\n')
    with (pytest.warns(DriverWarning, match="driver 'needs_lib'"),
          pytest.raises(DriverError) as info):
        load_profile(profile, registry=broken)
    assert str(info.value).startswith(f"{profile}: device 'gas': driver 'needs_lib' "
                                      "(broken_import:Sensor) could not be loaded")


def test_a_broken_plug_in_does_not_stop_other_kits(broken: Registry,
                                                   make_kit: Callable[..., Kit]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nobody asked for the broken ones: no warning
        kit = make_kit("starter", registry=broken)
    assert kit.red.name == "red"


def test_load_all_skips_the_broken_with_a_warning_each(broken: Registry) -> None:
    with pytest.warns(DriverWarning) as warned:
        drivers = broken.load_all()
    assert {"pir", *BUILT_IN} <= set(drivers)
    assert not set(BROKEN) & set(drivers)
    named = {str(w.message).split("'")[1] for w in warned}
    assert set(BROKEN) <= named


def test_two_packages_claiming_one_name_are_both_named(site: Path) -> None:
    install(site, "sample_driver", {"sample_driver": SAMPLE_DRIVER},
            {"pir": "sample_driver:MotionSensor"})
    install(site, "other_driver", {}, {"pir": "other_driver:MotionSensor"})
    with pytest.warns(DriverWarning, match="two packages register driver 'pir'") as warned:
        Registry.from_entry_points()
    message = str(warned[0].message)
    assert "sample_driver:MotionSensor" in message
    assert "other_driver:MotionSensor" in message


# -- registering by hand --------------------------------------------------------------------------

class Fan(KitDevice, gpiozero.DigitalOutputDevice):
    """A 5 V fan on a transistor: on or off."""

    is_output = True
    options: ClassVar[dict[str, Option]] = {"pin": Option(PIN, help="the transistor's base")}
    channels = (Channel("spinning", "", "on or off", attr="is_active"),)


def test_register_adds_a_driver_in_process(tmp_path: Path, make_kit: Callable[..., Kit]) -> None:
    registry = Registry.from_entry_points()
    registry.register("fan", Fan)
    assert "fan" in registry.names()
    assert registry.get("fan") is Fan
    profile = tmp_path / "kit.toml"
    profile.write_text('[devices.cooler]\ndriver = "fan"\npin = 20\n'
                       '[devices.red]\ndriver = "led"\npin = 17\n')
    kit = make_kit(profile, registry=registry)
    pin = kit.sim.pin(20)
    kit.cooler.on()
    assert pin.state == 1
    assert kit.read()["cooler"]["spinning"].value is True
    kit.close()  # an output of a kit maker's driver is left safe, like a built-in's
    assert (pin.function, pin.state) == ("output", 0)


def test_an_empty_registry_knows_only_what_is_registered() -> None:
    registry = Registry()
    assert registry.names() == []
    registry.register("fan", Fan)
    assert registry.names() == ["fan"]
    with pytest.raises(UnknownDriver, match="unknown driver 'fna': did you mean 'fan'"):
        registry.get("fna")


@pytest.mark.parametrize("thing", [42, object, gpiozero.LED, "led"],
                         ids=["number", "class", "gpiozero-class", "name"])
def test_register_refuses_what_is_not_a_driver(thing: Any) -> None:
    with pytest.raises(DriverError, match="driver 'fan' is .*, not a KitDevice subclass"):
        Registry().register("fan", thing)
