"""The boards StandardFirmata runs on, described the way its Boards.h sees them.

A `BoardSpec` yields the capability and analog-mapping responses the real sketch sends: the
emulator answers with them, and kitsdk checks a profile's board pins against them,
so a host cannot tell the emulator from the board by asking.
"""

from __future__ import annotations

from dataclasses import dataclass

from .protocol import (
    AnalogMappingResponse,
    BoardLayout,
    CapabilityResponse,
    PinCapability,
    PinMode,
)


@dataclass(frozen=True)
class BoardSpec:
    """Pins and firmware of one board running StandardFirmata."""

    name: str
    total_pins: int
    digital_pins: frozenset[int]
    first_analog_pin: int
    analog_channels: int
    pwm_pins: frozenset[int]
    i2c_pins: frozenset[int]
    max_servos: int = 12
    analog_bits: int = 10
    pwm_bits: int = 8
    servo_bits: int = 14
    firmware_name: str = "StandardFirmata.ino"
    firmware_version: tuple[int, int] = (2, 5)
    protocol_version: tuple[int, int] = (2, 5)

    def channel(self, pin: int) -> int | None:
        """The analog channel `pin` reads, or None."""
        channel = pin - self.first_analog_pin
        return channel if 0 <= channel < self.analog_channels else None

    def is_digital(self, pin: int) -> bool:
        return pin in self.digital_pins

    def pin_capability(self, pin: int) -> PinCapability:
        """The modes StandardFirmata 2.5 lists for `pin`, in its order."""
        modes: list[tuple[PinMode | int, int]] = []
        if self.is_digital(pin):
            modes += [(PinMode.INPUT, 1), (PinMode.PULLUP, 1), (PinMode.OUTPUT, 1)]
        if self.channel(pin) is not None:
            modes.append((PinMode.ANALOG, self.analog_bits))
        if pin in self.pwm_pins:
            modes.append((PinMode.PWM, self.pwm_bits))
        if self.is_digital(pin):
            modes.append((PinMode.SERVO, self.servo_bits))
        if pin in self.i2c_pins:
            modes.append((PinMode.I2C, 1))
        return PinCapability(tuple(modes))

    def capabilities(self) -> CapabilityResponse:
        return CapabilityResponse(tuple(self.pin_capability(p) for p in range(self.total_pins)))

    def analog_mapping(self) -> AnalogMappingResponse:
        return AnalogMappingResponse(tuple(self.channel(p) for p in range(self.total_pins)))

    def layout(self) -> BoardLayout:
        return BoardLayout.from_responses(self.capabilities(), self.analog_mapping())


#: Arduino Uno (ATmega328P): D2-D13, A0-A5 (pins 14-19), PWM on 3, 5, 6, 9, 10, 11, I2C on A4/A5.
UNO = BoardSpec(
    name="Arduino Uno",
    total_pins=20,
    digital_pins=frozenset(range(2, 20)),
    first_analog_pin=14,
    analog_channels=6,
    pwm_pins=frozenset({3, 5, 6, 9, 10, 11}),
    i2c_pins=frozenset({18, 19}),
)

#: Arduino Nano: an Uno with two analog-only inputs, A6 and A7 (pins 20 and 21).
NANO = BoardSpec(
    name="Arduino Nano",
    total_pins=22,
    digital_pins=frozenset(range(2, 20)),
    first_analog_pin=14,
    analog_channels=8,
    pwm_pins=frozenset({3, 5, 6, 9, 10, 11}),
    i2c_pins=frozenset({18, 19}),
)

#: Arduino Mega 2560: D2-D69, A0-A15 (pins 54-69), 15 PWM pins, I2C on 20/21.
MEGA = BoardSpec(
    name="Arduino Mega 2560",
    total_pins=70,
    digital_pins=frozenset(range(2, 70)),
    first_analog_pin=54,
    analog_channels=16,
    pwm_pins=frozenset({*range(2, 14), 44, 45, 46}),
    i2c_pins=frozenset({20, 21}),
    max_servos=48,
)

#: Raspberry Pi Pico (RP2040) with Firmata: GP0-GP22 and the LED on GP25, ADC0-ADC2 on GP26-GP28
#: (A0-A2), PWM on every GPIO, I2C (Wire) on GP4/GP5. It has native USB, so opening the port
#: does not reset it (``Emulator(PICO, reset_on_open=False)``).
PICO = BoardSpec(
    name="Raspberry Pi Pico",
    total_pins=29,
    digital_pins=frozenset({*range(0, 23), 25, 26, 27, 28}),
    first_analog_pin=26,
    analog_channels=3,
    pwm_pins=frozenset({*range(0, 23), 25, 26, 27, 28}),
    i2c_pins=frozenset({4, 5}),
    max_servos=8,
)

#: The boards by the short names people use for them.
BOARDS = {"uno": UNO, "nano": NANO, "mega": MEGA, "pico": PICO}
