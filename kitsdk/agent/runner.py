"""A student's script as a child process of the agent, and the one way to end it.

The child is ``python -m kitsdk.agent.child`` (see ``child.py``): it owns the kit's pins
while it runs and streams its readings and printed lines back over a socket pair. Ending
it never depends on its goodwill: the agent asks it to stop its outputs (a thread in the
child does this at once, even in a tight loop), sends SIGTERM (the safety net's handler),
and after ``grace`` seconds SIGKILL. The caller then takes the pins back and drives them
safe itself.

The script never outlives the agent: it runs in a process group of its own, which every
signal goes to (so a helper the script started ends with it), and it asks Linux for a
SIGTERM the moment the agent dies, even by SIGKILL (the parent-death signal, set up in
``child.py``). Linux sends that signal when the *thread* that started the child ends, not
the process, so every script is started from one thread that lives as long as the agent
(``_Spawner``), never from the short-lived thread of a ``kit run`` connection.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..ipc import UNDER_AGENT, Channel

#: Lines of the script's output kept for the 'finished', 'stopped' and 'crashed' events.
TAIL_LINES = 20

#: Seconds the reader gets to take in what a script wrote before it exited, should a
#: helper of the script hold the channel open after it (then no end of file comes).
DRAIN = 1.0


@dataclass(frozen=True)
class Ending:
    """Why the agent ended a run: ``how`` is ``stopped`` or ``reset``, ``by`` is who asked
    (``teacher``, ``student`` or ``agent``), ``words`` what the script's parts say as they
    stop (``drone: landed (the teacher stopped the kit)``)."""

    how: str
    by: str
    words: str


#: The endings the agent reports: the teacher's stop (or lock), emergency and reset, the
#: student's Ctrl+C in ``kit run``, and the agent's own shutdown.
TEACHER_STOP = Ending("stopped", "teacher", "the teacher stopped the kit")
TEACHER_LOCK = Ending("stopped", "teacher", "the teacher locked the kit")
TEACHER_EMERGENCY = Ending("stopped", "teacher", "the teacher's emergency stop")
TEACHER_RESET = Ending("reset", "teacher", "the teacher reset the kit")
STUDENT_STOP = Ending("stopped", "student", "the script was stopped with Ctrl+C")
AGENT_STOP = Ending("stopped", "agent", "the kit agent stopped")


@dataclass(frozen=True)
class Crash:
    """The exception that ended a script, as the child reported it."""

    exception: str
    message: str
    line: int | None

    def __str__(self) -> str:
        """``ZeroDivisionError on line 12: division by zero``"""
        where = f" on line {self.line}" if self.line else ""
        return f"{self.exception}{where}" + (f": {self.message}" if self.message else "")


class _Spawner:
    """Starts processes from one thread that lives as long as this process (see above)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], subprocess.Popen[bytes]],
                                            Future[subprocess.Popen[bytes]]]] = \
            queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, make: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        """``make()`` run on the spawning thread; its exception is raised here."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # not alive: forked
                self._thread = threading.Thread(target=self._serve, name="kitsdk-spawner",
                                                daemon=True)
                self._thread.start()
        done: Future[subprocess.Popen[bytes]] = Future()
        self._jobs.put((make, done))
        return done.result()

    def _serve(self) -> None:
        while True:
            make, done = self._jobs.get()
            try:
                done.set_result(make())
            except BaseException as exc:  # handed to the caller, who raises it
                done.set_exception(exc)


# Process-wide by nature: the thread that forks must outlive every script it started.
_spawner = _Spawner()


class ScriptRun:
    """One run of a script: start it, watch it, end it.

    ``on_message`` receives every message from the child (readings, output, kit, error) on
    the run's reader thread; ``on_exit`` receives the exit status once the child is gone
    and reaped, before ``stop`` and ``wait`` return. ``ending`` says why the agent ended it
    (None: it ended by itself), and ``crash`` what it raised, if it did.
    """

    def __init__(
        self,
        script: str | Path,
        args: Sequence[str] = (),
        *,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        stdio: Sequence[int | IO[Any] | None] = (subprocess.DEVNULL,) * 3,
        rate: float = 10.0,
        on_message: Callable[[dict[str, Any]], None] = lambda message: None,
        on_exit: Callable[[int], None] = lambda code: None,
    ) -> None:
        self.script = Path(script)
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.ending: Ending | None = None
        self.crash: Crash | None = None
        self._on_message = on_message
        self._on_exit = on_exit
        self._emergency_done = threading.Event()
        ours, theirs = socket.socketpair()
        self.channel = Channel(ours)
        # UNDER_AGENT holds the agent's pid: the child checks that its parent still is it.
        environment = {**(env if env is not None else os.environ),
                       "KITSDK_AGENT_RATE": str(rate), UNDER_AGENT: str(os.getpid())}
        try:
            self.process = _spawner.start(lambda: subprocess.Popen(
                [sys.executable, "-m", "kitsdk.agent.child", str(theirs.fileno()),
                 str(self.script), *args],
                cwd=cwd, env=environment, pass_fds=(theirs.fileno(),),
                stdin=stdio[0], stdout=stdio[1], stderr=stdio[2],
                start_new_session=True,  # its own group; the student's Ctrl+C reaches `kit run`
            ))
        except BaseException:
            self.channel.close()
            raise
        finally:
            theirs.close()
        self.exited = threading.Event()
        self.returncode: int | None = None
        self._reader = threading.Thread(target=self._read, name=f"run-{self.pid}-read",
                                        daemon=True)
        self._reader.start()
        threading.Thread(target=self._reap, name=f"run-{self.pid}-reap", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, message_type: str, /, **fields: Any) -> bool:
        return self.channel.send(message_type, **fields)

    def emergency(self, ending: Ending, timeout: float) -> bool:
        """Have the script's process stop its motors at once (``Kit.emergency``), and wait
        up to ``timeout`` s for it to say it did: True if it did. The run ends with
        ``ending``, even if the script ends by itself before its ``stop``."""
        if self.ending is None:
            self.ending = ending
        self._emergency_done.clear()
        return self.send("emergency", reason=ending.words) and self._emergency_done.wait(timeout)

    def stop(self, grace: float = 0.25, ending: Ending = AGENT_STOP) -> int:
        """End the script: outputs off now, SIGTERM, SIGKILL after ``grace`` seconds.

        Returns once the script is gone and reaped. The first ``ending`` asked for is the
        one reported; a script that had ended by itself keeps none.
        """
        if not self.exited.is_set():
            if self.ending is None:
                self.ending = ending
            self.send("stop", reason=ending.words)
            self._signal(signal.SIGTERM)
            if not self.exited.wait(grace):
                self._signal(signal.SIGKILL)
        self.exited.wait()
        assert self.returncode is not None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        self.exited.wait(timeout)
        return self.returncode

    def _signal(self, signum: int) -> None:
        """Signal the script's process group: the script and any helper it started."""
        if self.process.returncode is not None:  # reaped: its pid may belong to another
            return
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:  # the whole group ended between our check and the signal
            return

    def _read(self) -> None:
        for message in self.channel:
            if message["type"] == "output":
                self.tail.append(str(message.get("text", "")))
            elif message["type"] == "emergency_done":
                self._emergency_done.set()
            elif message["type"] == "crashed":
                line = message.get("line")
                self.crash = Crash(str(message.get("exception", "Exception")),
                                   str(message.get("message", "")),
                                   line if type(line) is int else None)
            self._on_message(message)

    def _reap(self) -> None:
        """Wait for the script's exit, whatever holds its channel open, then report it."""
        code = self.process.wait()
        self._end_helpers()
        self._reader.join(DRAIN)
        self.channel.close()  # ends the reader, should a helper still hold the other end
        self._reader.join()
        self.returncode = code
        try:  # before ``exited``: a stop returns once the caller has taken the pins back
            self._on_exit(code)
        finally:
            self.exited.set()

    def _end_helpers(self) -> None:
        """End the helpers a script left behind in its group: they go with it, as on a stop
        (the agent takes the pins back next, and a kit has one owner at a time)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:  # no helper: the group ended with the script
            return
