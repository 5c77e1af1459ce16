"""A progress bar for the terminal: one line redrawn in place, or plain lines in a log.

``timelapse [######......] 3/10 photo_0003.jpg`` in a terminal; in a file or a pipe (the kit
agent's log, a test) each step is a line of its own, so nothing fills up with ``\\r``.
"""

from __future__ import annotations

from typing import TextIO


class ProgressBar:
    """Shows ``done`` of ``total`` steps on ``stream``."""

    def __init__(self, total: int, stream: TextIO, label: str, width: int = 24) -> None:
        self.total = total
        self.stream = stream
        self.label = label
        self.width = width
        isatty = getattr(stream, "isatty", None)
        self.redraw = bool(isatty and isatty())
        self._open_line = False

    def update(self, done: int, note: str = "") -> None:
        count = f"{done}/{self.total}"
        if self.redraw:
            filled = self.width * done // self.total
            bar = "#" * filled + "." * (self.width - filled)
            # \x1b[K clears what a longer previous line left behind.
            self.stream.write(f"\r{self.label} [{bar}] {count} {note}\x1b[K")
            self._open_line = True
        else:
            self.stream.write(f"{self.label}: {count} {note}".rstrip() + "\n")
        self.stream.flush()

    def end(self) -> None:
        """End the redrawn line, after the last step or when the steps stop early."""
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()
            self._open_line = False
