"""What a board's pins are called and what each can do, learnt from its own answers.

A `BoardLayout` is built from the capability and analog-mapping responses, so the same code
serves an Uno, a Mega or a Pico without a table of boards. It turns the names people use
(``"D9"``, ``"A0"``, ``"GP15"``, ``9``) into Firmata pin numbers, and checks modes and values
against the board's real resolutions, raising `LocalProtocolError` with the pin's name and what
it does support.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..exc import LocalProtocolError
from .constants import ANALOG_OUTPUT_MODES, PinMode, mode_name
from .events import AnalogMappingResponse, CapabilityResponse, PinCapability

_NAME = re.compile(r"\s*(D|A|GP|GPIO)?\s*(\d+)\s*", re.IGNORECASE)

PinName = str | int


@dataclass(frozen=True, slots=True)
class BoardLayout:
    """The pins of one board: capabilities by pin number, and each pin's analog channel."""

    pins: tuple[PinCapability, ...]
    channels: tuple[int | None, ...] = ()

    @classmethod
    def from_responses(
        cls, capabilities: CapabilityResponse, mapping: AnalogMappingResponse | None = None
    ) -> BoardLayout:
        channels = mapping.channels if mapping is not None else ()
        return cls(capabilities.pins, channels)

    @property
    def pin_count(self) -> int:
        return len(self.pins)

    @property
    def port_count(self) -> int:
        return (len(self.pins) + 7) // 8

    @property
    def analog_pins(self) -> tuple[int, ...]:
        """Pin numbers that read an analog channel, in channel order (A0 first)."""
        pairs = sorted((ch, pin) for pin, ch in enumerate(self.channels) if ch is not None)
        return tuple(pin for _, pin in pairs)

    def channel_of(self, pin: int) -> int | None:
        return self.channels[pin] if pin < len(self.channels) else None

    def pin_of_channel(self, channel: int) -> int | None:
        for pin, ch in enumerate(self.channels):
            if ch == channel:
                return pin
        return None

    def name(self, pin: int) -> str:
        """The name printed on the board: ``A0`` for an analog pin, else ``D9``."""
        channel = self.channel_of(pin)
        return f"A{channel}" if channel is not None else f"D{pin}"

    def resolve(self, name: PinName) -> int:
        """The pin number for ``"D9"``, ``"A0"``, ``"GP15"`` or ``9``."""
        if isinstance(name, bool) or not isinstance(name, int | str):
            raise LocalProtocolError(f"a pin is named like 'D9', 'A0' or 9, not {name!r}")
        if isinstance(name, int):
            return self._existing(name, repr(name))
        match = _NAME.fullmatch(name)
        if match is None:
            raise LocalProtocolError(f"{name!r} is not a pin name: use 'D9', 'A0' or 9")
        prefix, number = (match.group(1) or "").upper(), int(match.group(2))
        if prefix == "A":
            pin = self.pin_of_channel(number)
            if pin is None:
                raise LocalProtocolError(f"no pin {name!r} on this board: {self._summary()}")
            return pin
        return self._existing(number, repr(name))

    def _existing(self, pin: int, shown: str) -> int:
        if not 0 <= pin < len(self.pins) or not self.pins[pin].modes:
            raise LocalProtocolError(f"no usable pin {shown} on this board: {self._summary()}")
        return pin

    def _summary(self) -> str:
        usable = [pin for pin, cap in enumerate(self.pins) if cap.modes]
        analog = len(self.analog_pins)
        digital = f"D{usable[0]}-D{usable[-1]}" if usable else "no digital pins"
        return digital + (f" and A0-A{analog - 1}" if analog else "")

    def capability(self, pin: int) -> PinCapability:
        return self.pins[self._existing(pin, str(pin))]

    def check_mode(self, pin: int, mode: int) -> int:
        """The resolution of `mode` on `pin`; a `LocalProtocolError` if the pin lacks it."""
        capability = self.capability(pin)
        bits = capability.resolution(mode)
        if bits is None:
            modes = ", ".join(mode_name(m) for m in capability.mode_list)
            raise LocalProtocolError(
                f"pin {self.name(pin)} cannot be {mode_name(mode)}; it supports {modes}"
            )
        return bits

    def analog_output_bits(self, pin: int, mode: int | None) -> int:
        """Bits an analog write to `pin` may use: for its mode, or its widest PWM/servo mode."""
        if mode is not None:
            if mode not in ANALOG_OUTPUT_MODES:
                raise LocalProtocolError(
                    f"pin {self.name(pin)} is in {mode_name(mode)} mode; "
                    "set it to PWM or SERVO before writing an analog value"
                )
            return self.check_mode(pin, mode)
        widths = [self.capability(pin).resolution(m) for m in (PinMode.PWM, PinMode.SERVO)]
        known = [bits for bits in widths if bits is not None]
        if not known:
            return self.check_mode(pin, PinMode.PWM)
        return max(known)

    def check_value(self, pin: int, mode: int | None, value: int) -> None:
        """Refuse an analog write that the pin's resolution cannot carry."""
        bits = self.analog_output_bits(pin, mode)
        if not 0 <= value < (1 << bits):
            raise LocalProtocolError(
                f"pin {self.name(pin)} takes 0 to {(1 << bits) - 1} ({bits}-bit), not {value}"
            )

    def check_channel(self, channel: int) -> int:
        if self.pin_of_channel(channel) is None:
            raise LocalProtocolError(f"no channel A{channel} on this board: {self._summary()}")
        return channel

    def check_port(self, port: int) -> int:
        if not 0 <= port < self.port_count:
            raise LocalProtocolError(f"no port {port}: the board has ports 0-{self.port_count - 1}")
        return port

    def supports_anywhere(self, mode: int) -> bool:
        return any(cap.supports(mode) for cap in self.pins)
