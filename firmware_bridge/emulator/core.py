"""A board running StandardFirmata 2.5, without I/O: bytes in, bytes out, and a clock you move.

`BoardCore` answers the host exactly as the sketch does (see firmata/arduino's
StandardFirmata.ino): it boots with a version and a firmware report, resets pins to analog
input or digital output, reports enabled analog channels every sampling interval and digital
ports on change, drives outputs, PWM and servos, and serves I2C from stub devices. Time is
whatever the caller passes as ``now`` (seconds), so tests can step it and servers can use the
monotonic clock. Nothing here is thread-safe; `Emulator` wraps it for threads.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ..boards import UNO, BoardSpec
from ..exc import LocalProtocolError
from ..protocol import Event, FirmataConnection, Message, Role
from ..protocol import commands as c
from ..protocol import events as e
from ..protocol.codec import sysex
from ..protocol.constants import (
    DEFAULT_SAMPLING_INTERVAL_MS,
    INPUT_MODES,
    MIN_SAMPLING_INTERVAL_MS,
    PIN_STATE_RESPONSE,
    SERVO_MAX_PULSE_US,
    SERVO_MIN_PULSE_US,
    PinMode,
    mode_name,
)
from .i2c import I2CDevice

#: A fixed reading, or a function of seconds since power-on giving one.
AnalogSource = int | Callable[[float], int]

#: StandardFirmata keeps at most this many continuous I2C reads.
MAX_I2C_QUERIES = 8
#: Output the host has not read yet beyond which the board stops sampling, as a real board's
#: loop stalls on a full serial buffer. Keeps memory bounded when nobody reads.
OUTPUT_BACKLOG_LIMIT = 64 * 1024
#: The modes StandardFirmata's setPinModeCallback knows; others get "Unknown pin mode".
_SKETCH_MODES = frozenset(
    {
        PinMode.INPUT,
        PinMode.OUTPUT,
        PinMode.ANALOG,
        PinMode.PWM,
        PinMode.SERVO,
        PinMode.I2C,
        PinMode.PULLUP,
    }
)
#: Falling further behind than this many sampling intervals skips ahead instead of bursting.
MAX_CATCH_UP = 50


@dataclass
class EmulatorStats:
    """What the emulated board saw and sent, for tests and benchmarks (the host side's
    counters are :class:`firmware_bridge.BoardStats`)."""

    analog_reports: int = 0
    digital_reports: int = 0
    commands: int = 0
    skipped_samples: int = 0
    boots: int = 0
    ignored_while_booting: int = 0
    history: deque[Message] = field(default_factory=lambda: deque(maxlen=256))


class BoardCore:
    """StandardFirmata's behaviour on `spec`, driven by `receive_data` and `tick`."""

    def __init__(self, spec: BoardSpec = UNO, *, boot_delay: float = 0.0) -> None:
        self.spec = spec
        self.layout = spec.layout()
        self.boot_delay = boot_delay
        self.stats = EmulatorStats()
        self.i2c_devices: dict[int, I2CDevice] = {}
        self._analog: list[AnalogSource] = [0] * spec.analog_channels
        self._driven: dict[int, bool] = {}
        self._conn = FirmataConnection(Role.BOARD)
        self._out = bytearray()
        self.powered = False
        self._boot_at = 0.0
        self._booted = False
        self._power_on_at = 0.0
        self._reset_state()
        self.sampling_interval_ms = DEFAULT_SAMPLING_INTERVAL_MS
        self._next_sample = self._last_sample = 0.0
        self._handlers: dict[type, Callable[..., None]] = {
            c.QueryVersion: self._on_query_version,
            c.QueryFirmware: self._on_query_firmware,
            c.SystemReset: self._on_system_reset,
            c.SetPinMode: self._on_set_pin_mode,
            c.SetDigitalPinValue: self._on_set_digital_pin_value,
            c.DigitalPortWrite: self._on_digital_port_write,
            c.AnalogWrite: self._on_analog_write,
            e.ExtendedAnalog: self._on_analog_write,
            c.ReportAnalog: self._on_report_analog,
            c.ReportDigital: self._on_report_digital,
            c.SetSamplingInterval: self._on_sampling_interval,
            c.CapabilityQuery: self._on_capability_query,
            c.AnalogMappingQuery: self._on_analog_mapping_query,
            c.PinStateQuery: self._on_pin_state_query,
            c.ServoConfig: self._on_servo_config,
            c.I2CConfig: self._on_i2c_config,
            c.I2CWrite: self._on_i2c_write,
            c.I2CRead: self._on_i2c_read,
            c.I2CStopReading: self._on_i2c_stop,
            e.StringData: self._on_string,
        }

    # -- power and time ------------------------------------------------------------------------

    def power_on(self, now: float) -> None:
        """Plug in (or reset through DTR): everything resets; reports start after `boot_delay`."""
        self.powered = True
        self._booted = False
        self._boot_at = now + self.boot_delay
        self._power_on_at = now
        self._out.clear()
        self._conn = FirmataConnection(Role.BOARD)
        self.sampling_interval_ms = DEFAULT_SAMPLING_INTERVAL_MS
        self._reset_state()
        self.tick(now)

    def power_off(self) -> None:
        """Unplug: the board stops; unsent output is lost."""
        self.powered = False
        self._out.clear()

    def _boot(self, now: float) -> None:
        self._booted = True
        self.stats.boots += 1
        self._last_sample = now
        self._next_sample = now + self.sampling_interval_ms / 1000
        major, minor = self.spec.protocol_version
        self._emit(e.VersionReport(major, minor))
        self._on_query_firmware(c.QueryFirmware())

    def tick(self, now: float) -> None:
        """Run the sketch's loop up to `now`: finish booting, sample when due."""
        if not self.powered:
            return
        if not self._booted:
            if now < self._boot_at:
                return
            self._boot(now)
        interval = self.sampling_interval_ms / 1000
        if now - self._next_sample > MAX_CATCH_UP * interval:
            self._next_sample = now
        while self._next_sample <= now:
            if len(self._out) > OUTPUT_BACKLOG_LIMIT:
                self.stats.skipped_samples += 1
            else:
                self._sample(self._next_sample)
            self._last_sample = self._next_sample
            self._next_sample += interval

    def next_deadline(self) -> float | None:
        """When `tick` next has work to do (boot or a sample), or None if never."""
        if not self.powered:
            return None
        if not self._booted:
            return self._boot_at
        if self._report_analog or self._i2c_queries:
            return self._next_sample
        return None

    # -- bytes ---------------------------------------------------------------------------------

    def receive_data(self, data: bytes, now: float) -> None:
        """Bytes from the host. A board still in its bootloader ignores them, like a real one."""
        self.tick(now)
        if not self.powered:
            return
        if not self._booted:
            self.stats.ignored_while_booting += len(data)
            return
        self._conn.receive_data(data)
        for command in self._conn.events():
            self.stats.commands += 1
            self.stats.history.append(command)
            self._handlers[type(command)](command)
        self._check_digital_inputs()

    def data_to_send(self) -> bytes:
        """Drain what the board has written to its serial port."""
        out = bytes(self._out)
        self._out.clear()
        return out

    @property
    def input_errors(self) -> int:
        """Malformed input from the host, counted and ignored."""
        return self._conn.errors

    def _emit(self, event: Event) -> None:
        self._out += self._conn.send(event)

    def _say(self, text: str) -> None:
        self._emit(e.StringData(text))

    # -- state ---------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        """StandardFirmata's systemResetCallback: analog pins to ANALOG, the rest to OUTPUT low."""
        spec = self.spec
        self._i2c_enabled = False
        self._i2c_delay_us = 0
        self._i2c_queries: list[tuple[int, int | None, int]] = []
        self._report_ports: set[int] = set()
        self._previous_port = [0] * self.layout.port_count
        self._report_analog: set[int] = set()
        self._servos: dict[int, tuple[int, int]] = {}
        self._modes: list[int] = [PinMode.IGNORE] * spec.total_pins
        self._state = [0] * spec.total_pins
        for pin in range(spec.total_pins):
            if spec.channel(pin) is not None:
                self._modes[pin] = PinMode.ANALOG
            elif spec.is_digital(pin):
                self._modes[pin] = PinMode.OUTPUT

    def _level(self, pin: int) -> bool:
        """The electrical level an input pin reads."""
        driven = self._driven.get(pin)
        if driven is not None:
            return driven
        return self._modes[pin] == PinMode.PULLUP or (
            self._modes[pin] == PinMode.INPUT and self._state[pin] == 1
        )

    def _port_inputs(self, port: int) -> int:
        mask = 0
        for bit in range(8):
            pin = port * 8 + bit
            if pin < self.spec.total_pins and self._modes[pin] in INPUT_MODES and self._level(pin):
                mask |= 1 << bit
        return mask

    def _output_port(self, port: int, force: bool) -> None:
        mask = self._port_inputs(port)
        if force or mask != self._previous_port[port]:
            self._previous_port[port] = mask
            self.stats.digital_reports += 1
            self._emit(e.DigitalPortReport(port, mask))

    def _check_digital_inputs(self) -> None:
        if self._booted:
            for port in sorted(self._report_ports):
                self._output_port(port, force=False)

    def _analog_value(self, channel: int, at: float) -> int:
        source = self._analog[channel]
        value = source(at - self._power_on_at) if callable(source) else source
        return max(0, min(int(value), (1 << self.spec.analog_bits) - 1))

    def _send_analog(self, channel: int, at: float) -> None:
        self.stats.analog_reports += 1
        self._emit(e.AnalogReport(channel, self._analog_value(channel, at)))

    def _sample(self, at: float) -> None:
        for channel in sorted(self._report_analog):
            pin = self.layout.pin_of_channel(channel)
            if pin is not None and self._modes[pin] == PinMode.ANALOG:
                self._send_analog(channel, at)
        for address, register, count in self._i2c_queries:
            self._i2c_reply(address, register, count)

    # -- command handlers (StandardFirmata's callbacks) ----------------------------------------

    def _on_query_version(self, _: c.QueryVersion) -> None:
        self._emit(e.VersionReport(*self.spec.protocol_version))

    def _on_query_firmware(self, _: c.QueryFirmware) -> None:
        major, minor = self.spec.firmware_version
        self._emit(e.FirmwareReport(major, minor, self.spec.firmware_name))

    def _on_system_reset(self, _: c.SystemReset) -> None:
        self._reset_state()

    def _on_set_pin_mode(self, command: c.SetPinMode) -> None:
        self._set_pin_mode(command.pin, command.mode)

    def _set_pin_mode(self, pin: int, mode: int) -> None:
        spec = self.spec
        if pin >= spec.total_pins or self._modes[pin] == PinMode.IGNORE:
            return
        if self._modes[pin] == PinMode.I2C and self._i2c_enabled and mode != PinMode.I2C:
            self._i2c_enabled = False
            self._i2c_queries.clear()
        if mode != PinMode.SERVO:
            self._servos.pop(pin, None)
        channel = spec.channel(pin)
        if channel is not None:
            self._report_analog_channel(channel, mode == PinMode.ANALOG)
        self._state[pin] = 0
        if mode not in _SKETCH_MODES:
            self._say("Unknown pin mode")
            return
        if not self.layout.pins[pin].supports(mode):
            return
        self._modes[pin] = mode
        if mode == PinMode.PULLUP:
            self._state[pin] = 1
        elif mode == PinMode.SERVO and pin not in self._servos:
            self._attach_servo(pin, SERVO_MIN_PULSE_US, SERVO_MAX_PULSE_US)

    def _attach_servo(self, pin: int, min_pulse: int, max_pulse: int) -> None:
        if pin not in self._servos and len(self._servos) >= self.spec.max_servos:
            self._say("Max servos attached")
            return
        self._servos[pin] = (min_pulse, max_pulse)

    def _on_set_digital_pin_value(self, command: c.SetDigitalPinValue) -> None:
        pin = command.pin
        if pin < self.spec.total_pins and self._modes[pin] == PinMode.OUTPUT:
            self._state[pin] = int(command.value)

    def _on_digital_port_write(self, command: c.DigitalPortWrite) -> None:
        for bit in range(8):
            pin = command.port * 8 + bit
            if pin >= self.spec.total_pins or not self.spec.is_digital(pin):
                continue
            if self._modes[pin] in (PinMode.OUTPUT, PinMode.INPUT):
                self._state[pin] = (command.mask >> bit) & 1

    def _on_analog_write(self, command: c.AnalogWrite | e.ExtendedAnalog) -> None:
        pin = command.pin
        if pin < self.spec.total_pins and self._modes[pin] in (PinMode.PWM, PinMode.SERVO):
            self._state[pin] = command.value

    def _report_analog_channel(self, channel: int, enable: bool) -> None:
        if channel >= self.spec.analog_channels:
            return
        if not enable:
            self._report_analog.discard(channel)
            return
        self._report_analog.add(channel)
        self._send_analog(channel, self._next_sample)

    def _on_report_analog(self, command: c.ReportAnalog) -> None:
        self._report_analog_channel(command.channel, command.enable)

    def _on_report_digital(self, command: c.ReportDigital) -> None:
        if command.port >= self.layout.port_count:
            return
        if command.enable:
            self._report_ports.add(command.port)
            self._output_port(command.port, force=True)
        else:
            self._report_ports.discard(command.port)

    def _on_sampling_interval(self, command: c.SetSamplingInterval) -> None:
        self.sampling_interval_ms = max(MIN_SAMPLING_INTERVAL_MS, command.interval_ms)
        self._next_sample = self._last_sample + self.sampling_interval_ms / 1000

    def _on_capability_query(self, _: c.CapabilityQuery) -> None:
        self._emit(self.spec.capabilities())

    def _on_analog_mapping_query(self, _: c.AnalogMappingQuery) -> None:
        self._emit(self.spec.analog_mapping())

    def _on_pin_state_query(self, command: c.PinStateQuery) -> None:
        pin = command.pin
        if pin >= self.spec.total_pins:
            self._out += sysex(PIN_STATE_RESPONSE, bytes((pin,)))  # what the sketch sends
            return
        self._emit(e.PinStateResponse(pin, self._modes[pin], self._state[pin]))

    def _on_servo_config(self, command: c.ServoConfig) -> None:
        if self.spec.is_digital(command.pin):
            self._servos.pop(command.pin, None)
            self._attach_servo(command.pin, command.min_pulse, command.max_pulse)
            self._set_pin_mode(command.pin, PinMode.SERVO)

    def _on_i2c_config(self, command: c.I2CConfig) -> None:
        if command.delay_us > 0:
            self._i2c_delay_us = command.delay_us
        if not self._i2c_enabled:
            for pin in sorted(self.spec.i2c_pins):
                self._set_pin_mode(pin, PinMode.I2C)
            self._i2c_enabled = True

    def _refuse_ten_bit(self, command: c.I2CWrite | c.I2CRead | c.I2CStopReading) -> bool:
        if command.ten_bit:
            self._say("10-bit addressing not supported")
        return command.ten_bit

    def _on_i2c_write(self, command: c.I2CWrite) -> None:
        if not self._refuse_ten_bit(command) and command.address in self.i2c_devices:
            self.i2c_devices[command.address].write(command.data)

    def _on_i2c_read(self, command: c.I2CRead) -> None:
        if self._refuse_ten_bit(command):
            return
        if not command.continuous:
            self._i2c_reply(command.address, command.register, command.count)
        elif len(self._i2c_queries) >= MAX_I2C_QUERIES:
            self._say("too many queries")
        else:
            self._i2c_queries.append((command.address, command.register, command.count))

    def _on_i2c_stop(self, command: c.I2CStopReading) -> None:
        self._i2c_queries = [q for q in self._i2c_queries if q[0] != command.address]

    def _i2c_reply(self, address: int, register: int | None, count: int) -> None:
        device = self.i2c_devices.get(address)
        data = device.read(register, count)[:count] if device is not None else b""
        if len(data) < count:
            self._say("I2C: Too few bytes received")
            data = data.ljust(count, b"\x00")
        self._emit(e.I2CReply(address, register or 0, data))

    def _on_string(self, _: e.StringData) -> None:
        """StandardFirmata attaches no string callback: text from the host is ignored."""

    # -- control: the world outside the board --------------------------------------------------

    def inject(self, data: bytes) -> None:
        """Put raw bytes on the wire, as line noise or a broken sketch would."""
        if self.powered:
            self._out += data

    def set_analog(self, pin: int, source: AnalogSource) -> None:
        """What analog pin `pin` reads: ADC counts, or a function of time giving them."""
        channel = self.spec.channel(pin)
        if channel is None:
            raise LocalProtocolError(f"pin {self.layout.name(pin)} has no analog input")
        top = (1 << self.spec.analog_bits) - 1
        if not callable(source) and not 0 <= source <= top:
            raise LocalProtocolError(f"analog input reads 0 to {top}, not {source}")
        self._analog[channel] = source

    def drive(self, pin: int, level: bool | None) -> None:
        """Drive input `pin` high or low from outside, or let it float (None)."""
        if not self.spec.is_digital(pin):
            raise LocalProtocolError(f"pin {self.layout.name(pin)} has no digital input")
        if level is None:
            self._driven.pop(pin, None)
        else:
            self._driven[pin] = bool(level)
        self._check_digital_inputs()

    def mode(self, pin: int) -> PinMode | int:
        return self._modes[pin]

    def _expect(self, pin: int, mode: PinMode) -> int:
        if self._modes[pin] != mode:
            raise LocalProtocolError(
                f"pin {self.layout.name(pin)} is in {mode_name(self._modes[pin])} mode, "
                f"not {mode.name}"
            )
        return self._state[pin]

    def output_level(self, pin: int) -> bool:
        """The level an OUTPUT pin drives."""
        return bool(self._expect(pin, PinMode.OUTPUT))

    def pwm_duty(self, pin: int) -> float:
        """A PWM pin's duty cycle, 0.0 to 1.0 (values past full scale saturate, as analogWrite)."""
        top = (1 << self.spec.pwm_bits) - 1
        return min(self._expect(pin, PinMode.PWM), top) / top

    def servo_angle(self, pin: int) -> float:
        """A servo pin's angle in degrees, as the Servo library turns the written value into one:
        below its minimum pulse width a value is an angle, above it microseconds."""
        value = self._expect(pin, PinMode.SERVO)
        if value < SERVO_MIN_PULSE_US:
            return float(min(value, 180))
        low, high = self._servos.get(pin, (SERVO_MIN_PULSE_US, SERVO_MAX_PULSE_US))
        value = max(low, min(value, high))
        return (value - low) * 180 / (high - low)
