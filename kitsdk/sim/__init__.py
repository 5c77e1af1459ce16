"""Simulation: kits without hardware, on gpiozero's mock pins.

``Kit()`` uses it by itself off a Raspberry Pi (or with ``KITSDK_BACKEND=sim``).
``SimRover.attach(kit, Arena(wall=0.5))`` puts a rover kit on a simulated floor.
"""

from .factory import SimFactory
from .rover import Arena, SimRover
from .simulator import Simulator
from .sources import constant, recorded, sine, steps
from .world import SimWorld

__all__ = ["Arena", "SimFactory", "SimRover", "SimWorld", "Simulator", "constant", "recorded",
           "sine", "steps"]
