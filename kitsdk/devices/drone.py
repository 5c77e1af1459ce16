"""A Tello drone as a kit part: fly it from a lesson script, and it lands whatever happens.

::

    kit = Kit("drone")
    kit.drone.takeoff()
    kit.drone.forward(50)          # cm, 20 to 500
    kit.drone.turn_right(90)       # degrees, 1 to 360
    kit.drone.land()

kitsdk speaks the Tello SDK's text protocol itself (:mod:`kitsdk.tello`) rather than through
djitellopy, which needs opencv-python and PyAV (well over 100 MB, slow to install on a Pi
Zero 2) and waits up to 7 s three times over for an answer. The tests fly djitellopy against
the same simulated drone, so both stay honest about the protocol.

Every command is checked before it is sent: its range (the SDK's), that the drone is flying,
and that it would stay inside the room's flight space from the profile. The safety net lands
the drone first, before any motor or output stops, whichever way the script ends, and says
so in the terminal (``drone: landed (the script ended with ZeroDivisionError)``).

Off a Raspberry Pi (or with ``KITSDK_BACKEND=sim``) the kit flies a simulated Tello
(:class:`kitsdk.sim.tello.SimTello`): the one already answering at ``sim_host`` (``kit sim
tello``, the kit agent's), or one of its own. Two environment variables change that, for
the lesson checker (``kitsdk.lessons.trial``), which runs several scripts at once, each of
which must fly a drone of its own and read that drone's own record:

- ``KITSDK_SIM_DRONE=own``: always start a simulated drone of the kit's own, on a free port
  of ``sim_host`` (the drone's ``port`` option says which), never one that answers at
  ``sim_host:8889`` for someone else;
- ``KITSDK_SIM_TIME_SCALE=10``: fly it that many times faster than real time, whatever the
  profile's ``sim_time_scale`` says (``hover(seconds)`` counts simulated seconds).
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from .. import safety
from ..exc import BadValue, DroneError
from ..options import Option
from ..readings import Channel, Reading
from ..tello import sdk
from ..tello.link import TelloLink
from ..tello.space import Pose, Space
from .base import StandaloneDevice

if TYPE_CHECKING:
    from ..build import BuildEnv
    from ..profile import DeviceSpec
    from ..sim.tello import SimTello

#: How much longer than the flight itself a move may take to be answered.
_SLACK = 7.0
#: How long a new drone's first state may take (a Tello sends ten a second).
_FIRST_STATE = 2.0
#: How often a hovering drone is asked something, to keep it from landing by itself.
_KEEP_AWAKE = 5.0
#: What the drone's own errors mean, for a student.
_ERRORS = {
    "Motor stop": "the drone is not flying",
    "crashed": "the drone crashed",
    "interrupted": "the move was cut short: the drone is landing",
    "busy": "the drone is still doing the last command",
    "too low": "the drone will not go lower than 20 cm above the floor",
    "battery low": "the battery is too low to take off: charge it",
    "out of range": "the drone refused the number as out of its range",
}


class FlightSpace:
    """The ``space`` table of a drone: the room's box, in metres."""

    is_output = False
    options: ClassVar = {
        "length": Option(float, 4.0, "metres along the drone's first heading", min=1, max=50),
        "width": Option(float, 3.0, "metres across", min=1, max=50),
        "height": Option(float, 2.0, "metres up", min=1, max=20),
    }


def _space(table: dict[str, float] | None) -> Space:
    """A profile's ``space`` table (metres, defaults filled in) as a box in cm."""
    metres = {**{k: o.default for k, o in FlightSpace.options.items()}, **(table or {})}
    return Space(metres["length"] * 100, metres["width"] * 100, metres["height"] * 100)


