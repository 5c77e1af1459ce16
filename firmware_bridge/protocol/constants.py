"""Numbers from the Firmata 2.x protocol documents (firmata/protocol: protocol.md, i2c.md,
servos.md) and the limits StandardFirmata 2.5 works within.

Command bytes have the high bit set; data bytes never do. That one rule is what lets a
parser find its footing again after corrupted input: every message starts at a byte >= 0x80.
"""

from __future__ import annotations

import enum

# Channel messages: the low nibble carries a pin, port or analog channel.
DIGITAL_MESSAGE = 0x90
ANALOG_MESSAGE = 0xE0
REPORT_ANALOG = 0xC0
REPORT_DIGITAL = 0xD0

# System messages.
START_SYSEX = 0xF0
SET_PIN_MODE = 0xF4
SET_DIGITAL_PIN_VALUE = 0xF5
END_SYSEX = 0xF7
REPORT_VERSION = 0xF9
SYSTEM_RESET = 0xFF

# Sysex feature ids.
EXTENDED_ID = 0x00
ANALOG_MAPPING_QUERY = 0x69
ANALOG_MAPPING_RESPONSE = 0x6A
CAPABILITY_QUERY = 0x6B
CAPABILITY_RESPONSE = 0x6C
PIN_STATE_QUERY = 0x6D
PIN_STATE_RESPONSE = 0x6E
EXTENDED_ANALOG = 0x6F
SERVO_CONFIG = 0x70
STRING_DATA = 0x71
I2C_REQUEST = 0x76
I2C_REPLY = 0x77
I2C_CONFIG = 0x78
REPORT_FIRMWARE = 0x79
SAMPLING_INTERVAL = 0x7A

#: Separator closing one pin's list in a capability response; "no analog channel" in a mapping.
CAPABILITY_END = 0x7F
NO_ANALOG_CHANNEL = 0x7F

#: Largest value two 7-bit data bytes can carry.
MAX_14BIT = 0x3FFF
#: Highest pin number a set-pin-mode message can address.
MAX_PIN = 0x7F
#: Ports and analog channels addressable by a channel message's low nibble.
MAX_CHANNEL = 0x0F

#: StandardFirmata's input buffer (MAX_DATA_BYTES, 64) holds the feature id and the payload:
#: a longer sysex is silently cut short by the board, so the host refuses to send one.
BOARD_MAX_SYSEX_PAYLOAD = 63

#: The bound on buffered incomplete input in the host parser. The largest legitimate message is
#: a capability response: an Arduino Mega's (70 pins) is under 1 KiB; 4 KiB leaves room for bigger
#: boards while a stream with no end-of-sysex can never hold more than this much memory.
HOST_MAX_SYSEX_PAYLOAD = 4096

#: Sampling interval bounds: StandardFirmata 2.5 clamps to at least 1 ms; 19 ms is its default.
MIN_SAMPLING_INTERVAL_MS = 1
DEFAULT_SAMPLING_INTERVAL_MS = 19

#: The Arduino Servo library's default pulse widths in microseconds.
SERVO_MIN_PULSE_US = 544
SERVO_MAX_PULSE_US = 2400


class PinMode(enum.IntEnum):
    """A pin's mode of operation, as numbered in the capability response."""

    INPUT = 0x00
    OUTPUT = 0x01
    ANALOG = 0x02
    PWM = 0x03
    SERVO = 0x04
    SHIFT = 0x05
    I2C = 0x06
    ONEWIRE = 0x07
    STEPPER = 0x08
    ENCODER = 0x09
    SERIAL = 0x0A
    PULLUP = 0x0B
    IGNORE = 0x7F


#: Modes that turn a pin into an input the board reports on.
INPUT_MODES = frozenset({PinMode.INPUT, PinMode.PULLUP})
#: Modes whose value is written with an analog (or extended analog) message.
ANALOG_OUTPUT_MODES = frozenset({PinMode.PWM, PinMode.SERVO})


def pin_mode(value: int) -> PinMode | int:
    """The `PinMode` for `value`, or the bare number for a mode newer than this table."""
    try:
        return PinMode(value)
    except ValueError:
        return value


def mode_name(mode: int) -> str:
    """A mode's name for messages ("PWM"), or its number when unknown."""
    known = pin_mode(mode)
    return known.name if isinstance(known, PinMode) else f"mode {mode:#04x}"


class I2CMode(enum.IntEnum):
    """Bits 3-4 of an I2C request's second address byte (i2c.md)."""

    WRITE = 0b00
    READ = 0b01
    READ_CONTINUOUSLY = 0b10
    STOP_READING = 0b11
