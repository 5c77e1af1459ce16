"""CSV export of what a class collected: a kit, a team, a lesson, a time range (teachers only).

``GET /export`` shows the form; ``GET /export.csv?kit=&team=&lesson=&start=&end=`` streams the
file (one row per reading, so a spreadsheet can pivot it), straight from the store's
iterator: a term's data never sits in memory at once. ``team`` ignores case ("Red" finds
team "red"), and the form offers the lab's teams while taking any text. ``start`` and ``end``
take seconds since the epoch or a date and time (``2026-11-25T09:00``, the lab's time zone
unless it names its own).

The columns: ``time`` (the reading's time in the lab's time zone with its offset, ISO 8601:
``2026-12-05T09:14:03.120+01:00``), ``ts`` (the same as seconds since the epoch, for
arithmetic), ``kit``, ``team`` (the kit's team now), ``device``, ``channel``, ``value``,
``unit`` (from the kit's channel catalogue; empty when unitless), ``historical`` (replayed
from the kit's outbox). The lab's time zone is the server's local one (``TZ`` in its
environment chooses another). Text cells that a spreadsheet would run as a formula get a
leading ``'``.

An export that matches no reading answers 404 rather than a file with a header alone, which
opens as a blank spreadsheet and leaves a teacher guessing: a browser gets the form again,
its choices kept, saying "No readings match: team green, from 25 Nov 2026 09:00 to ...";
a script asking for JSON gets ``{"error": ..., "status": 404}``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import BadRequest

from .access import error, teacher_required, wants_json
from .api import bad, store
from .present import natural_key, seconds

bp = Blueprint("export", __name__)

COLUMNS = ["time", "ts", "kit", "team", "device", "channel", "value", "unit", "historical"]
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NAME = re.compile(r"^[A-Za-z0-9 _.\-]{1,64}$")
_INPUT = "%Y-%m-%dT%H:%M"  # what an <input type="datetime-local"> holds


def _local(ts: float) -> datetime:
    """``ts`` in the lab's time zone: the server's local one."""
    return datetime.fromtimestamp(ts, UTC).astimezone()


@dataclass(frozen=True)
class Choice:
    """What a teacher asked to export; None leaves a filter out."""

    kit: str | None = None
    team: str | None = None
    lesson: str | None = None
    start: float | None = None
    end: float | None = None

    def filters(self) -> dict[str, Any]:
        return {"kit": self.kit, "team": self.team, "lesson": self.lesson,
                "start": self.start, "end": self.end}

    def words(self) -> str:
        """``kit kit-1, team green, from 25 Nov 2026 09:00 to 25 Nov 2026 10:30``."""
        said = [f"{name} {value}" for name, value in
                (("kit", self.kit), ("team", self.team), ("lesson", self.lesson)) if value]
        start, end = (None if t is None else f"{_local(t):%d %b %Y %H:%M}"
                      for t in (self.start, self.end))
        if start or end:
            said.append(f"from {start} to {end}" if start and end else
                        f"from {start} on" if start else f"until {end}")
        return ", ".join(said)

    def nothing(self) -> str:
        """Why the export is empty, for the teacher."""
        said = self.words()
        return f"No readings match: {said}." if said else \
            "No readings yet: the lab has stored none."

    def inputs(self) -> dict[str, str]:
        """The form's fields as the teacher left them."""
        return {"kit": self.kit or "", "team": self.team or "", "lesson": self.lesson or "",
                **{name: "" if t is None else f"{_local(t):{_INPUT}}"
                   for name, t in (("start", self.start), ("end", self.end))}}


def _time(name: str) -> float | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    with contextlib.suppress(ValueError):  # seconds since 1970, or else a date and time
        return float(raw)
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise bad(name, f"expected a date and time like 2026-11-25T09:00, got {raw[:40]!r}"
                  ) from None
    return when.timestamp()


def _name(name: str) -> str | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not _NAME.match(raw):
        raise bad(name, "expected up to 64 letters, digits, spaces, '-', '_' or '.'")
    return raw


def _choice() -> Choice:
    choice = Choice(kit=_name("kit"), team=_name("team"), lesson=_name("lesson"),
                    start=_time("start"), end=_time("end"))
    if choice.start is not None and choice.end is not None and choice.end < choice.start:
        raise bad("end", "is before start")
    return choice


def _cell(value: Any) -> Any:
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def csv_lines(rows: Iterator[dict[str, Any]], zone: tzinfo | None = None) -> Iterator[str]:
    """The CSV text of ``rows`` (``export_rows``), a few hundred rows at a time; times in
    ``zone`` (default: the lab's, the server's local zone)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for count, row in enumerate(rows, 1):
        ts = seconds(row.get("ts")) or 0.0
        writer.writerow([
            datetime.fromtimestamp(ts, UTC).astimezone(zone).isoformat(timespec="milliseconds"),
            f"{ts:.3f}", *(_cell(row.get(key)) for key in COLUMNS[2:8]),
            "true" if row.get("historical") else "false"])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _form(chosen: dict[str, str], message: str | None = None, status: int = 200) -> Any:
    """The form with the fields as ``chosen`` and, above them, what went wrong."""
    kits = store().kits()
    teams = sorted({k.team for k in kits if k.team}, key=natural_key)
    now = datetime.now().astimezone()
    return render_template("export.html", kits=kits, teams=teams, chosen=chosen,
                           message=message, zone=f"{now:%Z}, UTC{now.isoformat()[-6:]}"
                           ), status


@bp.get("/export")
@teacher_required
def form() -> Any:
    return _form(Choice().inputs())


@bp.get("/export.csv")
@teacher_required
def download() -> Any:
    try:
        choice = _choice()
    except BadRequest as exc:  # a teacher gets the form back, as typed, with what was wrong
        if wants_json():
            raise
        typed = {name: request.args.get(name, "")[:64] for name in Choice().inputs()}
        return _form(typed, f"{exc.description}.", 400)
    rows = iter(store().export_rows(**choice.filters()))
    first = next(rows, None)
    if first is None:
        return error(404, choice.nothing()) if wants_json() else \
            _form(choice.inputs(), choice.nothing(), 404)
    parts = [p for p in (choice.kit, choice.team and f"team-{choice.team}", choice.lesson)
             if p] or ["lab"]
    filename = re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts)) + ".csv"
    return Response(csv_lines(itertools.chain([first], rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
