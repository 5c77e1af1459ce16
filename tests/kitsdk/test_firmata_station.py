"""The weather station end to end in simulation: an emulated Uno behind the kit's own Firmata
client, its light sensor on A0 following ``kit.sim``, and the board in ``kit.read()``."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from helpers import wait_until

from firmware_bridge import ConnectionState, PinMode
from firmware_bridge.protocol import SystemReset
from kitsdk import Kit, Reading
from kitsdk.sim import constant

WAIT = 5.0
#: One ADC count of an Uno's 10-bit inputs.
COUNT = 1 / 1023


@pytest.fixture
def station(make_kit: Callable[..., Kit]) -> Kit:
    return make_kit("weather-station")


def kit_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kitsdk.cli", *args], capture_output=True,
                          text=True, timeout=60)


def test_the_station_runs_on_an_emulated_uno(station: Kit) -> None:
    assert station.simulated
    assert list(station.devices) == ["arduino", "temperature", "light", "status_led"]
    board = station.arduino
    assert board.connected and board.state == "connected"
    assert board.firmware == "StandardFirmata.ino 2.5"
    assert board.emulated is not None and board.emulated.url.startswith("emulator://")
    # The light sensor asked the board itself for analog readings on A0.
    assert board.emulated.emulator.pin_mode("A0") == PinMode.ANALOG


def test_the_light_follows_the_simulated_world(station: Kit) -> None:
    for level in (0.8, 0.1, 1.0, 0.0):
        station.sim.set("light", level)  # returns once the board has reported it
        assert station.light.value == pytest.approx(level, abs=COUNT)
    station.sim.set("light", 1.0)
    assert station.light.raw == 1023
    assert station.read()["light"] == {"level": Reading(1.0, "")}


def test_a_scripted_light_source_moves_the_pin(station: Kit) -> None:
    station.sim.set("light", constant(0.25))
    wait_until(lambda: abs(station.light.value - 0.25) <= COUNT, WAIT, "the light at 0.25")


def test_kit_read_includes_the_boards_channels(station: Kit) -> None:
    readings = station.read()
    assert set(readings) == {"arduino", "temperature", "light", "status_led"}
    assert readings["arduino"] == {"connected": Reading(True, ""), "reconnects": Reading(0, "")}
    assert [c.name for c in station.channels()["arduino"]] == ["connected", "reconnects"]


def test_the_boards_free_analog_pins_are_simulated_inputs(station: Kit) -> None:
    inputs = station.sim.inputs()
    assert {"arduino.A1", "arduino.A5", "light", "temperature"} <= set(inputs)
    assert "arduino.A0" not in inputs  # A0 is the light sensor's
    station.sim.set("arduino.A1", 0.3)
    assert station.arduino.analog("A1").value == pytest.approx(0.3, abs=COUNT)


def test_the_status_led_is_on_the_pi(station: Kit) -> None:
    station.status_led.on()
    assert station.sim.pin("GPIO17").state


def test_a_pulled_cable_shows_in_the_driver_and_the_board_comes_back(station: Kit) -> None:
    board = station.arduino
    assert board.emulated is not None
    station.sim.set("light", 0.4)
    board.emulated.unplug()
    assert board.firmata.wait_for_state(ConnectionState.RECONNECTING, WAIT)
    assert not board.connected and board.state == "reconnecting"
    assert station.read()["arduino"]["connected"] == Reading(False, "")
    assert station.light.value == pytest.approx(0.4, abs=COUNT)  # the last reading stays
    station.stop()  # needs no board: it comes back with its outputs off
    board.emulated.plug_in()
    assert board.firmata.wait_for_state(ConnectionState.CONNECTED, WAIT)
    assert station.read()["arduino"] == {"connected": Reading(True, ""),
                                         "reconnects": Reading(1, "")}
    station.sim.set("light", 0.6)  # the light sensor's analog reporting was set up again
    assert station.light.value == pytest.approx(0.6, abs=COUNT)


def test_closing_the_kit_resets_the_board_and_leaves_no_thread(
        make_kit: Callable[..., Kit]) -> None:
    kit = make_kit("weather-station")
    board = kit.arduino
    assert board.emulated is not None
    emulator = board.emulated.emulator
    kit.close()
    assert board.closed
    assert SystemReset() in emulator.commands()
    assert not emulator.powered  # unplugged from the in-process port
    names = [t.name for t in threading.enumerate()]
    assert not [n for n in names if "emulator://" in n or n.startswith("kitsdk-arduino")]


def test_kit_doctor_passes_on_the_simulated_station() -> None:
    result = kit_command("doctor", "--profile", "weather-station")
    assert result.returncode == 0, result.stderr
    assert "ok    FirmataBoard 'arduino': connected=True, reconnects=0" in result.stdout
    assert "ok    BoardLightSensor 'light': level=" in result.stdout
    assert "all devices answered" in result.stdout


def test_kit_check_shows_the_board_pins() -> None:
    result = kit_command("check", "weather-station")
    assert result.returncode == 0, result.stderr
    assert re.search(r"light\s+board_light_sensor\s+pin\s+arduino:A0\s+-", result.stdout)
    assert re.search(r"status_led\s+led\s+pin\s+GPIO17\s+11", result.stdout)
