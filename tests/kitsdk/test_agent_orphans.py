"""A student's script never outlives its agent.

Each test runs ``kit agent --sim`` as a process of its own, hands it a script that keeps
driving the rover's motor with ``kit run``, then kills the agent with SIGKILL, the one end
that no handler sees. The pins are read from the simulator's journal (``KITSDK_SIM_TRACE``),
which every process driving them writes to: the script's, and the agents'.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_lab import KIT, LAB, LEFT_FORWARD, Lab, decoded, journal, process_gone
from helpers import wait_until

from kitsdk.agent.leftover import RecordFile, ScriptRecord
from kitsdk.agent.runner import ScriptRun

#: Drives the left motor between two speeds, so that every turn of the loop is journalled.
SEESAW = """
import time
from kitsdk import Kit
kit = Kit()
print("driving", flush=True)
while True:
    kit.drive.forward(0.9)
    time.sleep(0.01)
    kit.drive.forward(0.8)
    time.sleep(0.01)
"""


class Kit:
    """One simulated kit on this machine: its agents, its scripts, its pin journal."""

    def __init__(self, tmp_path: Path, broker: str, lab: Lab) -> None:
        self.tmp_path = tmp_path
        self.broker = broker
        self.lab = lab
        self.trace = tmp_path / "trace.jsonl"
        self.env = {**os.environ, "HOME": str(tmp_path), "KITSDK_SIM_TRACE": str(self.trace)}
        self.socket = tmp_path / ".cache" / "kitsdk" / f"{LAB}-{KIT}" / "agent.sock"
        self.processes: list[subprocess.Popen[Any]] = []
        self.scripts: list[int] = []

    def start_agent(self) -> subprocess.Popen[Any]:
        """Start an agent and wait until the lab sees it online, in a session of its own."""
        sessions = {s.session for s in decoded(self.lab.sub, "status")}
        agent = subprocess.Popen(
            [sys.executable, "-m", "kitsdk.cli", "agent", "--sim", "--broker", self.broker,
             "--lab", LAB, "--kit", KIT, "--profile", "rover"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.processes.append(agent)

        def online(_: object) -> bool:
            status = decoded(self.lab.sub, "status")
            return bool(status) and status[-1].state == "online" \
                and status[-1].session not in sessions

        assert self.lab.sub.wait_for(online, 30), "the agent did not come online"
        return agent

    def run_script(self, body: str) -> int:
        """Hand ``body`` to the running agent with ``kit run``; the script's pid once it drives."""
        script = self.tmp_path / "student.py"
        script.write_text(body)
        kit_run = subprocess.Popen(
            [sys.executable, "-m", "kitsdk.cli", "run", str(script)],
            env={**self.env, "KITSDK_AGENT_SOCKET": str(self.socket)},
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.processes.append(kit_run)
        assert kit_run.stdout is not None
        assert kit_run.stdout.readline().strip() == "driving"
        agents = {p.pid for p in self.processes}
        wait_until(lambda: any(e["pid"] not in agents and e["state"] == 0.9
                               for e in journal(self.trace, LEFT_FORWARD)), 10, "journalled")
        pid = next(e["pid"] for e in journal(self.trace, LEFT_FORWARD) if e["pid"] not in agents)
        self.scripts.append(pid)
        return int(pid)

    def close(self) -> None:
        for pid in self.scripts:  # on failure, a script this test started may have outlived it
            if not process_gone(pid):
                os.kill(pid, signal.SIGKILL)
        for process in self.processes:
            process.kill()
            process.communicate(timeout=10)


@pytest.fixture
def kit(tmp_path: Path, mosquitto: Any, lab: Lab) -> Iterator[Kit]:
    kit = Kit(tmp_path, mosquitto.url, lab)
    yield kit
    kit.close()


@pytest.mark.parametrize("sigterm", ["", "import signal\nsignal.signal(signal.SIGTERM, "
                                         "signal.SIG_IGN)\n"], ids=["plain", "ignores-sigterm"])
def test_a_script_dies_with_its_killed_agent_and_the_next_agent_finds_the_motor_safe(
        kit: Kit, sigterm: str) -> None:
    """SIGTERM from Linux as the agent dies ends a plain script; one that ignores SIGTERM
    is ended by its orders thread, which sees the agent's end of the channel close."""
    first = kit.start_agent()
    script = kit.run_script(sigterm + SEESAW)
    first.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    first.wait(timeout=10)
    wait_until(lambda: process_gone(script), 5, "the script gone")
    gone = time.monotonic() - killed
    assert gone < 1.0, f"the script outlived its agent by {gone:.2f} s"

    second = kit.start_agent()
    entries = journal(kit.trace, LEFT_FORWARD)
    assert entries[-1]["state"] == 0, entries[-3:]
    assert entries[-1]["pid"] == second.pid  # the new agent drove it safe, and nobody since
    last_of_script = max(e["t"] for e in entries if e["pid"] == script)
    assert all(e["state"] == 0 for e in entries if e["t"] > last_of_script)


def test_an_agent_starting_up_ends_a_script_left_by_a_crashed_agent(kit: Kit) -> None:
    first = kit.start_agent()
    script = kit.run_script(SEESAW)
    # A script that cannot run any code of its own (stopped here; wedged in a C call on a
    # real kit) does not hear its agent die, and outlives it.
    os.kill(script, signal.SIGSTOP)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert not process_gone(script)

    second = kit.start_agent()
    assert process_gone(script), "the new agent left the old script running"
    entries = journal(kit.trace, LEFT_FORWARD)
    assert entries[-1]["state"] == 0 and entries[-1]["pid"] == second.pid
    ended = kit.lab.wait_event("safety.stopped")
    assert "student.py" in ended.data["reason"] and "left running" in ended.data["reason"]
    # Before anything else: the leftover was gone before the new agent drove a pin.
    first_of_second = min(e["t"] for e in entries if e["pid"] == second.pid)
    assert all(e["t"] < first_of_second for e in entries if e["pid"] == script)


def test_a_script_started_from_a_thread_that_ends_goes_on(tmp_path: Path) -> None:
    """Linux sends the parent-death signal when the *thread* that started a child ends: a
    script handed over by ``kit run`` (a connection's thread) must not die with it."""
    script = tmp_path / "wait.py"
    script.write_text("import time\nprint('waiting', flush=True)\ntime.sleep(60)\n")
    waiting = threading.Event()
    runs: list[ScriptRun] = []

    def heard(message: dict[str, Any]) -> None:
        if message.get("text") == "waiting":
            waiting.set()

    def start() -> None:  # ends once the script runs, and has asked for its signal
        runs.append(ScriptRun(script, on_message=heard))
        waiting.wait(10)

    starter = threading.Thread(target=start)
    starter.start()
    starter.join()
    run = runs[0]
    try:
        assert waiting.is_set(), "the script did not start"
        assert run.wait(timeout=0.5) is None, f"the script died with code {run.returncode}"
    finally:
        run.stop(grace=0.1)


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process that is not a script: what a recorded pid may belong to by now."""
    with subprocess.Popen(["sleep", "60"]) as process:
        yield process
        process.kill()


def test_a_recorded_pid_that_now_belongs_to_another_process_is_left_alone(
        tmp_path: Path, bystander: subprocess.Popen[bytes]) -> None:
    record = RecordFile(tmp_path / "agent.script.json")
    record.write(bystander.pid, "student.py")
    written = json.loads(record.path.read_text())
    # The same pid, started at another time, or in an earlier boot: not our script.
    for stale in ({"started": written["started"] + 1}, {"boot": "an-earlier-boot"}):
        record.path.write_text(json.dumps({**written, **stale}))
        assert record.end_leftover() is None
        assert bystander.poll() is None, "a process that merely has the pid was ended"
        assert not record.path.exists()
    record.write(bystander.pid, "student.py")
    assert record.end_leftover() == ScriptRecord(bystander.pid, written["boot"],
                                                 written["started"], "student.py")
    assert bystander.wait(timeout=5) == -signal.SIGTERM


@pytest.mark.parametrize("text", ["", "{", '{"pid": "x"}', "[1, 2]"])
def test_an_unreadable_record_counts_as_no_leftover(tmp_path: Path, text: str) -> None:
    record = RecordFile(tmp_path / "agent.script.json")
    record.path.write_text(text)
    assert record.end_leftover() is None
    assert not record.path.exists()
