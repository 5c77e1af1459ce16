"""The teacher's pages: the room (a tile per kit) and a kit's own page.

Pages are rendered complete on the server (they work before any script runs), then
``static/lab.js`` keeps them live from ``/live``. The command buttons are htmx forms that
post here and swap in a one-line receipt; the kit's ack then arrives on the live stream and
lands next to it, matched by the command's id. Mentors see the same pages without the
buttons, and the server refuses their commands anyway (``teacher_required``).

**Stale readings.** While the lab is not connected to its broker, or its ingest stores
nothing while messages wait, a kit's "online" and its readings are only the last thing the
lab heard: both pages then carry a banner saying so, and the kits' states read "stale".
The banner is an htmx fragment (``/lab-state``) that polls every two seconds, so it comes
and goes without a reload and with no script of its own.

**What needs the teacher** (``problems.py``) heads the room, and is ``/api/problems`` for the
room's script to poll; the tiles' readings are worked out in ``readouts.py``.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from ..app import lab
from .access import current_user, login_required, teacher_required
from .api import ALL_KITS, find_kit, issue_command
from .present import command_json, event_json, jsonable, kit_json, natural_key
from .problems import room_problems
from .readouts import catalogue, key_readouts, readouts

bp = Blueprint("dashboard", __name__)


TEAM_COLOURS = 8
"""Team colours in the stylesheet (``--team-0`` ...): teams beyond share them, with labels."""


def _tiles() -> list[dict[str, Any]]:
    store = lab(current_app).services.store
    latest_all = store.latest_all()
    tiles = []
    for record in store.kits():
        kit = kit_json(record)
        latest = jsonable(latest_all.get(kit["id"])) or {}
        tiles.append({**kit, "latest": latest,
                      "readouts": key_readouts(kit["parts"], catalogue(kit["channels"], latest))})
    tiles.sort(key=lambda t: natural_key(t["id"]))
    return tiles


def team_colours(tiles: list[dict[str, Any]]) -> dict[str, int]:
    """team -> its colour's number: teams in natural order, so that each has its own colour
    (up to :data:`TEAM_COLOURS`) and keeps it while the class's teams stay the same."""
    teams = sorted({t["team"] for t in tiles if t["team"]}, key=natural_key)
    return {team: i % TEAM_COLOURS for i, team in enumerate(teams)}


def problems() -> list[Any]:
    """The room's problems right now (``problems.room_problems`` over this lab)."""
    services = lab(current_app).services
    return room_problems(services.store, services.ingest.budget, services.config, time.time())


@bp.get("/")
@login_required
def room() -> Any:
    tiles = _tiles()
    return render_template("room.html", tiles=tiles, teams=team_colours(tiles),
                           problems=problems(), lab_id=lab(current_app).services.config.lab,
                           stale=stale_readings())


@bp.get("/api/problems")
@login_required
def problems_json() -> Any:
    """The room's problems bar as JSON, for the page to poll (and for scripts)."""
    return jsonify({"problems": [p.to_json() for p in problems()]})


def stale_readings() -> str | None:
    """Why the readings on the pages are stale right now, in words; None while they are live."""
    ingest = lab(current_app).services.ingest
    if not ingest.connected:
        return "lab broker down: readings are stale"
    if ingest.stats()["stalled"]:
        return "the lab has stopped storing readings: they are stale (see Health)"
    return None


@bp.get("/lab-state")
@login_required
def lab_state() -> Any:
    """The stale-readings banner alone, for the pages to poll."""
    return render_template("_lab_state.html", stale=stale_readings())


@bp.get("/kits/<kit>")
@login_required
def kit(kit: str) -> Any:
    store = lab(current_app).services.store
    record = kit_json(find_kit(kit))
    latest = jsonable(store.latest(kit)) or {}
    events = [event_json(e) for e in reversed(store.events(kit, limit=50))]  # newest first
    channels = catalogue(record["channels"], latest)
    has_camera = kit_has_camera(record["profile"], channels or {})
    # A drone's emergency button: only where the kit says it has one (its parts).
    has_drone = any(part.get("kind") == "drone" for part in record["parts"] or ())
    budget = lab(current_app).services.ingest.budget
    drops = budget.drops(kit).get(kit, {}) if budget is not None else {}
    return render_template("kit.html", kit=record, latest=latest, events=events,
                           channels=channels, readouts=readouts(record["parts"], channels),
                           has_camera=has_camera, has_drone=has_drone,
                           stale=stale_readings(), drops=drops,
                           budget=budget)


def kit_has_camera(profile: str | None, channels: dict[str, Any]) -> bool:
    """Whether to offer a snapshot: the kit's built-in profile has a camera, or its channel
    catalogue names one. For a profile we cannot read, offer it: a kit without a camera
    answers the snapshot with "refused" or "failed", which the page shows."""
    if any("camera" in device for device in channels):
        return True
    if not profile:
        return True
    import tomllib
    from importlib import resources

    try:
        text = (resources.files("kitsdk") / "profiles" / f"{profile}.toml").read_text("utf-8")
        devices = tomllib.loads(text).get("devices", {})
    except (OSError, ValueError):
        return True
    return any(isinstance(d, dict) and d.get("driver") == "camera" for d in devices.values())


def _args_from_form(name: str) -> dict[str, Any]:
    if name == "lock":
        return {"message": request.form.get("message", "")}
    if name == "identify":
        return {"seconds": request.form.get("seconds") or 5}
    return {}


@bp.post("/kits/<kit>/command")
@teacher_required
def command(kit: str) -> Any:
    name = request.form.get("name", "")
    sent = command_json(issue_command(kit, name, _args_from_form(name)))
    return render_template("_sent.html", command=sent, kit=kit, user=current_user())


@bp.post("/command-all")
@teacher_required
def command_all() -> Any:
    name = request.form.get("name", "")
    sent = command_json(issue_command(ALL_KITS, name, _args_from_form(name)))
    return render_template("_sent.html", command=sent, kit=ALL_KITS, user=current_user())
