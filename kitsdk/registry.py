"""Drivers by name, from the ``kitsdk.drivers`` entry-point group.

kitsdk's own drivers are registered in that group exactly like a kit maker's, so there is one
way in. Entry points are read on first use (not at ``import kitsdk``) and each driver is
imported only when a profile names it. A plug-in that fails to import, or that is not a
driver, is skipped with a :class:`~kitsdk.exc.DriverWarning` naming it; a profile that asks
for it gets a :class:`~kitsdk.exc.DriverError` with the cause.
"""

from __future__ import annotations

import difflib
import functools
import warnings
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from .exc import DriverError, DriverWarning, UnknownDriver

if TYPE_CHECKING:
    from .devices.base import KitDevice

GROUP = "kitsdk.drivers"


class Registry:
    """Maps driver names to driver classes; ``register`` adds one by hand (tests, notebooks)."""

    def __init__(self, entries: dict[str, EntryPoint] | None = None) -> None:
        self._entries = dict(entries or {})
        self._loaded: dict[str, type[KitDevice]] = {}
        self._broken: dict[str, str] = {}

    @classmethod
    def from_entry_points(cls) -> Registry:
        found: dict[str, EntryPoint] = {}
        for ep in entry_points(group=GROUP):
            if ep.name in found and found[ep.name].value != ep.value:
                warnings.warn(
                    DriverWarning(
                        f"two packages register driver '{ep.name}': {found[ep.name].value} "
                        f"and {ep.value}; using the first"
                    ),
                    stacklevel=2,
                )
                continue
            found.setdefault(ep.name, ep)
        return cls(found)

    def register(self, name: str, driver: type[KitDevice]) -> None:
        self._loaded[name] = _checked(name, driver)

    def names(self) -> list[str]:
        return sorted(set(self._entries) | set(self._loaded))

    def get(self, name: str, *, device: str = "", source: str = "") -> type[KitDevice]:
        """The driver class called ``name``; errors name the device and suggest a driver."""
        if name in self._loaded:
            return self._loaded[name]
        if name not in self._entries:
            close = difflib.get_close_matches(name, self.names(), n=1)
            raise UnknownDriver(
                f"unknown driver '{name}'" + (f": did you mean '{close[0]}'?" if close else ""),
                source=source, device=device, key="driver",
                hint="run 'kit drivers' for the list",
            )
        # The warning names the plug-in; the error also says which device asked for it.
        asker = ": ".join(part for part in (source, device and f"device '{device}'") if part)
        asker += ": " if asker else ""
        hint = "reinstall the package that provides it"
        if name in self._broken:
            raise DriverError(asker + self._broken[name], hint=hint)
        ep = self._entries[name]
        try:
            driver = _checked(name, ep.load())
        except Exception as exc:  # any import-time failure of a plug-in is its own bug
            message = (f"driver '{name}' ({ep.value}) could not be loaded: "
                       f"{type(exc).__name__}: {exc}")
            self._broken[name] = message
            warnings.warn(DriverWarning(message), stacklevel=2)
            raise DriverError(asker + message, hint=hint) from exc
        self._loaded[name] = driver
        return driver

    def load_all(self) -> dict[str, type[KitDevice]]:
        """Every driver that loads; broken ones are warned about and left out."""
        drivers = {}
        for name in self.names():
            try:
                drivers[name] = self.get(name)
            except DriverError:
                continue
        return drivers


def _checked(name: str, driver: object) -> type[KitDevice]:
    from .devices.base import KitDevice

    if not (isinstance(driver, type) and issubclass(driver, KitDevice)):
        raise DriverError(
            f"driver '{name}' is {driver!r}, not a KitDevice subclass",
            hint="see docs/drivers.md for the driver contract",
        )
    return driver


@functools.cache
def default_registry() -> Registry:
    """The registry of installed drivers, read once per process."""
    return Registry.from_entry_points()
