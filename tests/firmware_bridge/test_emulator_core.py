"""The emulated StandardFirmata, back to back with the host protocol and a stepped clock."""

from __future__ import annotations

import pytest

from firmware_bridge import MEGA, UNO, LocalProtocolError
from firmware_bridge.emulator import BoardCore, RegisterDevice
from firmware_bridge.protocol import (
    AnalogMappingQuery,
    AnalogReport,
    AnalogWrite,
    CapabilityQuery,
    Command,
    DigitalPortReport,
    DigitalPortWrite,
    ExtendedAnalog,
    FirmataConnection,
    FirmwareReport,
    I2CConfig,
    I2CRead,
    I2CReply,
    I2CStopReading,
    I2CWrite,
    Message,
    PinMode,
    PinStateQuery,
    PinStateResponse,
    QueryFirmware,
    QueryVersion,
    ReportAnalog,
    ReportDigital,
    ServoConfig,
    SetDigitalPinValue,
    SetPinMode,
    SetSamplingInterval,
    StringData,
    SystemReset,
    VersionReport,
)


class Bench:
    """A BoardCore and a host connection wired together, with a clock the test moves."""

    def __init__(self, core: BoardCore) -> None:
        self.core = core
        self.host = FirmataConnection()
        self.now = 100.0
        core.power_on(self.now)
        core.tick(self.now + core.boot_delay)

    def send(self, *commands: Command) -> list[Message]:
        self.core.receive_data(b"".join(self.host.send(c) for c in commands), self.now)
        return self.received()

    def advance(self, seconds: float) -> list[Message]:
        self.now += seconds
        self.core.tick(self.now)
        return self.received()

    def received(self) -> list[Message]:
        self.host.receive_data(self.core.data_to_send())
        return list(self.host.events())


@pytest.fixture
def bench() -> Bench:
    b = Bench(BoardCore(UNO))
    assert b.received() == [VersionReport(2, 5), FirmwareReport(2, 5, "StandardFirmata.ino")]
    return b


def test_boot_waits_in_the_bootloader_and_ignores_input() -> None:
    core = BoardCore(UNO, boot_delay=1.5)
    core.power_on(0.0)
    core.receive_data(FirmataConnection().send(QueryFirmware()), 0.5)
    assert core.data_to_send() == b"" and core.stats.ignored_while_booting == 3
    assert core.next_deadline() == 1.5
    core.tick(1.5)
    assert core.data_to_send().startswith(b"\xf9\x02\x05\xf0\x79")


def test_queries_are_answered_like_standard_firmata(bench: Bench) -> None:
    events = bench.send(QueryVersion(), QueryFirmware(), CapabilityQuery(), AnalogMappingQuery())
    assert events == [
        VersionReport(2, 5),
        FirmwareReport(2, 5, "StandardFirmata.ino"),
        UNO.capabilities(),
        UNO.analog_mapping(),
    ]
    caps = UNO.capabilities().pins
    assert caps[0].modes == () and caps[1].modes == ()
    assert caps[9].modes == (
        (PinMode.INPUT, 1), (PinMode.PULLUP, 1), (PinMode.OUTPUT, 1), (PinMode.PWM, 8),
        (PinMode.SERVO, 14),
    )  # fmt: skip
    assert caps[18].resolution(PinMode.ANALOG) == 10 and caps[18].supports(PinMode.I2C)
    assert UNO.analog_mapping().channels[14:] == (0, 1, 2, 3, 4, 5)


def test_analog_reports_follow_the_sampling_interval(bench: Bench) -> None:
    bench.core.set_analog(14, 321)
    assert bench.send(SetSamplingInterval(10), ReportAnalog(0, True)) == [AnalogReport(0, 321)]
    assert bench.advance(0.005) == []
    assert bench.advance(0.0051) == [AnalogReport(0, 321)]
    bench.core.set_analog(15, lambda t: int(t * 1000) % 1024)
    bench.send(ReportAnalog(1, True))
    reports = bench.advance(0.1)
    assert len([r for r in reports if r == AnalogReport(0, 321)]) == 10
    channel1 = [r.value for r in reports if isinstance(r, AnalogReport) and r.channel == 1]
    assert channel1 == sorted(channel1) and len(channel1) == 10
    bench.core.receive_data(b"\xf0\x7a\x00\x00\xf7", bench.now)  # 0 ms, sent raw
    # clamped to StandardFirmata 2.5's minimum, 1 ms
    assert bench.core.sampling_interval_ms == 1


def test_setting_analog_mode_starts_reporting_and_output_mode_stops_it(bench: Bench) -> None:
    bench.core.set_analog(16, 99)
    bench.send(ReportAnalog(2, False))
    assert bench.send(SetPinMode(16, PinMode.ANALOG)) == [AnalogReport(2, 99)]
    bench.send(SetPinMode(16, PinMode.OUTPUT))
    assert bench.advance(0.1) == []


