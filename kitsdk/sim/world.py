"""The simulated world: the quantities simulated sensors measure.

Each sensor in a simulated kit registers one quantity under its device name (the distance
in front of ``distance``, the light on ``light``). Code and lesson checks set them with
``kit.sim.set(name, value)`` or make them follow a source; simulated pins read them when
the sensor samples, so gpiozero's own timing and smoothing still apply.
"""

from __future__ import annotations

import difflib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..exc import BadValue, UnknownDevice
from .sources import Source


@dataclass
class Quantity:
    """One simulated input: its unit, its allowed range and where its value comes from."""

    name: str
    value: float | bool
    unit: str = ""
    low: float | None = None
    high: float | None = None
    source: Source | None = None
    since: float = 0.0
    listeners: list[Callable[[float | bool], None]] = field(default_factory=list)

    def describe(self) -> str:
        if isinstance(self.value, bool):
            return "True or False"
        if self.low is not None and self.high is not None:
            return f"a number from {self.low:g} to {self.high:g} {self.unit}".rstrip()
        if self.low is not None:
            return f"a number of at least {self.low:g} {self.unit}".rstrip()
        if self.high is not None:
            return f"a number of at most {self.high:g} {self.unit}".rstrip()
        return "a number"


class SimWorld:
    """The values behind every simulated sensor of one kit; safe to use from any thread."""

    def __init__(self) -> None:
        self._quantities: dict[str, Quantity] = {}
        self._lock = threading.Lock()

    def add(self, name: str, default: float | bool, *, unit: str = "", low: float | None = None,
            high: float | None = None,
            on_change: Callable[[float | bool], None] | None = None) -> None:
        """Register a quantity (drivers do this when they simulate a part)."""
        quantity = Quantity(name, default, unit, low, high)
        if on_change is not None:
            quantity.listeners.append(on_change)
        with self._lock:
            self._quantities[name] = quantity

    def names(self) -> list[str]:
        return sorted(self._quantities)

    def quantities(self) -> list[Quantity]:
        """Every quantity, by name (a view of the kit reads their units, ranges and sources)."""
        with self._lock:
            return [self._quantities[name] for name in sorted(self._quantities)]

    def get(self, name: str) -> float | bool:
        """The value now, following its source if it has one (clamped to the range)."""
        quantity = self._quantity(name)
        if quantity.source is None:
            return quantity.value
        return self._clamp(quantity, quantity.source(time.monotonic() - quantity.since))

    def set(self, name: str, value: float | bool | Source) -> None:
        """Set a quantity to a value, or make it follow a source (see ``kitsdk.sim.sources``)."""
        quantity = self._quantity(name)
        if callable(value):
            with self._lock:
                quantity.source, quantity.since = value, time.monotonic()
            return
        checked = self._checked(quantity, value)
        with self._lock:
            quantity.value, quantity.source = checked, None
            listeners = list(quantity.listeners)
        for listener in listeners:
            listener(checked)

    def _quantity(self, name: str) -> Quantity:
        try:
            return self._quantities[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.names(), n=1)
            raise UnknownDevice(
                f"no simulated input '{name}'" + (f": did you mean '{close[0]}'?" if close else ""),
                hint="simulated inputs: " + (", ".join(self.names()) or "none"),
            ) from None

    def _checked(self, quantity: Quantity, value: object) -> float | bool:
        if isinstance(quantity.value, bool):
            if not isinstance(value, bool):
                raise BadValue(f"simulated '{quantity.name}' must be True or False, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadValue(f"simulated '{quantity.name}' must be a number, got {value!r}")
        if math.isnan(value) or (quantity.low is not None and value < quantity.low) or (
            quantity.high is not None and value > quantity.high
        ):
            raise BadValue(
                f"simulated '{quantity.name}' must be {quantity.describe()}, got {value}")
        return float(value)

    @staticmethod
    def _clamp(quantity: Quantity, value: float) -> float | bool:
        if isinstance(quantity.value, bool):
            return bool(value)
        if quantity.low is not None:
            value = max(quantity.low, value)
        if quantity.high is not None:
            value = min(quantity.high, value)
        return value
