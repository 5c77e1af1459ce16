"""What a driver accepts in a profile: each key's type, default and range.

Drivers declare ``options = {"pin": Option(PIN, help=...), ...}``; the profile loader checks
every ``[devices.NAME]`` table against it before any hardware is touched, so ``kit check``
can find every mistake on a laptop. Keys are the constructor's keyword arguments, which for
GPIO parts are gpiozero's own names (``pin``, ``active_high``, ``forward``, ``echo`` ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

#: The kind of an option whose value is a pin name or number ("GPIO17", 17, "BOARD11"). With
#: ``board = "NAME"`` in the device's table, a pin of that board instead ("D9", "A0", "GP15").
PIN: Final = "pin"
#: The kind of an option whose value is an analog input of a board ("A0"): the Pi has none.
ANALOG_PIN: Final = "analog pin"
#: The kind of an option whose value is a list of a board's analog inputs (["A0", "A1"]).
ANALOG_PINS: Final = "analog pins"
#: The pin kinds, in words for error messages.
_PIN_WORDS: Final = {
    PIN: 'a pin such as 17 or "GPIO17"',
    ANALOG_PIN: 'an analog pin of a board, such as "A0"',
    ANALOG_PINS: 'a list of a board\'s analog pins, such as ["A0", "A1"]',
}


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: The default of an option that a profile must set.
REQUIRED: Final = _Required()


@dataclass(frozen=True)
class Option:
    """One profile key of a driver.

    ``kind`` is a pin kind (``PIN``, ``ANALOG_PIN``, ``ANALOG_PINS``), a builtin type (``int``,
    ``float``, ``bool``, ``str``) or a driver class whose own options describe a sub-table (a
    drive base's ``left`` motor).
    """

    kind: Any
    default: Any = REQUIRED
    help: str = ""
    choices: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> str:
        """The expected value in words, for error messages."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind in _PIN_WORDS:
            return _PIN_WORDS[self.kind]
        if isinstance(self.kind, type) and hasattr(self.kind, "options"):
            return f"a table of {self.kind.__name__} settings"
        name = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
        text = name.get(self.kind, getattr(self.kind, "__name__", str(self.kind)))
        if self.min is not None and self.max is not None:
            text += f" from {self.min:g} to {self.max:g}"
        elif self.min is not None:
            text += f" of at least {self.min:g}"
        elif self.max is not None:
            text += f" of at most {self.max:g}"
        return text


#: Options every output device shares: what it does when the script ends.
SAFE_OPTION: Final = Option(
    str,
    "off",
    "what the output does when the script ends: 'off' drives it off and holds it there, "
    "'float' releases the pin",
    choices=("off", "float"),
)
