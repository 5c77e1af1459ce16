"""Running a student's script the three ways a classroom does, and reading what its pins did.

A script runs under ``python``, under ``kit run`` or under the kit agent, on a simulated kit
whose pin changes go to a journal (``KITSDK_SIM_TRACE``): the journal outlives the process,
as a real kit's pins do, so a test can see what the pins were left at however it ended.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kitsdk.agent.config import AgentConfig
from kitsdk.agent.supervisor import Agent

#: How a script is started from a shell: ``python script.py`` or ``kit run script.py``.
COMMANDS = {
    "python": [sys.executable],
    "kit run": [sys.executable, "-m", "kitsdk.cli", "run"],
}


def sim_env(trace: Path, **extra: str) -> dict[str, str]:
    """The environment of a script on a simulated kit that journals its pins to ``trace``."""
    env = {**os.environ, "KITSDK_BACKEND": "sim", "KITSDK_SIM_TRACE": str(trace), **extra}
    env.pop("KITSDK_AGENT_SOCKET", None)  # `kit run` runs the script itself
    return env


def journal(trace: Path, *, times: bool = False) -> list[dict[str, Any]]:
    """Every pin change of the journal, oldest first, as ``{"pin": ..., "state": ...}``
    (and ``"function"`` where it changed; and ``"t"``, when, with ``times``)."""
    if not trace.exists():
        return []
    keys = ("pin", "state", "function", "t") if times else ("pin", "state", "function")
    return [{k: v for k, v in json.loads(line).items() if k in keys}
            for line in trace.read_text().splitlines()]


def final_pins(trace: Path) -> dict[str, dict[str, Any]]:
    """The last state and function the journal recorded for each pin."""
    pins: dict[str, dict[str, Any]] = {}
    for entry in journal(trace):
        pins.setdefault(entry.pop("pin"), {}).update(entry)
    return pins


def start(command: str, script: Path, trace: Path) -> subprocess.Popen[str]:
    """Start ``script`` as a student would (``command`` is a key of ``COMMANDS``)."""
    return subprocess.Popen([*COMMANDS[command], str(script)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=sim_env(trace))


def read_until(proc: subprocess.Popen[str], line: str, timeout: float = 30.0) -> list[str]:
    """The script's output lines up to and including ``line``; fails if it never comes."""
    assert proc.stdout is not None
    seen: list[str] = []
    found = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for got in proc.stdout:
            seen.append(got.rstrip("\n"))
            if seen[-1] == line:
                found.set()
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    if not found.wait(timeout):
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise AssertionError(f"the script never printed {line!r}: {seen!r}\n{err}")
    return seen


@contextmanager
def running_agent(broker_url: str, profile: str, tmp_path: Path) -> Iterator[Agent]:
    """A kit agent on a simulated ``profile`` kit, linked to the broker at ``broker_url``."""
    config = AgentConfig(broker=broker_url, lab="lab", kit="kit-1", profile=profile, rate=20,
                         outbox=str(tmp_path / "outbox.db"),
                         control_socket=str(tmp_path / "agent.sock"))
    agent = Agent(config, backend="sim")
    thread = threading.Thread(target=agent.serve, daemon=True)
    thread.start()
    try:
        assert agent.link.wait_connected(10), "the agent never reached the broker"
        yield agent
    finally:
        agent.shutdown()
        thread.join(timeout=10)
