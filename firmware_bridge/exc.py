"""Errors raised by firmware_bridge, each saying whose fault it is.

::

    FirmataError
     ├── LocalProtocolError (ValueError)       the caller asked for something illegal: a value
     │                                         outside a pin's resolution, a mode the pin lacks
     ├── RemoteProtocolError                   the board sent bytes that are not valid Firmata;
     │                                         counted and recorded, never raised into user code
     ├── BoardConnectionError (ConnectionError)
     │    ├── BoardNotFound                    no such port, or it cannot be opened
     │    ├── NotFirmata                       something answered, but it does not speak Firmata
     │    ├── BoardNotResponding (TimeoutError) the port opened but nothing answered in time
     │    └── ConnectionLost                   the cable was pulled; writes fail until reconnected
     ├── BoardTimeout (TimeoutError)           a reading or a reply did not arrive in time
     └── BoardClosed (RuntimeError)            the board was closed and cannot be used again

Each subclass also inherits the builtin a caller would catch (`ValueError`, `ConnectionError`,
`TimeoutError`), so code that knows nothing of Firmata still handles them sensibly. Foreign
errors (pyserial's, the OS's) are translated where they cross into this package, with
``raise ... from``.
"""

from __future__ import annotations


class FirmataError(Exception):
    """Root of every error raised by firmware_bridge."""


class LocalProtocolError(FirmataError, ValueError):
    """The caller asked for something the protocol or the board cannot do.

    Raised before anything is sent, so the board never sees the bad request.
    """


class RemoteProtocolError(FirmataError):
    """The board sent input that is not valid Firmata.

    A serial stream cannot be reopened cheaply, so these are never raised into the user's
    thread: the parser records them (see `FirmataConnection.errors`), skips to the next command
    byte and goes on. `kind` is one of ``"stray"`` (data bytes outside any message),
    ``"truncated"`` (a message cut short by a new command byte), ``"unknown"`` (a command or
    sysex id this parser does not know), ``"malformed"`` (well framed but meaningless) and
    ``"overflow"`` (a sysex message longer than the documented bound).
    """

    def __init__(self, kind: str, message: str, data: bytes = b"") -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        #: The offending bytes (at most the first 32), for diagnostics.
        self.data = bytes(data[:32])


class BoardConnectionError(FirmataError, ConnectionError):
    """The connection to a board could not be made or was lost."""


class BoardNotFound(BoardConnectionError):
    """The port does not exist or cannot be opened; the message lists the ports that exist."""


class NotFirmata(BoardConnectionError):
    """Something answered on the port, but not with Firmata: wrong sketch, or wrong baud rate."""


class BoardNotResponding(BoardConnectionError, TimeoutError):
    """The port opened but no firmware report arrived before the timeout."""


class ConnectionLost(BoardConnectionError):
    """The board went away (cable pulled, board reset); the client is reconnecting."""


class BoardTimeout(FirmataError, TimeoutError):
    """A reading, report or reply did not arrive within the timeout."""


class BoardClosed(FirmataError, RuntimeError):
    """The board was closed; make a new one to connect again."""
