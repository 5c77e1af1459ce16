"""CSV export of what a class collected: a kit, a team, a lesson, a time range (teachers only).

``GET /export`` shows the form; ``GET /export.csv?kit=&team=&lesson=&start=&end=`` streams the
file (one row per reading, so a spreadsheet can pivot it), straight from the store's
iterator: a term's data never sits in memory at once. ``start`` and ``end`` take seconds since
the epoch or a date and time (``2026-11-25T09:00``, the server's local time unless it names
its zone). Text cells that a spreadsheet would run as a formula get a leading ``'``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from ..app import lab
from .access import teacher_required
from .api import bad, store
from .present import seconds

bp = Blueprint("export", __name__)

COLUMNS = ["time_utc", "ts", "kit", "team", "device", "channel", "value", "historical"]
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NAME = re.compile(r"^[A-Za-z0-9 _.\-]{1,64}$")


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


def _cell(value: Any) -> Any:
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for count, row in enumerate(rows, 1):
        ts = seconds(row.get("ts")) or 0.0
        writer.writerow([
            datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds"), f"{ts:.3f}",
            *(_cell(row.get(key)) for key in COLUMNS[2:7]),
            "true" if row.get("historical") else "false"])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/export")
@teacher_required
def form() -> Any:
    services = lab(current_app).services
    kits = services.store.kits()
    return render_template("export.html", kits=kits)


@bp.get("/export.csv")
@teacher_required
def download() -> Any:
    kit, team, lesson = _name("kit"), _name("team"), _name("lesson")
    start, end = _time("start"), _time("end")
    if start is not None and end is not None and end < start:
        raise bad("end", "is before start")
    rows = store().export_rows(kit=kit, team=team, lesson=lesson, start=start, end=end)
    parts = [p for p in (kit, team and f"team-{team}", lesson) if p] or ["lab"]
    filename = re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts)) + ".csv"
    return Response(csv_lines(iter(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
