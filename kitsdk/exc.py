"""Every error kitsdk raises, in one tree.

Each error also inherits the builtin a caller would expect, so ``except ValueError``
keeps working, and each message names the thing that was wrong and what to try::

    KitError
    ├── BadProfile (ValueError)            a profile file is wrong
    │   ├── UnknownDriver                  driver = "..." names no installed driver
    │   ├── BadPin                         a pin the board does not have
    │   └── PinConflict                    two devices on one pin
    ├── NoProfile (FileNotFoundError)      Kit() found no profile to load
    ├── UnknownDevice (AttributeError)     kit.rde: no device of that name
    ├── BadValue (ValueError)              motor.forward(2.0): a value out of range
    ├── DeviceClosed (RuntimeError)        the device was closed, then used
    ├── DeviceFailed (RuntimeError)        a part did not answer (sensor, bus, board)
    ├── DriverError (RuntimeError)         a driver plug-in could not be loaded
    ├── BackendUnavailable (RuntimeError)  KITSDK_BACKEND=real where there is no Pi
    ├── NotSimulated (RuntimeError)        kit.sim used on real hardware
    └── BadMessage (ValueError)            an MQTT payload that breaks the schema
        └── BadText                        ... with text no store keeps (a lone surrogate, NUL)

A ``hint`` is written for Python code, where most errors are read. Where the advice differs
for someone typing a ``kit`` command (``--profile starter`` rather than ``Kit('starter')``),
``shell_hint`` says it in shell words, and the command prints ``explain(shell=True)``.

Warnings: ``KitWarning`` (root), ``DriverWarning`` (a broken plug-in was skipped).
"""

from __future__ import annotations


class KitError(Exception):
    """Root of every kitsdk error. ``hint`` says what to try, in a student's words;
    ``shell_hint``, if the advice differs in a shell, says it for a ``kit`` command."""

    hint: str = ""
    shell_hint: str = ""

    def __init__(self, message: str, *, hint: str = "", shell_hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint
        if shell_hint:
            self.shell_hint = shell_hint

    def explain(self, *, shell: bool = False) -> str:
        """The message and the hint; ``shell`` for someone who typed a ``kit`` command."""
        text = str(self)
        hint = (shell and self.shell_hint) or self.hint
        return f"{text}\n  hint: {hint}" if hint else text


class BadProfile(KitError, ValueError):
    """A profile file is wrong; the message names the file, the device and the key."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        device: str = "",
        key: str = "",
        hint: str = "",
    ) -> None:
        self.source = source
        self.device = device
        self.key = key
        self.reason = message
        where = source
        if device:
            where += f": device '{device}'" if where else f"device '{device}'"
        if key:
            where += f", key '{key}'"
        super().__init__(f"{where}: {message}" if where else message, hint=hint)


class UnknownDriver(BadProfile):
    """``driver = "..."`` names a driver that is not installed."""


class BadPin(BadProfile):
    """A pin the board does not have."""


class PinConflict(BadProfile):
    """Two devices wired to one pin."""


class NoProfile(KitError, FileNotFoundError):
    """``Kit()`` was given no profile and found none in the usual places."""


class UnknownDevice(KitError, AttributeError):
    """``kit.rde``: the profile has no device of that name."""


class BadValue(KitError, ValueError):
    """A value out of range for a device, such as ``motor.forward(2.0)``."""


class DeviceClosed(KitError, RuntimeError):
    """A device was used after it was closed."""


class DeviceFailed(KitError, RuntimeError):
    """A part did not answer or answered nonsense (a sensor, a bus, a board)."""


class DroneError(DeviceFailed):
    """A drone did not answer in time, answered nonsense, or refused a command."""


class DriverError(KitError, RuntimeError):
    """A driver plug-in is broken: it failed to import or breaks the driver contract."""


class BackendUnavailable(KitError, RuntimeError):
    """The backend asked for (``KITSDK_BACKEND``) cannot run on this machine."""


class NotSimulated(KitError, RuntimeError):
    """Simulation controls were used on a kit that runs on real hardware."""


class BadMessage(KitError, ValueError):
    """An MQTT topic or payload breaks the v1 schema; ``field`` names the culprit."""

    def __init__(self, message: str, *, field: str = "", hint: str = "") -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message, hint=hint)


class BadText(BadMessage):
    """A payload's text holds a character no store can keep: a lone surrogate (``"\\udc80"``
    is valid JSON but not UTF-8) or NUL (PostgreSQL refuses it); ``field`` names where."""


class KitWarning(UserWarning):
    """Root of kitsdk's warnings."""


class DriverWarning(KitWarning):
    """A driver plug-in was skipped because it is broken; the message names it."""