class Drone(StandaloneDevice):
    """A Tello or Tello EDU flown through its SDK over Wi-Fi.

    :param host: the drone's address: ``192.168.10.1`` when this computer joins the Tello's
        own Wi-Fi; its address on the school's network for a Tello EDU in station mode.
    :param space: the room's box in metres (``{length = 4, width = 3, height = 2}``): a move
        that would leave it is refused before it is sent.
    :param speed: cm/s for moves, 10 to 100.
    """

    looks = "drone"
    is_output = True
    is_motor = True
    flies = True
    options: ClassVar = {
        "host": Option(str, "192.168.10.1", "the drone's address: 192.168.10.1 on the Tello's "
                       "own Wi-Fi, or its address on the school's network (Tello EDU)"),
        "port": Option(int, sdk.COMMAND_PORT, "the UDP port the drone takes commands on "
                       "(8889 on every Tello)", min=1, max=65535),
        "space": Option(FlightSpace, {}, "the room's box in metres: moves that would leave "
                        "it are refused"),
        "speed": Option(int, 50, "cm/s for moves", min=10, max=100),
        "timeout": Option(float, 7.0, "seconds to wait for the drone's answer to a command",
                          min=1, max=60),
        "state_port": Option(int, sdk.STATE_PORT, "the UDP port the drone sends its state to",
                             min=0, max=65535),
        "sim_host": Option(str, "127.0.0.1", "where the simulated drone answers (a loopback "
                           "address: 127.0.0.x)"),
        "sim_time_scale": Option(float, 1.0, "how much faster than real time the simulated "
                                 "drone flies (tests)", min=0.1, max=100),
    }
    channels = (
        Channel("flying", "", "True in the air"),
        Channel("height", "cm", "height above the take-off spot", low=0, high=500),
        Channel("battery", "%", "battery charge", low=0, high=100),
        Channel("speed", "cm/s", "speed over the ground"),
        Channel("pitch", "°", "nose up (+) or down", low=-180, high=180),
        Channel("roll", "°", "tilt right (+) or left", low=-180, high=180),
        Channel("yaw", "°", "heading, clockwise from take-off", low=-180, high=180),
        Channel("temperature", "°C", "the drone's own temperature"),
        Channel("x", "cm", "forward of the take-off spot along its first heading, as the kit "
                "reckons it from the moves flown"),
        Channel("y", "cm", "left of the take-off spot, as the kit reckons it"),
    )

    def __init__(self, *, host: str = "192.168.10.1", port: int = sdk.COMMAND_PORT,
                 space: dict[str, float] | None = None, speed: int = 50, timeout: float = 7.0,
                 state_port: int = sdk.STATE_PORT, name: str | None = None, safe: str = "off",
                 sim: SimTello | None = None) -> None:
        super().__init__(name=name, safe=safe)
        self.space = _space(space)
        self.timeout = timeout
        #: The simulated drone this kit flies, when simulated (its own record of the flight).
        self.sim = sim
        self._time_scale = sim.time_scale if sim is not None else 1.0
        self._landed = threading.Event()  # set by the safety net's landing: a hover ends
        self.pose = Pose()
        self._why_held = ""
        self._lock = threading.RLock()
        self._last_sent = time.monotonic()  # when the drone last heard from us: see hover
        self._link = TelloLink(host, port, state_port=state_port, name=self.name)
        self._ask("command")
        if state_port == 0:
            self._ask(f"port {self._link.state_port} {sdk.VIDEO_PORT}")
        self._speed = speed
        self._ask(sdk.move("speed", speed))
        # A drone already in the air (a kit rebuilt after its script was stopped) is flying:
        # the first state says so, and the safety net lands it.
        state = self._link.wait_state(_FIRST_STATE)
        self._flying = state.get("h", 0) > 0

    @classmethod
    def from_profile(cls, spec: DeviceSpec, env: BuildEnv) -> Drone:
        options = dict(spec.options)
        sim_host = options.pop("sim_host", "127.0.0.1")
        time_scale = options.pop("sim_time_scale", 1.0)
        if env.sim is None:
            return cls(name=spec.name, **options)
        from ..sim.tello import simulated_drone

        time_scale = _scale_from_environment(time_scale)
        own = os.environ.get("KITSDK_SIM_DRONE", "") == "own"
        try:
            sim, owned = simulated_drone(sim_host, _space(options.get("space")), time_scale,
                                         own=own)
        except OSError as exc:
            raise DroneError(f"{spec.name}: cannot start a simulated drone at {sim_host} "
                             f"({exc.strerror})", hint="sim_host must be a loopback address "
                             "such as 127.0.0.1") from exc
        if owned:
            env.sim.add_part(sim)
        env.sim.drone = sim
        port = sim.port if sim is not None else sdk.COMMAND_PORT
        return cls(name=spec.name, **{**options, "host": sim_host, "port": port,
                                      "state_port": 0}, sim=sim)

    # -- flying ----------------------------------------------------------------------------
    def takeoff(self) -> None:
        """Take off and hover at about 80 cm."""
        with self._lock:
            if self.held:
                raise DroneError(f"{self.describe()} stays on the ground: {self._why_held}",
                                 hint="wait until the teacher lets the kit go again")
            if self._flying:
                return
            self._check_space(replace(self.pose, z=80), "take off")
            self._ask("takeoff", 15)
            self._flying = True
            self._landed.clear()
            self.pose = replace(self.pose, z=80)

    def land(self) -> None:
        """Land where it is."""
        with self._lock:
            if self._flying:
                self._ask("land", 15)
                self._flying = False
                self.pose = replace(self.pose, z=0)

    def forward(self, cm: float) -> None:
        """Fly forward ``cm`` (20 to 500)."""
        self._move("forward", cm)

    def back(self, cm: float) -> None:
        """Fly backward ``cm`` (20 to 500)."""
        self._move("back", cm)

    def left(self, cm: float) -> None:
        """Fly sideways to the left ``cm`` (20 to 500)."""
        self._move("left", cm)

    def right(self, cm: float) -> None:
        """Fly sideways to the right ``cm`` (20 to 500)."""
        self._move("right", cm)

    def up(self, cm: float) -> None:
        """Climb ``cm`` (20 to 500)."""
        self._move("up", cm)

    def down(self, cm: float) -> None:
        """Descend ``cm`` (20 to 500)."""
        self._move("down", cm)

    def turn_left(self, degrees: float) -> None:
        """Turn left (anticlockwise) on the spot by ``degrees`` (1 to 360)."""
        self._move("ccw", degrees)

    def turn_right(self, degrees: float) -> None:
        """Turn right (clockwise) on the spot by ``degrees`` (1 to 360)."""
        self._move("cw", degrees)

    def hover(self, seconds: float = 1.0) -> None:
        """Stay where it is for ``seconds``, keeping the drone awake.

        A Tello lands by itself 15 s after the last command it heard, so a hover asks it
        something harmless (``battery?``) whenever :data:`_KEEP_AWAKE` seconds have passed
        since the last command sent: counted from that command, not from the hover's
        start, so ``while True: kit.drone.hover(1)`` keeps it up as well as ``hover(60)``.
        """
        self._check_flying("hover")
        deadline = time.monotonic() + seconds / self._time_scale
        while True:
            now = time.monotonic()
            due = self._last_sent + _KEEP_AWAKE / self._time_scale
            if now >= due:
                self._ask("battery?")
                continue
            if now >= deadline:
                return
            if self._landed.wait(min(deadline, due) - now):
                return  # the safety net landed it

    def emergency(self, why: str = "") -> None:
        """Stop the motors at once, wherever it is: it falls. Only when landing is worse;
        ``why`` is said in the terminal (``the teacher's emergency stop``)."""
        was_flying, self._flying = self._flying, False  # before the wire: no landing now
        try:
            self._ask("emergency")
            self.pose = replace(self.pose, z=0)
            if was_flying:
                print(f"{self.name}: motors stopped in the air ({why or 'emergency'})",
                      file=sys.stderr)
        finally:
            self._landed.set()  # a hover ends, once it is said

    @property
    def flying(self) -> bool:
        return self._flying

    @property
    def height(self) -> float:
        """cm above the take-off spot, as the drone measures it."""
        state = self._link.fresh_state()
        return float(state["h"]) if "h" in state else self.pose.z

    @property
    def battery(self) -> int:
        """Battery charge in percent."""
        state = self._link.fresh_state()
        if "bat" in state:
            return int(state["bat"])
        answer = self._ask("battery?")
        try:
            return int(answer)
        except ValueError:
            self._link.faults["bad answer"] += 1
            raise DroneError(f"{self.describe()} answered 'battery?' with {answer[:40]!r}, "
                             "not a number") from None

    @property
    def faults(self) -> dict[str, int]:
        """Link faults so far by kind: no answer, bad answer, late answer, bad state."""
        return dict(self._link.faults)

    def read(self) -> dict[str, Reading]:
        self._check_open()
        state = self._link.fresh_state()
        speed = (math.sqrt(sum(state[k] ** 2 for k in ("vgx", "vgy", "vgz")))
                 if all(k in state for k in ("vgx", "vgy", "vgz")) else None)
        temperature = ((state["templ"] + state["temph"]) / 2
                       if "templ" in state and "temph" in state else None)
        values = {"flying": self._flying, "height": state.get("h"), "battery": state.get("bat"),
                  "speed": speed, "pitch": state.get("pitch"), "roll": state.get("roll"),
                  "yaw": state.get("yaw"), "temperature": temperature,
                  "x": round(self.pose.x, 1), "y": round(self.pose.y, 1)}
        return {c.name: Reading(values[c.name], c.unit) for c in self.channels}

    # -- the safety net --------------------------------------------------------------------
    def stop(self) -> None:
        """Land, if flying, and say so with why (the safety net's reason)."""
        if not self._flying:
            return
        why = safety.reason() or "the kit was stopped"
        try:
            self._ask("land", 15)
        except DroneError as exc:
            print(f"{self.name}: could not land it ({why}): {exc}; a Tello lands by itself "
                  f"{sdk.IDLE_LANDING:.0f} s after its last command", file=sys.stderr)
            return
        self._flying = False
        self.pose = replace(self.pose, z=0)
        self._landed.set()
        print(f"{self.name}: landed ({why})", file=sys.stderr)

    def hold(self) -> None:
        self._why_held = safety.reason() or "the kit is held"
        super().hold()

    def look(self) -> dict[str, Any]:
        return {"space": [self.space.length, self.space.width, self.space.height]}

    def _release(self) -> None:
        self._link.close()

    # -- the wire --------------------------------------------------------------------------
    def _move(self, word: str, amount: float) -> None:
        try:
            command = sdk.move(word, amount)  # the range, before anything else
        except BadValue as exc:
            raise BadValue(f"{self.describe()}: {exc}", hint=exc.hint) from None
        with self._lock:
            self._check_flying(command)
            end = self.pose.after(word, amount)
            self._check_space(end, command)
            rule = sdk.MOVES[word]
            flight = amount / (90 if rule.unit == "degrees" else self._speed)
            self._ask(command, flight + _SLACK)
            self.pose = end

    def _check_flying(self, what: str) -> None:
        if not self._flying:
            raise DroneError(f"{self.describe()} cannot {what}: it is not flying",
                             hint="call takeoff() first")

    def _check_space(self, end: Pose, what: str) -> None:
        wall = self.space.outside(end)
        if wall is not None:
            raise BadValue(f"{self.describe()}: {what} would take it past {wall} of the "
                           f"flight space ({self.space.describe()}); nothing was sent",
                           hint="fly a shorter way, or turn first")

    def _ask(self, command: str, timeout: float | None = None) -> str:
        self._check_open()
        self._last_sent = time.monotonic()
        answer = self._link.ask(command, timeout or self.timeout)
        if answer.startswith("error") or answer == "out of range":
            detail = answer.removeprefix("error").strip()
            meaning = next((text for key, text in _ERRORS.items() if key in answer), None)
            raise DroneError(f"{self.describe()} refused '{command}': "
                             f"{meaning or detail or 'error'}"
                             + (f" (it said {answer!r})" if meaning else ""))
        return answer


def _scale_from_environment(scale: float) -> float:
    """``$KITSDK_SIM_TIME_SCALE`` if it is set (the lesson checker's), else ``scale``."""
    text = os.environ.get("KITSDK_SIM_TIME_SCALE", "").strip()
    if not text:
        return scale
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.1 <= value <= 100:
        raise BadValue(f"KITSDK_SIM_TIME_SCALE is {text!r}: it must be a number from 0.1 to 100",
                       hint="unset it, or set it to e.g. 10")
    return value
