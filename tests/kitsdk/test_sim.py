"""Simulation: the world's values, scripted sources, the pin journal, and plain gpiozero."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import wait_until

from kitsdk import BadValue, Kit, UnknownDevice
from kitsdk.sim import SimFactory, Simulator, SimWorld, constant, recorded, sine, steps

ADC_STEP = 1 / 1023




@pytest.fixture
def world() -> SimWorld:
    world = SimWorld()
    world.add("distance", 1.0, unit="m", low=0.02, high=4.0)
    world.add("button", False)
    world.add("light", 0.5, low=0.0, high=1.0)
    return world


# -- the world ----------------------------------------------------------------------------------

def test_the_world_holds_checked_values(world: SimWorld) -> None:
    assert world.names() == ["button", "distance", "light"]
    assert world.get("distance") == 1.0
    world.set("distance", 2)
    assert world.get("distance") == 2.0
    assert isinstance(world.get("distance"), float)
    world.set("button", True)
    assert world.get("button") is True


@pytest.mark.parametrize("name, value, expected", [
    ("distance", 5, "simulated 'distance' must be a number from 0.02 to 4 m, got 5"),
    ("distance", 0.01, "must be a number from 0.02 to 4 m, got 0.01"),
    ("distance", math.nan, "must be a number from 0.02 to 4 m, got nan"),
    ("distance", math.inf, "must be a number from 0.02 to 4 m, got inf"),
    ("distance", True, "simulated 'distance' must be a number, got True"),
    ("distance", "near", "simulated 'distance' must be a number, got 'near'"),
    ("light", 1.5, "simulated 'light' must be a number from 0 to 1, got 1.5"),
    ("button", 1, "simulated 'button' must be True or False, got 1"),
    ("button", "yes", "simulated 'button' must be True or False, got 'yes'"),
])
def test_the_world_rejects_bad_values(world: SimWorld, name: str, value: object,
                                      expected: str) -> None:
    before = world.get(name)
    with pytest.raises(BadValue) as info:
        world.set(name, value)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert expected in str(info.value)
    assert world.get(name) == before


def test_a_quantity_without_a_range_still_refuses_nan() -> None:
    world = SimWorld()
    world.add("anything", 0.0)
    world.set("anything", -1e9)
    with pytest.raises(BadValue, match="'anything' must be a number, got nan"):
        world.set("anything", math.nan)


def test_an_unknown_input_suggests_the_nearest(world: SimWorld) -> None:
    with pytest.raises(UnknownDevice) as info:
        world.set("distnce", 0.5)
    assert str(info.value) == "no simulated input 'distnce': did you mean 'distance'?"
    assert info.value.hint == "simulated inputs: button, distance, light"
    with pytest.raises(UnknownDevice) as info:
        world.get("zzz")
    assert str(info.value) == "no simulated input 'zzz'"


def test_listeners_hear_each_value(world: SimWorld) -> None:
    heard: list[float | bool] = []
    world.add("pir", False, on_change=heard.append)
    world.set("pir", True)
    world.set("pir", False)
    assert heard == [True, False]
    with pytest.raises(BadValue):
        world.set("pir", 3)
    assert heard == [True, False]  # a refused value is not passed on


# -- sources ------------------------------------------------------------------------------------

def test_constant() -> None:
    assert [constant(0.3)(t) for t in (0, 1, 1e6)] == [0.3, 0.3, 0.3]


def test_sine_swings_between_low_and_high() -> None:
    wave = sine(0.2, 0.8, period=4)
    assert [wave(t) for t in (0, 1, 2, 3, 4)] == pytest.approx([0.2, 0.5, 0.8, 0.5, 0.2])
    assert all(0.2 - 1e-12 <= wave(t / 10) <= 0.8 + 1e-12 for t in range(100))


def test_steps_repeat_or_hold() -> None:
    stairs = steps([1, 2, 3], every=0.5)
    assert [stairs(t) for t in (0, 0.49, 0.5, 1.0, 1.5, 1.6)] == [1, 1, 2, 3, 1, 1]
    held = steps([1, 2, 3], every=0.5, repeat=False)
    assert [held(t) for t in (0, 0.5, 1.0, 1.5, 100)] == [1, 2, 3, 3, 3]


@pytest.mark.parametrize("make, expected", [
    (lambda: sine(0, 1, period=0), "sine period must be more than 0 seconds, got 0"),
    (lambda: steps([]), "steps needs at least one value"),
    (lambda: steps([1], every=-1), "steps interval must be more than 0 seconds, got -1"),
])
def test_bad_sources(make: Callable[[], object], expected: str) -> None:
    with pytest.raises(BadValue, match=expected):
        make()


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "walk.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_recorded_replays_a_csv(tmp_path: Path) -> None:
    replay = recorded(write_csv(tmp_path, "t,value\n0,0.1\n1,0.5\n2.5,0.9\n"))
    assert [replay(t) for t in (-1, 0, 0.5, 1, 2.49, 2.5, 100)] == [
        0.1, 0.1, 0.1, 0.5, 0.5, 0.9, 0.9]


def test_recorded_takes_named_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "seconds,metres,note\n0,0.30,start\n2,0.10,close\n")
    replay = recorded(path, "metres", time_column="seconds")
    assert (replay(1), replay(3)) == (0.30, 0.10)


@pytest.mark.parametrize("text, expected", [
    ("t,value\n0,0.1\n1,abc\n", r"walk.csv, line 3: expected numbers in columns 't' and "
                                r"'value', got \{'t': '1', 'value': 'abc'\}"),
    ("t,value\n0,0.1\n\n\n1,abc\n", "walk.csv, line 5: expected numbers"),   # blank lines count
    ("t,value\n0,0.1\n1\n", "walk.csv, line 3: expected numbers"),          # a short row
    ("t,value\n0,0.1\n,0.2\n", "walk.csv, line 3: expected numbers"),
    ("t,level\n0,1\n", r"walk.csv, line 1: no column 'value' \(the columns are 't', 'level'\)"),
    ("time,value\n0,1\n", "walk.csv, line 1: no column 't'"),
    ("t,value\n", "walk.csv has no rows of data"),
    ("", "walk.csv has no rows of data"),
    ("t,value\n1,1\n0,2\n", "walk.csv: the 't' column must only go up"),
], ids=["not-a-number", "after-blank-lines", "short-row", "empty-cell", "missing-column",
        "missing-time-column", "header-only", "empty-file", "time-goes-back"])
def test_a_bad_csv_names_the_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(BadValue, match=expected):
        recorded(write_csv(tmp_path, text))


def test_a_source_is_followed_and_clamped(world: SimWorld) -> None:
    times: list[float] = []

    def source(t: float) -> float:
        times.append(t)
        return 9.0

    world.set("distance", source)
    assert world.get("distance") == 4.0  # clamped to the sensor's range
    world.set("distance", constant(-3))
    assert world.get("distance") == 0.02
    assert 0 <= times[0] < 5  # seconds since the source was set
    world.set("distance", 0.5)  # a plain value ends the source
    assert world.get("distance") == 0.5
    world.set("button", steps([1, 0], every=1000))
    assert world.get("button") is True


def test_a_kit_sensor_follows_a_recorded_walk(rover: Kit, tmp_path: Path) -> None:
    walk = write_csv(tmp_path, "t,value\n0,0.6\n0.3,0.2\n")
    rover.sim.set("distance", recorded(walk))
    wait_until(lambda: abs(rover.distance.distance - 0.2) < 1e-6, what="at the last step")
    assert rover.sim.get("distance") == 0.2


def test_a_kit_sensor_follows_a_sine(starter: Kit) -> None:
    starter.sim.set("light", sine(0.2, 0.4, period=0.2))
    seen = set()
    wait_until(lambda: seen.add(round(starter.light.value, 1)) or {0.2, 0.4} <= seen,
               what="swinging from 0.2 to 0.4")
    assert all(0.2 - ADC_STEP <= starter.light.value <= 0.4 + ADC_STEP for _ in range(20))


# -- the simulator of a kit -----------------------------------------------------------------------

def test_the_inputs_are_the_kits_sensors(starter: Kit, rover: Kit) -> None:
    assert starter.sim.inputs() == ["button", "light"]
    assert rover.sim.inputs() == ["distance", "line_left", "line_right"]
    with pytest.raises(UnknownDevice, match="did you mean 'light'"):
        starter.sim.set("lihgt", 0.3)
    with pytest.raises(UnknownDevice, match="did you mean 'button'"):
        starter.sim.press("buton")


def test_press_is_for_buttons(starter: Kit) -> None:
    with pytest.raises(BadValue, match="simulated 'light' must be a number, got True"):
        starter.sim.press("light")


def test_pins_by_any_name(starter: Kit) -> None:
    pin = starter.sim.pin("GPIO17")
    assert starter.sim.pin(17) is pin
    assert starter.sim.pin("BOARD11") is pin
    assert starter.red.pin is pin


def test_two_channels_of_one_adc_read_their_own_inputs(make_kit: Callable[..., Kit],
                                                       tmp_path: Path) -> None:
    path = tmp_path / "kit.toml"
    path.write_text('[devices.pot]\ndriver = "mcp3008"\nchannel = 0\n'
                    '[devices.light]\ndriver = "analog_light_sensor"\nchannel = 7\n')
    kit = make_kit(path)
    kit.sim.set("pot", 0.1)
    kit.sim.set("light", 0.9)
    assert kit.pot.value == pytest.approx(0.1, abs=ADC_STEP)
    assert kit.light.value == pytest.approx(0.9, abs=ADC_STEP)


def test_two_adc_chips_on_one_bus_answer_for_themselves(make_kit: Callable[..., Kit],
                                                        tmp_path: Path) -> None:
    path = tmp_path / "kit.toml"
    path.write_text('[devices.first]\ndriver = "mcp3008"\nchannel = 0\n'
                    '[devices.second]\ndriver = "mcp3008"\nchannel = 0\ndevice = 1\n')
    kit = make_kit(path)
    kit.sim.set("first", 0.2)
    kit.sim.set("second", 0.7)
    assert kit.first.value == pytest.approx(0.2, abs=ADC_STEP)
    assert kit.second.value == pytest.approx(0.7, abs=ADC_STEP)


def test_a_simulator_closes_its_factory() -> None:
    sim = Simulator()
    pin = sim.pin(17)
    pin.function = "output"
    sim.close()
    assert sim.factory.pins == {}
    assert pin.function == "input"


# -- the journal ---------------------------------------------------------------------------------

def read_journal(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_kitsdk_sim_trace_journals_every_pin_change(make_kit: Callable[..., Kit], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("KITSDK_SIM_TRACE", str(trace))
    kit = make_kit("starter")
    kit.red.on()
    kit.red.off()
    kit.close()
    entries = read_journal(trace)
    assert all(entry["pid"] == os.getpid() for entry in entries)
    assert all(isinstance(entry["t"], float) for entry in entries)
    red = [{k: v for k, v in e.items() if k in ("function", "state")}
           for e in entries if e["pin"] == "GPIO17"]
    assert red[0] == {"function": "output", "state": False}
    assert [e["state"] for e in red[1:3]] == [1, 0]
    assert red[-1]["state"] == 0  # closed, and still off
    times = [entry["t"] for entry in entries]
    assert times == sorted(times)
    assert {"GPIO26", "GPIO13"} <= {entry["pin"] for entry in entries}


def test_a_factory_journals_to_the_file_it_is_given(tmp_path: Path) -> None:
    trace = tmp_path / "given.jsonl"
    factory = SimFactory(trace=trace)
    pin = factory.pin(4)
    pin.function = "output"
    pin.state = 1
    factory.close()
    factory.journal("GPIO4", state=0)  # after close: dropped, not an error
    # Closing the factory resets the pin (gpiozero's way): off, then a floating input.
    assert [(e["pin"], e.get("function"), e["state"]) for e in read_journal(trace)] == [
        ("GPIO4", "output", False), ("GPIO4", None, 1), ("GPIO4", None, 0),
        ("GPIO4", "input", 0)]


def test_without_a_trace_nothing_is_written(tmp_path: Path) -> None:
    factory = SimFactory()
    factory.journal("GPIO4", state=1)
    factory.close()
    assert list(tmp_path.iterdir()) == []


# -- plain gpiozero on the simulated kit ---------------------------------------------------------

PLAIN = """
from gpiozero import LED, Device
LED(17).on()
print(type(Device.pin_factory).__name__)
"""


def test_a_plain_gpiozero_script_runs_on_kitsdk_pins(tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KITSDK_", "GPIOZERO_"))}
    env.update(GPIOZERO_PIN_FACTORY="kitsdk", KITSDK_SIM_TRACE=str(trace), HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", PLAIN], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SimFactory"
    assert {"pin": "GPIO17", "state": 1} in [
        {k: e[k] for k in ("pin", "state")} for e in read_journal(trace)]
