"""``kitlab demo`` and ``kitlab serve`` as a newcomer meets them: a busy port, a data folder
used twice."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from lab_server.demo import start_demo


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that something else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def kitlab(*args: str, tmpdir: Path) -> subprocess.CompletedProcess[str]:
    """``kitlab ARGS...`` in a process of its own, its temporary folder ``tmpdir``."""
    return subprocess.run(
        [sys.executable, "-c", "from lab_server.cli import main; main()", *args],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "TMPDIR": str(tmpdir)})


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_busy_port_is_said_in_one_line_and_leaves_nothing_behind(
        command: str, busy_port: int, tmp_path: Path, mosquitto_executable: str) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    args = ["demo", "--kits", "1"] if command == "demo" else ["serve"]
    if command == "serve":
        config = tmp_path / "lab.toml"
        config.write_text(f'lab = "room-4"\ndata_dir = "{tmp_path / "lab"}"\n',
                          encoding="utf-8")
        args = ["--config", str(config), "serve"]
    result = kitlab(*args, "--host", "127.0.0.1", "--port", str(busy_port), tmpdir=scratch)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(busy_port) in lines[0] and "in use" in lines[0] and "--port 0" in lines[0]
    assert list(scratch.iterdir()) == []


def test_the_demo_reuses_its_data_folder(tmp_path: Path, mosquitto_executable: str) -> None:
    folder = tmp_path / "demo"
    with start_demo(1, port=0, data_dir=folder) as first:
        teacher = first.teacher
    with start_demo(2, port=0, data_dir=folder) as second:
        store = second.services.store
        user = store.user("teacher")
        assert user is not None and check_password_hash(user.password_hash, second.teacher[1])
        assert second.teacher[1] != teacher[1]
        assert [kit.id for kit in store.kits()] == ["kit-1", "kit-2"]
        assert [kit.id for kit in second.kits] == ["kit-1", "kit-2"]
    assert folder.is_dir()  # a folder the user named is kept
