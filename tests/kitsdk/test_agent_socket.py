"""How ``kit run`` finds the kit's agent, and how an agent that cannot have a kit starts.

An agent killed with SIGKILL (or a crash, or the power) leaves its socket file behind: a
student's ``kit run`` must then run the script itself and say why, never fail with a
traceback. An agent whose profile is missing or wrong ends at once with the reason (a
service manager shows it), while one whose part is off runs on and retries
(test_agent_drone.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_mock import MockerFixture

from kitsdk.agent.control import reach_agent
from kitsdk.exc import BadProfile, KitError, NoProfile


def left_behind(path: Path) -> Path:
    """A socket file whose listener is gone, as a killed agent leaves it."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    listener.close()  # the file stays; nothing answers it
    assert path.is_socket()
    return path


@pytest.mark.parametrize("command", [["run"], ["lesson", "check", "blink"]])
def test_a_socket_left_by_a_killed_agent_runs_the_script_here(command: list[str],
                                                              tmp_path: Path) -> None:
    sock = left_behind(tmp_path / "agent.sock")
    script = tmp_path / "hello.py"
    script.write_text("from kitsdk import Kit\nkit = Kit()\nprint('hello from', kit.name)\n"
                      if command == ["run"] else
                      "from kitsdk import Kit\nkit = Kit()\nkit.led.blink()\n")
    env = {**os.environ, "KITSDK_AGENT_SOCKET": str(sock), "KITSDK_BACKEND": "sim",
           "KITSDK_PROFILE": "starter"}
    result = subprocess.run([sys.executable, "-m", "kitsdk.cli", *command, str(script)],
                            capture_output=True, text=True, timeout=60, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"kit: no kit agent answers at {sock} "), result.stderr
    assert "running the script here" in result.stderr
    if command == ["run"]:
        assert (result.returncode, result.stdout) == (0, "hello from starter\n")
    else:
        assert "Checking" in result.stdout  # the check ran here, on a simulated kit


def test_an_account_the_agent_does_not_let_in_is_told_whom_to_ask(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mocker: MockerFixture) -> None:
    """The socket is mode 0660: a student outside its group gets EACCES (root, who runs
    these tests, never does, so the refusal is the kernel boundary mocked)."""
    sock = left_behind(tmp_path / "agent.sock")
    monkeypatch.setenv("KITSDK_AGENT_SOCKET", str(sock))
    monkeypatch.delenv("KITSDK_UNDER_AGENT", raising=False)
    mocker.patch.object(socket.socket, "connect",
                        side_effect=PermissionError(13, "Permission denied"))
    with pytest.raises(KitError) as raised:
        reach_agent()
    assert str(sock) in str(raised.value)
    assert "'kitsdk' group" in raised.value.explain()


def test_no_agent_socket_means_no_agent(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITSDK_AGENT_SOCKET", str(tmp_path / "absent.sock"))
    assert reach_agent() is None


@pytest.mark.parametrize("profile, error", [
    ("missing.toml", NoProfile),
    ("wrong.toml", BadProfile),
])
def test_an_agent_whose_profile_is_missing_or_wrong_ends_at_once(
        agents: Any, tmp_path: Path, profile: str, error: type[KitError]) -> None:
    (tmp_path / "wrong.toml").write_text('name = "k"\n[led]\ndriver = "led"\npin = "nope"\n')
    with pytest.raises(error):
        agents(profile=str(tmp_path / profile))
