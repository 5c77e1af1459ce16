"""Which serial ports exist, and which of them look like a microcontroller board.

Used for ``port = "auto"`` and for error messages that tell a student what *is* plugged in.
Boards are recognised by USB vendor and product id; a clone with a generic USB-serial chip
(CH340, CP210x, FTDI) is reported as a possible board.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from .exc import BoardNotFound

ARDUINO_VIDS = frozenset({0x2341, 0x2A03})
RASPBERRY_PI_VID = 0x2E8A

#: Known (vendor id, product id) pairs; product None matches any product of the vendor.
KNOWN_BOARDS: dict[tuple[int, int | None], str] = {
    (0x2341, 0x0043): "Arduino Uno",
    (0x2341, 0x0001): "Arduino Uno",
    (0x2A03, 0x0043): "Arduino Uno",
    (0x2341, 0x0243): "Arduino Uno",
    (0x2341, 0x0010): "Arduino Mega 2560",
    (0x2341, 0x0042): "Arduino Mega 2560",
    (0x2341, 0x0036): "Arduino Leonardo",
    (0x2341, 0x8036): "Arduino Leonardo",
    (0x2341, 0x8037): "Arduino Micro",
    (0x2341, 0x0058): "Arduino Nano Every",
    (0x2341, None): "Arduino",
    (0x2A03, None): "Arduino",
    (0x2E8A, 0x0005): "Raspberry Pi Pico (MicroPython)",
    (0x2E8A, 0x000A): "Raspberry Pi Pico",
    (0x2E8A, 0x00C0): "Raspberry Pi Pico",
    (0x2E8A, None): "Raspberry Pi Pico",
    (0x1A86, 0x7523): "USB serial adapter (CH340), maybe an Arduino clone",
    (0x10C4, 0xEA60): "USB serial adapter (CP210x), maybe an Arduino clone",
    (0x0403, 0x6001): "USB serial adapter (FTDI), maybe an older Arduino",
}


class _PortLike(Protocol):
    """What pyserial's ``ListPortInfo`` offers that we use."""

    device: str
    description: str
    vid: int | None
    pid: int | None


@dataclass(frozen=True)
class PortInfo:
    """One serial port and what is on it, when known."""

    device: str
    description: str = ""
    vid: int | None = None
    pid: int | None = None

    @property
    def board(self) -> str | None:
        """The board this looks like ("Arduino Uno"), or None."""
        if self.vid is None:
            return None
        return KNOWN_BOARDS.get((self.vid, self.pid)) or KNOWN_BOARDS.get((self.vid, None))

    @property
    def is_board(self) -> bool:
        """True for a genuine Arduino or Raspberry Pi board (not a bare USB-serial chip)."""
        return self.vid in ARDUINO_VIDS or self.vid == RASPBERRY_PI_VID

    def __str__(self) -> str:
        ids = f" [{self.vid:04X}:{self.pid or 0:04X}]" if self.vid is not None else ""
        what = self.board or self.description or "unknown device"
        return f"{self.device} ({what}){ids}"


def list_ports(found: Iterable[_PortLike] | None = None) -> list[PortInfo]:
    """The serial ports on this machine (or `found`, pyserial ``ListPortInfo``-like objects)."""
    if found is None:
        from serial.tools import list_ports as pyserial_ports  # lazy: keeps import fast

        found = pyserial_ports.comports()
    ports = [PortInfo(p.device, p.description or "", p.vid, p.pid) for p in found]
    return sorted(ports, key=lambda p: (p.board is None, not p.is_board, p.device))


def describe_ports(ports: list[PortInfo] | None = None) -> str:
    """One sentence for an error message: the ports that exist, boards first."""
    ports = list_ports() if ports is None else ports
    if not ports:
        return "No serial ports were found: is the board plugged in, with a data USB cable?"
    return "Serial ports found: " + "; ".join(str(p) for p in ports) + "."


def find_board(ports: list[PortInfo] | None = None) -> str:
    """The device of the one board plugged in, for ``port = "auto"``.

    Prefers genuine Arduino and Pico boards, then USB-serial chips used by clones. Raises
    `BoardNotFound`, listing the ports, when there is none or more than one candidate.
    """
    ports = list_ports() if ports is None else ports
    for candidates in ([p for p in ports if p.is_board], [p for p in ports if p.board]):
        if len(candidates) == 1:
            return candidates[0].device
        if len(candidates) > 1:
            names = ", ".join(str(p) for p in candidates)
            raise BoardNotFound(f"Several boards are plugged in ({names}); name the port to use.")
    raise BoardNotFound(f"No Arduino or Pico board was found. {describe_ports(ports)}")
