"""``GET /health``: is the lab working? JSON for monitors, a table for a browser.

The backend's ``LabServices.health()`` (broker connection, which broker runs and its limits,
ingest rate, queue depth, error counts by kind) plus the web's own: open live streams and
refused HTTP parameters. It names no secret, so it needs no login: a school's monitoring can
poll it. 200 while the broker is connected, 503 when it is not.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from ..app import lab
from .present import jsonable

bp = Blueprint("health", __name__)


def report() -> dict[str, Any]:
    web = lab(current_app)
    try:
        backend = jsonable(web.services.health())
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
