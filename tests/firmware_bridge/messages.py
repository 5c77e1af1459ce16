"""One of every Firmata message, for round trips and parser tests."""

from __future__ import annotations

from firmware_bridge import UNO
from firmware_bridge.protocol import (
    AnalogMappingQuery,
    AnalogReport,
    AnalogWrite,
    CapabilityQuery,
    DigitalPortReport,
    DigitalPortWrite,
    ExtendedAnalog,
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

#: Host to board: every command, including each pin mode the issue lists.
COMMANDS: list[Message] = [
    QueryVersion(),
    QueryFirmware(),
    SystemReset(),
    *(
        SetPinMode(pin, mode)
        for pin, mode in [
            (2, PinMode.INPUT),
            (13, PinMode.OUTPUT),
            (14, PinMode.ANALOG),
            (9, PinMode.PWM),
            (10, PinMode.SERVO),
            (18, PinMode.I2C),
            (3, PinMode.PULLUP),
        ]
    ),
    SetDigitalPinValue(13, True),
    SetDigitalPinValue(13, False),
    DigitalPortWrite(1, 0b10100001),
    AnalogWrite(9, 255),
    AnalogWrite(10, 16383),
    ExtendedAnalog(9, 200),
    ExtendedAnalog(70, 1 << 20),
    ReportAnalog(5, True),
    ReportAnalog(0, False),
    ReportDigital(2, True),
    ReportDigital(0, False),
    SetSamplingInterval(1),
    SetSamplingInterval(1000),
    CapabilityQuery(),
    AnalogMappingQuery(),
    PinStateQuery(13),
    ServoConfig(10, 600, 2400),
    I2CConfig(0),
    I2CConfig(100),
    I2CWrite(0x76, b"\xf4\x27"),
    I2CWrite(0x3FF, b"\x00", ten_bit=True, auto_restart=True),
    I2CRead(0x76, 6, register=0xF7),
    I2CRead(0x40, 2),
    I2CRead(0x76, 8, register=0x88, continuous=True),
    I2CStopReading(0x76),
    StringData("héllo"),
]

#: Board to host: every event.
EVENTS: list[Message] = [
    VersionReport(2, 5),
    FirmwareReport(2, 5, "StandardFirmata.ino"),
    AnalogReport(0, 0),
    AnalogReport(5, 1023),
    DigitalPortReport(0, 0b11111100),
    DigitalPortReport(2, 0),
    UNO.capabilities(),
    UNO.analog_mapping(),
    PinStateResponse(13, PinMode.OUTPUT, 1),
    PinStateResponse(10, PinMode.SERVO, 2400),
    PinStateResponse(2, PinMode.INPUT, 0),
    I2CReply(0x76, 0xF7, b"\x00\x80\xff"),
    StringData("I2C: Too few bytes received"),
    ExtendedAnalog(16, 4095),
]
