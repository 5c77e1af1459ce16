"""Pin names on the Raspberry Pi's 40-pin header, as gpiozero spells them.

A profile may write a pin the way gpiozero accepts it (``17``, ``"GPIO17"``, ``"BCM17"``,
``"BOARD11"``, ``"J8:11"``); kitsdk turns every spelling into the one name ``GPIO17`` so that
two spellings of the same pin are caught as a conflict. gpiozero's own board tables do the
work: there is no second pin map here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

#: Every 40-pin Pi (B+ to Pi 5) has the same GPIO layout on J8; a 3B stands for all of them.
HEADER_REVISION = "a02082"


@dataclass(frozen=True)
class HeaderPin:
    """A GPIO pin: its gpiozero name (``GPIO17``) and its number on the header (11)."""

    name: str
    physical: int

    def __str__(self) -> str:
        return self.name


@functools.cache
def _board():  # type: ignore[no-untyped-def]
    from gpiozero import pi_info

    return pi_info(HEADER_REVISION)


def header_pin(spec: object) -> HeaderPin | None:
    """The GPIO pin ``spec`` names, or None if the header has no such GPIO pin."""
    if isinstance(spec, bool) or not isinstance(spec, int | str):
        return None
    key: int | str = spec.strip().upper() if isinstance(spec, str) else spec
    if isinstance(key, str) and key.isdigit():
        key = int(key)
    for _header, info in _board().find_pin(key):
        if info.name.startswith("GPIO"):
            return HeaderPin(info.name, info.number)
    return None


@functools.cache
def valid_pins() -> tuple[str, ...]:
    """Every GPIO pin a profile may use, in BCM order, for error messages."""
    pins = [info for info in _board().headers["J8"].pins.values() if info.name.startswith("GPIO")]
    return tuple(p.name for p in sorted(pins, key=lambda p: int(p.name[4:])))
