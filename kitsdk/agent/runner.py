"""A student's script as a child process of the agent, and the one way to end it.

The child is ``python -m kitsdk.agent.child`` (see ``child.py``): it owns the kit's pins
while it runs and streams its readings and printed lines back over a socket pair. Ending
it never depends on its goodwill: the agent asks it to stop its outputs (a thread in the
child does this at once, even in a tight loop), sends SIGTERM (the safety net's handler),
and after ``grace`` seconds SIGKILL. The caller then takes the pins back and drives them
safe itself.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from ..ipc import UNDER_AGENT, Channel

#: Lines of the script's output kept for the 'finished' and 'crashed' events.
TAIL_LINES = 20


class ScriptRun:
    """One run of a script: start it, watch it, end it.

    ``on_message`` receives every message from the child (readings, output, kit, error) on
    the run's reader thread; ``on_exit`` receives the exit status once the child is gone.
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
        self._on_message = on_message
        self._on_exit = on_exit
        ours, theirs = socket.socketpair()
        self.channel = Channel(ours)
        environment = {**(env if env is not None else os.environ),
                       "KITSDK_AGENT_RATE": str(rate), UNDER_AGENT: "1"}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kitsdk.agent.child", str(theirs.fileno()),
                 str(self.script), *args],
                cwd=cwd, env=environment, pass_fds=(theirs.fileno(),),
                stdin=stdio[0], stdout=stdio[1], stderr=stdio[2],
                start_new_session=True,  # the student's Ctrl+C reaches `kit run`, not us
            )
        except BaseException:
            self.channel.close()
            raise
        finally:
            theirs.close()
        self.exited = threading.Event()
        self.returncode: int | None = None
        threading.Thread(target=self._read, name=f"run-{self.process.pid}", daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, message_type: str, /, **fields: Any) -> bool:
        return self.channel.send(message_type, **fields)

    def stop(self, grace: float = 0.25) -> int:
        """End the script: outputs off now, SIGTERM, SIGKILL after ``grace`` seconds."""
        if not self.exited.is_set():
            self.send("stop")
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
        try:
            self.process.send_signal(signum)
        except ProcessLookupError:  # it ended between our check and the signal
            return

    def _read(self) -> None:
        for message in self.channel:
            if message["type"] == "output":
                self.tail.append(str(message.get("text", "")))
            self._on_message(message)
        # The child closed its end: it has exited, or is about to.
        self.returncode = self.process.wait()
        self.channel.close()
        self.exited.set()
        self._on_exit(self.returncode)
