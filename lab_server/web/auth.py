"""Logging in and out, and API tokens for scripts.

Passwords are checked against werkzeug's hash (scrypt by default, made by
``kitlab users add``). Failed logins are throttled (:class:`~lab_server.web.ratelimit.
LoginThrottle`) per user name and address, per address, and for the whole server (see
:func:`login_limits`): past a limit, 429 with ``Retry-After`` and the time in words, even for
the right password. A successful login starts a fresh session (no fixation) with a new CSRF
token, tied to the user's session generation; logging out moves the generation on, which
ends the user's sessions everywhere, a copy of the cookie included (so do a new password and
a new role: ``Store.set_password``, ``Store.set_role``). Nothing here logs a password or a
token.
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
from .ratelimit import Limit, LoginThrottle

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

# Checked against when the name is unknown, so that a wrong name costs as long as a wrong
# password and timing does not tell which names exist.
_DUMMY_HASH = generate_password_hash("not a password")


def throttle() -> LoginThrottle:
    state = lab(current_app).state
    if "login_throttle" not in state:
        state["login_throttle"] = LoginThrottle(current_app.config["LOGIN_WINDOW"])
    return state["login_throttle"]  # type: ignore[no-any-return]


def login_limits(name: str, address: str | None) -> list[Limit]:
    """The throttle's keys for a login as ``name`` from ``address``, each with its limit:
    the name from that address (``LOGIN_FAILURES``), the address (``LOGIN_ADDRESS_FAILURES``)
    and the server (``LOGIN_GLOBAL_FAILURES``). Keep the global limit well above the
    address limit, so that one address alone can never reach it."""
    config = current_app.config
    return [(f"user:{name.lower()}@{address}", int(config["LOGIN_FAILURES"])),
            (f"addr:{address}", int(config["LOGIN_ADDRESS_FAILURES"])),
            ("all", int(config["LOGIN_GLOBAL_FAILURES"]))]


def in_words(seconds: float) -> str:
    """``"40 seconds"``, ``"4 minutes"``: a wait as a person reads it (rounded up)."""
    if seconds <= 60:
        count, unit = max(1, math.ceil(seconds)), "second"
    else:
        count, unit = math.ceil(seconds / 60), "minute"
    return f"{count} {unit}{'' if count == 1 else 's'}"


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
    limits = login_limits(name, request.remote_addr)
    limiter = throttle()
    wait = limiter.retry_after(limits)
    if wait > 0:
        log.warning("login throttled for %r from %s", name, request.remote_addr)
        return _login_page(f"Too many failed logins. Try again in {in_words(wait)}.", 429,
                           retry_after=wait)
    record = lab(current_app).services.store.user(name) if name else None
    stored = field_of(record, "password_hash") if record is not None else None
    if not check_password_hash(stored or _DUMMY_HASH, password) or stored is None:
        limiter.failed(limits)
        log.info("failed login for %r from %s", name, request.remote_addr)
        return _login_page("Wrong name or password.", 401)
    limiter.succeeded(limits[0][0])
    session.clear()
    session.permanent = True
    session["user"] = name
    session["sessions"] = field_of(record, "sessions", 0)
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
    """Log out: the user's sessions end everywhere (a saved copy of the cookie too)."""
    user = current_user()
    if user is not None and user.via == "session":
        lab(current_app).services.store.end_sessions(user.name)
        log.info("%s logged out from %s", user.name, request.remote_addr)
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
