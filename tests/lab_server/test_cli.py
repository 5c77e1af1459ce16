"""The kits and users commands (Flask's CLI runner) and the kitlab console script."""

from __future__ import annotations

import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from helpers import wait_until
from werkzeug.security import check_password_hash

from kitsdk.agent.config import AgentConfig
from lab_server.broker.mosquitto import free_port
from lab_server.config import LabConfig
from lab_server.services import start_services


def test_kits_add_prints_the_agent_toml(runner: FlaskCliRunner, services: Any) -> None:
    result = runner.invoke(args=["kits", "add", "kit-5", "--team", "red"])
    assert result.exit_code == 0, result.output
    toml = result.stdout
    config = AgentConfig(**tomllib.loads(toml))
    assert (config.kit, config.username, config.lab) == ("kit-5", "kit-5", services.config.lab)
    assert services.store.kit("kit-5").team == "red"
    assert "shown only now" in result.stderr


def test_kits_add_refuses_bad_and_duplicate_ids(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["kits", "add", "Kit 5"]).exit_code == 2
    assert runner.invoke(args=["kits", "add", "kit-5"]).exit_code == 0
    again = runner.invoke(args=["kits", "add", "kit-5"])
    assert again.exit_code == 1


def test_users_add(runner: FlaskCliRunner, services: Any) -> None:
    result = runner.invoke(args=["users", "add", "ms-lee", "--role", "teacher",
                                 "--password", "correct horse"])
    assert result.exit_code == 0, result.output
    user = services.store.user("ms-lee")
    assert user.role == "teacher" and check_password_hash(user.password_hash, "correct horse")
    assert runner.invoke(args=["users", "add", "x", "--role", "boss", "--password",
                               "12345678"]).exit_code == 2
    assert runner.invoke(args=["users", "add", "y", "--role", "mentor", "--password",
                               "short"]).exit_code == 2


def test_users_add_asks_for_the_password(runner: FlaskCliRunner, services: Any) -> None:
    result = runner.invoke(args=["users", "add", "mr-cho", "--role", "mentor"],
                           input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    assert "a long password" not in result.stdout.replace("Password:", "")
    assert services.store.user("mr-cho").role == "mentor"


def test_users_token_works_for_the_api(runner: FlaskCliRunner, client: Any) -> None:
    result = runner.invoke(args=["users", "token", "teacher"])
    assert result.exit_code == 0
    token = result.stdout.strip()
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["user"] == "teacher"
    assert runner.invoke(args=["users", "token", "nobody"]).exit_code == 1


def test_the_kitlab_console_script_lists_its_commands() -> None:
    from click.testing import CliRunner

    from lab_server.cli import main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "demo", "kits", "users"):
        assert command in result.output
    demo = CliRunner().invoke(main, ["demo", "--help"])
    assert "--kits" in demo.output


# --- the kitlab console script beside a running lab -----------------------------------------

def kitlab(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``kitlab --config CONFIG ARGS...`` in a process of its own, as school IT runs it."""
    return subprocess.run(
        [sys.executable, "-c", "from lab_server.cli import main; main()", "--config",
         str(config), *args], capture_output=True, text=True, timeout=60, check=False)


def lab_toml(tmp_path: Path, port: int = 0) -> Path:
    path = tmp_path / "lab.toml"
    path.write_text(f'lab = "room-4"\ndata_dir = "{tmp_path / "lab"}"\nbroker_port = {port}\n',
                    encoding="utf-8")
    return path


def run_agent(toml: str, tmp_path: Path) -> Iterator[Any]:
    """A real kit agent (simulated parts) with the printed agent.toml."""
    from kitsdk.agent.supervisor import Agent

    config = AgentConfig(**{**tomllib.loads(toml), "profile": "starter", "rate": 20,
                            "outbox": str(tmp_path / "outbox.db"),
                            "control_socket": str(tmp_path / "agent.sock")})
    agent = Agent(config, backend="sim")
    thread = threading.Thread(target=agent.serve, daemon=True)
    thread.start()
    try:
        yield agent
    finally:
        agent.shutdown()
        thread.join(timeout=10)


@pytest.mark.parametrize("fixed_port", [False, True], ids=["free port", "fixed port"])
def test_kits_add_beside_a_running_lab(tmp_path: Path, mosquitto_executable: str,
                                       fixed_port: bool) -> None:
    """The documented workflow: the lab runs, IT adds a kit. No second broker: the printed
    file names the lab's own broker, whose port stays, and the kit logs in with it at once."""
    config = lab_toml(tmp_path, free_port() if fixed_port else 0)
    with start_services(LabConfig.load(config)) as lab:
        url = lab.kit_broker_url
        conf = lab.config.data_dir / "mosquitto" / "mosquitto.conf"
        before = conf.read_text()
        result = kitlab(config, "kits", "add", "kit-9", "--team", "red")
        assert result.returncode == 0, result.stderr
        assert "arn" not in result.stderr, result.stderr  # no Warning/warning
        toml = result.stdout
        assert AgentConfig(**tomllib.loads(toml)).broker == url
        assert conf.read_text() == before and lab.kit_broker_url == url
        broker_log = (lab.config.data_dir / "mosquitto" / "mosquitto.log").read_text()
        assert broker_log.count(" starting") == 1, "a second Mosquitto was started"
        for agent in run_agent(toml, tmp_path):
            assert agent.link.wait_connected(15), "the kit could not log in"
            wait_until(lambda: "light" in lab.store.latest("kit-9"), 15,
                       "the new kit's telemetry in the store")
        assert lab.store.kit("kit-9").team == "red"  # type: ignore[union-attr]
        # the lab knew the kit before its broker let it in: none of its messages refused
        assert "unknown_kit" not in lab.health()["errors"]
        added = kitlab(config, "users", "add", "ms-lee", "--role", "teacher",
                       "--password", "correct horse")
        assert added.returncode == 0, added.stderr
        assert lab.store.user("ms-lee") is not None


def test_kits_add_with_no_lab_running_prints_the_address_its_start_takes(
        tmp_path: Path, mosquitto_executable: str) -> None:
    config = lab_toml(tmp_path)
    result = kitlab(config, "kits", "add", "kit-1")
    assert result.returncode == 0, result.stderr
    printed = AgentConfig(**tomllib.loads(result.stdout)).broker
    with start_services(LabConfig.load(config)) as lab:
        assert lab.kit_broker_url == printed
        for agent in run_agent(result.stdout, tmp_path):
            assert agent.link.wait_connected(15), "the kit could not log in"
