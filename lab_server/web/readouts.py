"""How the pages show a kit's readings: a label, a unit, a sensible precision, on/off words.

A *readout* is one channel as a teacher reads it, worked out once here from what the kit said
of itself (its parts, else its channel catalogue) so that the room's tiles, the kit page and
the live updates in the browser agree. The room shows a few *key* readouts per kit, chosen
from the kit's description, not from its latest values: a tile shows the same readings
whether the kit is online, offline or locked. A kind of part may name its telling channels
(a drone's battery, then its height): they come first, on the tile and on the kit's page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeGuard

KEY_READOUTS = 3
"""How many readings a room tile shows."""

#: Which parts a tile shows first: what flies (its battery can run out in the air), what the
#: kit senses, then what it does.
_PRIORITY = ("drone", "distance", "light", "temperature", "line", "button", "analog",
             "drive_base", "motor", "servo", "led", "rgb_led", "buzzer")

#: A kind's telling channels, first first; its others follow them in the kit's order.
_TELLING = {"drone": ("battery", "height", "flying")}

#: Booleans in words, by channel name: (true, false).
_WORDS = {"pressed": ("pressed", "released"), "line": ("on line", "no line"),
          "flying": ("flying", "landed")}

#: Decimals by unit, for a channel without a range.
_DECIMALS = {"m": 2, "cm": 0, "mm": 0, "°C": 1, "%": 0, "°": 0, "deg": 0, "Hz": 0, "V": 2}

#: A driver's default label (``DistanceSensor 'front'``), which a tile replaces with the name.
_DEFAULT_LABEL = re.compile(r"^\w+ '(?P<name>[^']*)'$")


@dataclass(frozen=True, slots=True)
class Readout:
    """One channel as the pages show it; ``key`` is ``device.channel``."""

    key: str
    label: str
    unit: str
    decimals: int
    boolean: bool
    on: str = "on"
    off: str = "off"

    def show(self, value: Any) -> str:
        """``value`` in words: ``0.42 m``, ``on``, ``–`` for nothing yet."""
        if value is None:
            return "–"
        if self.boolean or isinstance(value, bool):
            return self.on if value else self.off
        if isinstance(value, int | float):
            text = f"{value:.{self.decimals}f}"
            return f"{text} {self.unit}".rstrip() if self.unit else text
        return str(value)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def catalogue(channels: Mapping[str, Mapping[str, str]] | None,
              latest: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The kit's channel catalogue (device -> channel -> unit); before its first status,
    the channels of its latest values, without units."""
    if channels:
        return {device: dict(chans) for device, chans in channels.items()}
    return {device: {name: "" for name in chans} for device, chans in latest.items()}


def readouts(parts: Iterable[Mapping[str, Any]] | None,
             channels: Mapping[str, Mapping[str, str]] | None) -> list[Readout]:
    """Every channel of a kit, in the kit's own order (a part's telling channels first),
    from its parts where it described them.

    A channel in the catalogue that no part names (an older agent, a driver's extra) still
    gets a readout, labelled by its name."""
    found: dict[str, Readout] = {}
    for part in parts or ():
        for channel in _telling_first(part):
            readout = _from_part(part, channel)
            found[readout.key] = readout
    for device, chans in (channels or {}).items():
        for name, unit in chans.items():
            key = f"{device}.{name}"
            if key not in found:
                found[key] = _plain(device, name, unit or "", len(chans))
    return list(found.values())


def key_readouts(parts: Iterable[Mapping[str, Any]] | None,
                 channels: Mapping[str, Mapping[str, str]] | None,
                 limit: int = KEY_READOUTS) -> list[Readout]:
    """The few readings a tile shows: a drone's first, then sensors before outputs; the
    kit's order within a kind, a part's telling channels first."""
    kinds = {part.get("name"): part.get("kind") for part in parts or ()}
    every = readouts(parts, channels)

    def rank(item: tuple[int, Readout]) -> tuple[int, int]:
        index, readout = item
        kind = kinds.get(readout.key.split(".", 1)[0])
        return (_PRIORITY.index(kind) if kind in _PRIORITY else len(_PRIORITY), index)

    return [readout for _, readout in sorted(enumerate(every), key=rank)[:limit]]


def _telling_first(part: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A part's channels, those its kind names as telling (``_TELLING``) first."""
    telling = _TELLING.get(str(part.get("kind")), ())
    channels = list(part.get("channels") or ())

    def rank(channel: Mapping[str, Any]) -> int:
        name = channel.get("name")
        return telling.index(name) if name in telling else len(telling)

    return sorted(channels, key=rank)


def _from_part(part: Mapping[str, Any], channel: Mapping[str, Any]) -> Readout:
    device, name = str(part.get("name", "")), str(channel.get("name", ""))
    unit = str(channel.get("unit") or "")
    given = str(part.get("label") or "")
    own = None if not given or _DEFAULT_LABEL.match(given) else given
    readout = _plain(device, name, unit, len(part.get("channels") or ()), own)
    low, high = channel.get("low"), channel.get("high")
    if _number(low) and _number(high) and high > low:
        readout = _with(readout, decimals=_decimals_for_span(high - low))
    return readout


def _plain(device: str, name: str, unit: str, siblings: int, label: str | None = None
           ) -> Readout:
    base = label or _words(device)
    redundant = name in device or siblings == 1 and (
        label is not None or name in ("value", "level", "on", "state"))
    full = base if redundant else f"{base} {_words(name)}"
    on, off = _WORDS.get(name, ("on", "off"))
    boolean = name in _WORDS or name in ("on", "pressed", "active", "detected")
    return Readout(f"{device}.{name}", full, unit, _DECIMALS.get(unit, 2), boolean, on, off)


def _with(readout: Readout, **changes: Any) -> Readout:
    return Readout(**{**asdict(readout), **changes})


def _decimals_for_span(span: float) -> int:
    """Enough decimals to see a hundredth of the range move: 0..1 -> 2, -10..50 -> 1."""
    return max(0, min(3, 2 - math.floor(math.log10(span))))


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _words(name: str) -> str:
    return name.replace("_", " ").replace("-", " ")
