"""The lesson board as the tests make and read it: one check's events, the page's rows."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

TITLES = {1: "Switch it on", 2: "Make it blink", 3: "Five times, then stop"}


def lesson_check(send: Callable[..., Any], fail_at: int | None = None, *, lesson: str = "blink",
                 steps: int = 3, hint: str = "the LED stayed off. Hint: kit.red.on()",
                 between: Callable[[], Any] = lambda: None) -> int:
    """One ``kit lesson check`` as a kit reports it, through ``send(kind, **data)``: its steps
    in order up to the first that fails (None: none), ``between()`` before each; the number
    of steps it passed."""
    send("lesson.started", lesson=lesson, steps=steps)
    passed = 0
    for step in range(1, steps + 1):
        between()
        if step == fail_at:
            send("lesson.step_failed", lesson=lesson, step=step, title=TITLES[step], hint=hint)
            break
        send("lesson.step_passed", lesson=lesson, step=step, title=TITLES[step])
        passed = step
    send("lesson.finished", lesson=lesson, passed=passed, steps=steps)
    return passed


class Rows(HTMLParser):
    """The board's rows: ``{kit: {"stuck": ..., "cells": {step: state}}}``, in order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, Any]] = {}
        self._row: dict[str, Any] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "tr" and "data-kit" in attributes:
            self._row = self.rows[str(attributes["data-kit"])] = {
                "stuck": attributes["data-stuck"], "cells": {}}
        elif tag == "td" and "data-state" in attributes and self._row is not None:
            self._row["cells"][int(str(attributes["data-step"]))] = attributes["data-state"]
