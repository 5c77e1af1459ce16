"""Messages the host sends to a board, as frozen dataclasses compared by value.

As in `events`, each class encodes itself and has a ``decode`` classmethod that the board side
(the emulator) reaches through the dispatch tables. `encode()` checks only what the wire format
demands (a pin fits 7 bits, a value 14); checks against the board's actual pins and resolutions
happen in `FirmataConnection.send`, which knows the capability response.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exc import LocalProtocolError, RemoteProtocolError
from .codec import check_range, pack_bytes, split14, sysex, unpack_bytes
from .constants import (
    ANALOG_MAPPING_QUERY,
    ANALOG_MESSAGE,
    BOARD_MAX_SYSEX_PAYLOAD,
    CAPABILITY_QUERY,
    DIGITAL_MESSAGE,
    I2C_CONFIG,
    I2C_REQUEST,
    MAX_14BIT,
    MAX_CHANNEL,
    MAX_PIN,
    MIN_SAMPLING_INTERVAL_MS,
    PIN_STATE_QUERY,
    REPORT_ANALOG,
    REPORT_DIGITAL,
    REPORT_FIRMWARE,
    REPORT_VERSION,
    SAMPLING_INTERVAL,
    SERVO_CONFIG,
    SET_DIGITAL_PIN_VALUE,
    SET_PIN_MODE,
    SYSTEM_RESET,
    I2CMode,
    PinMode,
    pin_mode,
)


@dataclass(frozen=True, slots=True)
class QueryVersion:
    """Ask for a `VersionReport`."""

    def encode(self) -> bytes:
        return bytes((REPORT_VERSION,))

    @classmethod
    def decode(cls, channel: int, data: bytes) -> QueryVersion:
        return cls()


@dataclass(frozen=True, slots=True)
class QueryFirmware:
    """Ask for a `FirmwareReport`; the host's way to find out that a board is there."""

    def encode(self) -> bytes:
        return sysex(REPORT_FIRMWARE)

    @classmethod
    def decode(cls, payload: bytes) -> QueryFirmware:
        return cls()


@dataclass(frozen=True, slots=True)
class SystemReset:
    """Return every pin to its power-on mode and stop all reporting: outputs go low."""

    def encode(self) -> bytes:
        return bytes((SYSTEM_RESET,))

    @classmethod
    def decode(cls, channel: int, data: bytes) -> SystemReset:
        return cls()


@dataclass(frozen=True, slots=True)
class SetPinMode:
    """Put `pin` into `mode` (input, output, analog, PWM, servo, I2C, pull-up...)."""

    pin: int
    mode: PinMode | int

    def encode(self) -> bytes:
        check_range(self.pin, 0, MAX_PIN, "pin")
        check_range(self.mode, 0, 0x7F, "mode")
        return bytes((SET_PIN_MODE, self.pin, self.mode))

    @classmethod
    def decode(cls, channel: int, data: bytes) -> SetPinMode:
        return cls(data[0], pin_mode(data[1]))


@dataclass(frozen=True, slots=True)
class SetDigitalPinValue:
    """Drive one output pin high or low (Firmata 2.5 and later)."""

    pin: int
    value: bool

    def encode(self) -> bytes:
        check_range(self.pin, 0, MAX_PIN, "pin")
        return bytes((SET_DIGITAL_PIN_VALUE, self.pin, int(bool(self.value))))

    @classmethod
    def decode(cls, channel: int, data: bytes) -> SetDigitalPinValue:
        return cls(data[0], bool(data[1]))


@dataclass(frozen=True, slots=True)
class DigitalPortWrite:
    """Drive the output pins of 8-pin port `port` from `mask` (works with every 2.x board)."""

    port: int
    mask: int

    def encode(self) -> bytes:
        check_range(self.port, 0, MAX_CHANNEL, "port")
        check_range(self.mask, 0, 0xFF, "port mask")
        return bytes((DIGITAL_MESSAGE | self.port,)) + split14(self.mask)

    @classmethod
    def decode(cls, channel: int, data: bytes) -> DigitalPortWrite:
        return cls(channel, (data[0] | (data[1] << 7)) & 0xFF)


