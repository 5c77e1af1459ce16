"""The sans-I/O protocol: every message round-trips both ways, whatever the chunking, and
bad input is counted and skipped, never raised."""

from __future__ import annotations

import pytest

from firmware_bridge import MEGA, UNO, LocalProtocolError
from firmware_bridge.protocol import (
    AnalogReport,
    AnalogWrite,
    CapabilityResponse,
    DigitalPortReport,
    ExtendedAnalog,
    FirmataConnection,
    I2CWrite,
    Message,
    PinMode,
    ReportAnalog,
    ReportDigital,
    ServoConfig,
    SetDigitalPinValue,
    SetPinMode,
    SetSamplingInterval,
    StringData,
    VersionReport,
)
from firmware_bridge.protocol.connection import Role
from firmware_bridge.protocol.constants import HOST_MAX_SYSEX_PAYLOAD

from .messages import COMMANDS, EVENTS


def wire(messages: list[Message], role: Role) -> bytes:
    sender = FirmataConnection(role)
    return b"".join(sender.send(m) for m in messages)


def decode(
    data: bytes, role: Role, chunk: int | None = None
) -> tuple[list[Message], FirmataConnection]:
    receiver = FirmataConnection(role)
    step = chunk or max(len(data), 1)
    for i in range(0, len(data), step):
        receiver.receive_data(data[i : i + step])
    return list(receiver.events()), receiver


@pytest.mark.parametrize("chunk", [None, 1, 2, 7])
def test_every_command_reaches_the_board(chunk: int | None) -> None:
    events, board = decode(wire(COMMANDS, Role.HOST), Role.BOARD, chunk)
    assert events == COMMANDS
    assert board.errors == 0 and board.buffered == 0


@pytest.mark.parametrize("chunk", [None, 1, 3, 64])
def test_every_event_reaches_the_host(chunk: int | None) -> None:
    events, host = decode(wire(EVENTS, Role.BOARD), Role.HOST, chunk)
    assert events == EVENTS
    assert host.errors == 0 and host.buffered == 0


@pytest.mark.parametrize("message", COMMANDS + EVENTS, ids=lambda m: type(m).__name__)
def test_each_message_alone_and_next_event(message: Message) -> None:
    role = Role.HOST if message in COMMANDS else Role.BOARD
    receiver = FirmataConnection(Role.BOARD if role is Role.HOST else Role.HOST)
    data = FirmataConnection(role).send(message)
    receiver.receive_data(data[:-1])
    assert receiver.next_event() is None  # incomplete: nothing yet
    receiver.receive_data(data[-1:])
    assert receiver.next_event() == message
    assert receiver.next_event() is None


def test_the_wire_format_matches_the_protocol_document() -> None:
    host = FirmataConnection()
    assert host.send(SetPinMode(13, PinMode.OUTPUT)) == b"\xf4\x0d\x01"
    assert host.send(AnalogWrite(9, 200)) == b"\xe9\x48\x01"
    assert host.send(ReportDigital(1, True)) == b"\xd1\x01"
    assert host.send(SetSamplingInterval(19)) == b"\xf0\x7a\x13\x00\xf7"
    assert host.send(I2CWrite(0x76, b"\xf4")) == b"\xf0\x76\x76\x00\x74\x01\xf7"
    assert host.send(StringData("A")) == b"\xf0\x71\x41\x00\xf7"
    board = FirmataConnection(Role.BOARD)
    assert board.send(AnalogReport(2, 1023)) == b"\xe2\x7f\x07"
    assert board.send(VersionReport(2, 5)) == b"\xf9\x02\x05"


def test_garbage_and_truncation_between_messages_are_counted_and_skipped() -> None:
    pieces = [wire([m], Role.BOARD) for m in EVENTS]
    noisy = b"".join(
        piece + junk
        for piece, junk in zip(
            pieces,
            [b"\x01\x02", pieces[3][:2], b"\xf0\x71\x41", b"\xa5", b"\xf7", b"\xe0\x7f"] * 3,
            strict=False,
        )
    )
    events, host = decode(noisy, Role.HOST, chunk=5)
    assert events == EVENTS
    assert host.error_counts["stray"] >= 1
    assert host.error_counts["truncated"] >= 3
    assert host.error_counts["unknown"] >= 1
    assert all(error.kind for error in host.recent_errors)


def test_readings_the_board_cannot_produce_are_dropped() -> None:
    host = FirmataConnection()
    host.receive_data(wire([UNO.capabilities(), UNO.analog_mapping()], Role.BOARD))
    list(host.events())
    host.receive_data(b"\xe0\x7f\x7f")  # 16383 from a 10-bit ADC
    host.receive_data(b"\xe9\x01\x00")  # channel A9 on an Uno
    host.receive_data(b"\x95\x01\x00")  # port 5 of a 3-port board
    host.receive_data(b"\x90\x7f\x7f")  # port mask wider than 8 bits
    host.receive_data(wire([AnalogReport(1, 512)], Role.BOARD))
    assert list(host.events()) == [AnalogReport(1, 512)]
    assert host.error_counts["malformed"] == 4


