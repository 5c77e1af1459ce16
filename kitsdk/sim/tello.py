"""A simulated Tello that speaks the real SDK over UDP, so any Tello program can fly it.

::

    with SimTello("127.0.0.2") as drone:       # kit sim tello --host 127.0.0.2
        ...                                     # djitellopy.Tello("127.0.0.2") flies it
        drone.events                            # what happened, in words

It answers on ``HOST:8889`` and sends its state ten times a second to port 8890 of
whoever sent ``command`` (or the port named by ``port``), as a Tello does. The flight is
modelled simply but honestly, at ``time_scale`` times real time: take-off climbs to about
80 cm in about 4 s, landing takes about 3 s, moves go at the set speed (100 cm/s unless
``speed`` says otherwise) and turns at 90 degrees a second, each with a short settle; the
battery drains with flight time (about 13 minutes from full) and a take-off under 10% is
refused; with no command for 15 s in the air it lands by itself; a move that would leave
the room's box hits the wall, and the drone crashes and says so.

``land``, ``emergency`` and ``stop`` (hover) interrupt a move in progress, as the kit's
safety net needs; the move is answered ``error interrupted`` first. Any other command
while one is in progress is answered ``error busy``. Until ``command`` the drone is not in
SDK mode and stays silent, like a Tello.

Everything it did stays in its own record (``commands``, ``events``, ``landings``, and
``report()`` for all of it as plain data), which is what tests and lesson checks read: never
what a client believes happened.
"""

from __future__ import annotations

import contextlib
import math
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Final

from ..tello import sdk
from ..tello.space import Pose, Space

TAKEOFF_TIME: Final = 4.0
TAKEOFF_HEIGHT: Final = 80.0
LAND_TIME: Final = 3.0
TURN_RATE: Final = 90.0
SETTLE: Final = 0.3
#: A Tello will not go lower than this on a move (``down``): it keeps clear of the floor.
MIN_HEIGHT: Final = 20.0
DEFAULT_SPEED: Final = 100.0
#: Percent a second: a full battery lasts about 13 minutes in the air, hours on the ground.
FLIGHT_DRAIN: Final = 100 / 780
IDLE_DRAIN: Final = 100 / 7200
LOW_BATTERY: Final = 10.0
STATE_PERIOD: Final = 0.1
#: Why a drone landed when nobody told it to: the rest (``no command for 15 s``, ``battery
#: low``) are landings of its own.
ORDERED_LANDINGS: Final = frozenset({"land", "emergency", "crashed"})
_TICK: Final = 0.02


class Interrupted(Exception):
    """A move cut short by ``land``, ``emergency`` or ``stop``."""


