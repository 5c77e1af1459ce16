"""Readings with units, and the channels that describe them.

Kept apart from the devices so that telemetry code can use them without importing gpiozero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Channel:
    """One telemetry channel of a device: its name, unit, meaning and range."""

    name: str
    unit: str = ""
    description: str = ""
    #: The attribute that holds the value, when it is not called ``name``: how the driver
    #: reads it, not what the channel is, so two channels differing only here are equal.
    attr: str = field(default="", compare=False)
    #: The range of its values, where it has one (a view draws a gauge or a slider from it).
    low: float | None = None
    high: float | None = None


class Reading(NamedTuple):
    """A value with its unit; prints as ``0.25 m``."""

    value: float | bool | None
    unit: str

    def __repr__(self) -> str:
        value = f"{self.value:.4g}" if isinstance(self.value, float) else repr(self.value)
        return f"{value} {self.unit}".rstrip()
