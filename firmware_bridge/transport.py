"""Opening a pyserial URL and saying in plain words why it failed.

Everything the client reads and writes goes through a pyserial object from ``serial_for_url``:
a device path (``/dev/ttyACM0``, ``COM3``, a pty), ``socket://host:port``, or
``emulator://NAME`` (an in-process emulator, see `firmware_bridge.emulator.serve_url`).
pyserial is imported here, when a port is opened, so that ``import firmware_bridge`` (and
``import kitsdk``) stays fast and works without it.
"""

from __future__ import annotations

import errno
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
