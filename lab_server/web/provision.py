"""Kit provisioning (teachers only): make a kit's broker credentials and print its agent.toml.

``GET /kits/new`` shows the form; ``POST /kits/new`` creates the kit and shows, once, the text
to put in ``/etc/kitsdk/agent.toml`` on the kit (the password is not stored in clear, so it
cannot be shown again: provision the kit anew to get a new one). ``POST /api/kits`` does the
same for scripts and answers JSON. ``POST /kits/KIT/team`` moves a kit to another team.
``kitlab kits add NAME [--team T]`` prints the same text (``agent_toml``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from ..app import lab
from .access import field_of, teacher_required
from .api import bad, find_kit

bp = Blueprint("provision", __name__)

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def agent_toml(*, broker: str, lab_id: str, kit: str, username: str, password: str) -> str:
    """The kit's ``/etc/kitsdk/agent.toml`` (see ``kitsdk.agent.config.AgentConfig``)."""
    return "\n".join([
        f"# /etc/kitsdk/agent.toml for kit {kit} (chmod 600, owner kitsdk)",
        f"broker = {_toml_string(broker)}",
        f"lab = {_toml_string(lab_id)}",
        f"kit = {_toml_string(kit)}",
        f"username = {_toml_string(username)}",
        f"password = {_toml_string(password)}",
        "",
    ])


def kit_broker_url(services: Any, public: str | None, host: str | None) -> str:
    """The broker address a kit should use: the configured public URL, else the lab's broker
    with a loopback host replaced by the host the teacher reached this server by."""
    if public:
        return public
    if services.broker is None:  # a broker of the school's: its configured URL
        return str(services.config.broker_url)
    url = urlsplit(str(services.broker.url))
    if host and (url.hostname or "") in _LOOPBACK:
        netloc = f"{host}:{url.port}" if url.port else host
        return urlunsplit((url.scheme, netloc, url.path, "", ""))
    return str(services.broker.url)


def provision(kit: str, team: str | None, host: str | None = None) -> dict[str, Any]:
    """Create ``kit`` in the store; its credentials and agent.toml (password shown once)."""
    services = lab(current_app).services
    credentials = services.store.add_kit(kit, team=team or None)
    username = field_of(credentials, "username", kit)
    password = field_of(credentials, "password")
    broker = kit_broker_url(services, current_app.config["PUBLIC_BROKER_URL"], host)
    lab_id = services.config.lab
    return {"kit": kit, "team": team or None, "lab": lab_id, "broker": broker,
            "username": username, "password": password,
            "agent_toml": agent_toml(broker=broker, lab_id=lab_id, kit=kit,
                                     username=username, password=password)}


def _form_kit() -> tuple[str, str | None]:
    kit = (request.form.get("kit") if request.form else None) or ""
    team = (request.form.get("team") or "").strip() or None
    return kit.strip(), team


def _check(kit: str, team: str | None) -> None:
    from kitsdk.telemetry import check_id

    try:
        check_id(kit, "kit")
    except ValueError as exc:
        raise bad("kit", f"{exc} (use lowercase letters, digits and '-', like kit-07)"
                  ) from exc
    if kit.startswith("_"):
        raise bad("kit", "a kit id cannot start with '_'")
    if team is not None and not 1 <= len(team) <= 64:
        raise bad("team", "expected 1 to 64 characters")


@bp.get("/kits/new")
@teacher_required
def form() -> Any:
    return render_template("provision.html", created=None)


@bp.post("/kits/new")
@teacher_required
def create() -> Any:
    kit, team = _form_kit()
    _check(kit, team)
    try:
        created = provision(kit, team, request.host.rsplit(":", 1)[0])
    except ValueError as exc:  # the store refused it (a duplicate id)
        raise bad("kit", str(exc)) from exc
    return render_template("provision.html", created=created)


@bp.post("/api/kits")
@teacher_required
def create_json() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad("body", 'expected a JSON object like {"kit": "kit-07", "team": "red"}')
    kit, team = str(body.get("kit") or ""), body.get("team")
    if team is not None and not isinstance(team, str):
        raise bad("team", "expected text")
    _check(kit, team or None)
    try:
        created = provision(kit, team or None, request.host.rsplit(":", 1)[0])
    except ValueError as exc:
        raise bad("kit", str(exc)) from exc
    return jsonify(created), 201


@bp.post("/kits/<kit>/team")
@teacher_required
def set_team(kit: str) -> Any:
    find_kit(kit)
    team = (request.form.get("team") or "").strip() or None
    if team is not None and len(team) > 64:
        raise bad("team", "expected at most 64 characters")
    lab(current_app).services.store.set_team(kit, team)
    return redirect(url_for("dashboard.kit", kit=kit))
