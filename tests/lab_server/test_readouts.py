"""Readings as teachers read them: labels, units, precision, on/off words, the key few."""

from __future__ import annotations

from typing import Any

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
