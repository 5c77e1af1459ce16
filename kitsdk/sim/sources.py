"""Scripted sources for simulated sensors: a value as a function of time.

``kit.sim.set("light", sine(0.2, 0.8, period=10))`` makes the simulated light level swing
between 0.2 and 0.8 every ten seconds; ``recorded("walk.csv")`` replays real data. Time
counts in seconds from the moment the source was set.
"""

from __future__ import annotations

import bisect
import csv
import math
from collections.abc import Callable, Sequence
from pathlib import Path

from ..exc import BadValue

#: A source: seconds since it was set -> value.
Source = Callable[[float], float]


def constant(value: float) -> Source:
    """Always ``value``."""
    return lambda t: value


def sine(low: float, high: float, period: float = 10.0) -> Source:
    """A smooth swing from ``low`` to ``high`` and back every ``period`` seconds."""
    if period <= 0:
        raise BadValue(f"sine period must be more than 0 seconds, got {period}")
    middle, half = (low + high) / 2, (high - low) / 2
    return lambda t: middle - half * math.cos(2 * math.pi * t / period)


def steps(values: Sequence[float], every: float = 1.0, *, repeat: bool = True) -> Source:
    """Each of ``values`` in turn for ``every`` seconds; then again, or hold the last."""
    if not values:
        raise BadValue("steps needs at least one value")
    if every <= 0:
        raise BadValue(f"steps interval must be more than 0 seconds, got {every}")
    items = list(values)

    def at(t: float) -> float:
        index = int(t // every)
        return items[index % len(items)] if repeat else items[min(index, len(items) - 1)]

    return at


def recorded(path: str | Path, column: str = "value", *, time_column: str = "t") -> Source:
    """Replay a CSV recording: the value at or before each time, holding the last one."""
    times: list[float] = []
    values: list[float] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (time_column, column) if c not in (reader.fieldnames or [])]
        if reader.fieldnames and missing:
            raise BadValue(f"{path}, line 1: no column '{missing[0]}' (the columns are "
                           + ", ".join(repr(c) for c in reader.fieldnames) + ")")
        for row in reader:
            try:
                times.append(float(row[time_column]))
                values.append(float(row[column]))
            except (TypeError, ValueError) as exc:
                # line_num counts lines read, so blank lines and quoted newlines are included.
                raise BadValue(
                    f"{path}, line {reader.line_num}: expected numbers in columns "
                    f"'{time_column}' and '{column}', got {row!r}"
                ) from exc
    if not times:
        raise BadValue(f"{path} has no rows of data")
    if times != sorted(times):
        raise BadValue(f"{path}: the '{time_column}' column must only go up")

    def at(t: float) -> float:
        return values[max(bisect.bisect_right(times, t) - 1, 0)]

    return at
