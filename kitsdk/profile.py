"""Kit profiles: a TOML file that names a kit's parts and says how they are wired.

::

    [kit]
    name = "starter"
    description = "Three LEDs, a button, a buzzer and a light sensor"

    [devices.red]
    driver = "led"
    pin = 17

Loading checks everything against the drivers' declared options before any hardware is
touched, and every error names the file, the device, the key, what was expected and the
nearest valid name. ``docs/profiles.md`` is the reference.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import boards
from .exc import BadPin, BadProfile, NoProfile, PinConflict
from .options import ANALOG_PIN, ANALOG_PINS, PIN, REQUIRED, SAFE_OPTION, Option
from .pins import PinSpace, WiredPin
from .registry import Registry, default_registry

if TYPE_CHECKING:
    from .devices.base import KitDevice

#: Where ``Kit()`` looks when it is given no profile, after ``$KITSDK_PROFILE``.
SEARCH_PATH = (Path("~/.config/kitsdk/kit.toml"), Path("/etc/kitsdk/kit.toml"))

#: Names a device cannot take, because ``kit.NAME`` already means something.
RESERVED = frozenset({
    "channels", "close", "closed", "devices", "hold_motors", "name", "profile", "read",
    "release_motors", "sim", "simulated", "stop", "stop_motors",
})

_DEVICE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True)
class DeviceSpec:
    """One checked ``[devices.NAME]`` table."""

    name: str
    driver: str
    options: Mapping[str, Any]
    #: Pins this device alone may use, by role ("pin", "left.forward").
    pins: Mapping[str, WiredPin] = field(default_factory=dict)
    #: Bus pins it may share with other devices on the same bus (SPI clock ...).
    bus_pins: Mapping[str, WiredPin] = field(default_factory=dict)
    #: The board device whose pins it uses (``board = "arduino"``), or None for the Pi's.
    board: str | None = None


@dataclass(frozen=True)
class Profile:
    """A checked kit profile; ``source`` is the file, or ``built-in profile 'NAME'``."""

    name: str
    description: str
    source: str
    devices: Mapping[str, DeviceSpec]

    def wiring(self) -> list[tuple[str, str, str, WiredPin]]:
        """Rows of (device, driver, role, pin), for ``kit check`` and ``kit info``."""
        return [
            (spec.name, spec.driver, role, pin)
            for spec in self.devices.values()
            for role, pin in {**spec.pins, **spec.bus_pins}.items()
        ]


def builtin_profiles() -> list[str]:
    """The names of the profiles that ship with kitsdk."""
    folder = resources.files("kitsdk") / "profiles"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                  if p.name.endswith(".toml"))


def load_profile(profile: str | os.PathLike[str] | None = None, *,
                 registry: Registry | None = None) -> Profile:
    """Find, read and check a profile: a built-in name, a file path, or None for the default."""
    source, text = _find(profile)
    return parse_profile(text, source, registry=registry)


def parse_profile(text: str, source: str, *, registry: Registry | None = None) -> Profile:
    """Check profile ``text``; ``source`` names it in errors."""
    registry = registry or default_registry()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadProfile(f"this is not valid TOML: {exc}", source=source,
                         hint="check quotes, '=' signs and [brackets] on that line") from exc
    _no_unknown_keys(data, {"kit", "devices"}, source=source, what="top-level table")
    kit = _table(data.get("kit", {}), source=source, key="[kit]")
    _no_unknown_keys(kit, {"name", "description"}, source=source, what="key", owner=" in [kit]")
    devices_table = _table(data.get("devices"), source=source, key="[devices]")
    if not devices_table:
        raise BadProfile("the profile has no [devices.NAME] tables", source=source,
                         hint='add one, e.g. [devices.red] with driver = "led" and pin = 17')
    devices: dict[str, DeviceSpec] = {}
    for name, table in devices_table.items():  # in order: a board comes before its parts
        devices[name] = _device(name, table, source, registry, devices)
    _check_pin_conflicts(devices.values(), source)
    return Profile(
        name=str(kit.get("name", Path(source).stem if source.endswith(".toml") else source)),
        description=str(kit.get("description", "")),
        source=source,
        devices=devices,
    )


def _find(profile: str | os.PathLike[str] | None) -> tuple[str, str]:
    from_env = ""
    if profile is None:
        profile = os.environ.get("KITSDK_PROFILE") or None
        from_env = " (named by $KITSDK_PROFILE)" if profile else ""
    if profile is None:
        for candidate in SEARCH_PATH:
            path = candidate.expanduser()
            if path.is_file():
                return str(path), _read(path)
        raise NoProfile(
            "no kit profile was given and none was found in $KITSDK_PROFILE, "
            + " or ".join(str(p) for p in SEARCH_PATH),
            hint="try Kit('starter'), or set KITSDK_PROFILE to a profile name or file",
            shell_hint="give one with --profile (e.g. --profile starter), or put the kit's "
                       "profile in /etc/kitsdk/kit.toml",
        )
    text = os.fspath(profile)
    if text in builtin_profiles():
        resource = resources.files("kitsdk") / "profiles" / f"{text}.toml"
        return f"built-in profile '{text}'", resource.read_text(encoding="utf-8")
    path = Path(text).expanduser()
    if path.is_file():
        return str(path), _read(path)
    if path.suffix == ".toml" or os.sep in text:
        raise NoProfile(f"profile file {text}{from_env} does not exist",
                        hint="check the path, or use a built-in profile: "
                        + ", ".join(builtin_profiles()))
    close = difflib.get_close_matches(text, builtin_profiles(), n=1)
    raise NoProfile(
        f"no built-in profile '{text}'{from_env}"
        + (f": did you mean '{close[0]}'?" if close else ""),
        hint="built-in profiles: " + ", ".join(builtin_profiles()),
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BadProfile(
            f"this is not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x})",
            source=str(path), hint="save the file as UTF-8 in your editor",
        ) from exc


def _table(value: Any, *, source: str, key: str, device: str = "") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadProfile(f"expected a table, got {value!r}", source=source, device=device, key=key)
    return value


def _no_unknown_keys(table: Mapping[str, Any], known: set[str], *, source: str, what: str,
                     device: str = "", owner: str = "", prefix: str = "") -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            raise BadProfile(f"unknown {what} '{key}'{owner}"
                             + (f": did you mean '{close[0]}'?" if close else ""),
                             source=source, device=device, key=prefix + key,
                             hint=f"known {what}s: " + ", ".join(sorted(known)))


def _device(name: str, table: Any, source: str, registry: Registry,
            above: Mapping[str, DeviceSpec]) -> DeviceSpec:
    if not _DEVICE_NAME.fullmatch(name) or name in RESERVED:
        why = "is a word kitsdk uses itself" if name in RESERVED else \
            "must start with a lowercase letter and use only a-z, 0-9 and _"
        raise BadProfile(f"device name '{name}' {why}", source=source, device=name,
                         hint="rename the table, e.g. [devices.front_led]")
    table = _table(table, source=source, key=f"[devices.{name}]", device=name)
    if "driver" not in table:
        raise BadProfile("missing key 'driver'", source=source, device=name, key="driver",
                         hint='add e.g. driver = "led"; run \'kit drivers\' for the list')
    if not isinstance(table["driver"], str):
        raise BadProfile(f"expected the driver's name as text, got {table['driver']!r}",
                         source=source, device=name, key="driver")
    driver = registry.get(table["driver"], device=name, source=source)
    own = {k: v for k, v in table.items() if k != "driver"}
    board, space_of = boards.placement(name, driver, own, above, registry, source)
    if board is not None:
        del own["board"]
    options, pins = _options(driver, own, space_of=space_of, source=source, device=name,
                             prefix="")
    bus = {role: _pin(value, space_of(options), source, name, role)
           for role, value in driver.bus_pins(options).items()}
    return DeviceSpec(name, table["driver"], options, pins, bus, board)


def _known_options(driver: type[KitDevice]) -> dict[str, Option]:
    return {**driver.options, "safe": SAFE_OPTION} if driver.is_output else dict(driver.options)


def _options(driver: type[KitDevice], table: Mapping[str, Any], *, space_of: boards.SpaceOf,
             source: str, device: str, prefix: str) -> tuple[dict[str, Any], dict[str, WiredPin]]:
    """Check ``table`` against the driver's options; pins are looked up in
    ``space_of(options checked so far)``."""
    known = _known_options(driver)
    _no_unknown_keys(table, set(known), source=source, what="key",
                     owner=f" for driver '{driver.__name__}'", device=device, prefix=prefix)
    options: dict[str, Any] = {}
    pins: dict[str, WiredPin] = {}
    for key, option in known.items():
        where = prefix + key
        analog = option.kind == ANALOG_PIN
        if (key not in table and option.kind in (PIN, ANALOG_PIN)
                and option.default not in (None, REQUIRED)):
            pins[where] = _pin(option.default, space_of(options), source, device, where, analog)
        if key not in table:
            if option.required:
                raise BadProfile(f"missing key '{key}': expected {option.describe()}",
                                 source=source, device=device, key=where,
                                 hint=option.help or f"add {key} = ... to [devices.{device}]")
            continue
        value = table[key]
        if option.kind in (PIN, ANALOG_PIN):
            pin = _pin(value, space_of(options), source, device, where, analog)
            pins[where] = pin
            options[key] = pin.local
        elif option.kind == ANALOG_PINS:  # read, not owned: another device may use them too
            if not isinstance(value, list):
                raise BadProfile(f"expected {option.describe()}, got {value!r}", source=source,
                                 device=device, key=where, hint=option.help)
            space = space_of(options)
            options[key] = tuple(_pin(v, space, source, device, f"{where}[{i}]", True).local
                                 for i, v in enumerate(value))
        elif isinstance(option.kind, type) and hasattr(option.kind, "options"):
            sub = _table(value, source=source, key=where, device=device)
            options[key], sub_pins = _options(option.kind, sub, space_of=space_of,
                                              source=source, device=device, prefix=where + ".")
            pins.update(sub_pins)
        else:
            options[key] = _value(value, option, source=source, device=device, key=where)
    return options, pins


def _value(value: Any, option: Option, *, source: str, device: str, key: str) -> Any:
    kind = option.kind
    ok = (
        (kind is bool and isinstance(value, bool))
        or (kind is int and isinstance(value, int) and not isinstance(value, bool))
        or (kind is float and isinstance(value, int | float) and not isinstance(value, bool))
        or (kind is str and isinstance(value, str))
    )
    in_range = ok and (
        (not option.choices or value in option.choices)
        and (option.min is None or value >= option.min)
        and (option.max is None or value <= option.max)
    )
    if not in_range:
        raise BadProfile(f"expected {option.describe()}, got {value!r}", source=source,
                         device=device, key=key, hint=option.help)
    return float(value) if kind is float else value


def _pin(value: Any, space: PinSpace, source: str, device: str, key: str,
         analog: bool = False) -> WiredPin:
    pin = space.pin(value, analog=analog)
    if pin is None:
        message, hint = space.unknown(value, analog=analog)
        raise BadPin(message, source=source, device=device, key=key, hint=hint)
    return pin


def _check_pin_conflicts(devices: Any, source: str) -> None:
    owner: dict[str, tuple[str, str]] = {}
    bus_owner: dict[str, tuple[str, str]] = {}
    for spec in devices:
        for role, pin in spec.pins.items():
            other = owner.get(pin.name) or bus_owner.get(pin.name)
            if other:
                _conflict(pin, (spec.name, role), other, source)
            owner[pin.name] = (spec.name, role)
        for role, pin in spec.bus_pins.items():
            if pin.name in owner:
                _conflict(pin, (spec.name, role), owner[pin.name], source)
            bus_owner.setdefault(pin.name, (spec.name, role))


def _conflict(pin: WiredPin, this: tuple[str, str], other: tuple[str, str], source: str) -> None:
    raise PinConflict(
        f"{pin.describe()} is used twice: by device '{other[0]}' "
        f"({other[1]}) and by device '{this[0]}' ({this[1]})",
        source=source, device=this[0], key=this[1],
        hint="move one of them to a free pin; 'kit check FILE' prints the wiring table",
    )
