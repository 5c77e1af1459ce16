"""Opening a pyserial URL and saying in plain words why it failed.

Everything the client reads and writes goes through a pyserial object from ``serial_for_url``:
a device path (``/dev/ttyACM0``, ``COM3``, a pty), ``socket://host:port``, or
``emulator://NAME`` (an in-process emulator, see `firmware_bridge.emulator.serve_url`).
pyserial is imported here, when a port is opened, so that ``import firmware_bridge`` (and
``import kitsdk``) stays fast and works without it.
"""

from __future__ import annotations

import errno
import os
import select
from collections.abc import Callable
from typing import Any, Protocol

from .exc import BoardNotFound
from .ports import describe_ports

#: How long one read waits before the reader loop looks around (closing? handshake due?).
READ_TIMEOUT = 0.1


class SerialPort(Protocol):
    """The part of a pyserial ``Serial`` the client uses."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


def _why(exc: BaseException) -> str:
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return "there is no such port"
    if code == errno.EACCES:
        return "permission denied (on Linux, add your user to the 'dialout' group and log in again)"
    if code == errno.EBUSY or "lock" in str(exc).lower():
        return "another program has it open (close the Arduino IDE's serial monitor)"
    if code == errno.ECONNREFUSED:
        return "nothing is listening there"
    return str(exc)


def open_port(url: str, baud: int) -> SerialPort:
    """Open `url`; `BoardNotFound` (listing the ports that exist) if it cannot be opened."""
    import serial  # lazy: only when a port opens

    if "firmware_bridge.emulator" not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append("firmware_bridge.emulator")
    options: dict[str, Any] = {"baudrate": baud, "timeout": READ_TIMEOUT, "write_timeout": 2.0}
    if "://" not in url:
        options["exclusive"] = True
    try:
        port: SerialPort = serial.serial_for_url(url, **options)
    except (serial.SerialException, OSError, ValueError) as exc:
        cause = exc.__cause__ or exc.__context__ or exc
        raise BoardNotFound(
            f"Cannot open {url}: {_why(cause if isinstance(cause, OSError) else exc)}. "
            f"{describe_ports() if '://' not in url else ''}".strip()
        ) from exc
    return port


def close_port(port: SerialPort) -> None:
    """Close `port`, including the socket of a ``socket://`` port whose peer went away:
    pyserial's close skips ``socket.close()`` when ``shutdown()`` fails, leaking it."""
    sock = getattr(port, "_socket", None)
    port.close()
    if sock is not None:
        sock.close()


def reader(port: SerialPort) -> Callable[[], bytes]:
    """A function returning what has arrived, waiting up to `READ_TIMEOUT` for something.

    For a real (POSIX) port it reads the descriptor directly: one ``select`` and one ``read``
    take everything buffered, where pyserial's ``read`` would add a size query and its own
    timeout bookkeeping on every wake-up. Other URLs go through pyserial. Either way a
    vanished device raises `OSError` (pyserial's ``SerialException`` is one).
    """
    fd = getattr(port, "fd", None)
    if not isinstance(fd, int) or type(port).__module__ != "serial.serialposix":
        return lambda: port.read(port.in_waiting or 1)

    def read_fd() -> bytes:
        ready, _, _ = select.select([fd], [], [], READ_TIMEOUT)
        if not ready:
            return b""
        data = os.read(fd, 65536)
        if not data:
            raise OSError(errno.EIO, "the device reports data but returned none (unplugged?)")
        return data

    return read_fd
