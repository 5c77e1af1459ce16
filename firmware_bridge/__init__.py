"""firmware_bridge: microcontroller boards running Firmata, from Python.

A stock Arduino with StandardFirmata (or a Pico running Firmata) plugged in by USB, used as
easily as the Pi's own pins::

    from firmware_bridge import Board, PinMode

    with Board.connect("auto") as board:
        board.pin("D13", PinMode.OUTPUT).write(True)
        print(board.analog("A0").read())

The layers, bottom up: `firmware_bridge.protocol` (Firmata without I/O), the board models
StandardFirmata runs on (`UNO`, `PICO`, ... in `BOARDS`), `Board` (one reader
thread over a pyserial URL, reconnecting by itself) and `firmware_bridge.emulator` (a board in
software, for tests and simulation). Importing this package does not import pyserial.
"""

from .boards import BOARDS, MEGA, NANO, PICO, UNO, BoardSpec
from .client import Board
from .emulator import (
    Emulator,
    RegisterDevice,
    serve_pty,
    serve_socket,
    serve_url,
)
from .exc import (
    BoardClosed,
    BoardConnectionError,
    BoardNotFound,
    BoardNotResponding,
    BoardTimeout,
    ConnectionLost,
    FirmataError,
    LocalProtocolError,
    NotFirmata,
    RemoteProtocolError,
)
from .link import FirmwareInfo
from .pins import Pin
from .ports import PortInfo, describe_ports, find_board, list_ports
from .protocol import PinMode
from .state import BoardStats, ConnectionState, StateChange

__all__ = [
    "BOARDS",
    "MEGA",
    "NANO",
    "PICO",
    "UNO",
    "Board",
    "BoardClosed",
    "BoardConnectionError",
    "BoardNotFound",
    "BoardNotResponding",
    "BoardSpec",
    "BoardStats",
    "BoardTimeout",
    "ConnectionLost",
    "ConnectionState",
    "Emulator",
    "FirmataError",
    "FirmwareInfo",
    "LocalProtocolError",
    "NotFirmata",
    "Pin",
    "PinMode",
    "PortInfo",
    "RegisterDevice",
    "RemoteProtocolError",
    "StateChange",
    "describe_ports",
    "find_board",
    "list_ports",
    "serve_pty",
    "serve_socket",
    "serve_url",
]
