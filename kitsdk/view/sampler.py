"""Reading a kit for its view, at most at the display's frame rate.

A simulated kit says when to look: its pin factory reports every pin change (the same
changes its journal records for lesson checks), and a change on a pin of an output or a
button wakes the sampler, so a lit LED reaches the page within a frame. (Sensors' pins
chatter as they are read, a distance sensor's many times a second: they wake nothing.) A
script that toggles a pin in a tight loop costs a set lookup and a flag test per toggle,
and the page one update per frame. Real parts have no such hook; they are read every
``REAL_PERIOD``. Either way the kit is read every ``IDLE_PERIOD`` with nothing changing,
for what moves without a watched pin changing (a sensor, the rover coasting), and a camera
only every ``CAMERA_PERIOD``, since each read takes a picture.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from ..sampling import sample
from .describe import inputs_now, pose

if TYPE_CHECKING:
    from ..kit import Kit

FRAME: Final = 1 / 30
"""The fastest the page is updated: a display's frame rate, halved (a page redrawn 60 times a
second cost the browser more than a kit is worth watching at)."""
IDLE_PERIOD: Final = 0.1
REAL_PERIOD: Final = 0.05
CAMERA_PERIOD: Final = 0.5


class Sampler:
    """A thread that samples ``kit`` and hands each changed state to ``publish``."""

    def __init__(self, kit: Kit, publish: Callable[[dict[str, Any]], None], *,
                 frame: float, floor_changed: Callable[[], None] = lambda: None) -> None:
        self.kit = kit
        self.publish = publish
        self.frame = frame
        #: Called when the rover is put on another floor (the script's own, after the view's).
        self.floor_changed = floor_changed
        self._rover = kit.sim.rover if kit.simulated else None
        self.samples = 0
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._last: dict[str, Any] | None = None
        self._camera_values: dict[str, Any] = {}
        self._camera_due = 0.0
        self._frames = 0
        self._lock = threading.Lock()  # one sample at a time: the thread's, or the final one
        self._unhook: Callable[[], None] | None = None
        if kit.simulated:
            self._watched = frozenset(
                pin.name for device, _driver, _role, pin in kit.profile.wiring()
                if kit[device].is_output or kit[device].looks == "button")
            self._unhook = kit.sim.factory.on_change(self._pin_changed)
        self._thread = threading.Thread(target=self._run, name="kitsdk-view-sampler",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Sample at the next frame (a page changed an input, a watched pin changed)."""
        if not self._dirty.is_set():  # setting it again would wake the thread again
            self._dirty.set()

    def _pin_changed(self, pin: str) -> None:
        if pin in self._watched and not self._dirty.is_set():  # on every toggle: one call
            self._dirty.set()

    def close(self, *, final: bool = False) -> None:
        """Stop sampling; with ``final``, publish the kit's state once more first."""
        if self._unhook is not None:
            self._unhook()
            self._unhook = None
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        if final:
            self._sample()

    def _run(self) -> None:
        idle = IDLE_PERIOD if self.kit.simulated else REAL_PERIOD
        while not self._stopping.is_set():
            started = time.monotonic()
            self._sample()
            rest = self.frame - (time.monotonic() - started)
            if rest > 0 and self._stopping.wait(rest):
                return
            self._dirty.wait(idle)
            self._dirty.clear()

    def _sample(self) -> None:
        with self._lock:
            kit = self.kit
            if kit.closed:
                return
            now = time.monotonic()
            cameras = [d for d in kit if d.looks == "camera"]
            values, _errors = sample(d for d in kit if d.looks != "camera")
            if cameras and now >= self._camera_due:
                self._camera_due = now + CAMERA_PERIOD
                self._camera_values, _ = sample(cameras)
                self._frames += 1
            values.update(self._camera_values)
            state: dict[str, Any] = {"values": _finite(values)}
            if kit.simulated:
                rover = kit.sim.rover
                if rover is not self._rover:
                    self._rover = rover
                    self.floor_changed()
                state["inputs"] = inputs_now(kit)
                state["rover"] = None if rover is None else pose(rover)
            state["camera"] = self._frames if cameras else None
            self.samples += 1
            if state != self._last:
                self._last = state
                self.publish(state)


def _finite(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """JSON has no NaN or infinity: a reading that is one shows as 'no reading'."""
    for channels in values.values():
        for name, value in channels.items():
            if isinstance(value, float) and not math.isfinite(value):
                channels[name] = None
    return values
