"""Building a kit's devices from a checked profile, in order, all or nothing.

Also the gpiozero pin factory ``kitsdk`` (``GPIOZERO_PIN_FACTORY=kitsdk``): the simulated
kit of the default profile, so a plain gpiozero script sees the same simulated parts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .exc import DeviceFailed, KitError, NoProfile

if TYPE_CHECKING:
    from .devices.base import KitDevice
    from .profile import DeviceSpec, Profile
    from .registry import Registry


@dataclass
class BuildEnv:
    """What a driver's ``from_profile`` and ``simulate`` get besides its own table."""

    pin_factory: Any
    #: The kit's ``Simulator`` when simulated, else None: drivers pick their bus with it.
    sim: Any
    profile: Profile
    #: Devices built so far, by name (a part on another device's bus or board finds it here).
    devices: dict[str, KitDevice] = field(default_factory=dict)


def build_devices(profile: Profile, registry: Registry, env: BuildEnv) -> dict[str, KitDevice]:
    """Build every device; if one fails, close those already built and re-raise."""
    try:
        for spec in profile.devices.values():
            driver = registry.get(spec.driver, device=spec.name, source=profile.source)
            placed = _placed(spec, env)
            if placed.sim is not None:
                driver.simulate(spec, placed)
            try:
                env.devices[spec.name] = driver.from_profile(spec, placed)
            except KitError:
                raise
            except Exception as exc:  # a part that would not start: name it, keep the cause
                raise DeviceFailed(
                    f"device '{spec.name}' ({spec.driver}) could not start: "
                    f"{type(exc).__name__}: {exc}",
                    hint=f"check the wiring of '{spec.name}': 'kit info' prints the kit's pins",
                ) from exc
    except BaseException:
        for device in reversed(list(env.devices.values())):
            device.close()
        raise
    return env.devices


def _placed(spec: DeviceSpec, env: BuildEnv) -> BuildEnv:
    """The env a device is built in: a part on a board (``board = "arduino"``) gets the
    board's gpiozero pin factory and, simulated, the board's emulated inputs as its ``sim``."""
    if spec.board is None:
        return env
    board: Any = env.devices[spec.board]  # a board device (kitsdk.boards), built above it
    sim = None if env.sim is None else board.simulator(env.sim)
    return replace(env, pin_factory=board.pin_factory, sim=sim)


def simulated_pin_factory() -> Any:
    """A simulated kit's pin factory for plain gpiozero scripts.

    The profile comes from the usual places (``$KITSDK_PROFILE``, then the config files);
    its sensors behave as in ``Kit()``, with their default simulated values (parts on a
    board are left out: no board is built). With no profile it is a plain simulated factory
    with PWM on every pin.
    """
    from .profile import load_profile
    from .registry import default_registry
    from .sim import Simulator

    sim = Simulator()
    try:
        profile = load_profile()
    except NoProfile:
        return sim.factory
    registry = default_registry()
    env = BuildEnv(sim.factory, sim, profile)
    for spec in profile.devices.values():
        if spec.board is None:
            registry.get(spec.driver, device=spec.name, source=profile.source).simulate(spec, env)
    return sim.factory
