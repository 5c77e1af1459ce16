"""A kit as its view draws it: the parts, the simulated inputs and the rover's floor (JSON).

The parts are the kit's own description (``Kit.parts()``, the same the kit agent sends to
the lab); a simulated kit adds what the student can change (its world's quantities) and,
with a rover on a floor, the floor. See ``docs/view.md`` for the whole contract.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..sim import rover as model
from ..telemetry.parts import parts_to_json

if TYPE_CHECKING:
    from ..kit import Kit
    from ..sim.rover import SimRover
    from ..sim.world import Quantity


def describe(kit: Kit) -> dict[str, Any]:
    """The view's description of ``kit``: ``{"kit", "simulated", "parts", "inputs", "world"}``."""
    sim = kit.sim if kit.simulated else None
    buttons = {d.name for d in kit if d.looks == "button"}
    return {
        "kit": kit.name,
        "simulated": kit.simulated,
        "parts": parts_to_json(kit.parts()),
        "inputs": [] if sim is None else [_input(q, q.name in buttons)
                                          for q in sim.world.quantities()],
        "world": None if sim is None or sim.rover is None else floor(kit, sim.rover),
    }


def _input(quantity: Quantity, button: bool) -> dict[str, Any]:
    return {"name": quantity.name, "kind": "bool" if isinstance(quantity.value, bool) else "number",
            "button": button, "unit": quantity.unit, "low": quantity.low, "high": quantity.high}


def floor(kit: Kit, rover: SimRover) -> dict[str, Any]:
    """The rover's floor in metres, with the rover's measurements (``kitsdk.sim.rover``)."""
    arena = rover.arena
    drives = [d.name for d in kit if d.looks == "drive_base"]
    distances = [d.name for d in kit if d.looks == "distance"]
    return {"wall": arena.wall, "line": arena.line, "nose": model.NOSE, "track": model.TRACK,
            "sensors_ahead": model.SENSORS_AHEAD, "sensor_spread": model.SENSOR_SPREAD,
            "tape": model.TAPE, "far": model.FAR, "drive": drives[0] if drives else None,
            "distance": distances[0] if distances else None}


def inputs_now(kit: Kit) -> dict[str, dict[str, Any]]:
    """Every simulated input's value now, and whether a source or the rover drives it."""
    world = kit.sim.world
    now: dict[str, dict[str, Any]] = {}
    for quantity in world.quantities():
        value = world.get(quantity.name)
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        now[quantity.name] = {"value": value, "driven": quantity.source is not None}
    return now


def pose(rover: SimRover) -> dict[str, Any]:
    """Where the rover is: metres, and degrees anticlockwise; ``bumped`` once it hit the wall."""
    report = rover.report()
    return {"x": report["x"], "y": report["y"], "heading": report["heading"],
            "bumped": report["bumped_after"] is not None}