@dataclass(frozen=True, slots=True)
class AnalogWrite:
    """Write a PWM duty or servo value to pin 0-15 (use `ExtendedAnalog` beyond)."""

    pin: int
    value: int

    def encode(self) -> bytes:
        check_range(self.pin, 0, MAX_CHANNEL, "analog message pin (use ExtendedAnalog above 15)")
        return bytes((ANALOG_MESSAGE | self.pin,)) + split14(self.value, "analog value")

    @classmethod
    def decode(cls, channel: int, data: bytes) -> AnalogWrite:
        return cls(channel, data[0] | (data[1] << 7))


@dataclass(frozen=True, slots=True)
class ReportAnalog:
    """Start or stop reports of analog channel `channel` (A0 is 0) at the sampling interval."""

    channel: int
    enable: bool

    def encode(self) -> bytes:
        check_range(self.channel, 0, MAX_CHANNEL, "analog channel")
        return bytes((REPORT_ANALOG | self.channel, int(bool(self.enable))))

    @classmethod
    def decode(cls, channel: int, data: bytes) -> ReportAnalog:
        return cls(channel, bool(data[0]))


@dataclass(frozen=True, slots=True)
class ReportDigital:
    """Start or stop change reports of the input pins of 8-pin port `port`."""

    port: int
    enable: bool

    def encode(self) -> bytes:
        check_range(self.port, 0, MAX_CHANNEL, "port")
        return bytes((REPORT_DIGITAL | self.port, int(bool(self.enable))))

    @classmethod
    def decode(cls, channel: int, data: bytes) -> ReportDigital:
        return cls(channel, bool(data[0]))


@dataclass(frozen=True, slots=True)
class SetSamplingInterval:
    """How often, in milliseconds, the board samples analog inputs and continuous I2C reads."""

    interval_ms: int

    def encode(self) -> bytes:
        check_range(self.interval_ms, MIN_SAMPLING_INTERVAL_MS, MAX_14BIT, "sampling interval (ms)")
        return sysex(SAMPLING_INTERVAL, split14(self.interval_ms))

    @classmethod
    def decode(cls, payload: bytes) -> SetSamplingInterval:
        if len(payload) < 2:
            raise RemoteProtocolError("malformed", "sampling interval without a value", payload)
        return cls(payload[0] | (payload[1] << 7))


@dataclass(frozen=True, slots=True)
class CapabilityQuery:
    """Ask for a `CapabilityResponse`: every pin's modes and resolutions."""

    def encode(self) -> bytes:
        return sysex(CAPABILITY_QUERY)

    @classmethod
    def decode(cls, payload: bytes) -> CapabilityQuery:
        return cls()


@dataclass(frozen=True, slots=True)
class AnalogMappingQuery:
    """Ask for an `AnalogMappingResponse`: which pin reads which analog channel."""

    def encode(self) -> bytes:
        return sysex(ANALOG_MAPPING_QUERY)

    @classmethod
    def decode(cls, payload: bytes) -> AnalogMappingQuery:
        return cls()


@dataclass(frozen=True, slots=True)
class PinStateQuery:
    """Ask for a `PinStateResponse` for `pin`."""

    pin: int

    def encode(self) -> bytes:
        check_range(self.pin, 0, MAX_PIN, "pin")
        return sysex(PIN_STATE_QUERY, bytes((self.pin,)))

    @classmethod
    def decode(cls, payload: bytes) -> PinStateQuery:
        if not payload:
            raise RemoteProtocolError("malformed", "pin state query without a pin", payload)
        return cls(payload[0])


@dataclass(frozen=True, slots=True)
class ServoConfig:
    """Attach a servo to `pin` with the given pulse widths (microseconds); sets SERVO mode."""

    pin: int
    min_pulse: int = 544
    max_pulse: int = 2400

    def encode(self) -> bytes:
        check_range(self.pin, 0, MAX_PIN, "pin")
        if self.min_pulse >= self.max_pulse:
            raise LocalProtocolError(
                f"servo min_pulse {self.min_pulse} must be below max_pulse {self.max_pulse}"
            )
        payload = (
            bytes((self.pin,))
            + split14(self.min_pulse, "servo min_pulse")
            + split14(self.max_pulse, "servo max_pulse")
        )
        return sysex(SERVO_CONFIG, payload)

    @classmethod
    def decode(cls, payload: bytes) -> ServoConfig:
        if len(payload) < 5:
            raise RemoteProtocolError("malformed", "servo config cut short", payload)
        return cls(payload[0], payload[1] | (payload[2] << 7), payload[3] | (payload[4] << 7))


