"""An Arduino or a Raspberry Pi Pico running StandardFirmata, as a kit's device."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from firmware_bridge import Board, BoardConnectionError, BoardTimeout, Pin, PinMode

from ..boards import MODELS, BoardPins, pin_name
from ..exc import BadValue, NotSimulated
from ..options import ANALOG_PINS, Option
from ..readings import Channel, Reading
from .base import StandaloneDevice
from .firmata_errors import translated
from .firmata_gpio import FirmataFactory
from .firmata_pins import AnalogPin, DigitalPin, PWMPin, ServoPin, _PinHandle, fraction

if TYPE_CHECKING:
    from ..build import BuildEnv
    from ..profile import DeviceSpec
    from ..sim.board import BoardSimulator, EmulatedBoard
    from ..sim.simulator import Simulator

logger = logging.getLogger("kitsdk.firmata")

_OUTPUTS = (PinMode.OUTPUT, PinMode.PWM, PinMode.SERVO)
_Handle = TypeVar("_Handle", bound=_PinHandle)


class FirmataBoard(StandaloneDevice):
    """An Arduino (Uno, Nano, Mega) or a Raspberry Pi Pico running StandardFirmata, plugged
    into the Pi by USB: its pins become the kit's.

    Upload StandardFirmata to the board once (Arduino IDE: *File > Examples > Firmata >
    StandardFirmata*). Read and drive its pins here, or put parts on them in the profile
    with ``board = "arduino"`` (see ``pin_factory``). If the cable is pulled, the board
    reconnects by itself with its outputs off (``connected`` says where it is).

    ::

        print(kit.arduino.analog("A0").value)     # 0 to 1
        kit.arduino.pwm("D9").value = 0.5
        kit.arduino.servo("D10").angle = 90
    """

    is_output = True
    options: ClassVar = {
        "port": Option(str, "auto", "the serial port ('/dev/ttyACM0'), a pyserial URL, or 'auto' "
                                    "for the one board plugged in"),
        "baud": Option(int, 57600, "the sketch's serial speed (StandardFirmata: 57600)",
                       min=300, max=921600),
        "board": Option(str, "uno", "the board model, for its pin names (and the simulated board)",
                        choices=MODELS),
        "sampling_interval": Option(int, 19, "milliseconds between analog readings",
                                    min=1, max=16383),
        "timeout": Option(float, 5.0, "seconds the board may take to answer when it starts",
                          min=0.5, max=60),
        "telemetry": Option(ANALOG_PINS, (), "analog pins reported by read() as channels, "
                                             "0 to 1, e.g. [\"A1\", \"A2\"]"),
    }
    looks = "board"
    #: Always there; a profile's ``telemetry`` pins add one channel each (see `channels`).
    link_channels: ClassVar[tuple[Channel, ...]] = (
        Channel("connected", "", "True while the board answers"),
        Channel("reconnects", "", "times the connection was lost and made again"),
    )

    def __init__(self, port: str = "auto", *, baud: int = 57600, board: str = "uno",
                 sampling_interval: int = 19, timeout: float = 5.0,
                 telemetry: Sequence[str] = (), name: str | None = None, safe: str = "off",
                 emulated: EmulatedBoard | None = None) -> None:
        super().__init__(name=name, safe=safe)
        #: The simulated board behind ``port`` (unplug it, drive its pins), or None.
        self.emulated = emulated
        if board not in MODELS:
            self.close()
            raise BadValue(f"{self.describe()}: no board model {board!r}",
                           hint="use one of " + ", ".join(MODELS))
        self.port = port
        self.model = board
        #: The kit's parts on this board's pins, pin -> part (``from_profile`` knows them).
        self.wired: dict[str, str] = {}
        #: The `firmware_bridge.Board` underneath, for what this device does not offer.
        self.firmata = Board(port, baud=baud, timeout=timeout)
        self._handles: dict[tuple[type[_PinHandle], int], _PinHandle] = {}
        try:
            with translated(self.describe()):
                self.firmata.open()
                self.firmata.sampling_interval = sampling_interval
                self._telemetry = {self._pin_name(io.number): io
                                   for io in (self.firmata.analog(p) for p in telemetry)}
            #: gpiozero pins on this board: ``LED("D13", pin_factory=kit.arduino.pin_factory)``.
            self.pin_factory = FirmataFactory(self.firmata, label=self.name, model=board)
        except BaseException:
            self.close()
            raise

    @property
    def channels(self) -> tuple[Channel, ...]:  # type: ignore[override]  # per board, not class
        """`link_channels`, then one per ``telemetry`` pin, named as on the board (``A1``)."""
        return self.link_channels + tuple(
            Channel(pin, "", f"analog input {pin}, 0 to 1") for pin in self._telemetry)

    def look(self) -> dict[str, Any]:
        """The board's model, and which of the kit's parts sits on which of its pins."""
        return {"board": self.model, "pins": dict(self.wired)}

    @classmethod
    def from_profile(cls, spec: DeviceSpec, env: BuildEnv) -> FirmataBoard:
        options = dict(spec.options)
        wired = {pin.local: other.name for other in env.profile.devices.values()
                 if other.board == spec.name for pin in other.pins.values()}
        if env.sim is None:
            board = cls(name=spec.name, **options)
            board.wired = wired
            return board
        from ..sim.board import EmulatedBoard

        emulated = EmulatedBoard(options.get("board", "uno"))
        options["port"] = emulated.url
        try:
            board = cls(name=spec.name, emulated=emulated, **options)
        except BaseException:
            emulated.close()
            raise
        board.wired = wired
        simulator = board.simulator(env.sim)
        for pin in board.analog_pins():
            if pin not in wired:  # free analog pins follow kit.sim.set("arduino.A1", ...)
                simulator.analog(f"{spec.name}.{pin}", pin, default=0.0)
        return board

    @classmethod
    def pin_space(cls, name: str, options: Mapping[str, Any]) -> BoardPins:
        """The pins of board device ``name`` (``kitsdk.boards``): what parts on it may use."""
        return BoardPins(name, options.get("board", "uno"))

    def simulator(self, sim: Simulator) -> BoardSimulator:
        """What ``simulate()`` of a part on this board sees as ``env.sim``."""
        if self.emulated is None:
            raise NotSimulated(f"{self.describe()} is a real board",
                               hint="run with KITSDK_BACKEND=sim to simulate it")
        from ..sim.board import BoardSimulator

        return BoardSimulator(sim, self.emulated, self.firmata, self.name)

    # -- the connection --------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the board answers; False while it reconnects (cable pulled)."""
        return self.firmata.connected

    @property
    def state(self) -> str:
        """``"connected"``, ``"reconnecting"``, ``"closed"``..."""
        return self.firmata.state.value

    @property
    def reconnects(self) -> int:
        """How many times the connection was lost and made again."""
        return self.firmata.stats.reconnects

    @property
    def firmware(self) -> str:
        """What the board runs, e.g. ``StandardFirmata.ino 2.5``."""
        info = self.firmata.firmware
        return "" if info is None else f"{info.name} {info.version[0]}.{info.version[1]}"

    def analog_pins(self) -> list[str]:
        """The board's analog inputs, by name: ``["A0", ..., "A5"]`` on an Uno."""
        layout = self.firmata.layout
        assert layout is not None
        return [self._pin_name(n) for n in layout.analog_pins]

    def _pin_name(self, number: int) -> str:
        layout = self.firmata.layout
        assert layout is not None
        return pin_name(self.model, layout, number)

    # -- pins for students -----------------------------------------------------------------

    def analog(self, pin: str | int) -> AnalogPin:
        """Analog input ``pin`` (``"A0"``): ``.value`` 0 to 1, ``.raw`` in ADC counts."""
        return self._handle(AnalogPin, pin)

    def digital(self, pin: str | int, *, pull_up: bool = False) -> DigitalPin:
        """Digital pin ``pin`` (``"D2"``): read ``.value`` (an input, with the board's pull-up
        if ``pull_up``), or set it (an output)."""
        return self._handle(DigitalPin, pin, pull_up=pull_up)

    def pwm(self, pin: str | int) -> PWMPin:
        """PWM output ``pin`` (``"D9"``): ``.value`` from 0 (off) to 1 (full)."""
        return self._handle(PWMPin, pin)

    def servo(self, pin: str | int, *, min_pulse: int = 544, max_pulse: int = 2400) -> ServoPin:
        """A servo on ``pin``: ``.angle`` from 0 to 180 degrees. The pulse widths (µs) at 0
        and 180 degrees are the Arduino Servo library's."""
        return self._handle(ServoPin, pin, min_pulse=min_pulse, max_pulse=max_pulse)

    def _handle(self, kind: type[_Handle], pin: str | int, **settings: Any) -> _Handle:
        self._check_open()
        with translated(self.describe()):
            io = self.firmata.pin(pin)
        owner = self.pin_factory.owner(io.number)
        if owner is not None:
            user = getattr(owner, "name", None)
            raise BadValue(
                f"{self.describe()}: pin {io.name} belongs to {_describe(owner)}",
                hint=f"use kit.{user} instead" if user else "use the device on that pin",
            )
        handle = self._handles.get((kind, io.number))
        if not isinstance(handle, kind):
            handle = self._handles[(kind, io.number)] = kind(self, io, **settings)
        return handle

    def i2c_write(self, address: int, data: bytes | Sequence[int]) -> None:
        """Send ``data`` to the I2C part at ``address`` (SDA to A4, SCL to A5 on an Uno)::

            kit.arduino.i2c_write(0x3C, [0x00, 0xAF])
        """
        self._check_open()
        with translated(self.describe()):
            self.firmata.i2c_write(address, bytes(data))

    def i2c_read(self, address: int, count: int, register: int | None = None) -> bytes:
        """Read ``count`` bytes from the I2C part at ``address``, from ``register`` if given::

            chip_id = kit.arduino.i2c_read(0x76, 1, register=0xD0)
        """
        self._check_open()
        with translated(self.describe()):
            return self.firmata.i2c_read(address, count, register)

    # -- the device contract -----------------------------------------------------------------

    def read(self) -> dict[str, Reading]:
        """The link's state, and each telemetry pin's level (None while disconnected)."""
        self._check_open()
        readings = {"connected": Reading(self.connected, ""),
                    "reconnects": Reading(self.reconnects, "")}
        for pin, io in self._telemetry.items():
            readings[pin] = Reading(self._level(io), "")
        return readings

    def _level(self, io: Pin) -> float | None:
        if not self.firmata.connected:
            return None
        try:
            raw = io.read()
        except BoardTimeout:  # no report yet: telemetry says "no reading", not an error
            return None
        return fraction(io, raw)

    def stop(self) -> None:
        """Drive every output of the board off: outputs low, PWM at 0, servos relaxed."""
        if self.closed or not self.firmata.connected:
            return  # a board that comes back starts with its outputs off
        layout = self.firmata.layout
        assert layout is not None
        try:
            for number, capability in enumerate(layout.pins):
                if not capability.modes:
                    continue
                io = self.firmata.pin(number)
                if io.mode == PinMode.SERVO:
                    io.set_mode(PinMode.OUTPUT)  # no pulses, held low
                elif io.mode in _OUTPUTS:
                    io.write(0.0 if io.mode == PinMode.PWM else False)
        except BoardConnectionError as exc:  # pulled out mid-way: it comes back with all off
            logger.warning("%s: stopping its outputs was cut short: %s", self.describe(), exc)

    def _release(self) -> None:
        factory = getattr(self, "pin_factory", None)
        if factory is not None:
            factory.close()
        firmata = getattr(self, "firmata", None)
        if firmata is not None:
            firmata.close()  # a system reset: every output off
        emulated = getattr(self, "emulated", None)
        if emulated is not None:
            emulated.close()

    def __repr__(self) -> str:
        if self.closed:
            return f"<{self.describe()} (closed)>"
        return f"<{self.describe()} on {self.port}: {self.state}>"


def _describe(device: Any) -> str:
    describe = getattr(device, "describe", None)
    return str(describe()) if callable(describe) else repr(device)
