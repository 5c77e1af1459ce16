"""Where a drone is in the room, and the room's box it must stay in.

One geometry for both ends: the kit's drone works out where a move would take it and refuses
one that leaves the box before anything is sent; the simulated Tello flies the same moves and
crashes into the wall the kit would have warned about.

Positions are in cm from where the drone took off (the floor's centre of the box): ``x``
forward along its first heading, ``y`` to its left, ``z`` up. ``yaw`` is in degrees,
clockwise seen from above, as ``cw`` turns it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

#: Unit moves in the drone's own frame: forward, left, up.
_DIRECTIONS = {"forward": (1, 0, 0), "back": (-1, 0, 0), "left": (0, 1, 0),
               "right": (0, -1, 0), "up": (0, 0, 1), "down": (0, 0, -1)}


@dataclass(frozen=True)
class Pose:
    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    yaw: float = 0.0

    def after(self, word: str, amount: float) -> Pose:
        """Where ``word amount`` (``forward 50``, ``cw 90``) leaves the drone."""
        if word in ("cw", "ccw"):
            return replace(self, yaw=(self.yaw + (amount if word == "cw" else -amount)) % 360)
        forward, left, up = _DIRECTIONS[word]
        cos, sin = math.cos(math.radians(self.yaw)), math.sin(math.radians(self.yaw))
        return replace(self, x=self.x + (forward * cos + left * sin) * amount,
                       y=self.y + (left * cos - forward * sin) * amount, z=self.z + up * amount)

    def towards(self, end: Pose, fraction: float) -> Pose:
        """The point ``fraction`` of the way to ``end`` (a move in flight)."""
        return Pose(self.x + (end.x - self.x) * fraction, self.y + (end.y - self.y) * fraction,
                    self.z + (end.z - self.z) * fraction, end.yaw)

    def distance_to(self, other: Pose) -> float:
        """How far apart on the floor plan, in cm."""
        return math.hypot(self.x - other.x, self.y - other.y)


@dataclass(frozen=True)
class Space:
    """The room's box in cm (its walls named as seen from the take-off spot, facing the
    drone's first heading): ``length`` along that heading, ``width``
    across, ``height`` up, with the drone starting on the floor at its centre."""

    length: float = 400.0
    width: float = 300.0
    height: float = 200.0

    def outside(self, pose: Pose) -> str | None:
        """What of the box ``pose`` is beyond (``"the front wall"``), or None inside it."""
        if pose.z > self.height:
            return "the ceiling"
        if pose.x > self.length / 2:
            return "the front wall"
        if pose.x < -self.length / 2:
            return "the back wall"
        if pose.y > self.width / 2:
            return "the left wall"
        if pose.y < -self.width / 2:
            return "the right wall"
        return None

    def clamp(self, pose: Pose) -> Pose:
        """The nearest point to ``pose`` inside the box (where it meets the wall)."""
        half_length, half_width = self.length / 2, self.width / 2
        return Pose(min(max(pose.x, -half_length), half_length),
                    min(max(pose.y, -half_width), half_width),
                    min(max(pose.z, 0.0), self.height), pose.yaw)

    def describe(self) -> str:
        return f"{self.length / 100:g} m x {self.width / 100:g} m x {self.height / 100:g} m"
