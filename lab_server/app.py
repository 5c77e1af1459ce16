"""The Flask application factory: ``create_app(config=None, services=None)``.

Configuration is layered like Flask's tutorial app: the defaults below, then the instance
folder's ``kitlab.cfg`` (if there is one), then the ``[web]`` table of the lab's config file
(keys in lower case: ``live_max_streams = 300``), then ``KITLAB_*`` environment variables
(``KITLAB_SESSION_COOKIE_SECURE=1``), then the ``config`` mapping the caller passes.

Nothing lives in module globals: the lab's running services (store, live hub, ingest,
broker) and the web's own long-lived state (the login rate limiter, the live-stream gate) sit
in ``app.extensions["kitlab"]`` as one :class:`WebLab`.

``services`` are the backend's :class:`~lab_server.services.LabServices`; whoever starts them
closes them (``kitlab serve`` does). With ``services=None`` the factory starts them itself
from ``LabConfig.load(app.config["LAB_CONFIG"])`` and closes them when the process exits.

The secret key is never in the repository or a log: it is generated on first start into
``<data_dir>/secret_key`` (mode 0600) and read from there afterwards.
"""

from __future__ import annotations

import atexit
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response

from .config import from_environment

if TYPE_CHECKING:
    from .services import LabServices

DEFAULTS: dict[str, Any] = {
    # Session cookie: not readable by scripts, not sent by other sites' forms. Secure (HTTPS
    # only) is off by default because a classroom server is often plain http://; set
    # KITLAB_SESSION_COOKIE_SECURE=1 behind TLS.
    "SESSION_COOKIE_NAME": "kitlab_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Login rate limit, failed logins per window (seconds): for one name from one address,
    # from one address, and on the whole server (see lab_server/web/auth.py).
    "LOGIN_FAILURES": 5,
    "LOGIN_ADDRESS_FAILURES": 20,
    "LOGIN_GLOBAL_FAILURES": 200,
    "LOGIN_WINDOW": 300.0,
    # Live streams (SSE): at most this many at once, so streams can never take the request
    # threads that pages and commands need (see lab_server/web/live.py). Each holds a web
    # server thread, so this sizes the server (lab_server/web/server.py). 0: one per kit of
    # the lab's class_size (a browser per team, the teacher's screens), at least MIN_STREAMS.
    "LIVE_MAX_STREAMS": 0,
    # Web server threads for everything but streams: pages, the API, commands, exports.
    "WEB_REQUEST_THREADS": 8,
    "LIVE_HEARTBEAT": 15.0,
    "LIVE_POLL": 1.0,
    "LIVE_MIN_INTERVAL": 0.0,
    # The broker URL printed into a kit's agent.toml; None: the lab's broker, seen from the
    # address the teacher used to reach this page.
    "PUBLIC_BROKER_URL": None,
    # The lab's config file for services started by the factory itself.
    "LAB_CONFIG": None,
}

MIN_STREAMS = 8
"""The fewest live streams a lab serves at once, however small its class."""

_BOOLEAN_KEYS = {"SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "TESTING"}


@dataclass
class WebLab:
    """What the web side keeps for the life of the app (``app.extensions["kitlab"]``)."""

    services: LabServices
    state: dict[str, Any] = field(default_factory=dict)


def create_app(config: Mapping[str, Any] | None = None,
               services: LabServices | None = None) -> Flask:
    """Build the lab server's Flask app over running ``services``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("kitlab.cfg", silent=True)
    if os.environ.get("KITLAB_CONFIG"):
        app.config["LAB_CONFIG"] = os.environ["KITLAB_CONFIG"]
    if config and "LAB_CONFIG" in config:
        app.config["LAB_CONFIG"] = config["LAB_CONFIG"]

    if services is None:
        from .config import LabConfig
        from .services import start_services

        services = start_services(LabConfig.load(app.config["LAB_CONFIG"]))
        atexit.register(services.close)
    app.extensions["kitlab"] = WebLab(services)
    # The lab config's [web] table (lab.toml), then the environment, then the caller's.
    web_table = getattr(services.config, "web", None) or {}
    app.config.from_mapping({k.upper(): v for k, v in web_table.items()
                             if k.upper() in DEFAULTS})
    _from_environment(app)
    if config:
        app.config.from_mapping(config)
    if not app.config["LIVE_MAX_STREAMS"]:
        class_size = getattr(services.config, "class_size", 0)
        app.config["LIVE_MAX_STREAMS"] = max(MIN_STREAMS, int(class_size))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(Path(services.config.data_dir))

    from . import cli
    from .web import init_app as init_web

    init_web(app)
    cli.init_app(app)
    app.after_request(_security_headers)
    return app


def lab(app: Flask) -> WebLab:
    """The app's :class:`WebLab`."""
    return app.extensions["kitlab"]  # type: ignore[no-any-return]


def secret_key(data_dir: Path) -> str:
    """The app's secret key: made once into ``data_dir/secret_key`` (0600), then reused."""
    path = data_dir / "secret_key"
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    if len(key) >= 32:
        return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(key + "\n")
    return key


def _from_environment(app: Flask) -> None:
    """``KITLAB_LIVE_MAX_STREAMS=300`` sets ``LIVE_MAX_STREAMS``; types follow the defaults
    (``PUBLIC_BROKER_URL`` and the others whose default is None are text)."""
    kinds = {key: bool if key in _BOOLEAN_KEYS else type(app.config.get(key)) | None
             for key in [*DEFAULTS, "SECRET_KEY"] if key != "LAB_CONFIG"}
    app.config.update(from_environment(kinds))


_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'")


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", _CSP)
    return response
