"""Reading what a simulated kit's pins did, from its ``KITSDK_SIM_TRACE`` file, while the
process that drives them is still writing it.

The simulated pin factory appends one JSON line per pin change (``kitsdk.sim.factory``); this
reads the new lines each time it is asked, keeping a half-written last line for next time. The
lesson harness appends ``{"t": ..., "end": true}`` when the script's own code has ended, before
the safety net switches the kit off (``code_ended``).
"""

from __future__ import annotations

import json
from pathlib import Path


class Journal:
    """Each pin's levels over time, ``(t, level)`` with ``t`` from ``time.time()``."""

    def __init__(self, path: Path) -> None:
        path.touch()
        self._file = path.open(encoding="utf-8", errors="replace")
        self._partial = ""
        self._levels: dict[str, list[tuple[float, float]]] = {}
        #: When the script's own code ended (its harness's mark), or None so far.
        self.code_ended: float | None = None
        #: Lines that were not journal entries: there should be none, so a check that
        #: finds some is reading the wrong file.
        self.bad_lines = 0

    def refresh(self) -> None:
        """Take in whatever was written since the last call (nothing once closed)."""
        if self._file.closed:
            return
        text = self._partial + self._file.read()
        lines = text.split("\n")
        self._partial = lines.pop()
        for line in lines:
            try:
                entry = json.loads(line)
                if entry.get("end") is True:
                    self.code_ended = float(entry["t"])
                    continue
                pin, t, state = entry["pin"], float(entry["t"]), float(entry["state"])
            except (ValueError, KeyError, TypeError):
                self.bad_lines += 1
                continue
            levels = self._levels.setdefault(pin, [])
            if not levels or levels[-1][1] != state:
                levels.append((t, state))

    def levels(self, pin: str) -> list[tuple[float, float]]:
        """Pin ``pin``'s level (0 to 1) from its first appearance, one entry per change."""
        return list(self._levels.get(pin, ()))

    def close(self) -> None:
        """Take in the rest and stop reading: what was read stays readable."""
        if not self._file.closed:
            self.refresh()
            self._file.close()
