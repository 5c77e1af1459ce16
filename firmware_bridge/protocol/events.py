"""Messages a board sends to the host, as frozen dataclasses compared by value.

Each class knows its own wire form both ways: `encode()` gives bytes (the emulator sends them)
and a ``decode`` classmethod builds the event from a framed message (the host parser calls it
through the dispatch tables in `connection`). Decoders raise `RemoteProtocolError` for input
that is well framed but meaningless; the parser counts it and drops the message.

`StringData` and `ExtendedAnalog` travel in both directions and live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..exc import RemoteProtocolError
from .codec import check_range, join7, pack_bytes, split7, split14, sysex, unpack_bytes
from .constants import (
    ANALOG_MAPPING_RESPONSE,
    ANALOG_MESSAGE,
    CAPABILITY_END,
    CAPABILITY_RESPONSE,
    DIGITAL_MESSAGE,
    EXTENDED_ANALOG,
    I2C_REPLY,
    MAX_CHANNEL,
    MAX_PIN,
    NO_ANALOG_CHANNEL,
    PIN_STATE_RESPONSE,
    REPORT_FIRMWARE,
    REPORT_VERSION,
    STRING_DATA,
    PinMode,
    pin_mode,
)


def _channel_message(command: int, channel: int, value: int, what: str) -> bytes:
    check_range(channel, 0, MAX_CHANNEL, f"{what} channel")
    return bytes((command | channel,)) + split14(value, f"{what} value")


@dataclass(frozen=True, slots=True)
class VersionReport:
    """The Firmata protocol version the board speaks (sent at boot and when asked)."""

    major: int
    minor: int

    def encode(self) -> bytes:
        check_range(self.major, 0, 0x7F, "major version")
        check_range(self.minor, 0, 0x7F, "minor version")
        return bytes((REPORT_VERSION, self.major, self.minor))

    @classmethod
    def decode(cls, channel: int, data: bytes) -> VersionReport:
        return cls(data[0], data[1])


@dataclass(frozen=True, slots=True)
class FirmwareReport:
    """The sketch's name and version, e.g. ``StandardFirmata.ino`` 2.5 (sent at boot)."""

    major: int
    minor: int
    name: str

    def encode(self) -> bytes:
        check_range(self.major, 0, 0x7F, "major version")
        check_range(self.minor, 0, 0x7F, "minor version")
        payload = bytes((self.major, self.minor)) + pack_bytes(self.name.encode(), "name byte")
        return sysex(REPORT_FIRMWARE, payload)

    @classmethod
    def decode(cls, payload: bytes) -> FirmwareReport:
        if len(payload) < 2:
            raise RemoteProtocolError("malformed", "firmware report without a version", payload)
        name = unpack_bytes(payload[2:], "firmware name").decode("utf-8", "replace")
        return cls(payload[0], payload[1], name)


@dataclass(frozen=True, slots=True)
class AnalogReport:
    """A reading of analog channel `channel` (A0 is channel 0), in ADC counts."""

    channel: int
    value: int

    def encode(self) -> bytes:
        return _channel_message(ANALOG_MESSAGE, self.channel, self.value, "analog report")

    @classmethod
    def decode(cls, channel: int, data: bytes) -> AnalogReport:
        return cls(channel, data[0] | (data[1] << 7))


@dataclass(frozen=True, slots=True)
class DigitalPortReport:
    """The levels of the input pins of 8-pin port `port` (pins 8*port to 8*port+7) as a mask."""

    port: int
    mask: int

    def encode(self) -> bytes:
        check_range(self.mask, 0, 0xFF, "port mask")
        return _channel_message(DIGITAL_MESSAGE, self.port, self.mask, "digital port")

    @classmethod
    def decode(cls, channel: int, data: bytes) -> DigitalPortReport:
        if data[1] > 1:
            raise RemoteProtocolError("malformed", f"port {channel} mask exceeds 8 bits", data)
        return cls(channel, data[0] | (data[1] << 7))


@dataclass(frozen=True, slots=True)
class PinCapability:
    """What one pin can do: (mode, resolution in bits) pairs, in the board's order."""

    modes: tuple[tuple[PinMode | int, int], ...] = ()

    def resolution(self, mode: int) -> int | None:
        """The resolution of `mode` on this pin, or None when the pin lacks the mode."""
        for known, bits in self.modes:
            if known == mode:
                return bits
        return None

    def supports(self, mode: int) -> bool:
        return self.resolution(mode) is not None

    @property
    def mode_list(self) -> tuple[PinMode | int, ...]:
        return tuple(mode for mode, _ in self.modes)


