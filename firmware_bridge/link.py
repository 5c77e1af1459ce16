"""The I/O thread of a `Board`: open, handshake, read, and reconnect after an unplug.

One thread owns the port (pyserial ``serial/threaded`` style): it opens it, waits for the
firmware report, asks for capabilities, then reads and feeds the sans-I/O protocol, handing
decoded events to the board. Any thread may write through `Link.send`, under a lock. When a
read fails (cable pulled, board reset) the thread closes the port and tries again with
exponential back-off until it succeeds or the board is closed; waits are on an `Event`, so
closing interrupts them at once.

Boards reset when their port opens, and spend a second or two in the bootloader, where
anything sent is lost. So the handshake asks for the firmware report repeatedly (backing off)
instead of trusting the boot report to arrive, which also covers boards that do not reset
(Leonardo, Pico).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .exc import BoardConnectionError, BoardNotResponding, ConnectionLost, NotFirmata
from .ports import describe_ports
from .protocol import (
    AnalogMappingQuery,
    AnalogMappingResponse,
    AnalogReport,
    BoardLayout,
    CapabilityQuery,
    Command,
    FirmataConnection,
    FirmwareReport,
    Message,
    QueryFirmware,
    QueryVersion,
    SystemReset,
    VersionReport,
)
from .transport import SerialPort, close_port, open_port, reader

logger = logging.getLogger("firmware_bridge")

#: Seconds between re-sent firmware queries during a handshake: 0.25, 0.5, 1, 1, ...
QUERY_BACKOFF = (0.25, 0.5, 1.0)
#: First wait before reconnecting; it doubles up to the link's `max_backoff`.
INITIAL_BACKOFF = 0.1


@dataclass(frozen=True)
class FirmwareInfo:
    """What the board said it runs."""

    name: str
    version: tuple[int, int]
    protocol: tuple[int, int]


@dataclass(frozen=True)
class Session:
    """One connection to the board, from a completed handshake to the next unplug."""

    port: SerialPort
    conn: FirmataConnection
    firmware: FirmwareInfo
    layout: BoardLayout


class LinkHandler(Protocol):
    """What the link reports to its board, always from the link thread."""

    def on_session(self, session: Session) -> None: ...

    def on_events(self, events: list[Message], timestamp: float) -> None: ...

    def on_lost(self, reason: str, retrying: bool) -> None: ...

    def on_failed(self, error: BoardConnectionError) -> None: ...


class Link:
    """The thread and the port behind one `Board`."""

    def __init__(
        self,
        url: str,
        handler: LinkHandler,
        *,
        baud: int,
        timeout: float,
        reconnect: bool,
        max_backoff: float,
        batch_window: float = 0.0,
    ) -> None:
        self.url = url
        self._batch_window = batch_window
        self._handler = handler
        self._baud = baud
        self._timeout = timeout
        self._reconnect = reconnect
        self._max_backoff = max_backoff
        self._closing = threading.Event()
        self._write_lock = threading.Lock()
        self._proto_lock = threading.Lock()
        self._session: Session | None = None
        self._past_errors: Counter[str] = Counter()
        self.reconnects = 0
        self._thread = threading.Thread(target=self._run, name=f"firmata {url}", daemon=True)

    # -- control (any thread) ------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (it notices within one read timeout) and close the port."""
        self._closing.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join()

    @property
    def session(self) -> Session | None:
        return self._session

    def error_counts(self) -> Counter[str]:
        """Input errors by kind, over every session."""
        with self._proto_lock:
            session = self._session
            return self._past_errors + (session.conn.error_counts if session else Counter())

    def send(self, commands: Sequence[Command], *, flush: bool = False) -> None:
        """Encode (checking each command; nothing is written if one is refused) and write."""
        with self._write_lock:
            session = self._session
            if session is None:
                raise ConnectionLost(f"the board on {self.url} is not connected; reconnecting")
            with self._proto_lock:
                data = b"".join(session.conn.send(command) for command in commands)
            try:
                session.port.write(data)
                if flush:
                    session.port.flush()
            except OSError as exc:
                raise ConnectionLost(f"writing to the board on {self.url} failed: {exc}") from exc

    # -- the thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        first = True
        delay = INITIAL_BACKOFF
        while not self._closing.is_set():
            try:
                session = self._connect()
            except BoardConnectionError as exc:
                if first or not self._reconnect:
                    self._handler.on_failed(exc)
                    return
                logger.info("reconnecting to %s failed: %s", self.url, exc)
                if self._closing.wait(delay):
                    return
                delay = min(delay * 2, self._max_backoff)
                continue
            if session is None:  # closed while connecting
                return
            if not first:
                self.reconnects += 1
            first = False
            delay = INITIAL_BACKOFF
            with self._write_lock:
                self._session = session
            self._handler.on_session(session)
            reason = self._read(session)
            with self._write_lock, self._proto_lock:
                self._session = None
                self._past_errors += session.conn.error_counts
            close_port(session.port)
            if self._closing.is_set():
                return
            self._handler.on_lost(reason, self._reconnect)
            if not self._reconnect or self._closing.wait(delay):
                return

    def _read(self, session: Session) -> str:
        """Read until the port fails or the board is closed; why it ended.

        While the board streams nothing but analog reports, reads are spaced at least
        `batch_window` apart, so a fast stream costs one wake-up per window instead of one
        per sample; replies and digital changes end the spacing at once.
        """
        read, conn = reader(session.port), session.conn
        window = self._batch_window
        resume = 0.0
        while not self._closing.is_set():
            if resume:
                delay = resume - time.monotonic()
                if delay > 0 and self._closing.wait(delay):
                    break
                resume = 0.0
            try:
                data = read()
            except OSError as exc:  # pyserial's SerialException is an OSError
                return f"reading failed ({exc})"
            if not data:
                continue
            timestamp = time.monotonic()
            with self._proto_lock:
                conn.receive_data(data)
                events = list(conn.events())
            if events:
                self._handler.on_events(events, timestamp)
                if window and all(type(event) is AnalogReport for event in events):
                    resume = timestamp + window
        return "closed"

    def _connect(self) -> Session | None:
        port = open_port(self.url, self._baud)
        try:
            return _Handshake(port, self.url, self._timeout, self._closing).run()
        except BaseException:
            close_port(port)
            raise