def test_digital_inputs_report_on_change_only(bench: Bench) -> None:
    bench.send(SetPinMode(2, PinMode.INPUT), SetPinMode(3, PinMode.PULLUP))
    assert bench.send(ReportDigital(0, True)) == [
        DigitalPortReport(0, 0b1000)
    ]  # pull-up reads high
    bench.core.drive(2, True)
    assert bench.received() == [DigitalPortReport(0, 0b1100)]
    bench.core.drive(2, True)
    assert bench.advance(1.0) == []
    bench.core.drive(3, False)
    assert bench.received() == [DigitalPortReport(0, 0b0100)]


def test_outputs_pwm_and_servos(bench: Bench) -> None:
    bench.send(SetPinMode(13, PinMode.OUTPUT), SetDigitalPinValue(13, True))
    assert bench.core.output_level(13)
    bench.send(DigitalPortWrite(1, 0))
    assert not bench.core.output_level(13)
    bench.send(SetPinMode(9, PinMode.PWM), AnalogWrite(9, 51))
    assert bench.core.pwm_duty(9) == pytest.approx(0.2)
    bench.send(ServoConfig(10, 1000, 2000), AnalogWrite(10, 1500))
    assert bench.core.servo_angle(10) == pytest.approx(90)
    bench.send(ExtendedAnalog(10, 45))
    assert bench.core.servo_angle(10) == 45
    assert bench.send(PinStateQuery(10), PinStateQuery(9), PinStateQuery(13)) == [
        PinStateResponse(10, PinMode.SERVO, 45),
        PinStateResponse(9, PinMode.PWM, 51),
        PinStateResponse(13, PinMode.OUTPUT, 0),
    ]
    with pytest.raises(LocalProtocolError, match="D9 is in PWM mode, not OUTPUT"):
        bench.core.output_level(9)


def test_a_mode_the_pin_lacks_changes_nothing(bench: Bench) -> None:
    bench.core.receive_data(b"\xf4\x02\x03", bench.now)  # PWM on D2, sent raw past validation
    assert bench.core.mode(2) == PinMode.OUTPUT
    bench.core.receive_data(b"\xf4\x02\x0e", bench.now)
    assert bench.received() == [StringData("Unknown pin mode")]


def test_system_reset_returns_pins_to_their_power_on_modes(bench: Bench) -> None:
    bench.send(SetPinMode(13, PinMode.OUTPUT), SetDigitalPinValue(13, True))
    bench.send(SetPinMode(14, PinMode.INPUT), ReportAnalog(1, True), ReportDigital(0, True))
    bench.send(SystemReset())
    assert bench.core.mode(14) == PinMode.ANALOG and bench.core.mode(13) == PinMode.OUTPUT
    assert not bench.core.output_level(13)
    assert bench.advance(1.0) == []


def test_i2c_stub_devices(bench: Bench) -> None:
    sensor = RegisterDevice({0xD0: 0x60})
    bench.core.i2c_devices[0x76] = sensor
    bench.send(I2CConfig(), I2CWrite(0x76, b"\xf4\x27"))
    assert sensor.registers[0xF4] == 0x27 and bench.core.mode(18) == PinMode.I2C
    assert bench.send(I2CRead(0x76, 1, register=0xD0)) == [I2CReply(0x76, 0xD0, b"\x60")]
    assert bench.send(I2CRead(0x50, 2)) == [
        StringData("I2C: Too few bytes received"),
        I2CReply(0x50, 0, b"\x00\x00"),
    ]
    bench.send(SetSamplingInterval(10), I2CRead(0x76, 1, register=0xF4, continuous=True))
    assert bench.advance(0.035) == [I2CReply(0x76, 0xF4, b"\x27")] * 3
    bench.send(I2CStopReading(0x76))
    assert bench.advance(0.1) == []


def test_a_mega_has_sixteen_analog_channels() -> None:
    bench = Bench(BoardCore(MEGA))
    bench.received()
    bench.core.set_analog(69, 1000)
    assert bench.send(ReportAnalog(15, True)) == [AnalogReport(15, 1000)]


def test_control_api_rejects_what_the_pin_cannot_do(bench: Bench) -> None:
    with pytest.raises(LocalProtocolError, match="has no analog input"):
        bench.core.set_analog(9, 10)
    with pytest.raises(LocalProtocolError, match="0 to 1023"):
        bench.core.set_analog(14, 1024)
    with pytest.raises(LocalProtocolError, match="no digital input"):
        bench.core.drive(0, True)


def test_bad_input_from_the_host_is_counted(bench: Bench) -> None:
    bench.core.receive_data(
        b"\x01\x02\xf4\x0d" + FirmataConnection().send(QueryVersion()), bench.now
    )
    assert bench.received() == [VersionReport(2, 5)]
    assert bench.core.input_errors == 2