class SimTello:
    """A simulated Tello on UDP at ``host:port``; ``start()`` it, or use it in ``with``."""

    def __init__(self, host: str = "127.0.0.1", port: int = sdk.COMMAND_PORT, *,
                 space: Space | None = None, battery: float = 100.0,
                 time_scale: float = 1.0, on_event: Callable[[str], None] | None = None
                 ) -> None:
        self.host, self.port = host, port
        self.space = space or Space()
        self.time_scale = time_scale
        self.battery = float(battery)
        self.on_event = on_event
        self.pose = Pose()
        self.speed = DEFAULT_SPEED
        self.flying = False
        self.crashed = False
        self.commands: list[str] = []
        self.events: list[str] = []
        #: Why it landed, each time it did (``"land"``, ``"no command for 15 s"`` ...).
        self.landings: list[str] = []
        #: When (``clock()``) and where each landing began, in the order of ``landings``.
        self.touchdowns: list[tuple[float, Pose]] = []
        #: When (``clock()``) each take-off reached its height.
        self.takeoffs: list[float] = []
        #: When (``clock()``) and where each take-off, move and turn ended: the way it flew.
        self.path: list[tuple[float, Pose]] = []
        self.flight_time = 0.0
        self._motion = (0.0, 0.0, 0.0)  # cm/s forward, left, up: the state's vgx/vgy/vgz
        self._lock = threading.RLock()
        self._busy: threading.Thread | None = None
        self._unanswered = 0  # commands in flight: another is refused as busy
        self._interrupt = threading.Event()
        self._closing = threading.Event()
        self._sdk_mode = False
        self._client: tuple[str, int] | None = None
        self._state_port = sdk.STATE_PORT
        self._last_command = time.monotonic()
        self._started = time.monotonic()
        self._sock: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    # -- life --------------------------------------------------------------------------------
    def start(self) -> SimTello:
        """Bind ``host:port`` (an ``OSError`` if it is taken) and start answering."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        sock.settimeout(0.1)
        self._sock = sock
        self.port = sock.getsockname()[1]
        _running[self.address] = self
        for target, name in ((self._serve, "commands"), (self._tick, "state")):
            thread = threading.Thread(target=target, name=f"sim-tello-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    @property
    def closed(self) -> bool:
        return self._closing.is_set()

    def close(self) -> None:
        if _running.get(self.address) is self:
            del _running[self.address]
        self._closing.set()
        self._interrupt.set()
        for thread in self._threads:
            thread.join(timeout=5)
        busy = self._busy
        if busy is not None:
            busy.join(timeout=5)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> SimTello:
        return self.start() if self._sock is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def height(self) -> float:
        """cm above the floor."""
        return self.pose.z

    def clock(self) -> float:
        """Simulated seconds since it was made (real seconds times ``time_scale``)."""
        return (time.monotonic() - self._started) * self.time_scale

    def report(self) -> dict[str, Any]:
        """Its own record of the flight so far, as plain data (JSON-ready): ``commands``
        received; ``takeoffs``; ``path``, where each take-off, move and turn ended (``at``,
        ``x``, ``y``, ``z``, ``yaw``); for each landing, ``why``, ``at`` (``clock()`` seconds,
        when it began) and where (the ``z`` it came down from); ``self_landings``, the whys
        of those it did by itself; ``crashed``, ``flying`` and ``pose`` now; ``flight_time``
        (s in the air) and ``now`` (``clock()``)."""
        with self._lock:
            return {
                "commands": list(self.commands), "takeoffs": list(self.takeoffs),
                "path": [{"at": at, **_place(pose)} for at, pose in self.path],
                "landings": [{"why": why, "at": at, **_place(pose)}
                             for why, (at, pose) in zip(self.landings, self.touchdowns,
                                                        strict=True)],
                "self_landings": [w for w in self.landings if w not in ORDERED_LANDINGS],
                "crashed": self.crashed, "flying": self.flying, "pose": _place(self.pose),
                "flight_time": self.flight_time, "now": self.clock(),
                "events": list(self.events),
            }

    def state(self) -> dict[str, float]:
        """The state packet's fields now (what port 8890 hears)."""
        forward, left, up = self._motion
        heading = math.radians(self.pose.yaw)
        return {"yaw": _signed(self.pose.yaw),
                "vgx": forward * math.cos(heading) + left * math.sin(heading),
                "vgy": -forward * math.sin(heading) + left * math.cos(heading), "vgz": up,
                "templ": 60 + self.flight_time / 30, "temph": 62 + self.flight_time / 30,
                "tof": self.pose.z + 10, "h": self.pose.z, "bat": round(self.battery),
                "baro": round(self.pose.z / 100, 2), "time": int(self.flight_time),
                "agz": -1000.0}

    def _event(self, text: str) -> None:
        with self._lock:
            self.events.append(text)
        if self.on_event is not None:
            self.on_event(text)

    # -- the wire ----------------------------------------------------------------------------
    def _serve(self) -> None:
        assert self._sock is not None
        while not self._closing.is_set():
            try:
                data, sender = self._sock.recvfrom(1024)
            except TimeoutError:
                continue
            except OSError:
                return
            text = data.decode("ascii", errors="replace").strip()
            answer = self.obey(text, sender)
            if answer is not None:
                self._answer(answer, sender)

    def _answer(self, text: str, to: tuple[str, int]) -> None:
        if self._sock is not None and not self._closing.is_set():
            with contextlib.suppress(OSError):  # a client gone: UDP does not mind
                self._sock.sendto(text.encode("ascii"), to)

    def obey(self, text: str, sender: tuple[str, int]) -> str | None:
        """Take one command from ``sender``; its answer now, or None if it comes later (a
        move answers when it is done) or never (before ``command``)."""
        with self._lock:
            self.commands.append(text)
            self._last_command = time.monotonic()
            if text == "command":
                self._sdk_mode, self._client = True, sender
                return "ok"
            if not self._sdk_mode:
                return None
            refused = sdk.check(text)
            if refused is not None:
                return refused
            word, _, arg = text.partition(" ")
            if word == "emergency":
                self._interrupt.set()
                cut = self._busy
            else:
                return self._obey(word, arg, text, sender)
        if cut is not None:  # the cut move answers first: answers keep the commands' order
            cut.join(timeout=2)
        self._cut_motors()
        return "ok"

    def _obey(self, word: str, arg: str, text: str, sender: tuple[str, int]) -> str | None:
        if word in sdk.QUESTIONS:
            return self._question(word)
        if word == "port":
            self._state_port = int(arg.split()[0])
            return "ok"
        if word in ("keepalive", "streamon", "streamoff", "motoron", "motoroff"):
            return "ok"
        if word == "speed":
            self.speed = float(arg)
            return "ok"
        if self._unanswered and word in ("land", "stop"):
            self._interrupt.set()
        elif self._unanswered:
            return "error busy"
        error = self._refusal(word)
        if error is not None:
            return error
        self._start(text, sender)
        return None

    def _question(self, word: str) -> str:
        answers = {"battery?": f"{round(self.battery)}", "speed?": f"{self.speed:.1f}",
                   "time?": f"{int(self.flight_time)}s", "height?": f"{round(self.pose.z / 10)}dm",
                   "temp?": "60~62C", "attitude?": f"pitch:0;roll:0;yaw:{_signed(self.pose.yaw)};",
                   "baro?": f"{self.pose.z / 100:.2f}", "tof?": f"{round(self.pose.z + 10)}mm",
                   "wifi?": "90", "sdk?": "30", "sn?": "0TQZSIMTELLO01"}
        return answers[word]

    def _refusal(self, word: str) -> str | None:
        if self.crashed:
            return "error crashed: the simulated drone must be reset"
        if word == "takeoff":
            if self.flying:
                return "error already flying"
            if self.battery < LOW_BATTERY:
                return f"error battery low ({int(self.battery)}%)"
            return None
        if word == "stop" and not self.flying:
            return "ok"
        return None if self.flying else "error Motor stop"

    def _start(self, text: str, sender: tuple[str, int]) -> None:
        previous = self._busy  # interrupted: it answers first

        def run() -> None:
            if previous is not None:
                previous.join()
            self._interrupt.clear()
            try:
                answer = self._fly(text)
            except Interrupted:
                answer = "error interrupted"
            with self._lock:
                self._unanswered -= 1
            self._answer(answer, sender)

        self._unanswered += 1

        self._busy = threading.Thread(target=run, name="sim-tello-flight", daemon=True)
        self._busy.start()

    # -- the flight --------------------------------------------------------------------------
    def _fly(self, text: str) -> str:
        word, _, arg = text.partition(" ")
        if word == "takeoff":
            with self._lock:
                self.flying = True
            self._go(replace(self.pose, z=TAKEOFF_HEIGHT), TAKEOFF_TIME)
            with self._lock:
                self.takeoffs.append(self.clock())
                self.path.append((self.clock(), self.pose))
            self._event(f"took off to {self.pose.z:.0f} cm")
            return "ok"
        if word == "land":
            self.land_now("land")
            return "ok"
        if word == "stop":
            self._event("hovering")
            return "ok"
        if not self.flying:  # it landed by itself while this command waited
            return "error Motor stop"
        amount = float(arg)
        end = self.pose.after(word, amount)
        if word in ("cw", "ccw"):
            self._go(end, amount / TURN_RATE)
        elif end.z < MIN_HEIGHT:
            return "error too low"
        else:
            self._motion = _direction(word, self.speed)
            try:
                wall = self._go(end, amount / self.speed)
            finally:
                self._motion = (0.0, 0.0, 0.0)
            if wall is not None:
                self._crash(wall)
                return "error crashed"
        with self._lock:
            self.path.append((self.clock(), self.pose))
        self._wait(SETTLE)
        return "ok"

    def _go(self, end: Pose, seconds: float) -> str | None:
        """Fly in a straight line (or turn) to ``end`` over ``seconds``; the wall it hit on
        the way, if any (the drone stops there)."""
        start = self.pose
        steps = max(1, round(seconds / _TICK))
        for step in range(1, steps + 1):
            self._wait(seconds / steps)
            pose = start.towards(end, step / steps) if end.yaw == start.yaw else replace(
                start, yaw=(start.yaw + _turned(start.yaw, end.yaw) * step / steps) % 360)
            wall = self.space.outside(pose)
            with self._lock:
                if self._interrupt.is_set():  # cut short between two steps
                    raise Interrupted
                self.pose = pose if wall is None else self.space.clamp(pose)
            if wall is not None:
                return wall
        return None

    def land_now(self, why: str) -> None:
        """Descend and stop the motors (``land``, or the drone's own reasons)."""
        began, where = self.clock(), self.pose
        if self.flying:
            self._motion = (0.0, 0.0, -TAKEOFF_HEIGHT / LAND_TIME)
            try:
                self._go(replace(self.pose, z=0.0), LAND_TIME * self.pose.z / TAKEOFF_HEIGHT)
            finally:
                self._motion = (0.0, 0.0, 0.0)
        with self._lock:
            was_flying, self.flying = self.flying, False
        if was_flying:
            with self._lock:
                self.landings.append(why)
                self.touchdowns.append((began, where))
            self._event("landed" if why == "land" else f"landed by itself: {why}")

    def _cut_motors(self) -> None:
        with self._lock:
            if not self.flying:
                return
            height, self.flying = self.pose.z, False
            self.landings.append("emergency")
            self.touchdowns.append((self.clock(), self.pose))
            self.pose = replace(self.pose, z=0.0)
            self._motion = (0.0, 0.0, 0.0)
        self._event(f"emergency: motors stopped at {height:.0f} cm")

    def _crash(self, wall: str) -> None:
        with self._lock:
            where, self.flying, self.crashed = self.pose, False, True
            self.landings.append("crashed")
            self.touchdowns.append((self.clock(), where))
            self.pose = replace(self.pose, z=0.0)
        self._event(f"crashed into {wall} at x={where.x:.0f} cm, y={where.y:.0f} cm, "
                    f"{where.z:.0f} cm up")

    def _wait(self, seconds: float) -> None:
        """Let ``seconds`` of flight pass (scaled), or raise ``Interrupted``."""
        if self._interrupt.wait(seconds / self.time_scale):
            raise Interrupted
        if self._closing.is_set():
            raise Interrupted

    # -- the clock: state, battery, the drone's own landings ---------------------------------
    def _tick(self) -> None:
        last = time.monotonic()
        while not self._closing.wait(STATE_PERIOD / self.time_scale):
            now = time.monotonic()
            elapsed, last = (now - last) * self.time_scale, now
            with self._lock:
                if self.flying:
                    self.flight_time += elapsed
                    self.battery = max(0.0, self.battery - FLIGHT_DRAIN * elapsed)
                else:
                    self.battery = max(0.0, self.battery - IDLE_DRAIN * elapsed)
                idle = (now - self._last_command) * self.time_scale
                busy = self._busy is not None and self._busy.is_alive()  # own landings too
                client = self._client
            if self.flying and not busy and idle >= sdk.IDLE_LANDING:
                self._land_by_itself(f"no command for {sdk.IDLE_LANDING:.0f} s")
            elif self.flying and not busy and self.battery < 5:
                self._land_by_itself("battery low")
            if client is not None:
                packet = sdk.format_state(self.state()).encode("ascii")
                self._answer(packet.decode("ascii"), (client[0], self._state_port))

    def _land_by_itself(self, why: str) -> None:
        with self._lock:
            self._last_command = time.monotonic()
            thread = threading.Thread(target=self._own_landing, args=(why,),
                                      name="sim-tello-landing", daemon=True)
            self._busy = thread
        thread.start()

    def _own_landing(self, why: str) -> None:
        with contextlib.suppress(Interrupted):  # a land or emergency took over
            self.land_now(why)


