"""What a simulated drone itself recorded, read for the drone lessons' checks.

A drone lesson's check never trusts what a script printed, nor what the kit believes about
its drone: it reads the simulated Tello's own record (``Trial.drone_report``, which is
``SimTello.report`` from the script's process): its take-offs, where each move and turn
ended, and each landing with why and where. So ``print("landed")`` is not a landing, a
``sleep`` that let the drone land by itself is not a ``land()``, and a square is the way
the drone flew, not the lines that were run.

Times in the record are the drone's own seconds. A check flies the drone
``Lesson.sim_time_scale`` times faster than real time; :func:`real` turns the drone's
seconds into a check's timeouts. What a check says counts the drone's seconds only (never
``how_it_ran``'s real ones): "20.0 s after it took off" is what the script asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from .checks import expect
from .exc import StepFailed

if TYPE_CHECKING:
    from .trial import Trial

#: Real seconds a check waits beyond what a right script needs (a busy machine, the
#: script's own start).
SLACK: Final = 3.0
#: The drone's seconds from ``takeoff()`` to hovering at about 80 cm (the simulated Tello's).
TAKEOFF: Final = 4.0
#: Closer than this (cm), two points of the way flown are one: a turn on the spot.
SAME_PLACE: Final = 5.0
#: Turning less than this (degrees) between two moves goes on along the same side.
STRAIGHT: Final = 10.0
#: What a Tello does by itself with no command for this long in the air: it lands.
IDLE_LANDING: Final = 15.0


def real(trial: Trial, seconds: float) -> float:
    """The drone's ``seconds`` in real seconds, at the lesson's ``sim_time_scale``."""
    return seconds / (trial.lesson.sim_time_scale or 1.0)


def flight(trial: Trial) -> Flight:
    """The simulated drone's record now (or as it was when the script's code ended)."""
    return Flight(trial.drone_report())


@dataclass(frozen=True)
class Flight:
    """A simulated drone's report (``SimTello.report``), read for the first flight: from
    the first take-off to the first landing, or to now if it is still flying."""

    report: dict[str, Any]

    @property
    def took_off(self) -> float | None:
        """When the first take-off reached its height (the drone's seconds), or None."""
        takeoffs = self.report["takeoffs"]
        return float(takeoffs[0]) if takeoffs else None

    @property
    def landing(self) -> dict[str, Any] | None:
        """The first landing after the take-off: ``why``, ``at``, ``x``, ``y``, ``z``."""
        if self.took_off is None:
            return None
        landings = [ld for ld in self.report["landings"] if ld["at"] >= self.took_off]
        return landings[0] if landings else None

    @property
    def in_air(self) -> float:
        """The drone's seconds from the take-off to the landing (or to now): 0 if it never
        took off."""
        if self.took_off is None:
            return 0.0
        end = self.landing["at"] if self.landing is not None else self.report["now"]
        return max(0.0, float(end) - self.took_off)

    def corners(self) -> list[tuple[float, float]]:
        """The way flown seen from above, from the take-off spot: the points (cm) where it
        changed direction, and where it is now (or landed). A turn on the spot is no
        corner, and two moves the same way are one side."""
        if self.took_off is None:
            return []
        end = self.landing["at"] if self.landing is not None else math.inf
        points = [(p["x"], p["y"]) for p in self.report["path"]
                  if self.took_off <= p["at"] <= end]
        if self.landing is not None:  # a move cut short by the landing ends there
            points.append((self.landing["x"], self.landing["y"]))
        kept: list[tuple[float, float]] = []
        for point in points:
            if kept and math.dist(point, kept[-1]) < SAME_PLACE:
                continue
            if len(kept) >= 2 and abs(_turn(kept[-2], kept[-1], point)) < STRAIGHT:
                kept[-1] = point
                continue
            kept.append(point)
        return kept

    def sides(self) -> list[float]:
        """The length (cm) of each side flown, in order."""
        corners = self.corners()
        return [math.dist(a, b) for a, b in zip(corners, corners[1:], strict=False)]

    def turns(self) -> list[float]:
        """How far it turned (degrees, right positive) at each corner between two sides."""
        corners = self.corners()
        return [_turn(a, b, c) for a, b, c in zip(corners, corners[1:], corners[2:],
                                                   strict=False)]

    def event(self, start: str) -> str:
        """The drone's last event that begins with ``start`` (``"crashed"``), or ""."""
        return next((e for e in reversed(self.report["events"]) if e.startswith(start)), "")


def _turn(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    """The turn at ``b`` from the way ``a`` to ``b`` to the way ``b`` to ``c``, in degrees,
    right (clockwise seen from above) positive: ``y`` is to the left of ``x``."""
    first = math.atan2(b[1] - a[1], b[0] - a[0])
    second = math.atan2(c[1] - b[1], c[0] - b[0])
    return -((math.degrees(second - first) + 180) % 360 - 180)


def takes_off(trial: Trial) -> None:
    """The step "take off": the drone's own record has a take-off."""
    expect(trial, lambda: flight(trial).took_off is not None,
           real(trial, TAKEOFF * 2) + SLACK,
           saw=lambda: ("your script ended with your drone still on the ground" if trial.ended
                        else "your drone stayed on the ground"),
           hint="start with kit.drone.takeoff()")


def landing_failure(trial: Trial, seen: Flight, *, hover: float | None = None
                    ) -> StepFailed | None:
    """Why the flight ``seen`` did not end in a landing of the script's own ``land()``
    (still flying, left to the kit, its motors stopped, a crash, a landing of the drone's
    own), or None if it did. ``hover``: the seconds the lesson asks it to stay up."""
    landing = seen.landing
    if landing is None:
        if trial.ended:
            return StepFailed(
                saw=f"your script ended with your drone still in the air, "
                    f"{seen.in_air:.1f} s after it took off: the kit landed it for you",
                hint="land it yourself before the script ends: kit.drone.land()")
        return StepFailed(saw=f"your drone was still flying {seen.in_air:.0f} s after it "
                              "took off", hint="land it when it is done: kit.drone.land()")
    why, after = landing["why"], f"{seen.in_air:.1f} s after it took off"
    if why == "land":
        return None
    if why == "emergency":
        return StepFailed(saw=f"your drone stopped its motors {landing['z']:.0f} cm up, "
                              f"{after}, and fell",
                          hint="emergency() is only for emergencies: land with "
                               "kit.drone.land()")
    if why == "crashed":
        return StepFailed(saw=f"your drone {seen.event('crashed') or 'crashed'}, {after}",
                          hint="stay inside the flight space: fly shorter moves")
    scale = trial.lesson.sim_time_scale or 1.0
    faster = (f"; in this check it flies {scale:g} times faster than real time, and only "
              "hover() knows that" if scale != 1 else "")
    seconds = "seconds" if hover is None else f"{hover:g}"
    return StepFailed(
        saw=f"your drone landed by itself ({why}), {after}",
        hint=f"a Tello lands by itself when it hears no command for {IDLE_LANDING:.0f} s. "
             f"Wait in the air with kit.drone.hover({seconds}), which keeps talking to it, "
             f"not with sleep(), which it cannot hear{faster}")
