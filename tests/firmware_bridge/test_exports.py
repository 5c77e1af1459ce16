"""The public API is what `__all__` says, and importing it stays light (httpx's
test_exported_members style)."""

from __future__ import annotations

import subprocess
import sys

import firmware_bridge
import firmware_bridge.emulator
import firmware_bridge.protocol


def test_all_exports_exist_and_are_sorted() -> None:
    for module in (firmware_bridge, firmware_bridge.emulator, firmware_bridge.protocol):
        exported = module.__all__
        assert exported == sorted(exported, key=lambda name: (not name.isupper(), name))
        assert len(set(exported)) == len(exported)
        for name in exported:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_public_names_are_exported() -> None:
    public = {
        name
        for name, value in vars(firmware_bridge).items()
        if not name.startswith("_") and not isinstance(value, type(sys))
    }
    assert public == set(firmware_bridge.__all__)


def test_exported_members_say_where_they_live() -> None:
    for name in firmware_bridge.__all__:
        member = getattr(firmware_bridge, name)
        if isinstance(member, type):
            assert member.__module__.startswith("firmware_bridge."), name


def test_errors_inherit_the_builtins_callers_catch() -> None:
    fb = firmware_bridge
    assert issubclass(fb.LocalProtocolError, ValueError)
    assert issubclass(fb.BoardNotFound, ConnectionError)
    assert issubclass(fb.BoardNotResponding, TimeoutError)
    assert issubclass(fb.BoardTimeout, TimeoutError)
    assert issubclass(fb.BoardClosed, RuntimeError)
    for name in fb.__all__:
        member = getattr(fb, name)
        if isinstance(member, type) and issubclass(member, Exception):
            assert issubclass(member, fb.FirmataError)


def test_importing_does_not_import_pyserial_or_kitsdk() -> None:
    code = (
        "import sys, firmware_bridge, firmware_bridge.emulator; "
        "print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('serial', 'kitsdk', 'lab_server')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
