"""The lesson board: while a class works through a lesson, each kit's step, who passed and
who is stuck, with the hint each was given; for a past run of a lesson too.

- ``fold``: lesson events folded into a :class:`Board` (pure; the rules are there);
- ``runs``: the runs of a lesson (a class working through it), told apart by a pause;
- ``queries``: boards from the store, and :func:`stuck_kits` for the room::

    from lab_server.board import stuck_kits

    stuck_kits(services.store, services.config)   # {"kit-3": "blink: on step 2 for 7 min"}
"""

from .fold import Board, Hint, KitRow, fold
from .queries import LOOKBACK, recent_runs, run_board, stuck_kits
from .runs import RUN_GAP, Run, runs

__all__ = ["LOOKBACK", "RUN_GAP", "Board", "Hint", "KitRow", "Run", "fold", "recent_runs",
           "run_board", "runs", "stuck_kits"]
