"""The sans-I/O Firmata connection: bytes in, events out; commands in, bytes out.

Like h11's ``Connection``, `FirmataConnection` does no I/O, starts no thread and never sleeps:
the caller feeds it whatever arrived (`receive_data`), takes the decoded messages
(`next_event` / `events`) and writes whatever `send` returns. The same class serves both ends:
``Role.HOST`` decodes what a board says and sends commands; ``Role.BOARD`` (the emulator)
decodes commands and sends events.

Input errors are the board's fault and are never raised: they are counted in `error_counts`,
the latest kept in `recent_errors`, and parsing resumes at the next command byte (see
`framing`). Output errors are the caller's fault and raise `LocalProtocolError` before a
byte is produced. On the host side, `send` checks commands against the board's capability
response once it has passed through `receive_data`: a mode the pin lacks, a value beyond the
pin's resolution, a channel or port the board does not have.
"""

from __future__ import annotations

import enum
from collections import Counter, deque
from collections.abc import Iterator, Mapping
from typing import cast

from ..exc import LocalProtocolError, RemoteProtocolError
from . import commands as c
from . import events as e
from .constants import (
    ANALOG_MAPPING_QUERY,
    ANALOG_MAPPING_RESPONSE,
    ANALOG_MESSAGE,
    BOARD_MAX_SYSEX_PAYLOAD,
    CAPABILITY_QUERY,
    CAPABILITY_RESPONSE,
    DIGITAL_MESSAGE,
    EXTENDED_ANALOG,
    HOST_MAX_SYSEX_PAYLOAD,
    I2C_CONFIG,
    I2C_REPLY,
    I2C_REQUEST,
    PIN_STATE_QUERY,
    PIN_STATE_RESPONSE,
    REPORT_ANALOG,
    REPORT_DIGITAL,
    REPORT_FIRMWARE,
    REPORT_VERSION,
    SAMPLING_INTERVAL,
    SERVO_CONFIG,
    SET_DIGITAL_PIN_VALUE,
    SET_PIN_MODE,
    STRING_DATA,
    SYSTEM_RESET,
    PinMode,
    mode_name,
)
from .framing import FixedSpec, Framer, SysexDecoder
from .layout import BoardLayout

Command = (
    c.QueryVersion | c.QueryFirmware | c.SystemReset | c.SetPinMode | c.SetDigitalPinValue
    | c.DigitalPortWrite | c.AnalogWrite | c.ReportAnalog | c.ReportDigital
    | c.SetSamplingInterval | c.CapabilityQuery | c.AnalogMappingQuery | c.PinStateQuery
    | c.ServoConfig | c.I2CConfig | c.I2CWrite | c.I2CRead | c.I2CStopReading
    | e.ExtendedAnalog | e.StringData
)  # fmt: skip
Event = (
    e.VersionReport | e.FirmwareReport | e.AnalogReport | e.DigitalPortReport
    | e.CapabilityResponse | e.AnalogMappingResponse | e.PinStateResponse | e.I2CReply
    | e.ExtendedAnalog | e.StringData
)  # fmt: skip
Message = Command | Event


class Role(enum.Enum):
    """Which end of the cable this connection is."""

    HOST = "host"
    BOARD = "board"


