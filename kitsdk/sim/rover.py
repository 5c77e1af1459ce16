"""A simulated rover on a floor: its motors move it, and its sensors see where it went.

::

    kit = Kit("rover")
    rover = SimRover.attach(kit, Arena(wall=0.6))     # a wall 60 cm ahead
    kit.drive.forward(0.5)
    print(kit.distance.distance)                      # goes down as the rover drives
    print(rover.report()["gap"])                      # what is left between nose and wall

The model is simple on purpose, so a student can reason about it:

- The floor is flat. The rover starts at (0, 0) facing along x (heading 0; angles count
  anticlockwise). Its position is the middle of its axle.
- Each wheel turns at its motor's value times :data:`TOP_SPEED` (the forward pin's level
  minus the backward pin's, -1 to 1); the wheels are :data:`TRACK` apart. The rover
  drives at the mean of the two and turns by their difference (a differential drive).
- A clock thread moves the rover :data:`TICKS` times a second by the time that really
  passed, in steps of at most :data:`STEP`, so a script's ``sleep(1)`` drives 1 s worth.
- A wall, if the arena has one, stands across the floor ``wall`` metres ahead of the
  distance sensor at the start. The rover cannot pass it: it stops against it, and the
  report says when and how fast it hit.
- The distance sensor sits on the nose, :data:`NOSE` ahead of the axle, and measures
  straight ahead to the wall (:data:`FAR` when there is none in front).
- A line, if the arena has one, is a circle of dark tape of radius ``line`` that the rover
  starts on, heading along it; it curves to the left. Line sensors sit :data:`SENSORS_AHEAD`
  ahead of the axle, :data:`SENSOR_SPREAD` apart; a sensor whose name says ``left`` is on
  the left. Each sees the line while the tape is under it.

The rover takes over the kit's simulated distance and line sensors (``kit.sim.set`` on one
of them afterwards takes it back). Every distance is in metres.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ..exc import BadValue, UnknownDevice

if TYPE_CHECKING:
    from ..kit import Kit
    from ..profile import DeviceSpec

#: Metres per second of a wheel at full power (motor value 1).
TOP_SPEED: Final = 0.4
#: Metres between the two wheels.
TRACK: Final = 0.12
#: Metres from the middle of the axle to the nose, where the distance sensor is.
NOSE: Final = 0.08
#: Metres from the middle of the axle forward to the line sensors.
SENSORS_AHEAD: Final = 0.06
#: Metres between the left and the right line sensor.
SENSOR_SPREAD: Final = 0.05
#: Metres: the width of the line's tape.
TAPE: Final = 0.02
#: What the distance sensor measures with nothing in front of it (the HC-SR04's range).
FAR: Final = 4.0
#: Clock ticks a second, and the longest step the motion is integrated in.
TICKS: Final = 200
STEP: Final = 0.002


@dataclass(frozen=True)
class Arena:
    """Where the simulated rover drives: a wall ahead, a line to follow, or both."""

    #: Metres from the distance sensor to a wall straight ahead at the start; None: no wall.
    wall: float | None = None
    #: Radius in metres of a circle of tape the rover starts on; None: no line.
    line: float | None = None

    def __post_init__(self) -> None:
        for name in ("wall", "line"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, int | float) or value <= 0):
                raise BadValue(f"arena {name} must be a distance in metres above 0, got {value!r}")


class SimRover:
    """The rover's pose on the floor, moved by its motor pins; see the module's docstring.

    ``wheels`` is ((left forward, left backward), (right forward, right backward)): mock pins
    whose ``state`` is the motor driver's input level (0 to 1).
    """

    def __init__(self, wheels: tuple[tuple[Any, Any], tuple[Any, Any]],
                 arena: Arena = Arena()) -> None:
        self.arena = arena
        self._wheels = wheels
        self._lock = threading.Lock()
        self.x = self.y = self.heading = 0.0
        self._started = time.monotonic()
        self._time = self._started
        self._turns = 0.0  # how far round the line's circle, in radians
        self._max_off_line = 0.0
        self._bump: tuple[float, float] | None = None  # (seconds after start, speed)
        self._stopping = threading.Event()
        self._clock = threading.Thread(target=self._run, name="kitsdk-sim-rover", daemon=True)
        self._clock.start()

    @classmethod
    def attach(cls, kit: Kit, arena: Arena = Arena(), *, drive: str = "") -> SimRover:
        """Put simulated ``kit``'s drive base on a floor, and make its sensors look at it.

        ``drive`` names the drive base; by default the kit's first ``drive_base`` device.
        The rover stops with the kit's simulator; one attached before it stops now (the kit
        has one rover: a script's own floor replaces the one a view of the kit put it on).
        """
        sim = kit.sim  # NotSimulated on real parts
        specs = list(kit.profile.devices.values())
        bases = [s for s in specs if s.driver == "drive_base" and drive in ("", s.name)]
        if not bases:
            raise UnknownDevice(f"kit '{kit.name}' has no drive base"
                                + (f" called '{drive}'" if drive else ""),
                                hint="a simulated rover needs a drive_base device")
        pins = bases[0].pins
        wheels = tuple(tuple(sim.factory.pin(pins[f"{side}.{way}"].name)
                             for way in ("forward", "backward")) for side in ("left", "right"))
        if sim.rover is not None:
            sim.rover.close()
        rover = cls(wheels, arena)  # type: ignore[arg-type]
        sim.add_part(rover)
        sim.rover = rover
        for spec in specs:
            if spec.driver == "distance_sensor":
                sim.world.set(spec.name, lambda t: rover.distance())
            elif spec.driver == "line_sensor":
                side = _side(spec)
                sim.world.set(spec.name, lambda t, side=side: rover.sees_line(side))
        return rover

    # -- what the sensors see ---------------------------------------------------------------
    def distance(self) -> float:
        """What the distance sensor on the nose measures now, in metres."""
        with self._lock:
            return self._distance()

    def sees_line(self, side: float) -> bool:
        """Whether a line sensor ``side`` metres left of the middle (negative: right) sees
        the line now."""
        if self.arena.line is None:
            return False
        with self._lock:
            x, y = self._point(SENSORS_AHEAD, side)
        return self._off_line(x, y) <= TAPE / 2

    # -- what a lesson check asks -------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """Where the rover is and what happened to it, as plain numbers (JSON-ready).

        ``left``/``right`` are the wheels' motor values; ``gap`` is metres from nose to wall
        (None without a wall); ``bumped_after``/``bump_speed`` say when (seconds after the
        start) and how fast (m/s) it first hit the wall; ``along_line`` is metres travelled
        round the line (negative: the wrong way), ``off_line`` and ``max_off_line`` how far
        the sensors' middle is and was from the line's middle.
        """
        with self._lock:
            left, right = self._speeds()
            x, y = self._point(NOSE, 0.0)
            middle = self._point(SENSORS_AHEAD, 0.0)
            line = self.arena.line
            return {
                "x": self.x, "y": self.y, "heading": math.degrees(self.heading),
                "left": left, "right": right,
                "gap": None if self.arena.wall is None else self._wall_x() - x,
                "bumped_after": None if self._bump is None else self._bump[0],
                "bump_speed": None if self._bump is None else self._bump[1],
                "along_line": None if line is None else self._turns * line,
                "off_line": None if line is None else self._off_line(*middle),
                "max_off_line": None if line is None else self._max_off_line,
            }

    def place(self, *, turn: float = 0.0) -> None:
        """Pick the rover up and turn it on the spot by ``turn`` degrees (anticlockwise)."""
        with self._lock:
            self.heading += math.radians(turn)

    def put(self, x: float, y: float, heading: float) -> None:
        """Pick the rover up and put it down at (``x``, ``y``) metres facing ``heading``
        degrees; its nose must be on the near side of the wall."""
        for name, value in (("x", x), ("y", y), ("heading", heading)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                    value) or abs(value) > 1000:
                raise BadValue(f"the rover's {name} must be a number, got {value!r}")
        nose = x + NOSE * math.cos(math.radians(heading))
        if nose > self._wall_x():
            raise BadValue(f"the rover cannot stand in or beyond the wall (its nose would be at "
                           f"x = {nose:.2f} m, the wall is at x = {self._wall_x():.2f} m)")
        with self._lock:
            self.x, self.y, self.heading = float(x), float(y), math.radians(heading)

    def close(self) -> None:
        """Stop the rover's clock; safe to call twice."""
        self._stopping.set()
        if self._clock is not threading.current_thread():
            self._clock.join()

    # -- the model -------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.wait(1 / TICKS):
            now = time.monotonic()
            with self._lock:
                left, right = self._speeds()
                while self._time < now:
                    dt = min(STEP, now - self._time)
                    self._move(left * TOP_SPEED, right * TOP_SPEED, dt)
                    self._time += dt

    def _speeds(self) -> tuple[float, float]:
        (lf, lb), (rf, rb) = self._wheels
        return float(lf.state) - float(lb.state), float(rf.state) - float(rb.state)

    def _move(self, left: float, right: float, dt: float) -> None:
        speed = (left + right) / 2
        turn = (right - left) / TRACK
        middle = self.heading + turn * dt / 2
        x = self.x + speed * math.cos(middle) * dt
        y = self.y + speed * math.sin(middle) * dt
        self.heading += turn * dt
        wall = self._wall_x()
        if x + NOSE * math.cos(self.heading) > wall:
            if self._bump is None:
                self._bump = (self._time - self._started, abs(speed))
        else:
            self.x, self.y = x, y
        line = self.arena.line
        if line is not None:
            before = self._turns
            self._turns = math.atan2(self.x, line - self.y)
            # Unwrap: the angle round the circle's centre keeps counting past half a turn.
            self._turns += round((before - self._turns) / math.tau) * math.tau
            self._max_off_line = max(self._max_off_line,
                                     self._off_line(*self._point(SENSORS_AHEAD, 0.0)))

    def _wall_x(self) -> float:
        return math.inf if self.arena.wall is None else NOSE + self.arena.wall

    def _distance(self) -> float:
        x, _ = self._point(NOSE, 0.0)
        facing = math.cos(self.heading)
        if self.arena.wall is None or facing <= 0:
            return FAR
        return min(FAR, max(0.0, (self._wall_x() - x) / facing))

    def _point(self, ahead: float, left: float) -> tuple[float, float]:
        """A point on the rover, ``ahead`` of the axle's middle and ``left`` of it."""
        c, s = math.cos(self.heading), math.sin(self.heading)
        return self.x + ahead * c - left * s, self.y + ahead * s + left * c

    def _off_line(self, x: float, y: float) -> float:
        radius = self.arena.line or 0.0
        return abs(math.hypot(x, y - radius) - radius)


def _side(spec: DeviceSpec) -> float:
    """Where a line sensor sits across the rover, from its name: left, right or middle."""
    if "left" in spec.name:
        return SENSOR_SPREAD / 2
    if "right" in spec.name:
        return -SENSOR_SPREAD / 2
    return 0.0
