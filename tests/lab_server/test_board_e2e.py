"""End to end: two kit agents in simulation (``kit agent --sim``), each logged in to a
real lab with its own credentials, run a real ``kit lesson check blink`` handed to them as
a student would (through the agent's socket): one a right program, the other a wrong one,
twice. The teacher's lesson board then shows the first kit through every step and the
second failing step 2, stuck (this lab calls two failures of a step in a row stuck)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from board_page import Rows
from flask.testing import FlaskClient
from helpers import wait_until
from lesson_programs import edit

from kitsdk.lessons import find

LAB = "test-lab"
TOO_SLOW = edit("blink", ("kit.red.on()\n    sleep(0.3)", "kit.red.on()\n    sleep(0.6)"))


@pytest.fixture
def lab_settings() -> dict[str, Any]:
    """The lab of ``conftest.py``, where failing a step twice in a row is stuck."""
    return {"stuck_failures": 2}


@dataclass
class KitAgent:
    kit: str
    process: subprocess.Popen[bytes]
    socket: Path


@pytest.fixture
def agent_of(services: Any) -> Iterator[Any]:
    """``agent_of("kit-1")``: a provisioned kit's ``kit agent --sim`` on the lab's broker,
    online; its HOME (and so its control socket) in a short folder of its own (a socket's
    path has at most 107 bytes)."""
    homes = Path(tempfile.mkdtemp(prefix="kb-"))
    started: list[KitAgent] = []

    def start(kit: str) -> KitAgent:
        credentials = services.store.add_kit(kit)
        home = homes / kit
        home.mkdir()
        process = subprocess.Popen(
            [sys.executable, "-m", "kitsdk.cli", "agent", "--sim", "--broker",
             str(services.broker.url), "--lab", LAB, "--kit", kit, "--username",
             credentials.username, "--profile", "rover", "--rate", "5", "--mqtt-version",
             "3" if services.broker.kind == "amqtt" else "5"],
            env={**os.environ, "HOME": str(home), "KITSDK_AGENT_PASSWORD": credentials.password},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        agent = KitAgent(kit, process,
                         home / ".cache" / "kitsdk" / f"{LAB}-{kit}" / "agent.sock")
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.process.terminate()
    for agent in started:
        agent.process.communicate(timeout=15)
    shutil.rmtree(homes)


def online(services: Any, agent: KitAgent) -> None:
    wait_until(lambda: agent.socket.is_socket() and services.store.kit(agent.kit).state
               == "online", 20, f"{agent.kit}'s agent online, its socket open")


def lesson_check(agent: KitAgent, script: Path) -> subprocess.CompletedProcess[str]:
    """``kit lesson check blink SCRIPT`` on the kit: its agent runs the check."""
    return subprocess.run(
        [sys.executable, "-m", "kitsdk.cli", "lesson", "check", "blink", str(script)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "KITSDK_AGENT_SOCKET": str(agent.socket)})


def test_the_board_shows_real_lesson_checks_run_by_kit_agents(
        agent_of: Any, teacher: FlaskClient, services: Any, tmp_path: Path) -> None:
    right, wrong = tmp_path / "right.py", tmp_path / "wrong.py"
    right.write_text(find("blink").solution)
    wrong.write_text(TOO_SLOW)
    good, slow = agent_of("kit-1"), agent_of("kit-2")
    online(services, good)
    online(services, slow)

    # One check at a time: a check times the LED to a tenth of a second, which a machine
    # busy with other tests can make late; the student then checks again, as students do.
    checks = [lesson_check(good, right)]
    while checks[-1].returncode and len(checks) < 3:
        checks.append(lesson_check(good, right))
    assert checks[-1].returncode == 0, checks[-1].stdout + checks[-1].stderr
    for _ in range(2):
        tried = lesson_check(slow, wrong)
        assert tried.returncode == 1 and "[FAIL] Step 2" in tried.stdout, tried.stdout

    wait_until(lambda: len(services.store.lesson_events(kinds=("lesson.finished",)))
               == len(checks) + 2, 15, "every check's end stored")
    html = teacher.get("/lessons/blink").get_data(as_text=True)
    rows = Rows(html).rows
    assert rows["kit-1"] == {"stuck": "false", "cells": {1: "passed", 2: "passed", 3: "passed"}}
    assert rows["kit-2"] == {"stuck": "true", "cells": {1: "passed", 2: "failing", 3: "todo"}}
    assert "1 of 2 kits finished, 1 stuck" in html
    assert "kit-2</a>: failed step 2 2 times in a row" in html
    assert "the lesson asks for 0.3 s on and 0.3 s off" in html  # the hint it was given
