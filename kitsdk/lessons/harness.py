"""The lesson checker's hand inside a student's script: it holds the simulated kit's inputs.

The checker runs ``python -m kitsdk.lessons.harness FD SCRIPT`` with one end of a socket
pair on FD (JSON lines, ``kitsdk.ipc.Channel``). Here, in the script's own process:

- when the script builds its kit, the harness says so (``kit``) and holds the script there
  until the checker has set the scene (``go``), so the world is ready before the first
  line after ``Kit(...)`` runs;
- on a thread of its own it obeys the checker's requests, even while the script spins in
  ``while True``: set a simulated input, press a button, show the camera a colour, put the
  kit's drive base on a simulated floor and say where the rover is, or what the simulated
  drone recorded (``drone_report``: ``SimTello.report``). Each request has an
  ``id``, answered by a ``reply`` carrying the time it took effect (``t``, ``time.time()``)
  and a ``value``, or an ``error``; once the script's code has ended, ``ended`` instead.

When the script's own code has ended (its last line, ``sys.exit()``, an error, or the
checker's stop), before the safety net switches the kit off, the harness says so (``ended``,
with the time and the exit status) and sends the rover's last ``report`` (``rover``) and the
simulated drone's (``drone``: still flying, if the script did not land it): what the kit does
as the process closes (the safety net lands the drone) is not the script's doing. What the
pins did is not sent here: the simulated factory journals it to ``KITSDK_SIM_TRACE``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from .. import safety
from ..exc import KitError
from ..ipc import Channel
from ..script import run_script

if TYPE_CHECKING:
    from ..kit import Kit
    from ..sim.rover import SimRover
    from ..sim.tello import SimTello

#: Seconds a script waits at ``Kit(...)`` for the checker's go before it goes on anyway.
GO_WAIT: Final = 10.0


class Harness:
    """Serves the checker's requests against the first kit the script builds."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.kit: Kit | None = None
        self.rover: SimRover | None = None
        #: The kit's simulated drone, kept from the start: its record outlives its closing.
        self.drone: SimTello | None = None
        self._go = threading.Event()
        self._busy = threading.Lock()
        self._finished = False  # the script's code has ended: the kit is being switched off
        self._ops: dict[str, Callable[[dict[str, Any]], Any]] = {
            "go": lambda _: self._go.set(),
            "set": lambda m: self._kit().sim.set(m["name"], m["value"]),
            "follow": self._follow,
            "press": lambda m: self._kit().sim.press(m["name"]),
            "release": lambda m: self._kit().sim.release(m["name"]),
            "click": self._click,
            "show": self._show,
            "rover": self._attach_rover,
            "turn_rover": lambda m: self._rover().place(turn=m["degrees"]),
            "rover_report": lambda _: self._rover().report(),
            "drone_report": lambda _: self._drone().report(),
        }

    def kit_built(self, kit: Kit) -> None:
        """``safety.on_kit`` hook: announce the first kit, then wait for the checker's go."""
        if self.kit is not None:
            return
        self.kit = kit
        self.drone = getattr(kit.sim, "drone", None)
        self.channel.send("kit", profile=kit.profile.name)
        self._go.wait(GO_WAIT)

    def serve(self) -> None:
        """Answer requests until the checker hangs up (runs on a daemon thread).

        The checker closes its end only after the script has ended, so an end of input
        means the checker itself died: the script ends too (SIGTERM, the safety net's way)
        rather than loop on with nobody watching.
        """
        for message in self.channel:
            with self._busy:
                self.channel.send("reply", **self._answer(message))
        os.kill(os.getpid(), signal.SIGTERM)

    def finish(self, status: int) -> None:
        """The script has ended: let a request in progress be answered (pressing the button
        may be what ended it), say when, and where the rover ended up, which checks still ask."""
        with self._busy:
            self._finished = True
            ended = time.time()
            mark_end(ended)
            self.channel.send("ended", t=ended, status=status)
            if self.rover is not None:
                self.channel.send("rover", report=self.rover.report())
            if self.drone is not None:
                self.channel.send("drone", report=self.drone.report())

    def _answer(self, message: dict[str, Any]) -> dict[str, Any]:
        op = self._ops.get(message["type"])
        reply: dict[str, Any] = {"id": message.get("id")}
        if self._finished:  # too late to set a scene or ask the rover: say so, not an error
            reply["ended"] = True
            return reply
        try:
            if op is None:
                raise KitError(f"the lesson harness has no request {message['type']!r}")
            # Stamped first: what the request sets off may happen at once (a press wakes
            # the script, which may print before this thread runs again).
            started = time.time()
            reply["value"] = op(message)
            reply["t"] = started
        except KitError as exc:
            reply["error"] = exc.explain()
        except (KeyError, TypeError, ValueError) as exc:  # a malformed request
            reply["error"] = f"bad request {message!r:.200}: {type(exc).__name__}: {exc}"
        return reply

    def _kit(self) -> Kit:
        if self.kit is None:
            raise KitError("the script has not built its kit yet")
        return self.kit

    def _rover(self) -> SimRover:
        if self.rover is None:
            raise KitError("no simulated rover: ask for 'rover' first")
        return self.rover

    def _drone(self) -> SimTello:
        if self.drone is None:
            raise KitError("the kit has no simulated drone of its own (a 'tello' device)")
        return self.drone

    def _click(self, message: dict[str, Any]) -> None:
        sim, name = self._kit().sim, message["name"]
        sim.press(name)
        letting_go = threading.Timer(float(message["hold"]), sim.release, (name,))
        letting_go.daemon = True
        letting_go.start()

    def _follow(self, message: dict[str, Any]) -> None:
        from ..sim.sources import steps

        self._kit().sim.set(message["name"], steps(message["values"], message["every"],
                                                   repeat=False))

    def _show(self, message: dict[str, Any]) -> None:
        from ..devices.camera import Camera

        camera = self._kit()[message["camera"]]
        if not isinstance(camera, Camera):
            raise KitError(f"{camera.describe()} is not a camera")
        camera.sim_scene = message["scene"]

    def _attach_rover(self, message: dict[str, Any]) -> None:
        from ..sim.rover import Arena, SimRover

        self.rover = SimRover.attach(self._kit(), Arena(wall=message.get("wall"),
                                                       line=message.get("line")))


def mark_end(t: float) -> None:
    """Write the end of the script's own code into its pins' journal, before the safety net
    switches the kit off: a checker reading the journal sees the mark before the switching
    off, however late the channel's ``ended`` reaches it (a busy machine)."""
    trace = os.environ.get("KITSDK_SIM_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as journal:
            journal.write(json.dumps({"t": t, "pid": os.getpid(), "end": True}) + "\n")


def main(argv: list[str]) -> int:
    from ..view import view_from_environment

    fd, script, *args = argv
    harness = Harness(Channel(socket.socket(fileno=int(fd))))
    view = view_from_environment()  # kit lesson check --view: the student watches each try
    if view is not None:
        safety.on_kit(view.watch)
    safety.on_kit(harness.kit_built)
    threading.Thread(target=harness.serve, name="kitsdk-lesson-harness", daemon=True).start()
    status = 1  # what an exception out of run_script itself would end with
    try:
        status = run_script(script, args)
    finally:
        harness.finish(status)
        if view is not None:
            view.ended("finished" if status == 0 else "error",
                       "this try of your script has ended; the check goes on", final=False,
                       linger=0.5)
            view.close()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
