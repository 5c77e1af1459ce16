"""Simulation: kits without hardware, on gpiozero's mock pins.

``Kit()`` uses it by itself off a Raspberry Pi (or with ``KITSDK_BACKEND=sim``).
"""

from .factory import SimFactory
from .simulator import Simulator
from .sources import constant, recorded, sine, steps
from .world import SimWorld

__all__ = ["SimFactory", "SimWorld", "Simulator", "constant", "recorded", "sine", "steps"]
