"""A script under the agent: it owns the pins, streams its readings, and ends when told.

The motor's pins are watched through the simulator's journal (``KITSDK_SIM_TRACE``), the
way the pins of a real kit outlive the process that drove them.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until

from kitsdk.agent.runner import ScriptRun

LEFT_FORWARD = "GPIO10"  # the rover's left motor, forward input

DRIVE = """
import signal, sys, time
from kitsdk import Kit
kit = Kit("rover")
kit.drive.forward(0.9)
print("driving", flush=True)
"""


def journal(trace: Path, pin: str) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, trace.read_text().splitlines()) if e["pin"] == pin]




class Watch:
    """Collects a run's messages; ``seen(text)`` waits for a printed line."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.exit_codes: list[int] = []

    def __call__(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    def lines(self) -> list[str]:
        return [m["text"] for m in self.messages if m["type"] == "output"]

    def seen(self, text: str, timeout: float = 10.0) -> None:
        wait_until(lambda: any(text in line for line in self.lines()), timeout)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[str], tuple[ScriptRun, Watch, Path]]]:
    runs: list[ScriptRun] = []

    def start(body: str) -> tuple[ScriptRun, Watch, Path]:
        script = tmp_path / f"script{len(runs)}.py"
        script.write_text(DRIVE + body)
        trace = tmp_path / f"trace{len(runs)}.jsonl"
        watch = Watch()
        env = {**os.environ, "KITSDK_BACKEND": "sim", "KITSDK_SIM_TRACE": str(trace)}
        run = ScriptRun(script, env=env, rate=20, on_message=watch,
                        on_exit=watch.exit_codes.append)
        runs.append(run)
        watch.seen("driving")
        return run, watch, trace

    yield start
    for run in runs:
        run.stop(grace=0.1)


def test_stop_ends_a_tight_loop_that_ignores_sigterm_within_500ms(start: Any) -> None:
    run, _, trace = start("signal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True: pass\n")
    assert journal(trace, LEFT_FORWARD)[-1]["state"] == 0.9
    asked = time.time()
    code = run.stop(grace=0.25)
    stopped = journal(trace, LEFT_FORWARD)[-1]
    assert stopped["state"] == 0
    assert stopped["t"] - asked < 0.5
    assert code == -signal.SIGKILL  # it ignored SIGTERM, so the grace ran out


def test_stop_lets_a_polite_script_exit_by_sigterm(start: Any) -> None:
    run, _, trace = start("while True: time.sleep(0.01)\n")
    assert run.stop(grace=5) == 128 + signal.SIGTERM
    assert journal(trace, LEFT_FORWARD)[-1] == {**journal(trace, LEFT_FORWARD)[-1], "state": 0}


def test_readings_and_the_channel_catalogue_reach_the_agent(start: Any) -> None:
    _, watch, _ = start("while True: time.sleep(0.01)\n")
    def driving() -> bool:
        return any(m["type"] == "readings" and m["values"]["drive"] == {"left": 0.9, "right": 0.9}
                   for m in watch.messages)

    wait_until(driving)
    readings = [m for m in watch.messages if m["type"] == "readings"]
    assert set(readings[-1]["values"]) == {"drive", "servo", "distance", "line_left",
                                           "line_right", "status_led", "camera"}
    kit = next(m for m in watch.messages if m["type"] == "kit")
    assert kit["profile"] == "rover"
    assert kit["channels"]["distance"] == {"distance": "m"}


def test_held_motors_stay_stopped_while_the_script_goes_on(start: Any) -> None:
    run, watch, trace = start(
        "while True:\n    kit.drive.forward(0.7)\n    time.sleep(0.005)\n")
    run.send("hold_motors", reason="the lab link was lost")
    watch.seen("the lab link was lost, so the motors are stopped; the script goes on")
    held_at = len(journal(trace, LEFT_FORWARD))
    wait_until(lambda: run.process.poll() is None and len(watch.lines()) >= 2)
    # The script keeps calling forward(0.7); nothing reaches the pin while held.
    threading.Event().wait(0.2)
    assert all(e["state"] == 0 for e in journal(trace, LEFT_FORWARD)[held_at - 1:])
    run.send("release_motors")
    wait_until(lambda: journal(trace, LEFT_FORWARD)[-1]["state"] == 0.7)


def test_a_crash_reports_its_exit_status_and_output_tail(start: Any) -> None:
    run, watch, _ = start("print('about to fail')\nraise RuntimeError('student bug')\n")
    assert run.wait(timeout=10) == 1
    wait_until(lambda: watch.exit_codes == [1])
    assert "about to fail" in run.tail
    assert any("RuntimeError: student bug" in line for line in run.tail)
