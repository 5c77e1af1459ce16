"""The JSON API, for the dashboard's pages and for teachers' scripts (Bearer tokens).

Reading (teachers and mentors)::

    GET  /api/kits                        every kit with its latest live readings
    GET  /api/kits/KIT                    one kit
    GET  /api/kits/KIT/series?since=S     [[ts, {device: {channel: value}}], ...]; S: seconds
                                          since the epoch, or negative: that many seconds ago
    GET  /api/kits/KIT/events?limit=N     the kit's newest N events, oldest first, each with
                                          its words (``text``) and output (``detail``)
    GET  /api/commands/ID/acks            the acks that arrived for a command

Commanding (teachers only; a mentor gets 403)::

    POST /api/kits/KIT/commands           {"name": "lock", "args": {"message": "eyes up"}}
    POST /api/commands                    the same, to every kit of the lab

A command answers 202 with the command (its ``id``); each kit's ack arrives on the live stream
(``/live``) and at ``/api/commands/ID/acks``. Bad parameters answer 400 naming the parameter,
and are counted on ``/health``.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound

from kitsdk.telemetry import ONE_KIT_ONLY

from ..app import lab
from .access import current_user, login_required, teacher_required
from .present import command_json, event_json, jsonable, kit_json

bp = Blueprint("api", __name__, url_prefix="/api")

ALL_KITS = "_all"
COMMAND_ARGS: dict[str, tuple[str, ...]] = {
    "stop": (), "emergency": (), "reset": (), "lock": ("message",), "unlock": (),
    "identify": ("seconds",), "snapshot": (),
}


def count_bad(what: str) -> None:
    """Count a refused parameter, for /health."""
    counts = lab(current_app).state.setdefault("bad_requests", {})
    counts[what] = counts.get(what, 0) + 1


def bad(what: str, message: str) -> BadRequest:
    count_bad(what)
    return BadRequest(f"{what}: {message}")


def store() -> Any:
    return lab(current_app).services.store


def find_kit(kit: str) -> Any:
    try:
        record = store().kit(kit)
    except LookupError:
        record = None
    if record is None:
        raise NotFound(f"there is no kit {kit!r} in this lab")
    return record


def number_arg(name: str, default: float | None = None) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise bad(name, f"expected a number, got {raw[:40]!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise bad(name, f"expected a finite number, got {raw[:40]!r}")
    return value


def when_arg(name: str, default: float | None = None) -> float | None:
    """A time parameter: seconds since the epoch, or a negative number of seconds ago."""
    value = number_arg(name, default)
    if value is not None and value < 0:
        value = time.time() + value
    return value


def command_args(name: Any, args: Any) -> tuple[str, dict[str, Any]]:
    """Check a command from the web before it goes on the wire; 400 naming what is wrong."""
    if name not in COMMAND_ARGS:
        raise bad("name", f"expected one of {', '.join(COMMAND_ARGS)}, got {str(name)[:40]!r}")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise bad("args", "expected an object")
    unknown = set(args) - set(COMMAND_ARGS[name])
    if unknown:
        raise bad("args", f"{name} takes no argument {sorted(unknown)[0]!r}")
    if name == "lock":
        message = args.get("message", "")
        if not isinstance(message, str) or len(message) > 2000:
            raise bad("args.message", "expected text of at most 2,000 characters")
        args = {"message": message}
    if name == "identify":
        seconds = args.get("seconds", 5)
        if isinstance(seconds, str):
            try:
                seconds = float(seconds)
            except ValueError:
                raise bad("args.seconds", f"expected a number, got {seconds[:40]!r}") from None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) \
                or not 0.1 <= seconds <= 60:
            raise bad("args.seconds", "expected 0.1 to 60 seconds")
        args = {"seconds": float(seconds)}
    return name, args


def issue_command(kit: str, name: Any, args: Any) -> Any:
    """Send a checked command to ``kit`` (or ``_all``) in the current teacher's name."""
    user = current_user()
    assert user is not None and user.is_teacher
    name, args = command_args(name, args)
    if kit == ALL_KITS and name in ONE_KIT_ONLY:
        raise bad("name", f"{name} goes to one kit at a time, never to all")
    if kit != ALL_KITS:
        find_kit(kit)
    try:
        return lab(current_app).services.ingest.send_command(kit, name, args, user.name)
    except ValueError as exc:  # the schema refused it (BadMessage is a ValueError)
        raise bad("command", str(exc)) from exc


def latest_of(kit: str) -> dict[str, Any]:
    return jsonable(store().latest(kit)) or {}


@bp.get("/kits")
@login_required
def kits() -> Any:
    return jsonify(kits=[{**kit_json(k), "latest": latest_of(kit_json(k)["id"])}
                         for k in store().kits()])


@bp.get("/kits/<kit>")
@login_required
def kit(kit: str) -> Any:
    return jsonify({**kit_json(find_kit(kit)), "latest": latest_of(kit)})


@bp.get("/kits/<kit>/series")
@login_required
def series(kit: str) -> Any:
    find_kit(kit)
    since = when_arg("since", -60.0)
    until = when_arg("until")
    rows = store().series(kit, since, until)
    return jsonify(kit=kit, series=[[ts, jsonable(values)] for ts, values in rows])


@bp.get("/kits/<kit>/events")
@login_required
def events(kit: str) -> Any:
    find_kit(kit)
    limit = number_arg("limit", 200)
    assert limit is not None
    if not 1 <= limit <= 1000:
        raise bad("limit", "expected 1 to 1000")
    return jsonify(kit=kit, events=[event_json(e) for e in store().events(kit, limit=int(limit))])


@bp.post("/kits/<kit>/commands")
@teacher_required
def command(kit: str) -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad("body", 'expected a JSON object like {"name": "stop"}')
    sent = issue_command(kit, body.get("name"), body.get("args"))
    return jsonify(command_json(sent)), 202


@bp.post("/commands")
@teacher_required
def command_all() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad("body", 'expected a JSON object like {"name": "stop"}')
    sent = issue_command(ALL_KITS, body.get("name"), body.get("args"))
    return jsonify(command_json(sent)), 202


@bp.get("/commands/<command_id>/acks")
@login_required
def acks(command_id: str) -> Any:
    """The acks so far; a snapshot's JPEG as base64 in ``thumbnail`` (the store's records
    leave it out of ``to_json()`` unless asked)."""
    found = []
    for record in store().acks(command_id):
        try:
            found.append(jsonable(record.to_json(thumbnail=True)))
        except (AttributeError, TypeError):
            found.append(jsonable(record))
    return jsonify(id=command_id, acks=found)
