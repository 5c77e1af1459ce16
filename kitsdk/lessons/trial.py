"""One run of a student's script on a simulated kit, watched and steered by a lesson's checks.

The script runs in a process of its own (``harness.py``), so a ``while True`` loop, a crash
or ``sys.exit()`` cannot take the checker with it, and stopping it is always possible: the
safety net's SIGTERM first, SIGKILL after a grace period. The checker sees:

- the pins, through the simulated factory's journal (``KITSDK_SIM_TRACE``), with the times
  the script's own process stamped on each change;
- what the script printed, line by line, as it printed it;
- the files it wrote, in its working folder (``trial.folder``).

It steers the simulated world through the harness: ``set``, ``press``, ``show``, ``rover``;
and asks it what the simulated rover and drone recorded (``rover_report``, ``drone_report``).
Each script flies a simulated drone of its own (``KITSDK_SIM_DRONE=own``), at the lesson's
``sim_time_scale`` (else the profile's), so checks running at once never share one.
Every time a check sees is in seconds since the script went on past ``Kit(...)``. Waits poll
with a timeout and end early when the script ends; no check ever sleeps blindly.

A script either *ends* (its last line ran, ``sys.exit()``, or an error: ``ended`` is True,
``ended_at`` says when) or is *still running* when the checks are done, and the checker stops
it. The harness stamps the moment the script's own code ended, before the safety net
switches the kit off; what the pins did after it is not the script's doing, so the pins'
history stops there: an LED the script left on is still on at its end.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from ..ipc import Channel
from .exc import BadLesson, StepFailed
from .journal import Journal

if TYPE_CHECKING:
    from ..profile import DeviceSpec
    from .lesson import Lesson

#: Seconds a script may take to build its kit.
KIT_WAIT: Final = 10.0
#: Seconds the harness may take to answer a request.
REPLY_WAIT: Final = 5.0
#: Seconds between two looks at the journal while waiting.
POLL: Final = 0.01
#: Seconds a stopped script gets to end by itself before it is killed.
GRACE: Final = 1.0
#: Lines of output kept (the latest): a script printing in a tight loop must not fill memory.
KEEP_LINES: Final = 10_000
#: The pins' journal, in the script's folder.
TRACE: Final = ".kitsdk-trace.jsonl"


class Trial:
    """A student's script, running on the simulated kit of ``lesson``, in ``folder``.

    ::

        with Trial(lesson, "blink.py", folder) as trial:
            trial.begin()
            trial.wait(lambda: trial.level("red") > 0, timeout=3)
    """

    def __init__(self, lesson: Lesson, script: str | os.PathLike[str], folder: Path) -> None:
        self.lesson = lesson
        self.script = Path(script).resolve()
        self.folder = folder
        self.profile = lesson.load_profile()
        #: ``time.time()`` when the script went on past ``Kit(...)``; times count from it.
        self.t0 = time.time()
        #: What one step's check found that a later step's check needs (when it pressed).
        self.notes: dict[str, Any] = {}
        self._changed = threading.Condition()
        self._printed: deque[tuple[float, str]] = deque(maxlen=KEEP_LINES)
        self._errors: deque[str] = deque(maxlen=KEEP_LINES)
        self._replies: dict[int, dict[str, Any]] = {}
        self._kit: dict[str, Any] | None = None
        self._rover: dict[str, Any] | None = None  # the rover's report when the script ended
        self._drone: dict[str, Any] | None = None  # the drone's, likewise
        self._ids = itertools.count(1)
        self._ended_at: float | None = None
        #: ``time.time()`` when the script's own code ended, as the harness stamped it.
        self._code_ended: float | None = None
        self._open_streams = 3  # stdout, stderr and the harness's channel
        self._readers: list[threading.Thread] = []
        self.process: subprocess.Popen[str] | None = None
        self.journal = Journal(folder / TRACE)
        self._channel: Channel | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the script; it runs up to ``Kit(...)`` and waits there for ``begin()``."""
        profile = self.lesson.profile
        if self.lesson.profile_text:
            (self.folder / profile).write_text(self.lesson.profile_text, encoding="utf-8")
            profile = str(self.folder / profile)
        env = {**os.environ, "KITSDK_BACKEND": "sim", "KITSDK_PROFILE": profile,
               "KITSDK_SIM_TRACE": str(self.folder / TRACE),
               "KITSDK_SIM_DRONE": "own",
               "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
        env.pop("KITSDK_SIM_TIME_SCALE", None)  # the lesson's, else the profile's
        if self.lesson.sim_time_scale is not None:
            env["KITSDK_SIM_TIME_SCALE"] = f"{self.lesson.sim_time_scale:g}"
        ours, theirs = socket.socketpair()
        self._channel = Channel(ours)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kitsdk.lessons.harness", str(theirs.fileno()),
                 str(self.script)],
                cwd=self.folder, env=env, pass_fds=(theirs.fileno(),), text=True,
                encoding="utf-8", errors="replace", stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True,  # the student's Ctrl+C stops the checker, which stops it
            )
        finally:
            theirs.close()
        assert self.process.stdout is not None and self.process.stderr is not None
        self._read(self._listen)
        self._read(self._collect, self.process.stdout, self._on_printed)
        self._read(self._collect, self.process.stderr, self._errors.append)

    def begin(self) -> None:
        """Wait for the script's kit, set the lesson's scene, and let the script go on.

        ``StepFailed`` if the script builds no kit, or the wrong one.
        """
        if not self._wait_for(lambda: self._kit is not None, KIT_WAIT):
            raise StepFailed(
                saw=("your script stopped without building a kit" if self.ended else
                     f"your script ran for {KIT_WAIT:.0f} s without building a kit"),
                hint=f"start it with: kit = Kit(\"{self.lesson.profile}\")")
        assert self._kit is not None
        built, wanted = self._kit["profile"], self.profile.name
        if built != wanted:
            raise StepFailed(saw=f"your script built the '{built}' kit, but this lesson uses "
                                 f"the '{wanted}' kit",
                             hint=f"build it with: kit = Kit(\"{self.lesson.profile}\")")
        if self.lesson.setup is not None:
            self.lesson.setup(self)
        self.t0 = float(self._request("go")["t"])

    def stop(self) -> None:
        """End the script if it still runs (SIGTERM, then SIGKILL) and release everything.

        Anything the script started is killed too: it runs in a process group of its own.
        """
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)  # the safety net stops motors first
                try:
                    self.process.wait(GRACE)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            with contextlib.suppress(ProcessLookupError):  # the group is empty: all gone
                os.killpg(self.process.pid, signal.SIGKILL)
        for reader in self._readers:
            reader.join(GRACE)
        if self._channel is not None:
            self._channel.close()
        self.journal.close()

    def __enter__(self) -> Trial:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- steering the simulated world -----------------------------------------------------------
    def set(self, name: str, value: float | bool) -> float:
        """Set simulated input ``name`` (``"distance"``, ``"light"``); returns when it was set."""
        return self._ask("set", name=name, value=value)

    def follow(self, name: str, values: Sequence[float], every: float) -> float:
        """Make input ``name`` take each of ``values`` for ``every`` seconds, holding the last.

        The script's own process keeps the time, so the changes come exactly on time.
        """
        return self._ask("follow", name=name, values=list(values), every=every)

    def press(self, name: str = "button") -> float:
        """Press simulated button ``name``; returns when it was pressed."""
        return self._ask("press", name=name)

    def release(self, name: str = "button") -> float:
        return self._ask("release", name=name)

    def click(self, name: str = "button", hold: float = 0.1) -> float:
        """Press button ``name``, hold it ``hold`` seconds, let go; returns when it was pressed.

        The script's own process lets go, so a press that ends the script is no problem.
        """
        return self._ask("click", name=name, hold=hold)

    def show(self, scene: str, camera: str = "camera") -> float:
        """Hold ``scene`` (a colour card such as ``"red"``, or a scene) in front of the camera."""
        return self._ask("show", camera=camera, scene=scene)

    def rover(self, *, wall: float | None = None, line: float | None = None) -> None:
        """Put the kit's drive base on a simulated floor (``kitsdk.sim.rover``)."""
        self._ask("rover", wall=wall, line=line)

    def turn_rover(self, degrees: float) -> float:
        """Pick the simulated rover up and turn it on the spot."""
        return self._ask("turn_rover", degrees=degrees)

    def rover_report(self) -> dict[str, Any]:
        """Where the simulated rover is and what happened to it (``SimRover.report``); once
        the script has ended, where it was then."""
        report = self._report("rover_report", lambda: self._rover)
        if report is None:
            raise BadLesson(f"lesson '{self.lesson.id}' asked where the rover is, but it has "
                            "no simulated rover (see Trial.rover)")
        return report

    def drone_report(self) -> dict[str, Any]:
        """What the simulated drone itself recorded (``SimTello.report``: the commands it
        got, its take-offs, each landing with why and where, crashed, flying, its pose, its
        flight time); once the script has ended, as it was when the script's own code ended
        (still flying if the script did not land it: the safety net's landing after that is
        not the script's doing)."""
        report = self._report("drone_report", lambda: self._drone)
        if report is None:
            raise BadLesson(f"lesson '{self.lesson.id}' asked what the drone did, but its kit "
                            "has no simulated drone (a 'tello' device)")
        return report

    def _report(self, op: str, last: Callable[[], dict[str, Any] | None]
                ) -> dict[str, Any] | None:
        """The harness's answer to ``op`` while the script runs, else ``last()``: the report
        the harness sent when the script's code ended."""
        if not self.ended:
            try:
                value: dict[str, Any] = self._request(op)["value"]
                return value
            except StepFailed:  # it ended while we asked: the harness sent its last report
                if self._code_ended is None and not self.ended:
                    raise
        return last()

    # -- watching ---------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() - self.t0

    @property
    def ended(self) -> bool:
        """True once the script has ended and all it printed has been read."""
        return self._ended_at is not None

    @property
    def ended_at(self) -> float | None:
        """When the script ended (its own code, before the kit was switched off), or None
        while it runs."""
        if self._ended_at is None:
            return None
        return (self._code_ended or self._ended_at) - self.t0

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None or not self.ended else self.process.returncode

    def printed(self, since: float = float("-inf")) -> list[tuple[float, str]]:
        """The lines the script printed (at or after ``since``; the latest :data:`KEEP_LINES`),
        with when it printed them."""
        with self._changed:
            return [(t - self.t0, line) for t, line in self._printed if t - self.t0 >= since]

    def errors(self) -> list[str]:
        """What the script wrote to stderr: errors and warnings."""
        with self._changed:
            return list(self._errors)

    def history(self, device: str, role: str = "pin") -> list[tuple[float, float]]:
        """Pin ``role`` of ``device``: its level (0 to 1, 1 is on) at each change, in time order,
        up to the end of the script's own code (not the kit switching off after it).

        A device wired ``active_high = false`` is turned round, so 1 always means on.
        """
        spec = self._spec(device)
        if role not in spec.pins:
            raise BadLesson(f"lesson '{self.lesson.id}': device '{device}' has no pin "
                            f"'{role}' (it has {', '.join(spec.pins)})")
        inverted = spec.options.get("active_high", True) is False
        self.journal.refresh()
        # The journal's own mark first: the channel's "ended" may still be on its way.
        end = next((t for t in (self.journal.code_ended, self._code_ended) if t is not None),
                   float("inf"))
        return [(t - self.t0, 1.0 - level if inverted else level)
                for t, level in self.journal.levels(spec.pins[role].name) if t <= end]

    def level(self, device: str, role: str = "pin") -> float:
        """Pin ``role`` of ``device`` now: 0 (off) to 1 (on)."""
        history = self.history(device, role)
        return history[-1][1] if history else 0.0

    def wheels(self, device: str = "drive") -> tuple[float, float]:
        """A drive base's (left, right) motor values now, each -1 (backward) to 1 (forward)."""
        left, right = (self.level(device, f"{side}.forward")
                       - self.level(device, f"{side}.backward") for side in ("left", "right"))
        return left, right

    def wait(self, condition: Callable[[], object], timeout: float) -> bool:
        """Wait until ``condition()`` is true; False after ``timeout`` seconds, or as soon as
        the script has ended without it."""
        return self._wait_for(condition, timeout)

    def run_for(self, seconds: float) -> None:
        """Let the script run for ``seconds`` (less if it ends): the scenario's own timing."""
        self._wait_for(lambda: False, seconds)

    # -- the inside ------------------------------------------------------------------------------
    def _wait_for(self, condition: Callable[[], object], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            ended = self.ended  # read first: what the script did before it ended is all in
            self.journal.refresh()
            if condition():
                return True
            if ended or time.monotonic() >= deadline:
                return False
            with self._changed:
                self._changed.wait(min(POLL, max(0.0, deadline - time.monotonic())))

    def _ask(self, op: str, **fields: Any) -> float:
        """Make a request; returns when it took effect, in the checks' time."""
        return float(self._request(op, **fields)["t"]) - self.t0

    def _request(self, op: str, **fields: Any) -> dict[str, Any]:
        assert self._channel is not None
        number = next(self._ids)
        sent = self._channel.send(op, id=number, **fields)
        if not sent or not self._wait_for(lambda: number in self._replies, REPLY_WAIT):
            if not self.ended:
                raise TimeoutError(f"the lesson harness did not answer '{op}' in {REPLY_WAIT} s")
            raise self._too_late()
        with self._changed:
            reply = self._replies.pop(number)
        if reply.get("ended"):  # its code had ended: the kit is being switched off
            raise self._too_late()
        if "error" in reply:
            raise BadLesson(f"lesson '{self.lesson.id}': the check's '{op}' failed: "
                            f"{reply['error']}")
        return reply

    def _too_late(self) -> StepFailed:
        """A request came after the script's code had ended: the student's to fix."""
        ended = self._code_ended or self._ended_at or self.t0
        return StepFailed(
            saw=f"your script had already ended, {ended - self.t0:.1f} s after it started, "
                "when the check wanted to try it out",
            hint="keep your script running while the check tries it out, e.g. with a "
                 "loop: while True:")

    def _spec(self, device: str) -> DeviceSpec:
        try:
            return self.profile.devices[device]
        except KeyError:
            raise BadLesson(f"lesson '{self.lesson.id}': the '{self.profile.name}' kit has no "
                            f"device '{device}'") from None

    def _read(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True,
                                  name=f"kitsdk-trial-{target.__name__.strip('_')}")
        thread.start()
        self._readers.append(thread)

    def _listen(self) -> None:
        assert self._channel is not None
        for message in self._channel:
            with self._changed:
                if message["type"] == "kit":
                    self._kit = message
                elif message["type"] == "ended":
                    self._code_ended = float(message["t"])
                elif message["type"] == "rover":
                    self._rover = message.get("report")
                elif message["type"] == "drone":
                    self._drone = message.get("report")
                elif message["type"] == "reply" and isinstance(message.get("id"), int):
                    self._replies[message["id"]] = message
                self._changed.notify_all()
        self._closed()

    def _on_printed(self, line: str) -> None:
        self._printed.append((time.time(), line))

    def _collect(self, stream: IO[str], sink: Callable[[str], None]) -> None:
        for line in stream:
            with self._changed:
                sink(line.rstrip("\n"))
                self._changed.notify_all()
        stream.close()
        self._closed()

    def _closed(self) -> None:
        """One of the script's streams closed; when all have, it has ended (or is ending)."""
        with self._changed:
            self._open_streams -= 1
            if self._open_streams:
                return
        assert self.process is not None
        self.process.wait()
        with self._changed:
            self._ended_at = time.time()
            self._changed.notify_all()