class _Handshake:
    """Find out that a Firmata board is there, and what it can do, before `timeout`."""

    def __init__(
        self, port: SerialPort, url: str, timeout: float, closing: threading.Event
    ) -> None:
        self.port = port
        self.url = url
        self.conn = FirmataConnection()
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.closing = closing
        self.received = 0
        self.firmware: FirmwareReport | None = None
        self.version: VersionReport | None = None
        self.mapping = False

    def _write(self, *commands: Command) -> None:
        try:
            self.port.write(b"".join(self.conn.send(command) for command in commands))
        except OSError as exc:
            raise ConnectionLost(f"writing to {self.url} failed: {exc}") from exc

    def _pump(self) -> None:
        try:
            data = self.port.read(self.port.in_waiting or 1)
        except OSError as exc:
            raise ConnectionLost(f"reading {self.url} failed: {exc}") from exc
        self.received += len(data)
        self.conn.receive_data(data)
        for event in self.conn.events():
            if isinstance(event, FirmwareReport):
                self.firmware = event
            elif isinstance(event, VersionReport):
                self.version = event
            elif isinstance(event, AnalogMappingResponse):
                self.mapping = True

    def _until(self, done: Callable[[], bool], ask: tuple[Command, ...]) -> bool:
        """Send `ask`, re-sending with back-off, until `done()`; False if closed or too late."""
        steps = iter(QUERY_BACKOFF)
        self._write(*ask)
        next_ask = time.monotonic() + next(steps)
        while not done():
            now = time.monotonic()
            if self.closing.is_set() or now >= self.deadline:
                return False
            if now >= next_ask:
                self._write(*ask)
                next_ask = now + next(steps, QUERY_BACKOFF[-1])
            self._pump()
        return True

    def _identified(self) -> bool:
        return self.firmware is not None

    def _described(self) -> bool:
        return self.conn.layout is not None and self.mapping

    def run(self) -> Session | None:
        # After the firmware report: a known state first (a board that did not reset may
        # still run the last session's reporting), then its pins.
        identify = (QueryFirmware(), QueryVersion())
        describe = (SystemReset(), CapabilityQuery(), AnalogMappingQuery())
        if not self._until(self._identified, identify) or not self._until(
            self._described, describe
        ):
            self._give_up()
            return None
        firmware = self.firmware
        layout = self.conn.layout
        assert firmware is not None and layout is not None
        protocol = self.version or firmware
        info = FirmwareInfo(
            firmware.name, (firmware.major, firmware.minor), (protocol.major, protocol.minor)
        )
        return Session(self.port, self.conn, info, layout)

    def _give_up(self) -> None:
        if self.closing.is_set():
            return None
        if self.firmware is not None:
            raise NotFirmata(
                f"{self.firmware.name} on {self.url} did not describe its pins within "
                f"{self.timeout} s; is it a complete Firmata sketch such as StandardFirmata?"
            )
        if self.received:
            raise NotFirmata(
                f"Something answered on {self.url} ({self.received} bytes) but not in Firmata. "
                "Upload StandardFirmata (Arduino IDE: File > Examples > Firmata) and check "
                "that both sides use the same baud rate (57600)."
            )
        raise BoardNotResponding(
            f"No answer from {self.url} within {self.timeout} s. Is StandardFirmata uploaded "
            f"to the board? {describe_ports() if '://' not in self.url else ''}".strip()
        )
