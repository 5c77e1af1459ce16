"""The Tello drone's SDK: its text protocol's rules, the room it flies in, and the kit's link.

The kit's ``tello`` driver (``kitsdk.devices.drone``) and the simulated Tello
(``kitsdk.sim.tello``) are its two ends; both take their rules from here.
"""

from .sdk import COMMAND_PORT, MOVES, STATE_PORT, check, format_state, move, parse_state
from .space import Pose, Space

__all__ = ["COMMAND_PORT", "MOVES", "STATE_PORT", "Pose", "Space", "check", "format_state",
           "move", "parse_state"]
