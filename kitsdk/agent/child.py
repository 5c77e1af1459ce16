"""The agent's hand inside a student's script: readings out, the teacher's orders in.

The agent runs a script as ``python -m kitsdk.agent.child FD SCRIPT [ARGS...]`` with one end
of a socket pair on FD. Here, in the script's own process:

- every kit the script builds streams its readings to the agent at the agent's rate, since
  the script owns the pins while it runs (one owner at a time);
- the script's printed lines are copied to the agent, for the teacher's event log, and
  its lesson progress (``kitsdk.lessons.progress``) goes to the lab as events;
- the agent's orders are obeyed from a thread of their own, so they work even while the
  script spins in ``while True: pass``: ``stop`` stops every output (saying why),
  ``emergency`` stops every motor at once, a drone's in the air too, ``hold_motors``
  stops the motors and keeps them stopped (the lab link is lost), ``release_motors`` lets
  them run again;
- the script dies with the agent: Linux sends it SIGTERM (the safety net's stop) the moment
  the agent dies, even by SIGKILL, and should the script ignore SIGTERM, the orders thread,
  which sees the agent's end of the channel close, stops every output and ends the process;
- the exception that ends the script goes to the agent by name and line, for the teacher's
  event log ("ZeroDivisionError on line 12").
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import threading
import time
from typing import Any, TextIO

from .. import safety
from ..ipc import UNDER_AGENT, Channel
from ..lessons import progress
from ..sampling import sample
from ..script import run_script
from ..telemetry.parts import parts_to_json

#: prctl(2): the signal this process gets when its parent dies.
PR_SET_PDEATHSIG = 1
#: The exit status of a script whose agent went away (as for a hung-up terminal).
AGENT_GONE = 128 + signal.SIGHUP


class _Tee:
    """A text stream that also sends each complete line to the agent."""

    def __init__(self, stream: TextIO, channel: Channel, name: str) -> None:
        self._stream = stream
        self._channel = channel
        self._name = name
        self._partial = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
        for line in lines:
            self._channel.send("output", stream=self._name, text=line[:1000])
        return written

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class Reporter:
    """Samples the process's kits for the agent and obeys its orders."""

    def __init__(self, channel: Channel, rate: float) -> None:
        self.channel = channel
        self.period = 1.0 / rate
        self._started = threading.Event()
        self._done = threading.Event()

    def watch(self, kit: Any) -> None:
        """safety.on_kit hook: the first kit starts the sampling thread."""
        if not self._started.is_set():
            self._started.set()
            threading.Thread(target=self._sample, name="kitsdk-reporter", daemon=True).start()
        self.channel.send("kit", profile=kit.profile.name,
                          channels={name: {c.name: c.unit for c in channels}
                                    for name, channels in kit.channels().items()},
                          parts=parts_to_json(kit.parts()))

    def listen(self) -> None:
        """Obey the agent until it goes away, then stop and end (runs on a daemon thread).

        The agent closes its end only after this process has exited, so an end of file
        here means the agent died: nobody supervises the script any more.
        """
        for message in self.channel:
            kind = message["type"]
            if kind == "stop":
                safety.stop_all(str(message.get("reason", "")))
            elif kind == "emergency":  # never waits on a stop in progress: see Kit.emergency
                for kit in safety.kits():
                    kit.emergency(str(message.get("reason", "")))
                self.channel.send("emergency_done")
            elif kind == "hold_motors":
                for kit in safety.kits():
                    kit.hold_motors(str(message.get("reason", "the teacher stopped them")))
            elif kind == "release_motors":
                for kit in safety.kits():
                    kit.release_motors()
        self._done.set()
        safety.stop_all()
        os._exit(AGENT_GONE)

    def _sample(self) -> None:
        next_tick = time.monotonic()
        while not self._done.is_set():
            values: dict[str, Any] = {}
            for kit in safety.kits():
                kit_values, errors = sample(kit)
                values.update(kit_values)
                for device, error in errors.items():
                    self.channel.send("error", source=device, message=error[:500])
            if values:
                self.channel.send("readings", ts=time.time(), values=values)
            next_tick += self.period
            self._done.wait(max(0.0, next_tick - time.monotonic()))


def die_with_agent() -> None:
    """Ask Linux for SIGTERM when the agent dies; end now if it died before we asked."""
    if sys.platform != "linux":  # elsewhere the orders thread alone sees the agent go
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    agent = os.environ.get(UNDER_AGENT, "")
    if agent.isdigit() and os.getppid() != int(agent):
        os._exit(AGENT_GONE)


def main(argv: list[str]) -> int:
    fd, script, *args = argv
    die_with_agent()
    channel = Channel(socket.socket(fileno=int(fd)))
    reporter = Reporter(channel, float(os.environ.get("KITSDK_AGENT_RATE", "10")))
    safety.on_kit(reporter.watch)

    def forward_progress(kind: str, data: dict[str, Any]) -> None:
        channel.send("event", kind=kind, data=data)

    progress.add_sink(forward_progress)
    threading.Thread(target=reporter.listen, name="kitsdk-orders", daemon=True).start()
    sys.stdout = _Tee(sys.stdout, channel, "stdout")
    sys.stderr = _Tee(sys.stderr, channel, "stderr")

    def report_crash(exc: BaseException, line: int | None) -> None:
        channel.send("crashed", exception=type(exc).__name__, message=str(exc)[:500],
                     line=line)

    return run_script(script, args, on_error=report_crash)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
