"""Pin names on the Raspberry Pi's 40-pin header, as gpiozero spells them.

A profile may write a pin the way gpiozero accepts it (``17``, ``"GPIO17"``, ``"BCM17"``,
``"BOARD11"``, ``"J8:11"``); kitsdk turns every spelling into the one name ``GPIO17`` so that
two spellings of the same pin are caught as a conflict. gpiozero's own board tables do the
work: there is no second pin map here.

The header is one *pin space*; a microcontroller board in the profile is another
(``kitsdk.boards``). The profile loader asks a device's pin space for its pins (`PinSpace`)
and gets back pins it can compare and show (`WiredPin`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol


class WiredPin(Protocol):
    """A pin a profile uses, as the loader and ``kit check`` see it."""

    @property
    def name(self) -> str:
        """Unique across pin spaces: ``GPIO17``, ``arduino:D9``."""

    @property
    def physical(self) -> int | str:
        """Where it is on the Pi's header (11), or ``-`` for a board's pin."""

    @property
    def local(self) -> str:
        """What the device's pin factory calls it: ``GPIO17``, ``D9``."""

    def describe(self) -> str:
        """The pin in words, for error messages."""


class PinSpace(Protocol):
    """Where a device's pins are: the Pi's header, or a board's pins."""

    def pin(self, spec: object, *, analog: bool = False) -> WiredPin | None:
        """The pin ``spec`` names (an analog input if ``analog``), or None if there is none."""

    def unknown(self, spec: object, *, analog: bool = False) -> tuple[str, str]:
        """Why ``spec`` is not such a pin, and what to try: for a ``BadPin``."""

#: Every 40-pin Pi (B+ to Pi 5) has the same GPIO layout on J8; a 3B stands for all of them.
HEADER_REVISION = "a02082"


@dataclass(frozen=True)
class HeaderPin:
    """A GPIO pin: its gpiozero name (``GPIO17``) and its number on the header (11)."""

    name: str
    physical: int

    def __str__(self) -> str:
        return self.name

    @property
    def local(self) -> str:
        return self.name

    def describe(self) -> str:
        return f"{self.name} (header pin {self.physical})"


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


class PiHeader:
    """The Raspberry Pi's GPIO pins as a `PinSpace`: where a device's pins are by default."""

    def pin(self, spec: object, *, analog: bool = False) -> HeaderPin | None:
        return None if analog else header_pin(spec)

    def unknown(self, spec: object, *, analog: bool = False) -> tuple[str, str]:
        if analog:
            return (f"the Raspberry Pi has no analog inputs, so it cannot read pin {spec!r}",
                    'put the part on a board\'s analog pin: add board = "arduino" (the name '
                    'of a firmata device) and pin = "A0"')
        return (f"the Raspberry Pi has no GPIO pin {spec!r}; valid pins are "
                + ", ".join(valid_pins()),
                'use the GPIO (BCM) number printed on your pinout card, e.g. 17 or "GPIO17"')


#: The Pi's header: the pin space of every device not on a board.
PI_HEADER = PiHeader()
