"""One telemetry sample of a kit: every device that answers, and the errors of those that
don't, so that one failing probe never empties a whole tick."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .exc import KitError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .devices.base import KitDevice
    from .kit import Kit

Values = dict[str, dict[str, float | bool | None]]


def sample(kit: Kit | Iterable[KitDevice]) -> tuple[Values, dict[str, str]]:
    """``(values, errors)``: device -> channel -> value, and device -> what went wrong.

    Of every device of a kit, or of some of them (a view reads a camera less often).
    """
    values: Values = {}
    errors: dict[str, str] = {}
    for device in kit:
        if not device.channels or device.closed:
            continue
        try:
            values[device.name] = {ch: r.value for ch, r in device.read().items()}
        except KitError as exc:
            errors[device.name] = str(exc)
    return values, errors
