"""The backend's settings and its start and stop (the services' health is also tested in
test_broker.py, against each broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab_server.config import LabConfig
from lab_server.exc import ConfigError, StoreError
from lab_server.services import start_services


def test_defaults_make_a_lab_on_one_machine(tmp_path: Path) -> None:
    config = LabConfig(data_dir=tmp_path)
    assert config.store_url == f"sqlite:///{tmp_path / 'lab.db'}"
    assert config.broker_url is None and config.client_id == "kitlab-lab"
    assert LabConfig().data_dir == Path("~/.local/share/kitlab").expanduser()


def test_load_reads_the_file_then_the_environment_then_overrides(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "lab.toml"
    path.write_text('lab = "room-4"\nretention_days = 30\nbatch_size = 100\n'
                    '[web]\nport = 8080\n')
    monkeypatch.setenv("KITLAB_RETENTION_DAYS", "7")
    monkeypatch.setenv("KITLAB_BROKER_URL", "mqtt://broker.school:1883")
    config = LabConfig.load(path, batch_size=None, shared_group="district")
    assert (config.lab, config.retention_days, config.batch_size) == ("room-4", 7.0, 100)
    assert config.broker_address == ("broker.school", 1883, False)
    assert config.shared_group == "district" and config.web == {"port": 8080}


def test_bad_settings_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "lab.toml"
    path.write_text('labb = "x"\n')
    with pytest.raises(ConfigError, match="labb"):
        LabConfig.load(path)
    with pytest.raises(ConfigError, match="Room 4"):
        LabConfig(lab="Room 4")
    with pytest.raises(ConfigError, match="store_url"):
        LabConfig(store_url="mysql://x")
    with pytest.raises(ConfigError, match="broker_url"):
        LabConfig(broker_url="http://x")
    with pytest.raises(ConfigError, match="batch_size"):
        LabConfig(batch_size=0)
    monkeypatch.setenv("KITLAB_BATCH_SIZE", "many")
    with pytest.raises(ConfigError, match="KITLAB_BATCH_SIZE"):
        LabConfig.load()


def test_a_failed_start_leaves_nothing_running(tmp_path: Path) -> None:
    (tmp_path / "lab.db").mkdir()  # the database file cannot be a file
    with pytest.raises(StoreError):
        start_services(LabConfig(data_dir=tmp_path))


def test_services_close_once_and_report_it(tmp_path: Path, mosquitto_executable: str) -> None:
    services = start_services(LabConfig(lab="room-4", data_dir=tmp_path))
    assert services.health()["ok"]
    creds = services.add_kit("kit-1", team="red")
    toml = services.agent_config(creds)
    assert 'kit = "kit-1"' in toml and services.kit_broker_url in toml
    services.close()
    services.close()
    assert services.broker_process is not None and not services.broker_process.running