# Dispatch tables: what each end decodes. Channel messages are keyed by their high nibble.
_BOARD_TO_HOST_FIXED: Mapping[int, FixedSpec[Message]] = {
    DIGITAL_MESSAGE: (2, e.DigitalPortReport.decode),
    ANALOG_MESSAGE: (2, e.AnalogReport.decode),
    REPORT_VERSION: (2, e.VersionReport.decode),
}
_BOARD_TO_HOST_SYSEX: Mapping[int, SysexDecoder[Message]] = {
    REPORT_FIRMWARE: e.FirmwareReport.decode,
    CAPABILITY_RESPONSE: e.CapabilityResponse.decode,
    ANALOG_MAPPING_RESPONSE: e.AnalogMappingResponse.decode,
    PIN_STATE_RESPONSE: e.PinStateResponse.decode,
    I2C_REPLY: e.I2CReply.decode,
    STRING_DATA: e.StringData.decode,
    EXTENDED_ANALOG: e.ExtendedAnalog.decode,
}
_HOST_TO_BOARD_FIXED: Mapping[int, FixedSpec[Message]] = {
    DIGITAL_MESSAGE: (2, c.DigitalPortWrite.decode),
    ANALOG_MESSAGE: (2, c.AnalogWrite.decode),
    REPORT_ANALOG: (1, c.ReportAnalog.decode),
    REPORT_DIGITAL: (1, c.ReportDigital.decode),
    SET_PIN_MODE: (2, c.SetPinMode.decode),
    SET_DIGITAL_PIN_VALUE: (2, c.SetDigitalPinValue.decode),
    REPORT_VERSION: (0, c.QueryVersion.decode),
    SYSTEM_RESET: (0, c.SystemReset.decode),
}
_HOST_TO_BOARD_SYSEX: Mapping[int, SysexDecoder[Message]] = {
    REPORT_FIRMWARE: c.QueryFirmware.decode,
    CAPABILITY_QUERY: c.CapabilityQuery.decode,
    ANALOG_MAPPING_QUERY: c.AnalogMappingQuery.decode,
    PIN_STATE_QUERY: c.PinStateQuery.decode,
    EXTENDED_ANALOG: e.ExtendedAnalog.decode,
    SAMPLING_INTERVAL: c.SetSamplingInterval.decode,
    SERVO_CONFIG: c.ServoConfig.decode,
    I2C_CONFIG: c.I2CConfig.decode,
    I2C_REQUEST: c.decode_i2c_request,
    STRING_DATA: e.StringData.decode,
}

_COMMAND_TYPES = (
    c.QueryVersion, c.QueryFirmware, c.SystemReset, c.SetPinMode, c.SetDigitalPinValue,
    c.DigitalPortWrite, c.AnalogWrite, c.ReportAnalog, c.ReportDigital, c.SetSamplingInterval,
    c.CapabilityQuery, c.AnalogMappingQuery, c.PinStateQuery, c.ServoConfig, c.I2CConfig,
    c.I2CWrite, c.I2CRead, c.I2CStopReading, e.ExtendedAnalog, e.StringData,
)  # fmt: skip
_EVENT_TYPES = (
    e.VersionReport, e.FirmwareReport, e.AnalogReport, e.DigitalPortReport,
    e.CapabilityResponse, e.AnalogMappingResponse, e.PinStateResponse, e.I2CReply,
    e.ExtendedAnalog, e.StringData,
)  # fmt: skip

#: How many of the latest input errors `recent_errors` keeps.
RECENT_ERRORS = 32


