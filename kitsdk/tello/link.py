"""The kit's end of a Tello's UDP link: commands with a timeout each, and the state as it comes.

A Tello answers every command once, in order, to the address and port it came from, so the
link keeps a queue of those waiting for an answer and hands each answer to the oldest. That
lets the safety net's ``land`` go out at once from another thread while a script waits on a
long move: the drone answers the move (``error interrupted`` on the simulated one) and then
the landing, each to its own waiter.

No answer within the timeout, an answer that is not text, a state packet that parses to
nothing or comes from another host: each is counted in ``faults`` by kind, and a command
that got no answer raises :class:`~kitsdk.exc.DroneError`; nothing waits for ever.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter, deque
from typing import Any

from ..exc import DroneError
from . import sdk

#: What a Tello's state packet never takes longer than, sent ten times a second.
STALE_STATE = 2.0


class _Waiter:
    def __init__(self, command: str) -> None:
        self.command = command
        self.answer: str | None = None
        self.garbled: bytes | None = None  # what came instead of an answer
        self.done = threading.Event()


class TelloLink:
    """Commands to a Tello at ``host:port`` and its state from ``state_port``.

    ``state_port=0`` takes a free port and tells the drone with ``port`` (Tello EDU, SDK 3.0,
    and the simulated Tello); the default 8890 works with every Tello.
    """

    def __init__(self, host: str, port: int = sdk.COMMAND_PORT, *,
                 state_port: int = sdk.STATE_PORT, name: str = "drone") -> None:
        self.address = (host, port)
        self.name = name
        self.faults: Counter[str] = Counter()
        self.state: dict[str, float] = {}
        self.state_at = 0.0
        self._waiting: deque[_Waiter] = deque()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._first_state = threading.Event()
        self._commands = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._commands.connect(self.address)  # answers only from the drone, and our address
        local = self._commands.getsockname()[0]
        self._states = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._states.bind((local, state_port))
        except OSError as exc:
            self.close()
            raise DroneError(f"{name}: cannot listen for the drone's state on port "
                             f"{state_port} ({exc.strerror})",
                             hint="another drone program is running on this computer: "
                             "stop it first") from exc
        self.state_port = self._states.getsockname()[1]
        self._threads = [threading.Thread(target=self._hear_answers, daemon=True,
                                          name=f"{name}-answers"),
                         threading.Thread(target=self._hear_state, daemon=True,
                                          name=f"{name}-state")]
        for thread in self._threads:
            thread.start()

    def ask(self, command: str, timeout: float) -> str:
        """Send ``command`` and wait for its answer; ``DroneError`` after ``timeout`` s."""
        waiter = _Waiter(command)
        with self._lock:
            if self._closed.is_set():
                raise DroneError(f"{self.name}: the link to the drone is closed")
            self._waiting.append(waiter)
        try:
            self._commands.send(command.encode("ascii"))
        except OSError as exc:
            self._forget(waiter)
            self.faults["send failed"] += 1
            raise DroneError(f"{self.name}: could not send '{command}' ({exc.strerror})",
                             hint="is this computer on the drone's network?") from exc
        if not waiter.done.wait(timeout):
            self._forget(waiter)
            self.faults["no answer"] += 1
            raise DroneError(f"{self.name}: no answer to '{command}' within {timeout:g} s",
                             hint="is the drone switched on, charged, and is this computer "
                             "on its Wi-Fi?")
        if waiter.answer is None:
            raise DroneError(f"{self.name} answered '{command}' with {waiter.garbled!r}, "
                             "which is not an answer", hint="the drone's firmware may be "
                             "too old or too new for this kitsdk: tell your teacher")
        return waiter.answer

    def wait_state(self, timeout: float) -> dict[str, float]:
        """The first state, waiting up to ``timeout`` s for it; ``{}`` if none came."""
        self._first_state.wait(timeout)
        return self.fresh_state()

    def fresh_state(self) -> dict[str, float]:
        """The latest state, or ``{}`` if none came for ``STALE_STATE`` seconds."""
        return dict(self.state) if time.monotonic() - self.state_at < STALE_STATE else {}

    def close(self) -> None:
        self._closed.set()
        for sock in (self._commands, getattr(self, "_states", None)):
            if sock is not None:
                _unblock(sock)
        for thread in getattr(self, "_threads", ()):
            thread.join(timeout=2)
        with self._lock:
            for waiter in self._waiting:
                waiter.done.set()
            self._waiting.clear()

    def _forget(self, waiter: _Waiter) -> None:
        with self._lock:
            if waiter in self._waiting:
                self._waiting.remove(waiter)

    def _hear_answers(self) -> None:
        while not self._closed.is_set():
            received = _receive(self._commands)  # connected: only the drone's answers
            if received is None:
                continue
            if self._closed.is_set():
                return
            data = received[0]
            try:
                answer: str | None = data.decode("ascii").strip()
            except UnicodeDecodeError:
                answer = None
            if not answer or not answer.isprintable():
                self.faults["bad answer"] += 1
                answer = None
            with self._lock:
                waiter = self._waiting.popleft() if self._waiting else None
            if waiter is None:
                self.faults["late answer"] += 1
                continue
            waiter.answer, waiter.garbled = answer, data[:40]
            waiter.done.set()

    def _hear_state(self) -> None:
        while not self._closed.is_set():
            received = _receive(self._states)
            if received is None or self._closed.is_set():
                continue
            data, sender = received
            if sender != self.address[0]:
                self.faults["stranger"] += 1
                continue
            state = sdk.parse_state(data.decode("ascii", errors="replace"))
            if not state:
                self.faults["bad state"] += 1
                continue
            self.state, self.state_at = state, time.monotonic()
            self._first_state.set()


def _receive(sock: socket.socket) -> tuple[bytes, str] | None:
    """A datagram and its sender's host, or None after an error (a refused send's echo,
    the socket closing)."""
    try:
        data, sender = sock.recvfrom(2048)
    except OSError:
        time.sleep(0.05)
        return None
    return data, sender[0] if sender else ""


def _unblock(sock: Any) -> None:
    """Wake a thread blocked in ``recv`` on ``sock``, then close it."""
    with contextlib.suppress(OSError):  # shutdown wakes recv even on unconnected UDP
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
