"""Pressing a simulated button while a script waits for it.

Every press goes through one door, ``kit.sim.press(name)``: a lesson check's, the script's
own, a view of the kit's and, in a terminal, the Enter key's. So a wait ends on whichever
comes first. With no terminal (an editor's Run button, a pipe, a test) Enter cannot press,
and the wait says so once, with what does press, instead of waiting in silence.

::

    kit.button.wait_for_press()       # terminal: "press Enter"; elsewhere: how to press it
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

#: Said once per button when a terminal is there to press Enter in.
IN_A_TERMINAL = "kitsdk: {button} is simulated: press Enter to press it"
#: Said once per button when there is none.
NO_TERMINAL = ("kitsdk: {button} is simulated and there is no terminal to press Enter in, "
               "so the script waits until kit.sim.press(\"{name}\") presses it (from code, "
               "a lesson check or a view of the kit)")


class Presses:
    """A simulator's presses: who waits for which button, and which buttons have said
    how to press them."""

    def __init__(self, press: Callable[[str], None], release: Callable[[str], None]) -> None:
        self._press = press
        self._release = release
        self._lock = threading.Lock()
        self._wakers: dict[str, list[int]] = {}  # button name -> pipes' write ends
        self._told: set[str] = set()

    def pressed(self, name: str) -> None:
        """``kit.sim.press(name)`` happened: wake the waits for that button."""
        with self._lock:  # a wait closes its pipe under this lock: never a write after close
            for fd in self._wakers.get(name, ()):
                with contextlib.suppress(BlockingIOError):  # full: woken enough already
                    os.write(fd, b"!")

    def wait(self, button: Any, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds (None: for ever) for ``button`` to be pressed."""
        stdin = _terminal()
        self._say_once(button, IN_A_TERMINAL if stdin is not None else NO_TERMINAL)
        if stdin is None:
            return bool(button.wait_for_active(timeout))
        fd = _descriptor(stdin)
        if fd is None:  # IDLE's shell, Windows: only Enter ends a wait for ever
            if timeout is not None:
                return bool(button.wait_for_active(timeout))
            return self._enter(stdin, button.name)
        return self._wait_for_either(stdin, fd, button, timeout)

    def _wait_for_either(self, stdin: TextIO, fd: int, button: Any,
                         timeout: float | None) -> bool:
        """Enter or ``kit.sim.press``, whichever comes first: a press writes to a pipe that
        ``select`` watches together with the terminal."""
        wake, woken = os.pipe()
        try:
            os.set_blocking(woken, False)  # a press never blocks on a wait's pipe
            with self._lock:
                self._wakers.setdefault(button.name, []).append(woken)
            if button.is_active:  # pressed before we listened
                return True
            ready, _, _ = select.select([fd, wake], [], [], timeout)
            if wake in ready:
                return True
            return self._enter(stdin, button.name) if ready else False
        finally:
            with self._lock:
                wakers = self._wakers.get(button.name, [])
                if woken in wakers:
                    wakers.remove(woken)
                os.close(woken)
            os.close(wake)

    def _enter(self, stdin: TextIO, name: str) -> bool:
        stdin.readline()
        self._press(name)
        self._release(name)
        return True

    def _say_once(self, button: Any, message: str) -> None:
        with self._lock:
            if button.name in self._told:
                return
            self._told.add(button.name)
        print(message.format(button=button.describe(), name=button.name), file=sys.stderr)


def _terminal() -> TextIO | None:
    """The script's standard input if it is a terminal someone can press Enter in."""
    stdin = sys.stdin
    try:
        return stdin if stdin is not None and stdin.isatty() else None
    except ValueError:  # closed
        return None


def _descriptor(stdin: TextIO) -> int | None:
    """The terminal's file descriptor, if ``select`` can watch it with a pipe: not on
    Windows, nor in IDLE's shell, whose input is a terminal with no descriptor."""
    if os.name != "posix":
        return None
    try:
        return stdin.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None