@dataclass(frozen=True, slots=True)
class I2CConfig:
    """Enable I2C; `delay_us` waits between writing a register address and reading it."""

    delay_us: int = 0

    def encode(self) -> bytes:
        return sysex(I2C_CONFIG, split14(self.delay_us, "I2C delay (us)"))

    @classmethod
    def decode(cls, payload: bytes) -> I2CConfig:
        delay = payload[0] | (payload[1] << 7) if len(payload) >= 2 else 0
        return cls(delay)


def _i2c_header(address: int, mode: I2CMode, ten_bit: bool, auto_restart: bool) -> bytes:
    check_range(address, 0, 0x3FF if ten_bit else 0x7F, "I2C address")
    flags = (mode << 3) | (0x20 if ten_bit else 0) | (0x40 if auto_restart else 0)
    return bytes((address & 0x7F, flags | ((address >> 7) & 0x07)))


def _i2c_request(header: bytes, body: bytes) -> bytes:
    if len(header) + len(body) > BOARD_MAX_SYSEX_PAYLOAD:
        most = (BOARD_MAX_SYSEX_PAYLOAD - len(header)) // 2
        raise LocalProtocolError(
            f"an I2C request carries at most {most} bytes (the board's 64-byte message buffer), "
            f"not {len(body) // 2}"
        )
    return sysex(I2C_REQUEST, header + body)


@dataclass(frozen=True, slots=True)
class I2CWrite:
    """Write `data` to I2C device `address` (the first byte is usually a register)."""

    address: int
    data: bytes
    ten_bit: bool = False
    auto_restart: bool = False

    def encode(self) -> bytes:
        header = _i2c_header(self.address, I2CMode.WRITE, self.ten_bit, self.auto_restart)
        return _i2c_request(header, pack_bytes(self.data, "I2C data byte"))


@dataclass(frozen=True, slots=True)
class I2CRead:
    """Read `count` bytes from I2C device `address` (at `register`, if given), once or at
    every sampling interval; the board answers with `I2CReply`."""

    address: int
    count: int
    register: int | None = None
    continuous: bool = False
    ten_bit: bool = False
    auto_restart: bool = False

    def encode(self) -> bytes:
        mode = I2CMode.READ_CONTINUOUSLY if self.continuous else I2CMode.READ
        header = _i2c_header(self.address, mode, self.ten_bit, self.auto_restart)
        body = b"" if self.register is None else split14(self.register, "I2C register")
        return _i2c_request(header, body + split14(self.count, "I2C byte count"))


@dataclass(frozen=True, slots=True)
class I2CStopReading:
    """Stop the continuous reads of I2C device `address`."""

    address: int
    ten_bit: bool = False

    def encode(self) -> bytes:
        return _i2c_request(
            _i2c_header(self.address, I2CMode.STOP_READING, self.ten_bit, False), b""
        )


def decode_i2c_request(payload: bytes) -> I2CWrite | I2CRead | I2CStopReading:
    """The one I2C request sysex id carries three commands, told apart by mode bits."""
    if len(payload) < 2:
        raise RemoteProtocolError("malformed", "I2C request without an address", payload)
    flags = payload[1]
    ten_bit = bool(flags & 0x20)
    restart = bool(flags & 0x40)
    address = payload[0] | ((flags & 0x07) << 7 if ten_bit else 0)
    mode = I2CMode((flags >> 3) & 0b11)
    body = payload[2:]
    if mode is I2CMode.WRITE:
        return I2CWrite(address, unpack_bytes(body, "I2C write data"), ten_bit, restart)
    if mode is I2CMode.STOP_READING:
        return I2CStopReading(address, ten_bit)
    if len(body) not in (2, 4):
        raise RemoteProtocolError("malformed", "I2C read needs [register] and count", payload)
    register = body[0] | (body[1] << 7) if len(body) == 4 else None
    count = body[-2] | (body[-1] << 7)
    continuous = mode is I2CMode.READ_CONTINUOUSLY
    return I2CRead(address, count, register, continuous, ten_bit, restart)
