"""The lab server's web side: one blueprint per concern, registered by :func:`init_app`.

- ``access``: who is asking (session or Bearer token), roles, CSRF; ``ratelimit``: login throttle
- ``auth``: log in and out, API tokens
- ``dashboard``: the room view and the kit pages (HTML); ``drawing``: the kit drawing's files
- ``api``: the JSON API for pages and scripts, commands included
- ``live``: Server-Sent Events with the hub's batched updates
- ``board``: the lesson board (who is on which step, who is stuck)
- ``export``: CSV downloads; ``provision``: new kits and their agent.toml; ``health``: /health
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import access, api, auth, board, dashboard, drawing, export, health, live, provision

    access.init_app(app)
    for module in (auth, dashboard, board, drawing, api, live, export, provision, health):
        app.register_blueprint(module.bp)