@dataclass(frozen=True, slots=True)
class CapabilityResponse:
    """Every pin's modes and resolutions; pin numbers are the tuple indices."""

    pins: tuple[PinCapability, ...]

    def encode(self) -> bytes:
        payload = bytearray()
        for capability in self.pins:
            for mode, bits in capability.modes:
                payload += bytes(
                    (check_range(mode, 0, 0x7E, "mode"), check_range(bits, 0, 0x7F, "bits"))
                )
            payload.append(CAPABILITY_END)
        return sysex(CAPABILITY_RESPONSE, bytes(payload))

    @classmethod
    def decode(cls, payload: bytes) -> CapabilityResponse:
        pins: list[PinCapability] = []
        modes: list[tuple[PinMode | int, int]] = []
        i = 0
        while i < len(payload):
            if payload[i] == CAPABILITY_END:
                pins.append(PinCapability(tuple(modes)))
                modes = []
                i += 1
            elif i + 1 < len(payload):
                modes.append((pin_mode(payload[i]), payload[i + 1]))
                i += 2
            else:
                break
        if modes or i != len(payload):
            raise RemoteProtocolError("malformed", "capability response cut mid-pin", payload)
        return cls(tuple(pins))


@dataclass(frozen=True, slots=True)
class AnalogMappingResponse:
    """For each pin, the analog channel it reads (A0 is 0), or None for a pin without one."""

    channels: tuple[int | None, ...]

    def encode(self) -> bytes:
        payload = bytes(
            NO_ANALOG_CHANNEL if ch is None else check_range(ch, 0, 0x7E, "analog channel")
            for ch in self.channels
        )
        return sysex(ANALOG_MAPPING_RESPONSE, payload)

    @classmethod
    def decode(cls, payload: bytes) -> AnalogMappingResponse:
        return cls(tuple(None if ch == NO_ANALOG_CHANNEL else ch for ch in payload))


@dataclass(frozen=True, slots=True)
class PinStateResponse:
    """A pin's mode and state: the value last written to it (for an input: pull-up on or off)."""

    pin: int
    mode: PinMode | int
    state: int

    def encode(self) -> bytes:
        check_range(self.pin, 0, MAX_PIN, "pin")
        check_range(self.mode, 0, 0x7F, "mode")
        return sysex(PIN_STATE_RESPONSE, bytes((self.pin, self.mode)) + split7(self.state))

    @classmethod
    def decode(cls, payload: bytes) -> PinStateResponse:
        if len(payload) < 3:
            raise RemoteProtocolError(
                "malformed", "pin state response without mode and state (no such pin?)", payload
            )
        return cls(payload[0], pin_mode(payload[1]), join7(payload[2:]))


@dataclass(frozen=True, slots=True)
class I2CReply:
    """Bytes read from I2C device `address`, starting at `register`."""

    address: int
    register: int
    data: bytes

    def encode(self) -> bytes:
        head = split14(self.address, "I2C address") + split14(self.register, "I2C register")
        return sysex(I2C_REPLY, head + pack_bytes(self.data, "I2C data byte"))

    @classmethod
    def decode(cls, payload: bytes) -> I2CReply:
        if len(payload) < 4:
            raise RemoteProtocolError(
                "malformed", "I2C reply without address and register", payload
            )
        address = payload[0] | (payload[1] << 7)
        register = payload[2] | (payload[3] << 7)
        return cls(address, register, unpack_bytes(payload[4:], "I2C reply data"))


@dataclass(frozen=True, slots=True)
class StringData:
    """A short text message; boards use it to report errors ("I2C: Too few bytes received")."""

    text: str

    def encode(self) -> bytes:
        return sysex(STRING_DATA, pack_bytes(self.text.encode(), "string byte"))

    @classmethod
    def decode(cls, payload: bytes) -> StringData:
        return cls(unpack_bytes(payload, "string").decode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class ExtendedAnalog:
    """An analog value for any pin (0-127) with any number of bits.

    Host to board it writes PWM or servo values beyond pin 15 or 14 bits; board to host it
    reports analog values the same way.
    """

    pin: int
    value: int

    def encode(self) -> bytes:
        check_range(self.pin, 0, MAX_PIN, "pin")
        return sysex(EXTENDED_ANALOG, bytes((self.pin,)) + split7(self.value, 2, "analog value"))

    @classmethod
    def decode(cls, payload: bytes) -> ExtendedAnalog:
        if len(payload) < 2:
            raise RemoteProtocolError("malformed", "extended analog without a value", payload)
        return cls(payload[0], join7(payload[1:]))
