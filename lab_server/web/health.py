"""``GET /health``: is the lab working? JSON for monitors, a table for a browser.

The backend's ``LabServices.health()`` (broker connection, which broker runs and its limits,
ingest rate, queue depth, error counts by kind) plus the web's own: open live streams and
refused HTTP parameters. It names no secret, so it needs no login: a school's monitoring can
poll it. 200 while the lab works, 503 when it does not: the broker is not connected, or
messages arrive and the ingest has stored nothing for ``stall_after`` seconds (a database
down, a bug); ``problems`` says which in words. ``budget`` lists each kit's messages dropped
for going over its budget.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from ..app import lab
from .present import jsonable

bp = Blueprint("health", __name__)


def report() -> dict[str, Any]:
    web = lab(current_app)
    try:
        backend = jsonable(web.services.health())
        _ingest_lines(backend, web.services.ingest.stats())
    except Exception as exc:  # a broken backend is exactly what /health must show
        backend = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    gate = web.state.get("live_gate")
    backend["web"] = {
        "live_streams": gate.open if gate else 0,
        "live_streams_max": current_app.config["LIVE_MAX_STREAMS"],
        "live_streams_served": gate.served if gate else 0,
        "bad_requests": dict(web.state.get("bad_requests", {})),
    }
    return backend  # type: ignore[no-any-return]


def _ingest_lines(data: dict[str, Any], ingest: dict[str, Any]) -> None:
    """The ingest's own lines (from its ``stats()``): messages waiting and for how long with
    nothing stored, since when the broker is down, the kits' budget drops; and the problems,
    named."""
    stats = jsonable(ingest)
    data.setdefault("ingest", {}).update(pending=stats["pending"],
                                         stalled_for=round(stats["stalled_for"], 1))
    data.setdefault("broker", {})["down_since"] = stats["down_since"]
    data["budget"] = stats["budget"]
    problems = data.setdefault("problems", [])
    if not stats["connected"]:
        since = stats["down_since"]
        problems.append(f"the lab is not connected to its broker at {stats['url']}"
                        + (f" (since {time.strftime('%H:%M:%S', time.localtime(since))})"
                           if since else ""))
    if stats["stalled"]:
        problems.append(f"the ingest has stored nothing for {stats['stalled_for']:.0f} s while "
                        f"{stats['pending']} messages wait (see errors)")
    if problems:
        data["ok"] = False


def healthy(data: dict[str, Any]) -> bool:
    if data.get("ok") is False:
        return False
    broker = data.get("broker")
    return not (isinstance(broker, dict) and broker.get("connected") is False)


@bp.get("/health")
def health() -> Any:
    data = report()
    status = 200 if healthy(data) else 503
    if request.accept_mimetypes.best == "text/html":
        return render_template("health.html", health=data, ok=status == 200), status
    return jsonify(data), status
