"""A board's errors as a student meets them: kitsdk errors that say what to try.

Everything the board side raises is a `firmware_bridge.FirmataError`. kitsdk code that talks
to a board wraps the call in ``with translated("board 'arduino'"):`` and the error comes out
as the matching `~kitsdk.exc.KitError`, with a hint and its cause kept (``raise ... from``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from firmware_bridge import (
    BoardClosed,
    BoardConnectionError,
    BoardNotFound,
    BoardNotResponding,
    BoardTimeout,
    ConnectionLost,
    FirmataError,
    LocalProtocolError,
    NotFirmata,
)

from ..exc import BadValue, DeviceClosed, DeviceFailed, KitError

logger = logging.getLogger("kitsdk.firmata")

_SKETCH = ("upload StandardFirmata to the board (Arduino IDE: File > Examples > Firmata > "
           "StandardFirmata), and check that baud in the profile matches it (57600)")

#: Each firmware_bridge error (most specific first) as the kitsdk error it becomes, and a hint.
_AS: dict[type[FirmataError], tuple[type[KitError], str]] = {
    BoardNotFound: (DeviceFailed, "plug the board in with a USB data cable (some cables only "
                                  "charge), or set port in the profile to one of those ports"),
    NotFirmata: (DeviceFailed, _SKETCH),
    BoardNotResponding: (DeviceFailed, _SKETCH),
    ConnectionLost: (DeviceFailed, "the USB cable came out or the board reset: it reconnects "
                                   "by itself, with its outputs off; try again in a moment"),
    BoardConnectionError: (DeviceFailed, "check the USB cable"),
    BoardTimeout: (DeviceFailed, "check the wiring and that the board is still plugged in"),
    BoardClosed: (DeviceClosed, "build the kit again, or keep using it inside the 'with' block"),
    LocalProtocolError: (BadValue, "check the pin's name and what it is wired for"),
    FirmataError: (DeviceFailed, "check the board and its USB cable"),
}


def translate(exc: FirmataError, what: str) -> KitError:
    """The kitsdk error for ``exc``, its message starting with ``what`` (``board 'arduino'``)."""
    kind, hint = next(_AS[cls] for cls in type(exc).__mro__ if cls in _AS)
    return kind(f"{what}: {exc}", hint=hint)


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Turn firmware_bridge errors raised inside the block into kitsdk errors about ``what``."""
    try:
        yield
    except FirmataError as exc:
        raise translate(exc, what) from exc


@contextmanager
def writing(what: str, *, off: bool) -> Iterator[None]:
    """Like `translated`, around a write to an output. One that turns the output ``off``
    succeeds without the board: a board that is away comes back with every output off, and
    a closed one was reset. So stopping a kit never fails because its cable came out."""
    try:
        yield
    except (ConnectionLost, BoardClosed) as exc:
        if not off:
            raise translate(exc, what) from exc
        logger.debug("%s is off anyway: %s", what, exc)
    except FirmataError as exc:
        raise translate(exc, what) from exc