def test_buffered_input_is_bounded() -> None:
    host = FirmataConnection()
    host.receive_data(b"\xf0\x71" + b"\x01" * (HOST_MAX_SYSEX_PAYLOAD - 1))
    assert host.buffered == HOST_MAX_SYSEX_PAYLOAD + 1
    host.receive_data(b"\x01" * 10_000)
    assert host.buffered == 0
    assert host.error_counts["overflow"] == 1
    host.receive_data(b"\x02" * 100 + wire([AnalogReport(0, 7)], Role.BOARD))
    assert list(host.events()) == [AnalogReport(0, 7)]
    assert host.error_counts == {"overflow": 1}  # the tail of the overflow is not a new error


def test_malformed_sysex_bodies_are_counted() -> None:
    host = FirmataConnection()
    host.receive_data(b"\xf0\xf7")  # empty
    host.receive_data(b"\xf0\x6c\x00\x01\xf7")  # capability response cut mid-pin
    host.receive_data(b"\xf0\x71\x41\xf7")  # string with half a character
    host.receive_data(b"\xf0\x6e\x19\xf7")  # pin state for a pin the board lacks
    host.receive_data(b"\xf0\x11\x01\xf7")  # a sysex id nobody here knows
    assert list(host.events()) == []
    assert host.error_counts == {"malformed": 4, "unknown": 1}


class TestValidationAgainstTheBoard:
    """Once the capability response has passed through, the host refuses illegal requests."""

    @pytest.fixture
    def host(self) -> FirmataConnection:
        host = FirmataConnection()
        host.receive_data(wire([UNO.capabilities(), UNO.analog_mapping()], Role.BOARD))
        list(host.events())
        return host

    def test_a_mode_the_pin_lacks_names_the_pin_and_its_modes(
        self, host: FirmataConnection
    ) -> None:
        with pytest.raises(
            LocalProtocolError,
            match=r"pin D2 cannot be PWM; it supports INPUT, PULLUP, OUTPUT, SERVO",
        ):
            host.send(SetPinMode(2, PinMode.PWM))
        with pytest.raises(ValueError, match="A0 cannot be PWM"):
            host.send(SetPinMode(14, PinMode.PWM))
        with pytest.raises(LocalProtocolError, match="no usable pin"):
            host.send(SetPinMode(0, PinMode.OUTPUT))

    def test_values_beyond_the_resolution_are_refused(self, host: FirmataConnection) -> None:
        host.send(SetPinMode(9, PinMode.PWM))
        assert host.send(AnalogWrite(9, 255))
        with pytest.raises(LocalProtocolError, match=r"D9 takes 0 to 255 \(8-bit\), not 256"):
            host.send(AnalogWrite(9, 256))
        with pytest.raises(LocalProtocolError, match="not 300"):
            host.send(ExtendedAnalog(9, 300))
        host.send(ServoConfig(10))
        assert host.send(AnalogWrite(10, 2400))

    def test_writes_in_the_wrong_mode_are_refused(self, host: FirmataConnection) -> None:
        host.send(SetPinMode(9, PinMode.OUTPUT))
        with pytest.raises(
            LocalProtocolError, match="D9 is in OUTPUT mode; set it to PWM or SERVO"
        ):
            host.send(AnalogWrite(9, 1))
        host.send(SetPinMode(13, PinMode.SERVO))
        with pytest.raises(LocalProtocolError, match="set it to OUTPUT"):
            host.send(SetDigitalPinValue(13, True))

    def test_channels_and_ports_must_exist(self, host: FirmataConnection) -> None:
        with pytest.raises(LocalProtocolError, match="no channel A6"):
            host.send(ReportAnalog(6, True))
        with pytest.raises(LocalProtocolError, match="ports 0-2"):
            host.send(ReportDigital(3, True))

    def test_structural_limits_hold_without_a_layout(self) -> None:
        host = FirmataConnection()
        with pytest.raises(LocalProtocolError, match="14 bits"):
            host.send(AnalogWrite(3, 1 << 14))
        with pytest.raises(LocalProtocolError, match="at most 30 bytes"):
            host.send(I2CWrite(0x10, bytes(40)))
        with pytest.raises(LocalProtocolError, match="sampling interval"):
            host.send(SetSamplingInterval(0))
        with pytest.raises(LocalProtocolError, match="does not send"):
            host.send(AnalogReport(0, 1))


def test_layout_resolves_pin_names() -> None:
    layout = UNO.layout()
    assert [layout.resolve(n) for n in ("D9", "d9", "A0", "a5", 13, "GP7", " 4 ")] == [
        9,
        9,
        14,
        19,
        13,
        7,
        4,
    ]
    assert layout.name(14) == "A0" and layout.name(9) == "D9"
    with pytest.raises(LocalProtocolError, match="no pin 'A6' on this board: D2-D19 and A0-A5"):
        layout.resolve("A6")
    with pytest.raises(LocalProtocolError, match="not a pin name"):
        layout.resolve("LED")
    assert MEGA.layout().resolve("A15") == 69


def test_capability_response_decodes_unknown_modes() -> None:
    host = FirmataConnection()
    host.receive_data(b"\xf0\x6c\x00\x01\x0e\x01\x7f\x7f\xf7")
    [response] = list(host.events())
    assert isinstance(response, CapabilityResponse)
    assert response.pins[0].modes == ((PinMode.INPUT, 1), (0x0E, 1))
    assert response.pins[1].modes == ()


def test_digital_port_report_round_trip_reads_pin_levels() -> None:
    events, _ = decode(b"\x91\x05\x01", Role.HOST)
    assert events == [DigitalPortReport(1, 0b10000101)]
