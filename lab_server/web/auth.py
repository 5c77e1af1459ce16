"""Logging in and out, and API tokens for scripts.

Passwords are checked against werkzeug's hash (scrypt by default, made by
``kitlab users add``). Failed logins are throttled per address and per user name
(:class:`~lab_server.web.ratelimit.LoginThrottle`): past the limit, 429 with ``Retry-After``,
even for the right password. A successful login starts a fresh session (no fixation) with a
new CSRF token. Nothing here logs a password or a token.
"""

from __future__ import annotations

import logging
import math
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response as BaseResponse

from ..app import lab
from .access import (
    csrf_token,
    current_user,
    field_of,
    login_required,
    new_token,
    token_hash,
)
from .ratelimit import LoginThrottle

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

# Checked against when the name is unknown, so that a wrong name costs as long as a wrong
# password and timing does not tell which names exist.
_DUMMY_HASH = generate_password_hash("not a password")


def throttle() -> LoginThrottle:
    state = lab(current_app).state
    if "login_throttle" not in state:
        state["login_throttle"] = LoginThrottle(current_app.config["LOGIN_FAILURES"],
                                                current_app.config["LOGIN_WINDOW"])
    return state["login_throttle"]  # type: ignore[no-any-return]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("dashboard.room")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        if current_user() is not None:
            return redirect(_safe_next(request.args.get("next")))
        csrf_token()
        return render_template("login.html", next=request.args.get("next", ""))

    name = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    keys = [f"addr:{request.remote_addr}", f"user:{name.lower()}"]
    limiter = throttle()
    wait = limiter.retry_after(keys)
    if wait > 0:
        log.warning("login throttled for %r from %s", name, request.remote_addr)
        return _login_page("Too many failed logins. Wait a few minutes and try again.", 429,
                           retry_after=wait)
    record = lab(current_app).services.store.user(name) if name else None
    stored = field_of(record, "password_hash") if record is not None else None
    if not check_password_hash(stored or _DUMMY_HASH, password) or stored is None:
        limiter.failed(keys)
        log.info("failed login for %r from %s", name, request.remote_addr)
        return _login_page("Wrong name or password.", 401)
    limiter.succeeded(f"user:{name.lower()}")
    session.clear()
    session.permanent = True
    session["user"] = name
    csrf_token()
    log.info("%s logged in from %s", name, request.remote_addr)
    return redirect(_safe_next(request.form.get("next")))


def _login_page(message: str, status: int, retry_after: float = 0) -> BaseResponse:
    response = current_app.response_class(
        render_template("login.html", error=message, next=request.form.get("next", "")),
        status=status)
    if retry_after:
        response.headers["Retry-After"] = str(math.ceil(retry_after))
    return response


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/api/tokens")
@login_required
def make_token() -> Any:
    """A new API token for the caller (replacing the old one); shown once, stored hashed."""
    user = current_user()
    assert user is not None
    token = new_token()
    lab(current_app).services.store.set_token(user.name, token_hash(token))
    return jsonify(user=user.name, role=user.role, token=token), 201


@bp.get("/api/me")
@login_required
def me() -> Any:
    user = current_user()
    assert user is not None
    return jsonify(user=user.name, role=user.role, via=user.via)
