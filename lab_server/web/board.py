"""The lesson board's pages (teachers and mentors alike: nothing here changes anything).

::

    GET /lessons                      the runs of lessons in the last two weeks, the latest
                                      first (?until=2026-12-05T09:00: the two weeks before)
    GET /lessons/LESSON               the lesson's board now: its latest run, kept live
    GET /lessons/LESSON?since=TIME    the board of its run that began then (or after): the
                                      list links each past run so
    GET /lessons/LESSON/table         the board alone, for the page to poll

Times in links are the lab server's local time, ``2026-12-05T09:02:13``. The live page
polls its table every ``POLL`` seconds with htmx; the table answers 204 (htmx keeps what it
shows) while nothing on it changed, so a hint the teacher unfolded stays open, and a hint
that is still the same keeps its state across changes (``hx-preserve``).
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from markupsafe import Markup

from ..app import lab
from ..board import Board, KitRow, Run, recent_runs, run_board
from ..board.fold import duration
from ..board.queries import DAY, LIST_DAYS
from .access import login_required
from .api import bad
from .dashboard import stale_readings
from .present import natural_key

bp = Blueprint("board", __name__)

POLL = 3
"""Seconds between the live board's polls of its table."""
HINT_FOLD = 100
"""A hint longer than this many characters shows what the check saw, and folds the rest."""
CELL_WORDS = {"passed": "passed", "failing": "failing", "current": "on it", "todo": "not yet"}


@bp.get("/lessons")
@login_required
def lessons() -> Any:
    now = time.time()
    until = _time_arg("until")
    end = now if until is None else until
    found = recent_runs(lab(current_app).services.store, end)
    return render_template("lessons.html", runs=[_run_link(run, now) for run in found],
                           days=LIST_DAYS, until=until, until_day=day(end),
                           earlier=iso(end - LIST_DAYS * DAY))


@bp.get("/lessons/<lesson>")
@login_required
def board(lesson: str) -> Any:
    context = _board(lesson)
    return render_template("board.html", table=_table(context)[0], stale=stale_readings(),
                           **context)


@bp.get("/lessons/<lesson>/table")
@login_required
def table(lesson: str) -> Any:
    html, digest = _table(_board(lesson))
    if request.args.get("seen") == digest:
        return "", 204
    return html


def _board(lesson: str) -> dict[str, Any]:
    """What the board's page and its table show: the run of ``lesson`` that began at
    ``since``, else its latest run."""
    services = lab(current_app).services
    since = _time_arg("since")
    run, board = run_board(services.store, services.config, lesson, since) or (None, None)
    live = run.live(time.time()) if run else since is None
    waiting: list[str] = []
    if live:
        taking = {row.kit for row in board.kits} if board else set()
        waiting = sorted((k.id for k in services.store.kits()
                          if k.state != "offline" and k.id not in taking), key=natural_key)
    rows = [_row(row, board) for row in sorted(board.kits, key=lambda r: natural_key(r.kit))
            ] if board else []
    when = ""
    if board and board.since is not None and board.until is not None:
        when = (f"since {clock(board.since)}, last check at {clock(board.until)}" if live else
                f"{day(board.since)}, {clock(board.since)} to {clock(board.until)}")
    return {"lesson": lesson, "board": board, "rows": rows, "live": live, "since": since,
            "when": when, "waiting": waiting, "poll_seconds": POLL}


def _table(context: dict[str, Any]) -> tuple[Markup, str]:
    """The board's table in its polling wrapper, and the digest of what it shows."""
    content = render_template("_board_table.html", **context)
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    since = context["since"]
    poll = (url_for("board.table", lesson=context["lesson"], seen=digest,
                    since=None if since is None else iso(since)) if context["live"] else None)
    return Markup(render_template("_board.html", content=Markup(content), poll=poll,
                                  **context)), digest


def _row(row: KitRow, board: Board) -> dict[str, Any]:
    """A kit's row as the table shows it: cells in words, what it is doing, its last hint."""
    hint = None
    if row.hint is not None:
        shown, folded = fold_hint(row.hint.text)
        hint = {"step": row.hint.step, "title": row.hint.title, "shown": shown,
                "folded": folded, "id": f"hint-{row.kit}-{int(row.hint.received * 1000)}"}
    cells = [(step, row.cell(step)) for step in range(1, board.steps + 1)]
    return {"kit": row.kit, "stuck": row.stuck, "tries": row.tries, "hint": hint,
            "status": status(row, board.now), "failures": row.failures,
            "cells": [(step, state, CELL_WORDS[state]) for step, state in cells]}


def status(row: KitRow, now: float) -> str:
    """What the kit is doing, in words: ``finished at 09:14``, ``stuck: ...``, ``on step 2
    for 3 min, failed it twice (it had passed step 3)``, ``moved on to traffic-lights``."""
    if row.completed:
        return f"finished at {clock(row.since)}"
    if row.stuck:
        return f"stuck: {row.stuck}"
    if row.moved_on:
        return f"moved on to {row.moved_on}"
    failed = {0: "", 1: ", failed it once", 2: ", failed it twice"}.get(
        row.failures, f", failed it {row.failures} times")
    # to the minute, so that the table changes once a minute, not at every poll
    spent = "less than a minute" if now - row.since < 60 else duration(now - row.since)
    before = ""
    if row.step is not None and row.best >= row.step:  # it broke a step it had passed
        before = (" (it had passed it before)" if row.best == row.step
                  else f" (it had passed step {row.best})")
    return f"on step {row.step} for {spent}{failed}{before}"


def fold_hint(text: str) -> tuple[str, str]:
    """A hint as shown and as folded away: a short one whole; a long one as what the check
    saw, with what to try folded (``"...saw. Hint: what to try"``), else cut at a word."""
    if len(text) <= HINT_FOLD:
        return text, ""
    saw, sep, hint = text.partition(". Hint: ")
    if sep and len(saw) < HINT_FOLD:
        return saw + ".", "Hint: " + hint
    return text[:HINT_FOLD].rsplit(" ", 1)[0] + " …", text


def _run_link(run: Run, now: float) -> dict[str, Any]:
    live = run.live(now)
    url = (url_for("board.board", lesson=run.lesson) if live else
           url_for("board.board", lesson=run.lesson, since=iso(run.since)))
    return {"lesson": run.lesson, "kits": len(run.kits), "tries": run.tries, "live": live,
            "url": url, "day": day(run.since), "from": clock(run.since),
            "to": clock(run.until)}


def _time_arg(name: str) -> float | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).timestamp()
    except (ValueError, OverflowError, OSError):
        raise bad(name, f"expected a date and time like 2026-12-05T09:00, got {raw[:40]!r}"
                  ) from None


def iso(ts: float) -> str:
    """``ts`` as a link's time: the lab server's local time to the second (rounded down)."""
    return datetime.fromtimestamp(math.floor(ts)).isoformat(timespec="seconds")


def clock(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%H:%M")


def day(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%a %d %b %Y")
