"""``KITLAB_*`` variables: one reader for the lab's config and the web app's, and an error
that names the variable whatever setting it is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lab_server.app import create_app
from lab_server.config import LabConfig
from lab_server.exc import ConfigError


@pytest.mark.parametrize(("variable", "raw", "words"), [
    ("KITLAB_LIVE_MAX_STREAMS", "abc", "is not a whole number"),
    ("KITLAB_LIVE_HEARTBEAT", "soon", "is not a number"),
    ("KITLAB_PERMANENT_SESSION_LIFETIME", "a day", "is not a number of seconds"),
    ("KITLAB_SESSION_COOKIE_SECURE", "maybe", "is not on or off"),
])
def test_a_web_setting_that_is_not_its_type_names_the_variable(
        services: Any, monkeypatch: pytest.MonkeyPatch, variable: str, raw: str,
        words: str) -> None:
    monkeypatch.setenv(variable, raw)
    with pytest.raises(ConfigError, match=f"\\${variable}='{raw}' {words}"):
        create_app({"TESTING": True}, services)


def test_web_settings_read_as_the_defaults_types(services: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITLAB_PERMANENT_SESSION_LIFETIME", "3600")
    monkeypatch.setenv("KITLAB_SESSION_COOKIE_SECURE", "off")
    monkeypatch.setenv("KITLAB_PUBLIC_BROKER_URL", "mqtt://lab.school:1883")
    app = create_app({"TESTING": True}, services)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=1)
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["PUBLIC_BROKER_URL"] == "mqtt://lab.school:1883"


def test_the_lab_config_reads_the_same_way(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Any) -> None:
    monkeypatch.setenv("KITLAB_RETENTION_DAYS", "seven")
    with pytest.raises(ConfigError, match=r"\$KITLAB_RETENTION_DAYS='seven' is not"):
        (tmp_path / "lab.toml").write_text('lab = "room-4"\n')
        LabConfig.load(tmp_path / "lab.toml", data_dir=tmp_path)
