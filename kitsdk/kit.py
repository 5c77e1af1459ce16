"""``Kit``: a whole kit of named parts, built from its profile.

::

    from kitsdk import Kit

    kit = Kit("starter")
    kit.red.on()
    kit.button.wait_for_press()
    print(kit.light.value, kit.read())

On a Raspberry Pi the parts are real; anywhere else the same script runs on a simulated kit.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from . import safety
from .backend import Backend, select_backend
from .build import BuildEnv, build_devices
from .exc import NotSimulated, UnknownDevice
from .profile import Profile, load_profile
from .registry import Registry, default_registry

if TYPE_CHECKING:
    from .devices.base import KitDevice
    from .readings import Channel, Reading
    from .telemetry.parts import Part


class Kit:
    """The parts a profile names, as attributes: ``kit.red``, ``kit.button``.

    :param profile: a built-in profile name (``"starter"``, ``"rover"``), a TOML file, or
        None to read ``$KITSDK_PROFILE``, then ``~/.config/kitsdk/kit.toml``, then
        ``/etc/kitsdk/kit.toml``.
    :param backend: ``"sim"``, ``"real"`` or ``"auto"``; None reads ``$KITSDK_BACKEND``.
    :param pin_factory: a gpiozero pin factory to build on instead (tests, boards).
    """

    def __init__(
        self,
        profile: str | os.PathLike[str] | Profile | None = None,
        *,
        backend: str | None = None,
        pin_factory: Any = None,
        registry: Registry | None = None,
    ) -> None:
        registry = registry or default_registry()
        if not isinstance(profile, Profile):
            profile = load_profile(profile, registry=registry)
        self.profile = profile
        self._backend: Backend = select_backend(backend, pin_factory=pin_factory)
        self._devices: dict[str, KitDevice] = {}
        self._closed = False
        env = BuildEnv(self._backend.pin_factory, self._backend.sim, self.profile)
        try:
            self._devices = build_devices(self.profile, registry, env)
        except BaseException:
            self._backend.close()
            raise
        safety.protect(self)

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def devices(self) -> dict[str, KitDevice]:
        """The kit's devices by name, in profile order."""
        return dict(self._devices)

    @property
    def simulated(self) -> bool:
        return self._backend.simulated

    @property
    def sim(self) -> Any:
        """The simulator's controls (``kit.sim.set("distance", 0.25)``); simulated kits only."""
        if self._backend.sim is None:
            raise NotSimulated(
                f"kit '{self.name}' runs on real parts, so it has no simulator",
                hint="run with KITSDK_BACKEND=sim to simulate it",
            )
        return self._backend.sim

    def __getattr__(self, name: str) -> KitDevice:
        devices: dict[str, KitDevice] | None = self.__dict__.get("_devices")
        if devices is None or name.startswith("__"):
            raise AttributeError(name)
        try:
            return devices[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(devices), n=1)
            raise UnknownDevice(
                f"no device '{name}' in profile '{self.name}'"
                + (f": did you mean '{close[0]}'?" if close else ""),
                hint="devices: " + ", ".join(devices),
            ) from None

    def __getitem__(self, name: str) -> KitDevice:
        return self.__getattr__(name)

    def __iter__(self) -> Iterator[KitDevice]:
        return iter(list(self._devices.values()))

    def __len__(self) -> int:
        return len(self._devices)

    def read(self) -> dict[str, dict[str, Reading]]:
        """Every channel of every device, with units: ``{"light": {"level": 0.42}}``."""
        return {name: device.read() for name, device in self._devices.items() if device.channels}

    def channels(self) -> dict[str, tuple[Channel, ...]]:
        """What ``read()`` returns, described: device -> channels with units."""
        return {name: d.channels for name, d in self._devices.items() if d.channels}

    def parts(self) -> tuple[Part, ...]:
        """The kit as its drawings see it: every device's kind, look and channels, in order."""
        return tuple(device.part() for device in self._devices.values())

    def stop_motors(self, reason: str = "") -> None:
        """Land every drone, then stop every motor (the first thing the safety net does);
        ``reason`` is what a drone says as it lands."""
        with safety.because(reason):
            for device in self._motors():
                device.stop()

    def hold_motors(self, reason: str) -> None:
        """Stop every motor (land every drone) and keep it stopped until
        ``release_motors()``; say why, once."""
        motors = self._motors()
        if motors and not all(m.held for m in motors):
            print(f"kitsdk: {reason}, so the motors are stopped; the script goes on",
                  file=sys.stderr)
        with safety.because(reason):
            for motor in motors:
                motor.hold()

    def release_motors(self) -> None:
        """Let held motors run again."""
        for device in self._open_devices():
            if device.is_motor:
                device.release()

    def stop(self, reason: str = "") -> None:
        """Land, stop the motors, then put every output in its safe state. The kit stays
        usable. ``reason`` is what a drone says as it lands."""
        with safety.because(reason):
            self.stop_motors()
            for device in self._open_devices():
                if device.is_output and not device.is_motor:
                    device.stop()

    def emergency(self, reason: str = "") -> None:
        """Stop every motor at once, a drone's in the air too (it falls where it is), then
        every output: the teacher's last resort, when landing would be worse.

        It takes no turn behind a stop in progress (a landing takes seconds), so that the
        motors are cut whatever else is stopping them."""
        for device in self._motors():
            device.emergency(reason)
        self.stop(reason)

    def close(self) -> None:
        """Stop everything and release the parts; safe to call twice.

        The devices stay in the kit, closed, so using one afterwards raises
        ``DeviceClosed`` naming it rather than claiming the profile lacks it.
        """
        if self._closed:
            return
        self._closed = True
        self.stop()
        for device in reversed(list(self._devices.values())):
            device.close()
        self._backend.close()
        safety.release(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def _open_devices(self) -> list[KitDevice]:
        return [d for d in self._devices.values() if not d.closed]

    def _motors(self) -> list[KitDevice]:
        """The open motors, those that fly first."""
        return sorted((d for d in self._open_devices() if d.is_motor), key=lambda d: not d.flies)

    def __enter__(self) -> Kit:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return f"<Kit '{self.name}' (closed): no devices>"
        state = "simulated" if self.simulated else self._backend.name
        return f"<Kit '{self.name}' ({state}): {', '.join(self._devices)}>"
