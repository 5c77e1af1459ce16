"""Who is asking, and may they: sessions, Bearer tokens, roles and CSRF, for every blueprint.

Two ways in:

- **A browser** logs in with a form (``auth``) and holds a session cookie, good while the
  user's session generation in the store is the one it was made under (see ``auth``). Every
  state-changing request (anything but GET, HEAD, OPTIONS) must then carry the session's CSRF
  token, in the ``X-CSRF-Token`` header (``fetch``, htmx) or a ``csrf_token`` form field;
  without it: 400.
  The token is per session, random, compared in constant time.
- **A script** sends ``Authorization: Bearer <token>`` (``POST /api/tokens`` or
  ``kitlab users token NAME`` makes one). Only the token's SHA-256 is stored. A token carries no
  ambient authority (a browser never adds it by itself), so such requests need no CSRF token.

Roles: ``teacher`` may do everything; ``mentor`` may look (room, kit pages, live data) but
not command, export or provision. :func:`teacher_required` checks that on the server for
every such endpoint, whatever the page shows.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, jsonify, redirect, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ..app import lab

ROLES = ("teacher", "mentor")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class User:
    name: str
    role: str
    via: str  # "session" or "token"

    @property
    def is_teacher(self) -> bool:
        return self.role == "teacher"


def token_hash(token: str) -> str:
    """What the store keeps of an API token (tokens are 256 random bits: no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "kl_" + secrets.token_urlsafe(32)


def field_of(record: Any, name: str, default: Any = None) -> Any:
    """A field of a backend record, whether it is a dataclass, a named tuple or a dict."""
    if isinstance(record, dict):
        return record.get(name, default)
    return getattr(record, name, default)


def csrf_token() -> str:
    """This session's CSRF token (made on first use); templates call it as ``csrf_token()``."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def current_user() -> User | None:
    return cast("User | None", g.get("user"))


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/live")) or request.accept_mimetypes.best == \
        "application/json"


def error(status: int, message: str) -> BaseResponse:
    """A refusal in the caller's language: JSON for the API, a short page otherwise."""
    if wants_json():
        response = jsonify(error=message, status=status)
        response.status_code = status
        return response
    from flask import render_template

    return current_app.response_class(
        render_template("error.html", status=status, message=message), status=status)


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if wants_json():
                return error(401, "log in, or send an API token (Authorization: Bearer ...)")
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return cast(F, wrapped)


def teacher_required(view: F) -> F:
    """Logged in as a teacher; a mentor gets 403 (the server decides, not the page)."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user()
        if user is not None and not user.is_teacher:
            return error(403, f"{user.name} is a {user.role}: only a teacher may do this")
        return view(*args, **kwargs)
    return cast(F, login_required(wrapped))


def _load_user() -> BaseResponse | None:
    g.user = None
    store = lab(current_app).services.store
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error(401, "the Authorization header must be 'Bearer <token>'")
        record = store.user_by_token(token_hash(token.strip()))
        if record is None:
            return error(401, "that API token is not valid (it may have been replaced)")
        g.user = User(field_of(record, "name"), field_of(record, "role"), "token")
        return None
    name = session.get("user")
    if isinstance(name, str):
        record = store.user(name)
        if record is not None and field_of(record, "role") in ROLES \
                and session.get("sessions") == field_of(record, "sessions", 0):
            g.user = User(name, field_of(record, "role"), "session")
        else:  # removed, logged out, new password or role: the cookie is worth nothing now
            session.clear()
    return None


def _check_csrf() -> BaseResponse | None:
    if request.method in SAFE_METHODS:
        return None
    user = current_user()
    if user is not None and user.via == "token":
        return None
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf")
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(
            sent.encode(), expected.encode()):
        return error(400, "missing or wrong CSRF token: reload the page and try again")
    return None


def _before() -> BaseResponse | None:
    return _load_user() or _check_csrf()


def _http_error(exc: HTTPException) -> BaseResponse | HTTPException:
    if wants_json() and exc.code:
        return error(exc.code, exc.description or exc.name)
    return exc


def init_app(app: Flask) -> None:
    app.before_request(_before)
    app.register_error_handler(HTTPException, _http_error)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_user"] = current_user
