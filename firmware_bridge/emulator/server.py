"""Serving an `Emulator` over a real serial port (a pty) or a TCP socket, on one thread.

The emulated board sits behind the same kernel interfaces as a real one, so the whole host
stack runs in tests: pyserial, termios, the reader thread. One thread per server waits in
``select`` on the endpoint, a wake-up socket (poked when the control API changes an input) and
the board's next sampling deadline.

A pty behaves like an Uno's USB port: while no program has it open the board is unplugged, and
opening it resets the board (DTR), which then boots and sends its version and firmware reports.
Linux tells the master side nothing when the other side opens, only that it hung up
(POLLHUP), so while closed the server looks again every `OPEN_CHECK_INTERVAL`.

Stopping a server is pulling the cable: the host's next read fails. Start a new server with
the same `link` (pty) or `port` (socket) to plug it back in.
"""

from __future__ import annotations

import os
import select
import selectors
import socket
import threading
import time
import tty
from pathlib import Path
from types import TracebackType

from .emulator import Emulator

#: How often a pty server whose port nobody has open checks whether someone opened it.
OPEN_CHECK_INTERVAL = 0.02
#: Output handed to the kernel at most this far ahead; beyond it the board's own backlog grows
#: and it stops sampling, as a real board does on a full serial buffer.
WRITE_AHEAD = 4096
_READ_SIZE = 4096


class EmulatorServer:
    """Base of the servers: the select loop between an emulator and one host connection."""

    def __init__(self, emulator: Emulator, name: str) -> None:
        self.emulator = emulator
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._stopping = threading.Event()
        self._pending = bytearray()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def url(self) -> str:
        """What to give a client (pyserial URL or port path)."""
        raise NotImplementedError

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        self.emulator.add_waker(self._wake)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Pull the cable: stop serving and close the endpoint. Idempotent."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._wake()
        if self._thread.is_alive():
            self._thread.join()
        self.emulator.remove_waker(self._wake)
        self._close_endpoint()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> str:
        return self.url

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the loop ------------------------------------------------------------------------------

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, OSError):
            return  # a wake-up is already pending, or the server is shutting down

    def _run(self) -> None:
        while not self._stopping.is_set():
            timeout = self._pump()
            for key, mask in self._selector.select(timeout):
                if key.fileobj is self._wake_r:
                    self._drain_wake()
                else:
                    self._on_ready(key, mask)

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(1024):
                continue
        except BlockingIOError:
            return

    def _pump(self) -> float | None:
        """Run the board, write what it produced; how long the loop may sleep."""
        timeout = self._idle_timeout()
        if not self._connected():
            return timeout
        if len(self._pending) < WRITE_AHEAD:
            out, deadline = self.emulator.poll()
            self._pending += out
        else:
            deadline = None
        self._flush()
        if deadline is not None:
            until = max(0.0, deadline - time.monotonic())
            timeout = until if timeout is None else min(timeout, until)
        return timeout

    def _flush(self) -> None:
        while self._pending:
            try:
                sent = self._write(bytes(self._pending))
            except BlockingIOError:
                sent = 0
            except OSError:
                self._disconnected()
                return
            del self._pending[:sent]
            if sent == 0:
                self._want_write(True)
                return
        self._want_write(False)

    def _host_arrived(self) -> None:
        self._pending.clear()
        if self.emulator.reset_on_open or not self.emulator.powered:
            self.emulator.power_on()

    def _host_left(self) -> None:
        self._pending.clear()
        if self.emulator.reset_on_open:
            self.emulator.power_off()

    # -- endpoint hooks ------------------------------------------------------------------------

    def _connected(self) -> bool:
        raise NotImplementedError

    def _idle_timeout(self) -> float | None:
        return None

    def _on_ready(self, key: selectors.SelectorKey, mask: int) -> None:
        raise NotImplementedError

    def _write(self, data: bytes) -> int:
        raise NotImplementedError

    def _want_write(self, wanted: bool) -> None:
        raise NotImplementedError

    def _disconnected(self) -> None:
        raise NotImplementedError

    def _close_endpoint(self) -> None:
        raise NotImplementedError


