"""What a kit is made of, for drawing it: its parts, what each looks like, what it measures.

One description serves three renderers (``../shared/DESIGN.md``, wave 2): the student's kit
view, the lab's kit page and the room's tiles. The kit agent sends it in its status, so the
lab draws a kit it knows nothing else about: not its profile, not its kit maker's drivers::

    Part(name="red", kind="led", label="LED 'red'", look={"color": "red"},
         channels=(Channel("on", "", "lit (True) or dark (False)"),))

``kind`` is what the drawing knows how to draw (:data:`KINDS`); a driver of a kind of its
own is drawn as a plain labelled part showing its channels. ``look`` holds a few hints for
the drawing (an LED's colour, a servo's angles): small, flat, checked like any payload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from math import isfinite
from typing import Any, Final

from kitsdk.readings import Channel
from kitsdk.telemetry.fields import (
    NAME_MAX,
    check_name,
    check_object,
    check_text,
    fail,
    require,
)

#: The kinds of part every renderer draws as themselves; any other kind is drawn plain.
KINDS: Final = frozenset({
    "led", "rgb_led", "button", "buzzer", "motor", "drive_base", "servo", "distance", "light",
    "line", "temperature", "camera", "board", "analog", "drone", "part",
})
PARTS_MAX: Final = 64
"""Most parts in one description (a class kit has a dozen)."""
CHANNELS_MAX: Final = 64
"""Most channels of one part (a board's pins)."""
LOOK_MAX: Final = 64
"""Most keys in a part's look, and most items in one of its lists or maps."""
LABEL_MAX: Final = 120
DESCRIPTION_MAX: Final = 200


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a kit as the drawings see it; ``name`` is the profile's device name."""

    name: str
    kind: str
    label: str
    channels: tuple[Channel, ...] = ()
    look: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_name(self.name, "part.name")
        check_name(self.kind, "part.kind")
        check_text(self.label, "part.label", LABEL_MAX)
        if len(self.channels) > CHANNELS_MAX:
            fail("part.channels", f"at most {CHANNELS_MAX} channels", len(self.channels))
        for channel in self.channels:
            _check_channel(channel, f"part.{self.name}")
        _check_look(self.look, f"part.{self.name}.look")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "label": self.label,
                "look": dict(self.look),
                "channels": [{"name": c.name, "unit": c.unit, "low": c.low, "high": c.high,
                              "description": c.description} for c in self.channels]}

    @classmethod
    def from_json(cls, obj: object, path: str = "part") -> Part:
        obj = check_object(obj, path)
        raw = require(obj, "channels", path)
        if type(raw) is not list or len(raw) > CHANNELS_MAX:
            fail(f"{path}.channels", f"a list of at most {CHANNELS_MAX} channels", raw)
        channels = []
        for i, item in enumerate(raw):
            where = f"{path}.channels[{i}]"
            item = check_object(item, where)
            channels.append(Channel(require(item, "name", where), item.get("unit", ""),
                                    item.get("description", ""),
                                    low=item.get("low"), high=item.get("high")))
        return cls(name=require(obj, "name", path), kind=require(obj, "kind", path),
                   label=require(obj, "label", path), channels=tuple(channels),
                   look=obj.get("look", {}))


def parts_to_json(parts: tuple[Part, ...]) -> list[dict[str, Any]]:
    return [part.to_json() for part in parts]


def parts_from_json(value: object, path: str) -> tuple[Part, ...]:
    """A description's parts from a payload, every one checked; names must be unique."""
    if type(value) is not list or len(value) > PARTS_MAX:
        fail(path, f"a list of at most {PARTS_MAX} parts", value)
    parts = tuple(Part.from_json(item, f"{path}[{i}]") for i, item in enumerate(value))
    check_unique(parts, path)
    return parts


def check_unique(parts: tuple[Part, ...], path: str) -> None:
    seen: set[str] = set()
    for part in parts:
        if part.name in seen:
            fail(path, "parts with different names", part.name)
        seen.add(part.name)


def _check_channel(channel: object, path: str) -> None:
    if not isinstance(channel, Channel):
        fail(f"{path}.channels", "Channel objects", channel)
    check_name(channel.name, f"{path}.channels.name")
    check_text(channel.unit, f"{path}.{channel.name}.unit", NAME_MAX)
    check_text(channel.description, f"{path}.{channel.name}.description", DESCRIPTION_MAX)
    for end in ("low", "high"):
        bound = getattr(channel, end)
        if bound is not None and not _is_number(bound):
            fail(f"{path}.{channel.name}.{end}", "a finite number or null", bound)


def _check_look(look: object, path: str) -> None:
    """A flat map of hints: each a scalar, or a list or map of at most ``LOOK_MAX`` scalars."""
    if not isinstance(look, Mapping) or len(look) > LOOK_MAX:
        fail(path, f"a JSON object of at most {LOOK_MAX} hints", look)
    for key, value in look.items():
        check_name(key, f"{path} key")
        items = (value if type(value) is list
                 else list(value.values()) if type(value) is dict else [value])
        if len(items) > LOOK_MAX:
            fail(f"{path}.{key}", f"at most {LOOK_MAX} items", len(items))
        if type(value) is dict:
            for name in value:
                check_name(name, f"{path}.{key} key")
        for item in items:
            if not (item is None or type(item) is bool or _is_number(item)
                    or (type(item) is str and len(item) <= NAME_MAX)):
                fail(f"{path}.{key}", f"numbers, true/false or names of at most {NAME_MAX} "
                     "characters", item)


def _is_number(value: object) -> bool:
    return (type(value) is int or type(value) is float) and isfinite(value)
