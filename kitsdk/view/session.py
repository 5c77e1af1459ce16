"""What a view of a kit shows, and the one door its pages act through.

A ``ViewSession`` holds four things a page shows, each with a version number: the kit's
description (``kit``), its latest state (``state``), the script's fate (``script``) and a
short list of notices. The sampler writes the state, the command writes the script's fate,
and every page's stream waits on one condition for a version newer than the one it sent.
A stream always sends the newest of each, never a queue, so a slow page skips ahead and
can never slow the script down.

What a page does (``set_input``, ``press``, ``put_rover``) goes through the simulator's own
API, exactly as ``kit.sim.set`` and lesson checks do, and a refusal comes back as the
simulator's own ``KitError``: its words name the input and its range.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Final

from ..exc import BadValue, KitError, UnknownDevice
from .describe import describe
from .sampler import FRAME, Sampler

if TYPE_CHECKING:
    from ..kit import Kit
    from ..sim.rover import Arena

#: What the page says before the script has built its kit.
WAITING: Final = "waiting for the script to build its kit"
NOTICES: Final = 20
"""Notices a page that connects late still sees."""


class ViewSession:
    """The shared state of one view; safe to use from any thread."""

    def __init__(self, *, floor: Arena | None = None, frame: float = FRAME) -> None:
        #: The floor a simulated rover is put on when the script does not choose one.
        self.floor = floor
        #: The script's file name, which the page shows while it runs.
        self.script_name = ""
        self.frame = frame
        self._cond = threading.Condition()
        self.version = 0
        self._kit: Kit | None = None
        self._sampler: Sampler | None = None
        self._shown: dict[str, tuple[int, Any]] = {
            "kit": (0, {"kit": None}), "state": (0, {}),
            "script": (0, {"state": "waiting", "message": WAITING, "final": False})}
        self._notices: deque[tuple[int, dict[str, str]]] = deque(maxlen=NOTICES)
        self.closed = False

    # -- the kit side ----------------------------------------------------------------------
    def watch(self, kit: Kit) -> None:
        """Show ``kit`` from now on (``safety.on_kit`` calls this for every kit built)."""
        if kit.simulated and self.floor is not None and kit.sim.rover is None and any(
                d.looks == "drive_base" for d in kit):
            from ..sim.rover import SimRover

            SimRover.attach(kit, self.floor)
        with self._cond:
            old, self._kit = self._sampler, kit
            self._sampler = Sampler(kit, self._publish_state, frame=self.frame,
                                    floor_changed=lambda: self._publish("kit", describe(kit)))
        if old is not None:
            old.close()
            self.notice(f"the script built another kit: this is kit '{kit.name}' now")
        self._publish("kit", describe(kit))
        self._sampler.start()
        if self.script()["state"] == "waiting":
            self.say("running", self.script_name)

    def say(self, state: str, message: str, *, final: bool = False) -> None:
        """What the script is doing, in the page's words: ``running``, ``idle`` (no script).

        ``final``: the view ends with it, so the page stops listening and stays as it is.
        """
        self._publish("script", {"state": state, "message": message, "final": final})

    def script_ended(self, state: str, message: str, *, final: bool = True) -> None:
        """The script ended: ``finished``, ``error`` (with its friendly message) or ``stopped``.

        The last state is sampled first, so the page shows how the kit was left.
        """
        sampler = self._sampler
        if sampler is not None:
            sampler.close(final=True)
        self.say(state, message, final=final)

    def notice(self, message: str) -> None:
        with self._cond:
            self.version += 1
            self._notices.append((self.version, {"message": message}))
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            sampler, self._sampler = self._sampler, None
            self._cond.notify_all()
        if sampler is not None:
            sampler.close()

    # -- the pages' side -------------------------------------------------------------------
    def script(self) -> dict[str, str]:
        with self._cond:
            return dict(self._shown["script"][1])

    def changes(self, seen: dict[str, int], timeout: float) -> list[tuple[str, Any]]:
        """What changed since the versions in ``seen`` (updated in place): ``[(event, data)]``.

        Waits up to ``timeout`` seconds for something; [] on timeout or when closed.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found: list[tuple[str, Any]] = []
                for name, (version, data) in self._shown.items():
                    if version > seen.get(name, -1):
                        found.append((name, data))
                        seen[name] = version
                for version, data in self._notices:
                    if version > seen.get("notice", 0):
                        found.append(("notice", data))
                        seen["notice"] = version
                remaining = deadline - time.monotonic()
                if found or self.closed or remaining <= 0:
                    return found
                self._cond.wait(remaining)

    def set_input(self, name: object, value: object) -> None:
        """Set simulated input ``name`` to ``value``, as ``kit.sim.set`` does."""
        kit = self._simulated()
        kit.sim.set(_name(name), _value(value))
        self._sampler_now()

    def press(self, name: object, down: object) -> None:
        """Press (``down``) or release simulated button ``name``, as ``kit.sim.press`` does."""
        kit = self._simulated()
        name = _name(name)
        if name not in {d.name for d in kit if d.looks == "button"}:
            raise UnknownDevice(f"no simulated button '{name}'",
                                hint="buttons: " + (", ".join(
                                    d.name for d in kit if d.looks == "button") or "none"))
        if type(down) is not bool:
            raise BadValue(f"a press must say down: true or false, got {down!r}")
        (kit.sim.press if down else kit.sim.release)(name)
        self._sampler_now()

    def put_rover(self, x: object, y: object, heading: object) -> None:
        """Pick the simulated rover up and put it down at (x, y) facing ``heading`` degrees."""
        rover = self._simulated().sim.rover
        if rover is None:
            raise UnknownDevice("this kit has no simulated rover on a floor")
        rover.put(x, y, heading)  # put() checks each one
        self._sampler_now()

    def camera_jpeg(self, max_width: int = 480) -> bytes | None:
        """The camera's picture now, as a JPEG; None without a camera."""
        kit = self._kit
        cameras = [d for d in kit if d.looks == "camera" and not d.closed] if kit else []
        if not cameras:
            return None
        return bytes(cameras[0].snapshot(max_width))  # type: ignore[attr-defined]

    # -- inside ----------------------------------------------------------------------------
    def _simulated(self) -> Kit:
        kit = self._kit
        if kit is None:
            raise KitError("the script has not built its kit yet")
        if kit.closed:
            raise KitError("the script has ended: its kit is closed")
        if not kit.simulated:
            raise KitError("this kit has real parts: the view only shows them")
        return kit

    def _sampler_now(self) -> None:
        sampler = self._sampler
        if sampler is not None:
            sampler.wake()

    def _publish_state(self, state: dict[str, Any]) -> None:
        self._publish("state", state)

    def _publish(self, name: str, data: Any) -> None:
        with self._cond:
            self.version += 1
            self._shown[name] = (self.version, data)
            self._cond.notify_all()


def _name(name: object) -> str:
    if type(name) is not str or not 0 < len(name) <= 64:
        raise BadValue(f"an input's name must be text, got {name!r:.40}")
    return name


def _value(value: object) -> float | bool:
    if type(value) not in (bool, int, float):
        raise BadValue(f"a value must be a number or true/false, got {value!r:.40}")
    return value  # type: ignore[return-value]
