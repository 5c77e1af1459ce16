"""The app factory, its configuration layers, the secret key, headers and the public API."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import lab_server
from kitsdk.drawing import FILES, SERVED
from lab_server.app import create_app, lab, secret_key


def test_public_api_is_exactly_all() -> None:
    import types

    public = {name for name in dir(lab_server) if not name.startswith("_")
              and not isinstance(getattr(lab_server, name), types.ModuleType)}
    assert sorted(public) == sorted(lab_server.__all__)
    for name in lab_server.__all__:
        assert getattr(lab_server, name).__module__.startswith("lab_server")


def test_the_factory_keeps_its_objects_in_extensions(app: Flask, services: Any) -> None:
    assert lab(app).services is services
    other = create_app({"TESTING": True}, services)
    assert lab(other) is not lab(app)  # nothing shared between two apps


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path: Path) -> None:
    key = secret_key(tmp_path)
    path = tmp_path / "secret_key"
    assert len(key) == 64 and path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key(tmp_path) == key


def test_the_app_uses_the_data_dirs_key(app: Flask, services: Any) -> None:
    assert app.config["SECRET_KEY"] == (Path(services.config.data_dir) / "secret_key"
                                        ).read_text().strip()


def test_environment_then_caller_config(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITLAB_LIVE_MAX_STREAMS", "7")
    monkeypatch.setenv("KITLAB_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("KITLAB_LOGIN_WINDOW", "10")
    app = create_app(None, services)
    assert app.config["LIVE_MAX_STREAMS"] == 7
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["LOGIN_WINDOW"] == 10.0
    assert create_app({"LIVE_MAX_STREAMS": 3}, services).config["LIVE_MAX_STREAMS"] == 3


def test_cookie_settings(app: Flask) -> None:
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_security_headers_on_every_page(client: Any) -> None:
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_vendored_libraries_are_served_with_their_licences(client: Any) -> None:
    for name in ("htmx.min.js", "uPlot.iife.min.js", "uPlot.min.css", "htmx.LICENSE",
                 "uPlot.LICENSE", "README.md"):
        response = client.get(f"/static/vendor/{name}")
        assert response.status_code == 200, name
        response.close()


def test_the_kit_drawing_is_served_from_kitsdk_and_nothing_else_of_its_folder(
        client: Any) -> None:
    for name, content_type in SERVED.items():
        response = client.get(f"/drawing/{name}")
        assert response.status_code == 200, name
        assert response.content_type == content_type
        assert response.get_data() == (FILES / name).read_bytes()
        etag = response.headers["ETag"]
        again = client.get(f"/drawing/{name}", headers={"If-None-Match": etag})
        assert again.status_code == 304, name  # cached like the other static files
    for name in ("other", "__init__.py", "kitview.js.map"):
        assert client.get(f"/drawing/{name}").status_code == 404, name


def test_pages_load_nothing_from_another_site(teacher: Any, lab: Any) -> None:
    lab.kit("kit-1")
    for url in ("/", "/kits/kit-1", "/export", "/kits/new", "/login"):
        html = teacher.get(url).get_data(as_text=True)
        assert "http://" not in html and "https://" not in html, url
