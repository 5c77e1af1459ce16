"""The lesson board: while a class works through a lesson, each kit's step, who passed and
who is stuck, with the hint each was given; for a past run of a lesson too.

- ``fold``: lesson events folded into a :class:`Board` (pure; the rules are there);
- ``runs``: the runs of a lesson (a class working through it), told apart by a pause;
- ``queries``: the boards from the store, and :func:`stuck_kits` for the room.
"""

from .fold import Board, Hint, KitRow, fold
from .runs import RUN_GAP, Run, runs

__all__ = ["RUN_GAP", "Board", "Hint", "KitRow", "Run", "fold", "runs"]
