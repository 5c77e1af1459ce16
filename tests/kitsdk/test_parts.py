"""A kit described for drawing it: every driver's part, and the description on the wire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kitsdk import Kit
from kitsdk.exc import BadMessage, BadValue
from kitsdk.profile import builtin_profiles
from kitsdk.readings import Channel
from kitsdk.registry import Registry
from kitsdk.telemetry import KINDS, Kind, Part, Status, decode, encode, topic_for
from kitsdk.telemetry.parts import LOOK_MAX, PARTS_MAX, parts_from_json

STATUS_TOPIC = topic_for("room-4", "kit-07", Kind.STATUS)


def status(**changes: Any) -> Status:
    fields: dict[str, Any] = {"state": "online", "session": "3f9a1c0d2b7e", "profile": "rover",
                              "sdk": "0.1.0", "channels": {}, **changes}
    return Status(**fields)


@pytest.mark.parametrize("profile", builtin_profiles())
def test_every_built_in_part_is_described_as_a_kind_every_drawing_knows(
        make_kit: Any, profile: str) -> None:
    kit = make_kit(profile)
    parts = kit.parts()
    assert [p.name for p in parts] == list(kit.devices)
    assert all(p.kind in KINDS and p.kind != "part" for p in parts)
    assert [p.channels for p in parts] == [tuple(d.channels) for d in kit]
    sent = status(profile=profile, parts=parts)
    assert decode(STATUS_TOPIC, encode(sent)) == sent  # the lab gets the same description


def test_parts_say_what_the_drawing_needs(make_kit: Any) -> None:
    starter, rover, station = make_kit("starter"), make_kit("rover"), make_kit("weather-station")
    assert station.arduino.part().look == {"board": "uno", "pins": {"A0": "light"}}
    assert [(p.name, dict(p.look)) for p in starter.parts()[:3]] == [
        ("red", {"color": "red"}), ("amber", {"color": "#ffb000"}),
        ("green", {"color": "#22cc44"})]
    assert rover.servo.part().look == {"min_angle": -90, "max_angle": 90}
    assert rover.distance.part().look == {"max_distance": 1.0}
    assert rover.camera.part().look == {"resolution": [640, 480]}
    speeds = rover.drive.part().channels
    assert [(c.name, c.low, c.high) for c in speeds] == [("left", -1, 1), ("right", -1, 1)]


def test_an_leds_colour_comes_from_the_profile_and_a_bad_one_is_refused(
        tmp_path: Path) -> None:
    profile = tmp_path / "kit.toml"
    profile.write_text('[devices.lamp]\ndriver = "led"\npin = 17\ncolor = "yellow"\n'
                       '[devices.other]\ndriver = "pwm_led"\npin = 18\n')
    with Kit(profile, backend="sim") as kit:
        assert kit.lamp.part().look == {"color": "yellow"}
        assert kit.other.part().look == {"color": "red"}  # a name that is no colour
    profile.write_text('[devices.lamp]\ndriver = "led"\npin = 17\ncolor = "url(x)"\n')
    with pytest.raises(BadValue, match=r"LED 'lamp': color 'url\(x\)' is not a colour"):
        Kit(profile, backend="sim")


def test_a_driver_that_says_nothing_of_its_looks_is_a_plain_part(tmp_path: Path) -> None:
    from kitsdk.devices.button import Button

    class Knock(Button):
        """A knock sensor (a button to the pins)."""

        looks = "part"
        channels = (Channel("knocked", "", "True while knocked", attr="is_pressed"),)

    registry = Registry.from_entry_points()
    registry.register("knock", Knock)
    profile = tmp_path / "kit.toml"
    profile.write_text('[devices.door]\ndriver = "knock"\npin = 4\n')
    with Kit(profile, backend="sim", registry=registry) as kit:
        assert kit.door.part() == Part("door", "part", "Knock 'door'",
                                       (Channel("knocked", "", "True while knocked"),))


def test_a_status_without_parts_is_an_older_kit() -> None:
    sent = status()
    assert "parts" not in encode(sent).decode()
    assert decode(STATUS_TOPIC, encode(sent)).parts == ()


@pytest.mark.parametrize(("parts", "field", "words"), [
    ([{"name": "red", "kind": "led", "label": "LED", "channels": [], "look": {"a": {"b": {}}}}],
     "part.red.look.a", "numbers, true/false or names"),
    ([{"name": "red", "kind": "led", "label": "L" * 121, "channels": []}],
     "part.label", "a string of 0 to 120 characters"),
    ([{"name": "red", "kind": "led", "label": "LED", "channels": [{"name": "on", "low": "0"}]}],
     "part.red.on.low", "a finite number or null"),
    ([{"name": "red", "kind": "led", "label": "LED", "channels": "on"}],
     "status.parts[0].channels", "a list of at most 64 channels"),
    ([{"name": "red", "kind": "led", "label": "LED", "channels": []}] * 2,
     "status.parts", "parts with different names"),
    ([{"name": f"p{i}", "kind": "led", "label": "LED", "channels": []}
      for i in range(PARTS_MAX + 1)], "status.parts", f"at most {PARTS_MAX} parts"),
    ([{"name": "red", "kind": "led", "label": "LED", "channels": [],
       "look": {f"k{i}": 1 for i in range(LOOK_MAX + 1)}}],
     "part.red.look", f"at most {LOOK_MAX} hints"),
    ([{"kind": "led", "label": "LED", "channels": []}], "status.parts[0].name", "missing"),
])
def test_a_bad_description_is_refused_naming_what_was_wrong(
        parts: list[dict[str, Any]], field: str, words: str) -> None:
    with pytest.raises(BadMessage) as caught:
        parts_from_json(parts, "status.parts")
    assert caught.value.field == field and words in str(caught.value)