class FirmataConnection:
    """One end of a Firmata link, without I/O."""

    def __init__(self, role: Role = Role.HOST, *, max_sysex_payload: int | None = None) -> None:
        self.role = role
        if role is Role.HOST:
            fixed, sysex = _BOARD_TO_HOST_FIXED, _BOARD_TO_HOST_SYSEX
            bound = HOST_MAX_SYSEX_PAYLOAD
        else:
            fixed, sysex = _HOST_TO_BOARD_FIXED, _HOST_TO_BOARD_SYSEX
            bound = BOARD_MAX_SYSEX_PAYLOAD
        self._framer: Framer[Message] = Framer(
            fixed, sysex, max_sysex_payload or bound, self._record_error
        )
        self._events: deque[Message] = deque()
        #: Input errors by kind ("stray", "truncated", "unknown", "malformed", "overflow").
        self.error_counts: Counter[str] = Counter()
        #: The latest input errors, newest last, for diagnostics.
        self.recent_errors: deque[RemoteProtocolError] = deque(maxlen=RECENT_ERRORS)
        #: Host side: the board's pins, once its capability response has been received.
        self.layout: BoardLayout | None = None
        self._capabilities: e.CapabilityResponse | None = None
        self._mapping: e.AnalogMappingResponse | None = None
        self._modes: dict[int, int] = {}
        #: Highest reading per analog channel, once both responses are known.
        self._analog_limits: dict[int, int] | None = None

    # -- input ---------------------------------------------------------------------------------

    @property
    def errors(self) -> int:
        """Total count of input errors so far."""
        return sum(self.error_counts.values())

    @property
    def buffered(self) -> int:
        """Bytes of incomplete input held back (bounded; see `framing`)."""
        return self._framer.pending

    def _record_error(self, error: RemoteProtocolError) -> None:
        self.error_counts[error.kind] += 1
        self.recent_errors.append(error)

    def receive_data(self, data: bytes) -> None:
        """Feed bytes as they arrived, in any chunking; decoded messages queue up as events."""
        messages = self._framer.feed(data)
        if self.role is Role.HOST:
            messages = [m for m in messages if self._accept(m)]
        self._events.extend(messages)

    def _accept(self, message: Message) -> bool:
        """Learn the layout from responses; drop readings the board cannot have produced."""
        kind = type(message)
        if kind is e.AnalogReport:
            return self._plausible_analog(cast(e.AnalogReport, message))
        if kind is e.DigitalPortReport:
            assert isinstance(message, e.DigitalPortReport)
            if self.layout is not None and message.port >= self.layout.port_count:
                self._reject(message, f"report for port {message.port}, which the board lacks")
                return False
        elif kind is e.CapabilityResponse:
            assert isinstance(message, e.CapabilityResponse)
            self._capabilities = message
            self._relayout()
        elif kind is e.AnalogMappingResponse:
            assert isinstance(message, e.AnalogMappingResponse)
            self._mapping = message
            self._relayout()
        return True

    def _plausible_analog(self, report: e.AnalogReport) -> bool:
        """Hot path (every report): one dict lookup against the board's ADC resolution."""
        limits = self._analog_limits
        if limits is None:
            return True
        top = limits.get(report.channel)
        if top is None:
            self._reject(report, f"report for channel A{report.channel}, which the board lacks")
            return False
        if report.value > top:
            self._reject(report, f"A{report.channel} reading {report.value} exceeds {top}")
            return False
        return True

    def _reject(self, message: Message, why: str) -> None:
        self._record_error(RemoteProtocolError("malformed", why, message.encode()))

    def _relayout(self) -> None:
        if self._capabilities is None:
            return
        layout = self.layout = BoardLayout.from_responses(self._capabilities, self._mapping)
        if layout.channels:
            self._analog_limits = {
                channel: (1 << (layout.pins[pin].resolution(PinMode.ANALOG) or 14)) - 1
                for pin, channel in enumerate(layout.channels)
                if channel is not None and pin < layout.pin_count
            }

    def next_event(self) -> Message | None:
        """The oldest decoded message, or None when more data is needed."""
        return self._events.popleft() if self._events else None

    def events(self) -> Iterator[Message]:
        """Drain the decoded messages, oldest first."""
        while self._events:
            yield self._events.popleft()

    # -- output --------------------------------------------------------------------------------

    def send(self, message: Message) -> bytes:
        """The bytes for `message`, after checking it is legal for this end and this board."""
        allowed = _COMMAND_TYPES if self.role is Role.HOST else _EVENT_TYPES
        if not isinstance(message, allowed):
            raise LocalProtocolError(f"a {self.role.value} does not send {type(message).__name__}")
        data = message.encode()
        if self.role is Role.HOST and self.layout is not None:
            self._check(message, self.layout)
        return data

    def mode_of(self, pin: int) -> int | None:
        """The mode this host last set on `pin` (None if unknown, e.g. after a reset)."""
        return self._modes.get(pin)

    def _check(self, message: Message, layout: BoardLayout) -> None:
        match message:
            case c.SetPinMode(pin, mode):
                layout.check_mode(pin, mode)
                self._modes[pin] = mode
            case c.ServoConfig(pin):
                layout.check_mode(pin, PinMode.SERVO)
                self._modes[pin] = PinMode.SERVO
            case c.AnalogWrite(pin, value) | e.ExtendedAnalog(pin, value):
                layout.check_value(pin, self._modes.get(pin), value)
            case c.SetDigitalPinValue(pin):
                mode = self._modes.get(pin, PinMode.OUTPUT)
                layout.capability(pin)
                if mode not in (PinMode.OUTPUT, PinMode.INPUT, PinMode.PULLUP):
                    raise LocalProtocolError(
                        f"pin {layout.name(pin)} is in {mode_name(mode)} mode; "
                        "set it to OUTPUT before writing a level"
                    )
            case c.ReportAnalog(channel):
                layout.check_channel(channel)
            case c.ReportDigital(port) | c.DigitalPortWrite(port):
                layout.check_port(port)
            case c.PinStateQuery(pin):
                layout.capability(pin)
            case c.I2CConfig() | c.I2CWrite() | c.I2CRead() | c.I2CStopReading():
                if not layout.supports_anywhere(PinMode.I2C):
                    raise LocalProtocolError("this board has no I2C pins")
            case c.SystemReset():
                self._modes.clear()