#: The simulated drones running in this process, by address: a kit finds the one already
#: answering where it looks (a test's, the kit agent's) instead of starting a second.
_running: dict[tuple[str, int], SimTello] = {}


def simulated_drone(host: str, space: Space, time_scale: float = 1.0, *, own: bool = False
                    ) -> tuple[SimTello | None, bool]:
    """The simulated drone a kit flies at ``host``: ``(drone, True)`` for a new one the kit
    owns, ``(drone, False)`` for one already running in this process, ``(None, False)``
    when another process answers there (``kit sim tello``).

    ``own=True`` always starts a new one, on a free port of ``host`` (its ``port`` says
    which), never flying one that another kit or process flies too: each lesson check's
    script flies its own, however many run at once.
    """
    if own:
        return SimTello(host, 0, space=space, time_scale=time_scale,
                        on_event=_say_alarm).start(), True
    running = _running.get((host, sdk.COMMAND_PORT))
    if running is not None and not running.closed:
        return running, False
    drone = SimTello(host, space=space, time_scale=time_scale, on_event=_say_alarm)
    try:
        drone.start()
    except OSError:
        return None, False
    return drone, True


def _say_alarm(text: str) -> None:
    """What a simulated drone says by itself in the student's terminal: what no command of
    theirs answered (a crash, a landing of its own)."""
    if text.startswith(("crashed", "landed by itself", "emergency")):
        print(f"simulated drone: {text}", file=sys.stderr)


def _place(pose: Pose) -> dict[str, float]:
    """A pose as plain numbers: cm, and the heading in degrees clockwise, -180 to 180."""
    return {"x": round(pose.x, 1), "y": round(pose.y, 1), "z": round(pose.z, 1),
            "yaw": round((pose.yaw + 180) % 360 - 180, 1)}


def _direction(word: str, speed: float) -> tuple[float, float, float]:
    """The velocity of a move, in the drone's own frame (forward, left, up)."""
    unit = Pose().after(word, 1)
    return unit.x * speed, unit.y * speed, unit.z * speed


def _turned(start: float, end: float) -> float:
    """The turn from heading ``start`` to ``end`` the short way, clockwise positive."""
    return (end - start + 180) % 360 - 180


def _signed(degrees: float) -> int:
    """A heading as the Tello gives it: -180 to 180."""
    return round((degrees + 180) % 360 - 180)
