"""One lifecycle for every device: after ``close()``, every public attribute and method of
every built-in driver raises ``DeviceClosed`` naming the device, getters and setters alike.

The walk takes each device's public surface from ``dir()`` before it is closed, so a getter
or method a driver adds later is walked too, without anyone listing it here.

The tests marked ``hardware`` build their kit on the backend the run was started with: on a
Raspberry Pi, ``KITSDK_BACKEND=real python -m pytest -m hardware`` runs them on its real pins
(docs/drivers.md); anywhere else they run on the simulator like the rest.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bench_kit import BENCH
from hardware import kit_on_this_backend

from kitsdk import DeviceClosed, Kit
from kitsdk.devices.base import STILL_ANSWERED, KitDevice
from kitsdk.registry import default_registry

#: The bench's parts, and the one driver neither it nor a built-in kit has: a board's input.
BOARD_PARTS = """
[devices.arduino]
driver = "firmata"
port = "auto"

[devices.knob]
driver = "analog_input"
board = "arduino"
pin = "A1"
"""


@pytest.fixture
def every_driver(make_kit: Callable[..., Kit], tmp_path: Path) -> list[KitDevice]:
    """One open device of each built-in driver, from the built-in kits and a bench."""
    bench = tmp_path / "bench.toml"
    bench.write_text(BENCH + BOARD_PARTS)
    devices: dict[type, KitDevice] = {}
    for profile in ("starter", "rover", "weather-station", "drone", bench):
        for device in make_kit(profile):
            devices.setdefault(type(device), device)
    return list(devices.values())


def public_surface(device: Any) -> dict[str, bool]:
    """Public names of an open device, each with whether it can be assigned to."""
    surface = {}
    for name in dir(device):
        if name.startswith("_") or name in STILL_ANSWERED:
            continue
        attr = getattr(type(device), name, None)
        settable = (name in vars(device) if not isinstance(attr, property)
                    else attr.fset is not None)
        surface[name] = settable
    return surface


def misuse(device: Any, name: str, settable: bool) -> list[str]:
    """Read ``name`` of a closed device (and assign it, if it can be); what went wrong."""
    uses: list[tuple[str, Callable[[], object]]] = [("get", lambda: getattr(device, name))]
    if settable:
        uses.append(("set", lambda: setattr(device, name, 0)))
    failures = []
    for action, use in uses:
        try:
            use()
        except DeviceClosed as exc:
            if not str(exc).startswith(f"{device.describe()} is closed: its '{name}' was used"):
                failures.append(f"{device.describe()}.{name} ({action}): {exc}")
        except Exception as exc:
            failures.append(f"{device.describe()}.{name} ({action}): {type(exc).__name__}: {exc}")
        else:
            failures.append(f"{device.describe()}.{name} ({action}): no error")
    return failures


def test_a_closed_device_answers_only_what_the_driver_guide_lists() -> None:
    """The walk skips these names, so the list itself is pinned to docs/drivers.md."""
    guide = (Path(__file__).parents[2] / "docs" / "drivers.md").read_text()
    sentence = guide.split("Only `", 1)[1].split(" still answer.", 1)[0]
    assert set(re.findall(r"`(\w+)(?:\(\))?`", "`" + sentence)) == STILL_ANSWERED


def test_the_walk_covers_every_built_in_driver(every_driver: list[KitDevice]) -> None:
    built_in = set(default_registry().load_all().values())
    assert built_in <= {type(device) for device in every_driver}


def test_every_public_attribute_of_a_closed_device_raises_device_closed(
        every_driver: list[KitDevice], monkeypatch: pytest.MonkeyPatch) -> None:
    thread_errors: list[object] = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    surfaces = {device.describe(): public_surface(device) for device in every_driver}
    for device in every_driver:
        device.close()
    failures = [failure for device in every_driver
                for name, settable in surfaces[device.describe()].items()
                for failure in misuse(device, name, settable)]
    assert failures == []
    assert thread_errors == []


@pytest.mark.hardware
def test_every_device_of_a_closed_starter_kit_names_itself(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk, on this run's backend: real pins on a Pi with ``KITSDK_BACKEND=real``."""
    thread_errors: list[object] = []
    monkeypatch.setattr(threading, "excepthook", thread_errors.append)
    with kit_on_this_backend("starter") as kit:
        devices = list(kit)
        surfaces = {device.describe(): public_surface(device) for device in devices}
        kit.red.blink(0.01, 0.01)  # a thread that close() must end quietly
    assert [failure for device in devices
            for name, settable in surfaces[device.describe()].items()
            for failure in misuse(device, name, settable)] == []
    assert thread_errors == []


def test_a_closed_device_still_says_who_it_is(every_driver: list[KitDevice]) -> None:
    for device in every_driver:
        cls = type(device)
        device.close()
        device.close()  # twice is fine
        assert device.closed
        assert isinstance(device, cls) and type(device).__name__ == cls.__name__
        assert repr(device) == f"<{device.describe()} (closed)>"


@pytest.mark.parametrize(("device", "attribute", "use"), [
    ("servo", "value", lambda d: d.value),
    ("drive", "value", lambda d: d.value),
    ("drive", "left_speed", lambda d: d.left_speed),
    ("drive", "value", lambda d: setattr(d, "value", (0.5, 0.5))),
    ("servo", "value", lambda d: setattr(d, "value", 0.5)),
], ids=["servo.value", "drive.value", "drive.left_speed", "drive.value=", "servo.value="])
def test_the_getters_of_a_closed_kit_name_the_device(
        rover: Kit, device: str, attribute: str, use: Callable[[Any], object]) -> None:
    """The words of the issue: a closed rover's servo and drive base, read and written."""
    part = rover[device]
    rover.close()
    with pytest.raises(DeviceClosed, match=f"^{part.describe()} is closed: its '{attribute}'"):
        use(part)
