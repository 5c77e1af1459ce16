"""Readings as teachers read them: labels, units, precision, on/off words, the key few."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from helpers import wait_until

from kitsdk import Kit
from lab_server.web.readouts import catalogue, key_readouts, readouts


def _parts(profile: str) -> list[dict[str, Any]]:
    with Kit(profile=profile) as kit:
        return [part.to_json() for part in kit.parts()]


def test_a_rovers_readings_in_words() -> None:
    shown = {r.key: r for r in readouts(_parts("rover"), None)}
    assert shown["distance.distance"].label == "distance"  # not "distance distance"
    assert shown["distance.distance"].show(0.4234) == "0.42 m"
    assert shown["drive.left"].label == "drive left"
    assert shown["drive.left"].show(-0.5) == "-0.50"  # -1..1: two decimals
    assert shown["line_left.line"].label == "line left"
    assert (shown["line_left.line"].show(True), shown["line_left.line"].show(False)) == (
        "on line", "no line")
    assert shown["status_led.on"].show(True) == "on" and shown["status_led.on"].boolean
    assert shown["camera.brightness"].show(None) == "–"
    assert shown["camera.brightness"].label == "camera brightness"


def test_a_tile_shows_what_the_kit_senses_first() -> None:
    assert [r.key for r in key_readouts(_parts("rover"), None)] == [
        "distance.distance", "line_left.line", "line_right.line"]
    assert [r.key for r in key_readouts(_parts("starter"), None)] == [
        "light.level", "button.pressed", "red.on"]


def test_a_label_from_the_kit_maker_wins_over_the_name() -> None:
    part = {"name": "t1", "kind": "temperature", "label": "Greenhouse air",
            "channels": [{"name": "temperature", "unit": "°C", "low": -10, "high": 50}]}
    (only,) = readouts([part], None)
    assert (only.label, only.show(21.456)) == ("Greenhouse air", "21.5 °C")


def test_a_kit_that_describes_nothing_is_shown_from_its_catalogue() -> None:
    latest = {"distance": {"cm": 23.5}, "motors": {"left": 0.0}}
    assert catalogue({}, latest) == {"distance": {"cm": ""}, "motors": {"left": ""}}
    shown = readouts([], {"distance": {"cm": "cm"}, "button": {"pressed": ""}})
    assert [(r.label, r.show(v)) for r, v in zip(shown, (23.5, True), strict=True)] == [
        ("distance cm", "24 cm"), ("button pressed", "pressed")]


def _drone(tmp_path: Path) -> list[dict[str, Any]]:
    """The built-in drone's parts, from a kit flying this module's own simulated Tello."""
    profile = tmp_path / "drone.toml"
    profile.write_text('[kit]\nname = "drone"\n[devices.drone]\ndriver = "tello"\n'
                       'sim_host = "127.0.0.4"\nsim_time_scale = 20\n')
    return _parts(str(profile))


def test_a_drones_battery_comes_first_then_its_height(tmp_path: Path) -> None:
    parts = _drone(tmp_path)
    key = key_readouts(parts, None)
    assert [(r.key, r.label) for r in key] == [
        ("drone.battery", "drone battery"), ("drone.height", "drone height"),
        ("drone.flying", "drone flying")]
    battery, height, flying = key
    assert (battery.show(87.4), height.show(80.2)) == ("87 %", "80 cm")  # whole numbers
    assert (flying.show(True), flying.show(False)) == ("flying", "landed")
    # the kit page's table: the same three first, then the rest in the driver's order
    assert [r.key for r in readouts(parts, None)][:5] == [
        "drone.battery", "drone.height", "drone.flying", "drone.speed", "drone.pitch"]
    # a drone kit with a sensor too: what flies comes first (its battery runs out mid-air)
    sensor = {"name": "front", "kind": "distance", "label": "DistanceSensor 'front'",
              "channels": [{"name": "distance", "unit": "m", "low": 0, "high": 4}]}
    assert [r.key for r in key_readouts([sensor, *parts], None)] == [
        "drone.battery", "drone.height", "drone.flying"]


def test_the_room_and_the_kit_page_show_a_drones_battery_first(
        teacher: FlaskClient, lab: Any, tmp_path: Path) -> None:
    from kitsdk.telemetry import Part, Status, Telemetry

    parts = tuple(Part.from_json(p) for p in _drone(tmp_path))
    sim = lab.kit("kit-1")
    sim._send("status", Status(
        state="online", session=sim.session, profile="drone", sdk="0.1.0", parts=parts,
        channels={"drone": {c.name: c.unit for c in parts[0].channels}}))
    values = {"flying": True, "height": 80, "battery": 87, "speed": 0.0, "pitch": 0, "roll": 0,
              "yaw": 90, "temperature": 61.5, "x": 100.0, "y": 0.0}
    sim._send("telemetry", Telemetry(session=sim.session, seq=next(sim.seq),
                                     values={"drone": values}))
    wait_until(lambda: lab.services.store.latest("kit-1"), 10, "the drone's reading stored")
    room = teacher.get("/").get_data(as_text=True)
    assert re.findall(r'<li data-reading="([\w.]+)"', room) == [
        "drone.battery", "drone.height", "drone.flying"]
    assert re.findall(r'<span class="value">([^<]*)</span>', room) == ["87 %", "80 cm", "flying"]
    page = teacher.get("/kits/kit-1").get_data(as_text=True)
    assert re.findall(r'<tr data-reading="([\w.]+)"', page)[:3] == [
        "drone.battery", "drone.height", "drone.flying"]
