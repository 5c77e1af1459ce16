"""The kits and users commands (Flask's CLI runner) and the kitlab console script."""

from __future__ import annotations

import tomllib
from typing import Any

from flask.testing import FlaskCliRunner
from werkzeug.security import check_password_hash

from kitsdk.agent.config import AgentConfig


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
