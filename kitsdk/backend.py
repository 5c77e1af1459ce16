"""Real parts or simulation: decided once per kit, the same way everywhere.

``KITSDK_BACKEND`` chooses: ``sim`` always simulates, ``real`` uses the Pi's pins and refuses
to fall back, and unset (or ``auto``) uses the real pins on a Raspberry Pi and simulation
elsewhere, saying so once per process in one short line.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .exc import BackendUnavailable, BadValue

#: Where Linux on a Raspberry Pi names the board.
MODEL_FILES = (Path("/proc/device-tree/model"), Path("/sys/firmware/devicetree/base/model"))
CHOICES = ("auto", "sim", "real")

_announced = False


@dataclass
class Backend:
    """What a kit's devices are built on: a pin factory, and the simulator if simulated."""

    name: str
    pin_factory: Any
    sim: Any = None  # kitsdk.sim.Simulator when simulated
    #: False for a factory the caller passed in: the caller closes what it lent us.
    owned: bool = True

    @property
    def simulated(self) -> bool:
        return self.sim is not None

    def close(self) -> None:
        if self.sim is not None:
            self.sim.close(close_factory=self.owned)
        elif self.owned and self.pin_factory is not None:
            self.pin_factory.close()


def pi_model() -> str | None:
    """The Raspberry Pi model this runs on, or None on any other machine."""
    for path in MODEL_FILES:
        try:
            model = path.read_bytes().rstrip(b"\0").decode(errors="replace")
        except OSError:
            continue
        if "Raspberry Pi" in model:
            return model
    return None


def wanted(choice: str | None = None) -> str:
    """``"sim"`` or ``"real"``: what ``choice`` or ``$KITSDK_BACKEND`` asks for on this machine."""
    choice = (choice or os.environ.get("KITSDK_BACKEND") or "auto").strip().lower()
    if choice not in CHOICES:
        raise BadValue(
            f"KITSDK_BACKEND={choice!r} is not a backend",
            hint="use 'sim', 'real' or leave it unset to choose by itself",
        )
    if choice == "auto":
        return "real" if pi_model() else "sim"
    if choice == "real" and pi_model() is None:
        raise BackendUnavailable(
            "KITSDK_BACKEND=real, but this machine is not a Raspberry Pi",
            hint="unset KITSDK_BACKEND to run in simulation here",
        )
    return choice


def select_backend(choice: str | None = None, *, pin_factory: Any = None) -> Backend:
    """Build the backend asked for by ``choice`` or ``$KITSDK_BACKEND``.

    A ``pin_factory`` passed in is used as it is (gpiozero's seam): a ``MockFactory`` from a
    test, or a board's pin factory; it is simulated if it is a kitsdk ``SimFactory``.
    """
    if pin_factory is not None:
        return _from_factory(pin_factory)
    explicit = (choice or os.environ.get("KITSDK_BACKEND") or "auto").strip().lower() != "auto"
    if wanted(choice) == "sim":
        if not explicit:
            _announce("kitsdk: no Raspberry Pi here, so this kit is simulated")
        return _simulated()
    try:
        return Backend("real", _real_factory())
    except Exception as exc:  # every gpiozero factory failed: say which and why
        if explicit:
            raise BackendUnavailable(
                f"this {pi_model()} has no working GPIO library: {exc}",
                hint="install one: sudo apt install python3-lgpio",
            ) from exc
        _announce(f"kitsdk: the GPIO pins of this {pi_model()} are not usable ({exc}), "
                  "so this kit is simulated")
        return _simulated()


def _real_factory() -> Any:
    from gpiozero import Device
    from gpiozero.exc import PinFactoryFallback

    # A kit gets a factory of its own, so gpiozero's exit hook (which resets the global
    # factory's pins to floating inputs) cannot undo the safe levels kitsdk leaves.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PinFactoryFallback)
        return Device._default_pin_factory()


def _simulated() -> Backend:
    from .sim import Simulator

    sim = Simulator()
    return Backend("sim", sim.factory, sim)


def _from_factory(factory: Any) -> Backend:
    from .sim import SimFactory, Simulator

    if isinstance(factory, SimFactory):
        return Backend("sim", factory, Simulator(factory), owned=False)
    return Backend("custom", factory, owned=False)


def _announce(line: str) -> None:
    global _announced
    if not _announced:
        _announced = True
        print(line, file=sys.stderr)
