"""The public API is what ``__all__`` says, and importing kitsdk stays light.

In the style of httpx's ``tests/test_exported_members.py``: every public name a package
defines is exported, every exported name exists, and the lists stay free of duplicates.
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import kitsdk
import kitsdk.devices
import kitsdk.sim

#: Dunder names that are public all the same.
PUBLIC_DUNDERS = {"__version__"}


def public_names(module: types.ModuleType) -> set[str]:
    """Names the package itself defines or imports for its users; submodules excluded."""
    return {
        name for name, value in vars(module).items()
        if (not name.startswith("_") or name in PUBLIC_DUNDERS)
        and not isinstance(value, types.ModuleType)
    }


@pytest.mark.parametrize("module", [kitsdk, kitsdk.devices, kitsdk.sim],
                         ids=lambda m: m.__name__)
def test_all_is_every_public_name(module: types.ModuleType) -> None:
    exported = module.__all__
    assert len(exported) == len(set(exported)), "a name is listed twice"
    assert set(exported) == public_names(module)


@pytest.mark.parametrize("module", [kitsdk, kitsdk.devices, kitsdk.sim],
                         ids=lambda m: m.__name__)
def test_every_exported_name_resolves(module: types.ModuleType) -> None:
    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_the_top_level_api() -> None:
    assert {"Kit", "KitError", "Reading", "Channel", "load_profile",
            "builtin_profiles"} <= set(kitsdk.__all__)
    assert kitsdk.__version__ == "0.1.0"
    # Every error a student can meet is exported, under one root.
    errors = [getattr(kitsdk, name) for name in kitsdk.__all__
              if isinstance(getattr(kitsdk, name), type)
              and issubclass(getattr(kitsdk, name), Exception)
              and not issubclass(getattr(kitsdk, name), Warning)]
    assert all(issubclass(error, kitsdk.KitError) for error in errors)
    assert {error.__name__ for error in vars(kitsdk.exc).values()
            if isinstance(error, type) and issubclass(error, BaseException)} <= set(kitsdk.__all__)


def test_exported_classes_say_where_they_live() -> None:
    # kitsdk.Kit is kitsdk.kit.Kit: a name is defined once, then re-exported.
    assert kitsdk.Kit.__module__ == "kitsdk.kit"
    assert kitsdk.devices.LED.__module__ == "kitsdk.devices.leds"
    assert kitsdk.sim.SimWorld.__module__ == "kitsdk.sim.world"


HEAVY = ("gpiozero", "numpy", "PIL", "paho", "serial", "flask", "picamera2")


def test_import_kitsdk_loads_no_hardware_or_network_library() -> None:
    script = (
        "import sys\nimport kitsdk\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
