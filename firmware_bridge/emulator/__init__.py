"""A Firmata board in software, for tests and for simulation.

`Emulator` behaves like StandardFirmata 2.5 on an Uno (or a Nano, a Mega or a Pico; `BOARDS` by
name) and has a control API for the world around the board: set an analog input, drive a digital
input, read what the host did to an output, a PWM duty or a servo angle. Serve it where a real
board would be::

    emulator = Emulator(board=UNO)
    with serve_pty(emulator) as port:          # a serial port path (Linux, macOS)
        ...
    with serve_socket(emulator) as url:        # socket://127.0.0.1:PORT
        ...
    with serve_url(emulator) as url:           # emulator://board1, in this process
        ...

`BoardCore` is the same board without threads or clocks, for protocol tests.
"""

from .core import AnalogSource, BoardCore, EmulatorStats
from .emulator import Emulator
from .i2c import I2CDevice, RegisterDevice
from .inprocess import InProcessServer, serve_url
from .server import EmulatorServer, PtyServer, SocketServer, serve_pty, serve_socket

__all__ = [
    "AnalogSource",
    "BoardCore",
    "Emulator",
    "EmulatorServer",
    "EmulatorStats",
    "I2CDevice",
    "InProcessServer",
    "PtyServer",
    "RegisterDevice",
    "SocketServer",
    "serve_pty",
    "serve_socket",
    "serve_url",
]
