"""The kit agent: the safety supervisor of one kit and its link to the lab.

It owns the kit's pins whenever no script runs, samples and publishes telemetry, runs a
student's script as a child process (handing the pins over, taking them back after), obeys
the teacher's commands, and stops the motors when the lab link has been lost for longer than
the grace period. Stopping never depends on the student's process: see ``runner.py``.

Threads: the main loop samples at the configured rate; the link calls ``handle_command``
from its command worker; a run's reader thread delivers the child's messages. One lock
guards the hand-over of the pins.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from .. import __version__, safety
from ..exc import BackendUnavailable, BadMessage, BadProfile, DriverError, KitError, NoProfile
from ..kit import Kit
from ..sampling import sample
from ..telemetry import (
    Command,
    CommandAck,
    Event,
    Kind,
    Part,
    Running,
    State,
    Status,
    Telemetry,
    encode,
    topic_for,
)
from ..telemetry.parts import parts_from_json
from .config import AgentConfig
from .leftover import RecordFile
from .outbox import Outbox
from .runner import (
    AGENT_STOP,
    TEACHER_EMERGENCY,
    TEACHER_LOCK,
    TEACHER_RESET,
    TEACHER_STOP,
    Ending,
    ScriptRun,
)

log = logging.getLogger(__name__)

#: Seconds the script's process gets to cut its motors on an emergency before the agent
#: ends it and cuts them itself.
EMERGENCY_WAIT = 1.0

#: A kit that cannot be built for these reasons is a set-up mistake, not a part that is
#: off: an agent that is starting says so and ends rather than retrying.
CANNOT_MEND = (NoProfile, BadProfile, DriverError, BackendUnavailable)

_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(data: Any) -> Any:
    """``data`` with each lone surrogate in its text replaced by U+FFFD (a script's printed
    bytes decoded with ``surrogateescape``, say), keys included."""
    if isinstance(data, str):
        return _SURROGATE.sub("\ufffd", data)
    if isinstance(data, dict):
        return {_storable(key): _storable(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_storable(item) for item in data]
    return data


#: Queued messages beyond which a new sample counts as historical: it waits behind a replay.
BACKLOG = 64


class Link(Protocol):
    """What the supervisor needs of its link to the lab (``kitsdk.agent.link.LabLink``)."""

    @property
    def connected(self) -> bool: ...

    @property
    def session(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def publish_status(self) -> None: ...


#: Builds the link: (config, outbox, status, on_command, on_connection) -> Link.
LinkFactory = Callable[..., Link]


def _lab_link(*args: Any, **kwargs: Any) -> Link:
    from .link import LabLink  # paho is imported only by an agent that links to a lab

    return LabLink(*args, **kwargs)


class Agent:
    """One kit's agent. ``serve()`` runs it until ``shutdown()``."""

    def __init__(self, config: AgentConfig, *, backend: str | None = None,
                 link_factory: LinkFactory | None = None) -> None:
        self.config = config
        self.backend = backend
        self.locked: str | None = None  # the lock message while locked
        self._notice: Callable[[str], None] | None = None  # the running script's terminal
        self.run: ScriptRun | None = None
        self.errors: dict[str, int] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._child_readings: Mapping[str, Any] | None = None
        self._child_channels: Mapping[str, Mapping[str, str]] = {}
        self._child_parts: tuple[Part, ...] = ()
        # The kit's own description, kept while a script holds the pins and has not yet
        # said what its kit is: a status then must not tell the lab the kit has no channels.
        self._own_channels: Mapping[str, Mapping[str, str]] = {}
        self._own_parts: tuple[Part, ...] = ()
        self._lab_lost_timer: threading.Timer | None = None
        # Before anything else: a script left by an agent that died may still drive the
        # motors. End it, then take the pins, which drives every output to its safe level.
        self._record = RecordFile(config.script_record)
        leftover = self._record.end_leftover()
        self._kit_name = "unknown"  # the profile's name, once a kit is built
        self._kit_error = ""  # why the last kit could not be built, said once
        self._kit_tried = 0.0
        self._built = threading.Event()  # clear while ``_retry_kit`` builds, lock not held
        self._built.set()
        self._flies = False
        self._kept: list[Any] = []  # the simulated drones the agent keeps (see below)
        Path(config.outbox).parent.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox(config.outbox, max_entries=config.outbox_entries,
                             max_bytes=int(config.outbox_mb * 1024 * 1024))
        self.link = (link_factory or _lab_link)(config, self.outbox, status=self.status,
                                                on_command=self.handle_command,
                                                on_connection=self.on_connection)
        self.kit: Kit | None = self._build_kit(starting=True)
        if leftover is not None:
            self.emit("safety.stopped", reason=f"ended {leftover.script} (pid {leftover.pid}), "
                                               "left running by an agent that stopped "
                                               "unexpectedly")

    # -- the kit ---------------------------------------------------------------------------
    def _build_kit(self, starting: bool = False) -> Kit | None:
        """The kit, its pins taken (every output at its safe level); None when a part does
        not answer (a drone switched off): the agent runs on without a kit, says why once,
        and tries again every ``kit_retry`` seconds (``_retry_kit``). A profile that is
        missing or wrong stops an agent that is starting: waiting would not mend it."""
        try:
            kit = Kit(self.config.profile or None, backend=self.backend)
        except KitError as exc:
            if starting and isinstance(exc, CANNOT_MEND):
                raise
            self._kit_tried = time.monotonic()
            self.count_error("kit", exc)
            if str(exc) != self._kit_error:
                self._kit_error = str(exc)
                self.emit("error", source="kit", message=f"the kit could not start: {exc}"[:500])
            return None
        self._kit_error = ""
        # The profile's own name: ``config.profile`` may be a file's path, no name at all.
        self._kit_name = kit.name
        self._own_channels = {name: {c.name: c.unit for c in chans}
                              for name, chans in kit.channels().items()}
        self._own_parts = kit.parts()
        self._flies = self._flies or any(device.flies for device in kit)
        self._kept = self._kept or self._keep_simulated_drones(kit)
        return kit

    def _retry_kit(self) -> None:
        """Build the kit that could not be built, if it is time: without the agent's lock,
        since a part that does not answer takes its timeout to say so (a script waits)."""
        with self._lock:
            due = self._kit_tried + self.config.kit_retry
            if self.kit is not None or self.run is not None or time.monotonic() < due:
                return
            self._built.clear()
        try:
            kit = self._build_kit()
            with self._lock:
                self.kit = kit
        finally:
            self._built.set()
        if kit is not None:
            self.link.publish_status()

    @contextmanager
    def _kit_settled(self) -> Iterator[None]:
        """The agent's lock, once no kit is being built without it (``_retry_kit``)."""
        while True:
            self._built.wait()
            with self._lock:
                if self._built.is_set():
                    yield
                    return

    @property
    def _grace(self) -> float:
        """Seconds a script gets to end before SIGKILL: longer when the kit flies, so that
        its drone lands from the script's own process, which tells the student why."""
        if self._flies:
            return max(self.config.stop_grace, self.config.landing_grace)
        return self.config.stop_grace

    @staticmethod
    def _keep_simulated_drones(kit: Kit) -> list[Any]:
        """In simulation, the kit's simulated drones, kept for the agent's whole life: a
        drone outlives the scripts that fly it, as a real one does, so every script (each
        in a process of its own) flies the same one, and it can land after a script is
        gone."""
        if not kit.simulated:
            return []
        drones = [getattr(device, "sim", None) for device in kit if device.flies]
        return [drone for drone in drones if drone is not None and kit.sim.let_go(drone)]

    def status(self) -> Status:
        """The kit's status now, for the retained status topic."""
        with self._lock:
            state: State = "locked" if self.locked is not None else "online"
            running = Running(kind="script", name=self.run.script.name) if self.run else None
            channels = self._child_channels or self._own_channels
            parts = self._child_parts or self._own_parts
            profile = self._kit_name
            message = self.locked
        return Status(state=state, session=self.link.session, profile=profile, sdk=__version__,
                      channels=channels, running=running, parts=parts, message=message)

    # -- telemetry and events --------------------------------------------------------------
    def sample(self) -> None:
        """Queue one telemetry message: the idle kit's readings, or the running script's."""
        with self._lock:
            if self.run is not None:
                values, self._child_readings = self._child_readings, None
            elif self.kit is not None:
                values, errors = sample(self.kit)
                for device, error in errors.items():
                    self.count_error(f"device {device}", error)
            else:
                values = None
        if values:
            seq = self.outbox.next_seq("telemetry")
            message = Telemetry(session=self.link.session, seq=seq, values=values,
                                historical=self._replaying())
            self._put(Kind.TELEMETRY, encode(message))

    def emit(self, kind: str, **data: Any) -> None:
        """Queue an event (script, lesson, safety) for the lab. A student's text that no
        store keeps (a lone surrogate) is sent with U+FFFD in its place, never refused."""
        seq = self.outbox.next_seq("event")
        self._put(Kind.EVENT, encode(Event(session=self.link.session, seq=seq, kind=kind,
                                           data=_storable(data))))

    def _replaying(self) -> bool:
        """A sample taken now will be replayed rather than sent live (docs/mqtt.md)."""
        return not self.link.connected or len(self.outbox) > BACKLOG

    def _put(self, kind: Kind, payload: bytes) -> None:
        topic = topic_for(self.config.lab, self.config.kit, kind)
        drops = self.outbox.stats.unreported_drops
        if drops:
            seq = self.outbox.next_seq("event")
            report = encode(Event(session=self.link.session, seq=seq, kind="outbox.dropped",
                                 data={"count": drops}))
            self.outbox.put(topic_for(self.config.lab, self.config.kit, Kind.EVENT), report,
                            reports_drops=drops)
        self.outbox.put(topic, payload)

    # -- scripts -----------------------------------------------------------------------------
    def start_script(self, script: str | Path, args: Sequence[str] = (), *,
                     cwd: str | None = None, env: Mapping[str, str] | None = None,
                     stdio: Sequence[Any] | None = None,
                     on_exit: Callable[[int], None] | None = None,
                     on_notice: Callable[[str], None] | None = None) -> str | None:
        """Run a script under supervision; None if it started, else why it was refused.

        ``on_notice`` hears what the teacher tells the student while it runs (a lock's
        message), for the terminal that started it (``kit run``)."""
        with self._kit_settled():
            if self.locked is not None:
                return f"the kit is locked by the teacher: {self.locked}"
            if self.run is not None:
                return f"another script is running ({self.run.script.name})"
            if self.kit is not None:  # hand the pins over: one owner at a time
                self.kit.close()
                self.kit = None
            script = Path(script)
            try:
                self.run = ScriptRun(
                    script, args, cwd=cwd, env=self._child_env(env), rate=self.config.rate,
                    on_message=self._from_child,
                    on_exit=lambda code: self._script_ended(script, code, on_exit),
                    **({"stdio": stdio} if stdio is not None else {}),
                )
            except OSError as exc:
                self.kit = self._build_kit()
                return f"the script could not start: {exc}"
            self._record.write(self.run.pid, script.name)
            self._notice = on_notice
        self.emit("script.started", script=script.name)
        self.link.publish_status()
        return None

    def _child_env(self, env: Mapping[str, str] | None) -> dict[str, str]:
        """The script's environment: ``Kit()`` in it builds this kit, on this backend."""
        child = dict(os.environ if env is None else env)
        if self.config.profile:
            child["KITSDK_PROFILE"] = self.config.profile
        if self.backend:
            child["KITSDK_BACKEND"] = self.backend
        return child

    def _from_child(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "readings" and isinstance(message.get("values"), dict):
            self._child_readings = message["values"]
        elif kind == "kit" and isinstance(message.get("channels"), dict):
            self._child_channels = message["channels"]
            try:
                self._child_parts = parts_from_json(message.get("parts", []), "child.parts")
            except BadMessage as exc:  # a kit maker's driver that looks odd: draw it plain
                self.count_error("child parts", exc)
                self._child_parts = ()
            self.link.publish_status()
        elif kind == "event" and isinstance(message.get("kind"), str):
            try:
                self.emit(message["kind"], **dict(message.get("data") or {}))
            except (KitError, TypeError) as exc:
                self.count_error("child event", exc)
        elif kind == "error":
            self.count_error("child", message.get("message"))

    def _script_ended(self, script: Path, code: int,
                      on_exit: Callable[[int], None] | None) -> None:
        with self._lock:
            run, self.run = self.run, None
            self._notice = None
            self._record.clear()
            self._child_readings, self._child_channels, self._child_parts = None, {}, ()
            self.kit = self._build_kit()  # take the pins back: every output to its safe level
            kit = self.kit
            if kit is not None and not self.link.connected and self._lab_lost_timer is None:
                kit.hold_motors("the lab link is lost")
        output = list(run.tail) if run else []
        ending = run.ending if run else None
        if ending is not None:  # the agent ended it: stopped or reset, never a crash
            self.emit(f"script.{ending.how}", script=script.name, by=ending.by, output=output)
            why = ending.words
        elif code == 0:
            self.emit("script.finished", script=script.name, code=code, output=output)
            why = "the script ended"
        else:
            error = _why_crashed(run, code)
            self.emit("script.crashed", script=script.name, error=error, output=output)
            why = f"the script ended ({error})"
        if kit is not None:
            self._land(kit, why)  # a drone its script could not land (killed in the air)
        self.link.publish_status()
        if on_exit is not None:
            on_exit(code)

    def _land(self, kit: Kit, why: str) -> None:
        """Land ``kit``'s drones, if any is in the air, without holding the pins' lock:
        a landing takes seconds."""
        try:
            kit.stop_motors(why)
        except KitError as exc:  # the kit went to the next script meanwhile, or the drone
            self.count_error("landing", exc)  # is out of reach (it lands by itself then)

    def stop_script(self, ending: Ending = AGENT_STOP) -> bool:
        """End the running script, if any (see ``ScriptRun.stop``); True if one ran.

        ``ending`` is what the lab hears: ``script.stopped`` or ``script.reset``, and by whom.
        """
        run = self.run
        if run is None:
            return False
        run.stop(self._grace, ending)
        return True

    # -- commands ----------------------------------------------------------------------------
    def handle_command(self, command: Command) -> CommandAck:
        """Obey one command from the teacher; the outcome goes back as the ack."""
        handler = getattr(self, f"_cmd_{command.name}")
        try:
            result = handler(**dict(command.args))
        except TypeError as exc:  # arguments the schema let through but the command lacks
            return CommandAck(id=command.id, outcome="refused",
                              message=f"bad arguments: {exc}"[:500])
        except KitError as exc:
            return CommandAck(id=command.id, outcome="failed", message=str(exc)[:500])
        if isinstance(result, bytes):  # a snapshot: the picture rides on the ack
            return CommandAck(id=command.id, outcome="ok", message="snapshot",
                              thumbnail=result)
        log.info("command %s (%s): %s", command.name, command.id, result)
        return CommandAck(id=command.id, outcome="ok", message=result)

    def _cmd_stop(self) -> str:
        return self._stop(TEACHER_STOP)

    def _stop(self, ending: Ending) -> str:
        ended = self.stop_script(ending)
        with self._lock:
            if self.kit is not None:
                self.kit.stop(ending.words)
        self.emit("safety.stopped", reason="stop command")
        return "script ended, outputs off" if ended else "outputs off"

    def _cmd_emergency(self) -> str:
        """The teacher's last resort: every motor stops at once, a drone's in the air too
        (it falls where it is), then everything stops as for ``stop``.

        The script's own process cuts its drones' motors first, from its orders thread, which
        no landing in progress holds up; should it not, the agent's kit does once the script
        is gone. The lab sends it to one kit at a time (``read_command`` refuses it for all).
        """
        ending = TEACHER_EMERGENCY
        run = self.run
        if run is not None:
            run.emergency(ending, EMERGENCY_WAIT)
            self.stop_script(ending)
        with self._lock:
            if self.kit is not None:
                self.kit.emergency(ending.words)
        self.emit("safety.stopped", reason="emergency command")
        return "motors stopped at once, outputs off"

    def _cmd_reset(self) -> str:
        self.stop_script(TEACHER_RESET)
        with self._kit_settled():
            if self.kit is not None:
                with safety.because(TEACHER_RESET.words):
                    self.kit.close()
            self.kit = self._build_kit()
        self.emit("safety.stopped", reason="reset command")
        return "kit reset to its initial state"

    def _cmd_lock(self, message: str = "") -> str:
        with self._lock:
            self.locked = message or "the teacher has locked this kit"
            notice, said = self._notice, self.locked
        if notice is not None:  # before the stop: the student reads why the script ended
            notice(f"the teacher locked this kit: {said}")
        self._stop(TEACHER_LOCK)
        self.link.publish_status()
        return "locked"

    def _cmd_unlock(self) -> str:
        with self._lock:
            self.locked = None
        self.link.publish_status()
        return "unlocked"

    def _cmd_identify(self, seconds: float = 5.0) -> str:
        with self._lock:
            kit = self.kit
            if kit is None:
                raise KitError("a script is using the kit's lights; stop it first")
            lights = [d for d in kit if d.name == "status_led"] or [
                d for d in kit if hasattr(d, "blink")]
            if not lights:
                raise KitError("this kit has nothing that can blink or beep")
            device = lights[0]
            blinks = max(1, round(seconds / 0.4))
            device.blink(on_time=0.2, off_time=0.2, n=blinks)  # type: ignore[attr-defined]
        return f"{device.name} blinking for {seconds:g} s"

    def _cmd_snapshot(self) -> bytes:
        with self._lock:
            if self.kit is None:
                raise KitError("a script is using the camera; stop it first")
            # Any part that takes snapshots: the camera's driver loads with the kit, not here.
            cameras = [d for d in self.kit if callable(getattr(d, "snapshot", None))]
            if not cameras:
                raise KitError(f"kit '{self.kit.name}' has no camera")
            picture: bytes = cameras[0].snapshot(max_width=320)  # type: ignore[attr-defined]
            return picture

    # -- the lab link ------------------------------------------------------------------------
    def on_connection(self, connected: bool) -> None:
        """The link's state changed: hold the motors after the grace, release them on return."""
        with self._lock:
            if self._lab_lost_timer is not None:
                self._lab_lost_timer.cancel()
                self._lab_lost_timer = None
            if connected:
                self._release_motors()
            else:
                timer = threading.Timer(self.config.lab_lost_grace, self._lab_lost)
                timer.daemon = True
                self._lab_lost_timer = timer
                timer.start()

    def _lab_lost(self) -> None:
        reason = "the lab link was lost"
        with self._lock:
            self._lab_lost_timer = None
            if self.link.connected:
                return
            if self.run is not None:
                self.run.send("hold_motors", reason=reason)
            elif self.kit is not None:
                self.kit.hold_motors(reason)
        self.emit("safety.stopped", reason=reason)

    def _release_motors(self) -> None:
        if self.run is not None:
            self.run.send("release_motors")
        elif self.kit is not None:
            self.kit.release_motors()

    # -- the main loop -----------------------------------------------------------------------
    def serve(self) -> None:
        """Run until ``shutdown()``: link up, sampling at the configured rate."""
        self.link.start()
        period = 1.0 / self.config.rate
        next_tick = time.monotonic()
        while not self._stopping.is_set():
            try:
                self.sample()
            except KitError as exc:
                self.count_error("sample", exc)
            self._retry_kit()
            next_tick += period
            delay = next_tick - time.monotonic()
            if delay < -period:  # fell behind (a slow sensor): don't burst to catch up
                next_tick, delay = time.monotonic(), 0.0
            self._stopping.wait(max(0.0, delay))
        self._close()

    def shutdown(self) -> None:
        self._stopping.set()

    def _close(self) -> None:
        self.stop_script()
        with self._lock:
            if self._lab_lost_timer is not None:
                self._lab_lost_timer.cancel()
            if self.kit is not None:
                self.kit.close()
                self.kit = None
            for drone in self._kept:
                drone.close()
        self.link.stop()
        self.outbox.close()

    def count_error(self, where: str, error: object) -> None:
        """Count (and log) bad input that the agent survived."""
        self.errors[where] = self.errors.get(where, 0) + 1
        log.warning("%s: %s", where, error)


def _why_crashed(run: ScriptRun | None, code: int) -> str:
    """A crash in a few words: what the script raised and where, or how it ended."""
    if run is not None and run.crash is not None:
        return str(run.crash)[:500]
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"