class PtyServer(EmulatorServer):
    """The emulator behind a pseudo-terminal: a serial port path any program can open.

    `link`, if given, is a symlink kept pointing at the current pty (like udev's
    ``/dev/serial/by-id/...``), so a client can reopen the same path after a restart.
    """

    def __init__(self, emulator: Emulator, link: str | os.PathLike[str] | None = None) -> None:
        super().__init__(emulator, "firmata-emulator-pty")
        self._master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing, before anyone opens it
        self.path = os.ttyname(slave)
        os.close(slave)  # from now on POLLHUP means "nobody has the port open"
        os.set_blocking(self._master, False)
        self._hangup = select.poll()
        self._hangup.register(self._master, select.POLLIN)
        self._open = False
        self.link = Path(link) if link is not None else None
        if self.link is not None:
            temporary = self.link.with_name(self.link.name + ".new")
            temporary.unlink(missing_ok=True)
            temporary.symlink_to(self.path)
            os.replace(temporary, self.link)

    @property
    def url(self) -> str:
        return str(self.link or self.path)

    def _connected(self) -> bool:
        if not self._open and not any(ev & select.POLLHUP for _, ev in self._hangup.poll(0)):
            self._open = True
            self._selector.register(self._master, selectors.EVENT_READ)
            self._host_arrived()
        return self._open

    def _idle_timeout(self) -> float | None:
        return None if self._open else OPEN_CHECK_INTERVAL

    def _on_ready(self, key: selectors.SelectorKey, mask: int) -> None:
        if mask & selectors.EVENT_READ:
            try:
                data = os.read(self._master, _READ_SIZE)
            except BlockingIOError:
                data = b""
            except OSError:  # EIO: the host closed the port
                self._disconnected()
                return
            if data:
                self.emulator.feed(data)
        if mask & selectors.EVENT_WRITE and self._open:
            self._flush()

    def _write(self, data: bytes) -> int:
        return os.write(self._master, data)

    def _want_write(self, wanted: bool) -> None:
        if self._open:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if wanted else 0)
            self._selector.modify(self._master, events)

    def _disconnected(self) -> None:
        if self._open:
            self._open = False
            self._selector.unregister(self._master)
            self._host_left()

    def _close_endpoint(self) -> None:
        self._open = False
        self.emulator.power_off()
        os.close(self._master)
        if (
            self.link is not None
            and self.link.is_symlink()
            and str(self.link.readlink()) == self.path
        ):
            self.link.unlink()


class SocketServer(EmulatorServer):
    """The emulator behind a TCP port on this machine, for pyserial's ``socket://`` URLs.

    Like a serial port it takes one host at a time; a second connection is closed at once.
    Pass the `port` of a stopped server to plug the board back in at the same URL.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(emulator, "firmata-emulator-socket")
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, port))
        self._listener.listen(1)
        self._listener.setblocking(False)
        self.host, self.port = self._listener.getsockname()[:2]
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._conn: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    def _connected(self) -> bool:
        return self._conn is not None

    def _on_ready(self, key: selectors.SelectorKey, mask: int) -> None:
        if key.fileobj is self._listener:
            self._accept()
            return
        if mask & selectors.EVENT_READ and self._conn is not None:
            try:
                data = self._conn.recv(_READ_SIZE)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._disconnected()
                return
            self.emulator.feed(data)
        if mask & selectors.EVENT_WRITE and self._conn is not None:
            self._flush()

    def _accept(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except BlockingIOError:
            return
        if self._conn is not None:
            conn.close()  # the port is in use, as a serial port opened by another program
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._conn = conn
        self._selector.register(conn, selectors.EVENT_READ)
        self._host_arrived()

    def _write(self, data: bytes) -> int:
        assert self._conn is not None
        return self._conn.send(data)

    def _want_write(self, wanted: bool) -> None:
        if self._conn is not None:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if wanted else 0)
            self._selector.modify(self._conn, events)

    def _disconnected(self) -> None:
        if self._conn is not None:
            self._selector.unregister(self._conn)
            self._conn.close()
            self._conn = None
            self._host_left()

    def _close_endpoint(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._listener.close()
        self.emulator.power_off()


def serve_pty(emulator: Emulator, *, link: str | os.PathLike[str] | None = None) -> PtyServer:
    """Serve `emulator` on a new pty; ``with serve_pty(emulator) as port:`` gives its path."""
    server = PtyServer(emulator, link)
    server.start()
    return server


def serve_socket(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> SocketServer:
    """Serve `emulator` on a TCP port; ``with serve_socket(emulator) as url:`` gives
    ``socket://127.0.0.1:PORT``."""
    server = SocketServer(emulator, host, port)
    server.start()
    return server
