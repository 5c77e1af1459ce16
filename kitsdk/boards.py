"""Microcontroller boards in a profile: their models, and the names of their pins.

A *board* is a device that lends its pins to other devices: a ``firmata`` device (an Arduino
or a Pico plugged in by USB). Any GPIO part may sit on its pins instead of the Pi's::

    [devices.arduino]
    driver = "firmata"
    board = "uno"

    [devices.lamp]
    driver = "pwm_led"
    board = "arduino"      # the device above
    pin = "D9"             # as printed on the board: D9, A0 (GP15 on a Pico)

The loader checks those names against the board's model here, before anything is plugged in,
so ``kit check`` catches a pin the board does not have on any laptop. The models are
StandardFirmata's own descriptions of each board (`firmware_bridge.BOARDS`, which the
simulation also runs), imported only when a profile has a board. A board driver says it is
one with a ``pin_space(name, options)`` class method; a part fits on a board if it is a
gpiozero device with pins, because it is then built on the board's gpiozero pin factory.
"""

from __future__ import annotations

import difflib
import functools
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .exc import BadProfile
from .options import ANALOG_PIN, PIN
from .pins import PI_HEADER, PinSpace

if TYPE_CHECKING:
    from firmware_bridge.protocol import BoardLayout

    from .devices.base import KitDevice
    from .profile import DeviceSpec
    from .registry import Registry

#: The board models a profile may name (``board = "uno"`` in a firmata device's table).
MODELS = ("uno", "nano", "mega", "pico")

#: A device's pin space, given the options checked so far (a board's depends on its model).
SpaceOf = Callable[[Mapping[str, Any]], PinSpace]


@functools.cache
def model_layout(model: str) -> BoardLayout:
    """The pins of a board model and what each can do, as StandardFirmata reports them."""
    from firmware_bridge import BOARDS

    return BOARDS[model].layout()


def pin_name(model: str, layout: BoardLayout, number: int) -> str:
    """The name printed on the board for Firmata pin ``number``: ``D9`` or ``A0`` on an
    Arduino, ``GP15`` on a Pico (whose analog pins are GP26 to GP28)."""
    return f"GP{number}" if model == "pico" else layout.name(number)


def pin_names(model: str, layout: BoardLayout) -> str:
    """Every usable pin, in runs: ``D2-D13, A0-A5``."""
    names = [pin_name(model, layout, n) for n, cap in enumerate(layout.pins) if cap.modes]
    return _runs(names)


def _runs(names: list[str]) -> str:
    def split(name: str) -> tuple[str, int]:
        prefix = name.rstrip("0123456789")
        return prefix, int(name[len(prefix):])

    runs: list[str] = []
    keyed = [(split(n), i) for i, n in enumerate(names)]
    for _, group in itertools.groupby(keyed, key=lambda k: (k[0][0], k[0][1] - k[1])):
        members = [f"{prefix}{number}" for (prefix, number), _ in group]
        runs.append(members[0] if len(members) == 1 else f"{members[0]}-{members[-1]}")
    return ", ".join(runs)


@dataclass(frozen=True)
class BoardPin:
    """A pin of a board device in a profile: ``BoardPin("arduino", "D9")``."""

    board: str
    pin: str

    @property
    def name(self) -> str:
        return f"{self.board}:{self.pin}"

    @property
    def physical(self) -> str:
        return "-"

    @property
    def local(self) -> str:
        return self.pin

    def describe(self) -> str:
        return f"pin {self.pin} of board '{self.board}'"

    def __str__(self) -> str:
        return self.name


class BoardPins:
    """The pins of board device ``board``, a ``model`` (``"uno"``), as a `PinSpace`."""

    def __init__(self, board: str, model: str) -> None:
        self.board = board
        self.model = model
        self.layout = model_layout(model)

    def _number(self, spec: object) -> int | None:
        from firmware_bridge import LocalProtocolError

        try:
            return self.layout.resolve(spec)  # type: ignore[arg-type]  # it checks the type
        except LocalProtocolError:
            return None

    def pin(self, spec: object, *, analog: bool = False) -> BoardPin | None:
        number = self._number(spec)
        if number is None or (analog and self.layout.channel_of(number) is None):
            return None
        return BoardPin(self.board, pin_name(self.model, self.layout, number))

    def unknown(self, spec: object, *, analog: bool = False) -> tuple[str, str]:
        what = f"board '{self.board}' ({self.model})"
        number = self._number(spec)
        if number is not None:  # it exists, but cannot read a voltage
            analog_pins = _runs([pin_name(self.model, self.layout, n)
                                 for n in self.layout.analog_pins])
            return (f"pin {pin_name(self.model, self.layout, number)} of {what} is not an "
                    f"analog input; its analog pins are {analog_pins}",
                    "wire the part to one of the analog pins")
        example = '"GP15"' if self.model == "pico" else '"D9" or "A0"'
        return (f"{what} has no pin {spec!r}; valid pins are {pin_names(self.model, self.layout)}",
                f"use a pin name printed on the board, e.g. {example}")


def is_board(driver: type[KitDevice]) -> bool:
    """Whether devices of ``driver`` lend their pins to others (a ``firmata`` device)."""
    return callable(getattr(driver, "pin_space", None))


def fits_on_board(driver: type[Any]) -> bool:
    """Whether ``driver`` can take its pins from a board: a gpiozero device with pins."""
    from gpiozero import Device

    return issubclass(driver, Device) and _has_pins(driver)


def _has_pins(driver: type[Any]) -> bool:
    return any(option.kind in (PIN, ANALOG_PIN)
               or (isinstance(option.kind, type) and _has_pins(option.kind))
               for option in getattr(driver, "options", {}).values())


def placement(name: str, driver: type[KitDevice], table: Mapping[str, Any],
              devices: Mapping[str, DeviceSpec], registry: Registry,
              source: str) -> tuple[str | None, SpaceOf]:
    """The board device ``name`` sits on (None: the Pi), and where its pins are.

    ``table`` is the device's own table; ``devices`` are those above it in the profile. A
    board's own pins are named in its own model (so its ``telemetry`` pins are checked).
    """
    if is_board(driver):
        return None, lambda options: driver.pin_space(name, options)  # type: ignore[attr-defined]
    if "board" not in table:
        return None, lambda options: PI_HEADER
    board = table["board"]
    boards = [n for n, spec in devices.items() if is_board(registry.get(spec.driver))]
    hint = ('board = names a device above this one whose driver is "firmata"'
            + (f": {', '.join(boards)}" if boards else ""))

    def bad(message: str, hint: str = hint) -> BadProfile:
        return BadProfile(message, source=source, device=name, key="board", hint=hint)

    if not isinstance(board, str):
        raise bad(f"expected the name of a board device, got {board!r}")
    if board not in devices:
        close = difflib.get_close_matches(board, boards, n=1)
        raise bad(f"no board '{board}' above this device"
                  + (f": did you mean '{close[0]}'?" if close else ""))
    host = registry.get(devices[board].driver)
    if not is_board(host):
        raise bad(f"device '{board}' (driver '{devices[board].driver}') is not a board")
    if not fits_on_board(driver):
        raise bad(f"driver '{driver.__name__}' cannot use a board's pins",
                  hint="only GPIO parts (LEDs, buttons, motors, servos...) and analog inputs "
                       "go on a board; remove the board key")
    space: PinSpace = host.pin_space(board, devices[board].options)  # type: ignore[attr-defined]
    return board, lambda options: space
