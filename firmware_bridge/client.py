"""`Board`: a Firmata board (a stock Arduino with StandardFirmata, or the emulator) by URL.

The constructor does no I/O; `open` (or `Board.connect`) opens the port, waits for the board
to boot and describe its pins, and raises a connection error that says what went wrong and
which ports exist. After that the board keeps itself connected: if the cable is pulled it
reconnects with back-off, waits for the reset, asks for the pins again and re-applies every
pin mode, reporting and the sampling interval (outputs come back low, the board's reset state,
so a motor never restarts by itself). The connection state is visible (`state`) and reported
to callbacks. `close` sends a system reset, so outputs go to a safe state; boards still open
when the interpreter exits are closed the same way.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Hashable
from types import TracebackType

from .exc import (
    BoardClosed,
    BoardConnectionError,
    BoardNotResponding,
    BoardTimeout,
    LocalProtocolError,
)
from .link import FirmwareInfo, Link, Session, logger
from .pins import Pin
from .ports import find_board
from .protocol import (
    AnalogReport,
    AnalogWrite,
    BoardLayout,
    Command,
    DigitalPortReport,
    DigitalPortWrite,
    ExtendedAnalog,
    I2CConfig,
    I2CRead,
    I2CReply,
    I2CWrite,
    Message,
    PinMode,
    PinName,
    PinStateQuery,
    PinStateResponse,
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
from .protocol.constants import INPUT_MODES, MAX_14BIT, MAX_CHANNEL
from .state import BoardStats, ConnectionState, StateChange

#: Seconds `open` waits for the board to boot and describe itself. An Uno spends about 1.6 s
#: in its bootloader after the port opens.
DEFAULT_CONNECT_TIMEOUT = 5.0
#: While a board streams only analog reports, read at most this often (seconds): a 1 ms
#: stream then costs one wake-up per 4 ms instead of one per sample. Replies and digital
#: changes are never held back by more than this; 0 reads as soon as anything arrives.
DEFAULT_BATCH_WINDOW = 0.004


_Deliveries = list[tuple[Pin, int | bool]]

_open_boards: weakref.WeakSet[Board] = weakref.WeakSet()


def _close_open_boards() -> None:
    """At exit, put every board still open into its safe state."""
    for board in list(_open_boards):
        board.close()


atexit.register(_close_open_boards)


class Board:
    """A microcontroller running Firmata, reached by a pyserial URL.

    ::

        with Board.connect("/dev/ttyACM0") as board:        # or "auto", "socket://...", a pty
            board.pin("D13", PinMode.OUTPUT).write(True)
            print(board.pin("A0", PinMode.ANALOG).read())

    `url` is a port path, ``"auto"`` (the one Arduino or Pico plugged in), or any pyserial URL
    (``socket://host:port``, ``emulator://NAME``). `timeout` bounds each connection attempt.
    With `reconnect` (the default) a lost connection is retried with back-off up to
    `max_backoff` seconds apart until `close`.
    """

    def __init__(
        self,
        url: str,
        *,
        baud: int = 57600,
        timeout: float = DEFAULT_CONNECT_TIMEOUT,
        reconnect: bool = True,
        max_backoff: float = 2.0,
        batch_window: float = DEFAULT_BATCH_WINDOW,
    ) -> None:
        self.url = url
        self.batch_window = batch_window
        self.baud = baud
        self.timeout = timeout
        self.reconnect = reconnect
        self.max_backoff = max_backoff
        self._link: Link | None = None
        self._session: Session | None = None
        self._layout: BoardLayout | None = None
        self._state = ConnectionState.IDLE
        self._state_cond = threading.Condition()
        self._failure: BoardConnectionError | None = None
        self._closing = False
        self._state_callbacks: list[Callable[[StateChange], None]] = []
        self._listeners: list[Callable[[Message], None]] = []
        self._string_callbacks: list[Callable[[str], None]] = []
        #: Guards the configuration (modes, reporting, levels) against a concurrent re-apply.
        self._config = threading.RLock()
        #: Guards readings and replies; pins wait on it for their first report.
        self._readings = threading.Condition()
        self._replies: dict[Hashable, tuple[int, Message]] = {}
        self._pins: dict[int, Pin] = {}
        self._by_channel: dict[int, Pin] = {}
        self._reporting_ports: set[int] = set()
        self._port_levels: dict[int, int] = {}
        self._sampling_interval: int | None = None
        self._i2c_delay: int | None = None
        self._stats = BoardStats()
        # AnalogReport (inlined: the hot path), VersionReport and StringData: in on_events.
        self._handlers: dict[type, Callable[[Message, float, _Deliveries], None]] = {
            ExtendedAnalog: self._on_extended_analog,
            DigitalPortReport: self._on_port,
            PinStateResponse: self._on_reply,
            I2CReply: self._on_reply,
        }

    def __repr__(self) -> str:
        return f"<Board {self.url} {self._state.value}>"

    # -- lifecycle ------------------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        baud: int = 57600,
        timeout: float = DEFAULT_CONNECT_TIMEOUT,
        reconnect: bool = True,
        max_backoff: float = 2.0,
        batch_window: float = DEFAULT_BATCH_WINDOW,
    ) -> Board:
        """Make a board and `open` it."""
        board = cls(
            url,
            baud=baud,
            timeout=timeout,
            reconnect=reconnect,
            max_backoff=max_backoff,
            batch_window=batch_window,
        )
        return board.open()

    def open(self) -> Board:
        """Connect: open the port, wait for the firmware report, learn the pins.

        Raises `BoardNotFound` (no such port), `BoardNotResponding` (silence) or `NotFirmata`
        (something else answered), each listing the serial ports that exist.
        """
        with self._state_cond:
            if self._closing:
                raise BoardClosed(f"the board on {self.url} was closed; make a new Board")
            if self._state is not ConnectionState.IDLE:
                return self
        url = find_board() if self.url == "auto" else self.url
        self._link = Link(
            url,
            self,
            baud=self.baud,
            timeout=self.timeout,
            reconnect=self.reconnect,
            max_backoff=self.max_backoff,
            batch_window=self.batch_window,
        )
        self._set_state(ConnectionState.CONNECTING, f"opening {url}")
        _open_boards.add(self)
        self._link.start()
        with self._state_cond:
            # The link bounds the handshake by `timeout`; this bound only guards a stuck open.
            if not self._state_cond.wait_for(
                lambda: self._state is not ConnectionState.CONNECTING, self.timeout + 30
            ):
                self._failure = BoardNotResponding(f"opening {url} did not finish")
            failure = self._failure
        if failure is not None:
            self.close()
            raise failure
        return self

    def close(self) -> None:
        """Reset the board (outputs off), stop the reader thread and close the port.
        Idempotent, and safe on a board that never opened."""
        with self._state_cond:
            if self._closing:
                return
            self._closing = True
            was = self._state
            self._state = ConnectionState.CLOSED  # no reconnect from here on
            self._state_cond.notify_all()
        link = self._link
        if link is not None:
            if was is ConnectionState.CONNECTED:
                try:
                    link.send([SystemReset()], flush=True)
                except BoardConnectionError as exc:
                    logger.info("could not reset %s while closing: %s", self.url, exc)
            link.stop()
        _open_boards.discard(self)
        if was is not ConnectionState.CLOSED:
            self._announce(
                StateChange(ConnectionState.CLOSED, was, "closed"), self._state_callbacks
            )
        with self._readings:
            self._readings.notify_all()

    @property
    def closed(self) -> bool:
        return self._state is ConnectionState.CLOSED

    def __enter__(self) -> Board:
        return self.open()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- state ----------------------------------------------------------------------------------

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def connected(self) -> bool:
        return self._state is ConnectionState.CONNECTED

    def add_state_callback(self, callback: Callable[[StateChange], None]) -> None:
        """Call ``callback(change)`` on every change of `state` (on the reader thread)."""
        self._state_callbacks.append(callback)

    def remove_state_callback(self, callback: Callable[[StateChange], None]) -> None:
        self._state_callbacks.remove(callback)

    def wait_for_state(self, state: ConnectionState, timeout: float | None) -> bool:
        """Block until the connection is in `state`; False on timeout."""
        with self._state_cond:
            return self._state_cond.wait_for(lambda: self._state is state, timeout)

    def _set_state(self, state: ConnectionState, reason: str) -> None:
        self._publish(self._change_state(state, reason))

    def _change_state(
        self, state: ConnectionState, reason: str
    ) -> tuple[StateChange, list[Callable[[StateChange], None]]] | None:
        """Switch state; what to announce (outside any lock), or None if nothing changed."""
        with self._state_cond:
            previous = self._state
            if previous is ConnectionState.CLOSED or previous is state:
                return None
            self._state = state
            callbacks = list(self._state_callbacks)  # those registered before the change
            self._state_cond.notify_all()
        level = logging.WARNING if state is ConnectionState.RECONNECTING else logging.INFO
        logger.log(level, "board %s %s: %s", self.url, state.value, reason)
        return StateChange(state, previous, reason), callbacks

    def _publish(
        self, announcement: tuple[StateChange, list[Callable[[StateChange], None]]] | None
    ) -> None:
        if announcement is not None:
            self._announce(*announcement)

    def _announce(
        self, change: StateChange, callbacks: list[Callable[[StateChange], None]]
    ) -> None:
        for callback in callbacks:
            self._guard(callback, change)

    def _guard(self, callback: Callable[..., object], *args: object) -> None:
        """Run a user callback; its exception is logged and counted, never propagated."""
        try:
            callback(*args)
        except Exception:
            self._stats.callback_errors += 1
            logger.exception("callback %r failed", callback)

    # -- what the board is ----------------------------------------------------------------------

    @property
    def firmware(self) -> FirmwareInfo | None:
        """Name and versions the board reported, once connected."""
        return self._session.firmware if self._session else None

    @property
    def layout(self) -> BoardLayout | None:
        """The board's pins and what they can do, once connected."""
        return self._layout

    def _layout_or_raise(self) -> BoardLayout:
        if self._layout is None:
            raise BoardConnectionError(
                f"the board on {self.url} is not open yet: use Board.connect() or board.open()"
            )
        return self._layout

    @property
    def stats(self) -> BoardStats:
        """A snapshot of the error counters."""
        link = self._link
        session = self._session
        stats = self._stats
        return BoardStats(
            input_errors=link.error_counts() if link else Counter(),
            recent_errors=list(session.conn.recent_errors) if session else [],
            reconnects=link.reconnects if link else 0,
            board_resets=stats.board_resets,
            callback_errors=stats.callback_errors,
        )

    # -- pins -----------------------------------------------------------------------------------

    def pin(self, name: PinName, mode: PinMode | int | None = None, **servo: int) -> Pin:
        """The pin called `name` (``"D9"``, ``"A0"``, ``9``), set to `mode` if given
        (`min_pulse` / `max_pulse` for SERVO). The same `Pin` is returned every time."""
        layout = self._layout_or_raise()
        number = layout.resolve(name)
        with self._readings:
            pin = self._pins.get(number)
            if pin is None:
                channel = layout.channel_of(number)
                pin = Pin(self, number, layout.name(number), layout.pins[number], channel)
                self._pins[number] = pin
                if channel is not None:
                    self._by_channel[channel] = pin
        if mode is not None:
            pin.set_mode(mode, **servo)
        return pin

    def analog(self, name: PinName) -> Pin:
        """Analog input `name`, reporting: ``board.analog("A0").read()``."""
        return self.pin(name, PinMode.ANALOG)

    @property
    def sampling_interval(self) -> int | None:
        """Milliseconds between analog reports (None: the board's default, 19 on StandardFirmata).
        Setting it is kept across reconnects."""
        return self._sampling_interval

    @sampling_interval.setter
    def sampling_interval(self, milliseconds: int) -> None:
        command = SetSamplingInterval(milliseconds)
        command.encode()  # refuse a bad value even while disconnected
        with self._config:
            self._sampling_interval = milliseconds
            self._send_if_connected([command])

    def _send(self, commands: list[Command]) -> None:
        if self._state is ConnectionState.CLOSED:
            raise BoardClosed(f"the board on {self.url} was closed")
        link = self._link
        if link is None:
            self._layout_or_raise()
            return
        link.send(commands)

    def _send_if_connected(self, commands: list[Command]) -> None:
        """Configuration: sent now if connected, else re-applied when the board comes back."""
        if self._state is ConnectionState.CONNECTED:
            self._send(commands)
        elif self._state is ConnectionState.CLOSED:
            raise BoardClosed(f"the board on {self.url} was closed")

    def _pin_commands(self, pin: Pin) -> list[Command]:
        mode = pin.mode
        if mode is None:
            return []
        if mode == PinMode.SERVO:
            low, high = pin.servo_pulses
            return [ServoConfig(pin.number, low, high), SetPinMode(pin.number, mode)]
        commands: list[Command] = [SetPinMode(pin.number, mode)]
        if mode == PinMode.ANALOG and pin.channel is not None:
            commands.append(ReportAnalog(pin.channel, True))
        return commands

    def _reporting_commands(self) -> list[Command]:
        """Turn digital port reporting on or off to match the input pins."""
        wanted = {n // 8 for n, p in self._pins.items() if p.mode in INPUT_MODES}
        commands: list[Command] = [
            ReportDigital(port, True) for port in wanted - self._reporting_ports
        ]
        commands += [ReportDigital(port, False) for port in self._reporting_ports - wanted]
        self._reporting_ports = wanted
        return commands

    def _mode_changed(self, pin: Pin) -> None:
        """Send a pin's new configuration (called by `Pin.set_mode` under `_config`)."""
        commands = self._pin_commands(pin)
        if pin.mode != PinMode.ANALOG and pin.channel is not None:
            commands.append(ReportAnalog(pin.channel, False))
        port = pin.number // 8
        self._port_levels[port] = self._port_levels.get(port, 0) & ~(1 << (pin.number % 8))
        self._send_if_connected(commands + self._reporting_commands())

    def _digital_write(self, pin: Pin, level: bool) -> None:
        port, bit = divmod(pin.number, 8)
        with self._config:
            levels = self._port_levels.get(port, 0)
            levels = levels | (1 << bit) if level else levels & ~(1 << bit)
            session = self._session
            if session is not None and session.firmware.protocol >= (2, 5):
                self._send([SetDigitalPinValue(pin.number, level)])
            else:  # before 2.5 a whole port is written; keep the other pins' levels
                self._send([DigitalPortWrite(port, levels)])
            self._port_levels[port] = levels

    def _analog_write(self, pin: Pin, value: int) -> None:
        if pin.number <= MAX_CHANNEL and 0 <= value <= MAX_14BIT:
            self._send([AnalogWrite(pin.number, value)])
        else:
            self._send([ExtendedAnalog(pin.number, value)])

    # -- queries ----------------------------------------------------------------------------------

    def _ask(self, key: Hashable, commands: list[Command], timeout: float, what: str) -> Message:
        """Send `commands` and wait for the reply filed under `key`."""
        with self._readings:
            before = self._replies.get(key, (0, None))[0]
        self._send(commands)
        with self._readings:
            if not self._readings.wait_for(
                lambda: self._replies.get(key, (0, None))[0] > before, timeout
            ):
                raise BoardTimeout(f"no {what} from the board on {self.url} within {timeout} s")
            return self._replies[key][1]

    def query_pin_state(self, name: PinName, timeout: float = 1.0) -> PinStateResponse:
        """Ask the board for a pin's mode and state (the value last written to it)."""
        number = self._layout_or_raise().resolve(name)
        reply = self._ask(("pin", number), [PinStateQuery(number)], timeout, "pin state")
        assert isinstance(reply, PinStateResponse)
        return reply

    def _enable_i2c(self, delay_us: int) -> list[Command]:
        if self._i2c_delay == delay_us:
            return []
        self._i2c_delay = delay_us
        return [I2CConfig(delay_us)]

    def i2c_write(self, address: int, data: bytes, *, delay_us: int = 0) -> None:
        """Write `data` to I2C device `address` (I2C is enabled on first use)."""
        self._send([*self._enable_i2c(delay_us), I2CWrite(address, bytes(data))])

    def i2c_read(
        self,
        address: int,
        count: int,
        register: int | None = None,
        *,
        timeout: float = 1.0,
        delay_us: int = 0,
    ) -> bytes:
        """Read `count` bytes from I2C device `address`, from `register` if given."""
        commands = [*self._enable_i2c(delay_us), I2CRead(address, count, register)]
        reply = self._ask(("i2c", address, register or 0), commands, timeout, "I2C reply")
        assert isinstance(reply, I2CReply)
        return reply.data

    # -- listeners --------------------------------------------------------------------------------

    def add_listener(self, listener: Callable[[Message], None]) -> None:
        """Call ``listener(event)`` for every message the board sends (reader thread)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Message], None]) -> None:
        self._listeners.remove(listener)

    def add_string_callback(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(text)`` for text the board sends (often an error from the sketch)."""
        self._string_callbacks.append(callback)

    # -- LinkHandler: called on the reader thread -------------------------------------------------

    def on_session(self, session: Session) -> None:
        if self._layout is not None and session.layout != self._layout:
            logger.warning("the board on %s is not the one it was; pins are re-checked", self.url)
        with self._config:  # no mode change can slip between re-applying and CONNECTED
            self._layout = session.layout
            self._session = session
            self._reapply()
            change = self._change_state(
                ConnectionState.CONNECTED, f"{session.firmware.name} on {self.url}"
            )
        self._publish(change)

    def _reapply(self) -> None:
        """Send the whole configuration to a board that just (re)booted."""
        layout = self._layout
        assert layout is not None and self._link is not None
        self._reporting_ports = set()
        self._port_levels.clear()
        self._i2c_delay = None
        commands: list[Command] = []
        if self._sampling_interval is not None:
            commands.append(SetSamplingInterval(self._sampling_interval))
        for pin in list(self._pins.values()):
            pin._reset_reading()
            pin._written = None
            if pin.mode is None:
                continue
            try:
                layout.check_mode(pin.number, pin.mode)
            except LocalProtocolError as exc:
                logger.warning("pin %s not restored: %s", pin.name, exc)
                pin._mode = None
                continue
            commands += self._pin_commands(pin)
        commands += self._reporting_commands()
        if commands:
            try:
                self._link.send(commands)
            except BoardConnectionError as exc:
                logger.warning("re-applying pin modes on %s failed: %s", self.url, exc)

    def on_events(self, events: list[Message], timestamp: float) -> None:
        """Apply a chunk's events under one lock and one wake-up, then run callbacks."""
        deliveries: _Deliveries = []
        handlers = self._handlers
        by_channel = self._by_channel
        rebooted = False
        texts: list[str] = []
        with self._readings:
            for event in events:
                if type(event) is AnalogReport:  # the hot path: inlined
                    pin = by_channel.get(event.channel)
                    if pin is not None and pin._mode == PinMode.ANALOG:
                        pin._value, pin._timestamp = event.value, timestamp
                        if pin._callbacks:
                            deliveries.append((pin, event.value))
                elif type(event) is VersionReport:
                    rebooted = True
                elif type(event) is StringData:
                    texts.append(event.text)
                else:
                    handler = handlers.get(type(event))
                    if handler is not None:
                        handler(event, timestamp, deliveries)
            self._readings.notify_all()
        for pin, value in deliveries:
            for callback in pin._callbacks:
                self._guard(callback, pin, value)
        for text in texts:
            logger.info("board %s says: %s", self.url, text)
            for text_callback in self._string_callbacks:
                self._guard(text_callback, text)
        for listener in self._listeners:
            for event in events:
                self._guard(listener, event)
        if rebooted:
            self._on_reboot()

    def on_lost(self, reason: str, retrying: bool) -> None:
        self._session = None
        if retrying:
            self._set_state(ConnectionState.RECONNECTING, reason)
        else:
            self._set_state(ConnectionState.CLOSED, reason)

    def on_failed(self, error: BoardConnectionError) -> None:
        with self._state_cond:
            self._failure = error
        self._set_state(ConnectionState.CLOSED, str(error))

    # -- event handlers: reader thread, with the readings lock held -----------------------------

    def _on_extended_analog(self, event: Message, timestamp: float, out: _Deliveries) -> None:
        assert isinstance(event, ExtendedAnalog)
        pin = self._pins.get(event.pin)
        if pin is not None and pin._mode == PinMode.ANALOG:
            pin._value, pin._timestamp = event.value, timestamp
            out.append((pin, event.value))

    def _on_port(self, event: Message, timestamp: float, out: _Deliveries) -> None:
        """Digital callbacks run on a change of level, not on every port report."""
        assert isinstance(event, DigitalPortReport)
        for bit in range(8):
            pin = self._pins.get(event.port * 8 + bit)
            if pin is not None and pin._mode in INPUT_MODES:
                level = bool(event.mask >> bit & 1)
                if level != pin._value:
                    out.append((pin, level))
                pin._value, pin._timestamp = level, timestamp

    def _on_reply(self, event: Message, timestamp: float, out: _Deliveries) -> None:
        if isinstance(event, PinStateResponse):
            key: Hashable = ("pin", event.pin)
        else:
            assert isinstance(event, I2CReply)
            key = ("i2c", event.address, event.register)
        self._replies[key] = (self._replies.get(key, (0, event))[0] + 1, event)

    def _on_reboot(self) -> None:
        """A version report after the handshake means the board rebooted (reset button,
        brown-out): its pins are back to defaults, so send the configuration again."""
        self._stats.board_resets += 1
        logger.warning("board %s rebooted; re-applying pin modes", self.url)
        with self._config:
            self._reapply()
