"""The safety net, seen from outside: a script's process ends, the journal shows its pins.

Each test runs a student script in a subprocess on the simulated rover with
``KITSDK_SIM_TRACE`` set, ends it the way a classroom would (the end of the script, an
error, Ctrl+C, SIGTERM, SIGTERM that the script swallows, SIGKILL under the agent), then
reads the simulator's journal of pin changes. Each case is written so that it fails when
the part of ``kitsdk/safety.py`` that handles it is taken out (tests/test_planted_bugs.py
takes them out).
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until
from student_runs import final_pins, journal, read_until, running_agent, sim_env, start

#: The rover's motor driver inputs (see kitsdk/profiles/rover.toml).
MOTOR_PINS = ("GPIO10", "GPIO9", "GPIO8", "GPIO7")
STATUS_LED = "GPIO26"

SETUP = """
import time
from kitsdk import Kit
kit = Kit("rover")
kit.drive.forward(0.8)
kit.status_led.on()
"""
READY = 'print("driving", flush=True)\n'

#: Script endings, as the code after SETUP; each prints "driving" once it drives.
SLEEPING_LOOP = READY + "while True: time.sleep(0.01)\n"
TIGHT_LOOP = READY + "while True: pass\n"


def swallowing(caught: str) -> str:
    """A loop whose every turn sleeps inside a 'try' that catches ``caught`` and goes on.

    The signal must land inside the 'try', so "driving" is printed there and the script
    then sleeps there: a handler's SystemExit raised anywhere else (at the loop's jump, say)
    would end the script after all, and test nothing.
    """
    return ("while True:\n"
            "    try:\n"
            "        print('driving', flush=True)\n"
            "        time.sleep(60)\n"
            f"    except {caught}:\n"
            "        print('swallowed', flush=True)\n")


CATCHES_SYSTEM_EXIT = swallowing("SystemExit")
SWALLOWS_EVERYTHING = swallowing("BaseException")
SLEEPS_IN_TRY_FINALLY = """
try:
    print("driving", flush=True)
    time.sleep(60)
finally:
    print("cleaning up", flush=True)
"""


def launch(tmp_path: Path, ending: str, command: str = "python"
           ) -> tuple[subprocess.Popen[str], Path]:
    """Start SETUP + ``ending``; return once the motors run (the journal shows them)."""
    trace = tmp_path / "trace.jsonl"
    script = tmp_path / "student.py"
    script.write_text(SETUP + ending)
    proc = start(command, script, trace)
    read_until(proc, "driving")
    assert {"pin": "GPIO10", "state": 0.8} in journal(trace), "the motor never ran"
    return proc, trace


def finish(proc: subprocess.Popen[str], *, kill: bool = False) -> tuple[int, str]:
    """Wait for the script to end (killing it first if asked); its status and stderr."""
    if kill:
        proc.kill()
    _, err = proc.communicate(timeout=20)
    return proc.returncode, err


def motors_driven_off(trace: Path) -> bool:
    pins = final_pins(trace)
    return all(pins[name] == {"state": 0, "function": "output"} for name in MOTOR_PINS)


def assert_all_driven_off(trace: Path) -> None:
    pins = final_pins(trace)
    for name in MOTOR_PINS:
        assert pins[name]["state"] == 0, f"motor input {name} left at {pins[name]['state']}"
        assert pins[name]["function"] == "output", f"motor input {name} left floating"
    assert pins[STATUS_LED] == {"state": 0, "function": "output"}  # status LED off, driven


@pytest.mark.parametrize("command", ["python", "kit run"])
@pytest.mark.parametrize(("ending", "status"), [
    ("", 0),
    ("raise RuntimeError('student bug')\n", 1),
], ids=["normal-end", "exception"])
def test_the_end_of_a_script_stops_the_motors(tmp_path: Path, command: str, ending: str,
                                              status: int) -> None:
    proc, trace = launch(tmp_path, READY + ending, command)
    assert finish(proc)[0] == status
    assert_all_driven_off(trace)


@pytest.mark.parametrize("command", ["python", "kit run"])
def test_ctrl_c_stops_the_motors(tmp_path: Path, command: str) -> None:
    proc, trace = launch(tmp_path, SLEEPING_LOOP, command)
    proc.send_signal(signal.SIGINT)
    assert finish(proc)[0] != 0
    assert_all_driven_off(trace)


@pytest.mark.parametrize("command", ["python", "kit run"])
@pytest.mark.parametrize("ending", [TIGHT_LOOP, SLEEPING_LOOP, SLEEPS_IN_TRY_FINALLY],
                         ids=["tight-loop", "sleeping-loop", "sleeps-in-try-finally"])
def test_sigterm_stops_the_motors_and_ends_the_script(tmp_path: Path, command: str,
                                                      ending: str) -> None:
    proc, trace = launch(tmp_path, ending, command)
    proc.send_signal(signal.SIGTERM)
    assert finish(proc)[0] == 128 + signal.SIGTERM
    assert_all_driven_off(trace)


#: A kit whose closing takes a while, and the agent's SIGTERM arriving meanwhile: as when
#: the teacher's stop reaches a script that is already ending (a drone's link closing).
SIGTERM_WHILE_CLOSING = READY + """
import os, signal
close = kit.close
def slow_close():
    os.kill(os.getpid(), signal.SIGTERM)
    close()
    print("closed", flush=True)
kit.close = slow_close
"""


def test_sigterm_while_the_script_ends_lets_the_ending_finish(tmp_path: Path) -> None:
    """The exit's own stop is underway: a SIGTERM then must neither cut the closing short
    nor print a traceback over what the script said last."""
    proc, trace = launch(tmp_path, SIGTERM_WHILE_CLOSING)
    out, err = proc.communicate(timeout=20)
    assert "Traceback" not in err, err
    assert (proc.returncode, out) == (0, "closed\n")
    assert_all_driven_off(trace)


@pytest.mark.parametrize("ending", [CATCHES_SYSTEM_EXIT, SWALLOWS_EVERYTHING],
                         ids=["catches-system-exit", "swallows-everything"])
def test_sigterm_stops_the_motors_of_a_script_that_swallows_the_exit(
        tmp_path: Path, ending: str) -> None:
    """The script goes on (it caught SystemExit), so only the SIGTERM handler itself can
    have stopped the motors: no exit hook has run."""
    proc, trace = launch(tmp_path, ending)
    try:
        proc.send_signal(signal.SIGTERM)
        read_until(proc, "swallowed")
        assert proc.poll() is None, "the script was meant to swallow the SIGTERM and go on"
        assert_all_driven_off(trace)
    finally:
        finish(proc, kill=True)


#: Two kits, the lights built first: the net must still stop the motor before any light.
TWO_KITS = """
import time
from kitsdk import Kit
lights = Kit({lights!r})
fan = Kit({fan!r})
lights.lamp.on()
fan.fan.forward(0.8)
"""


def stopped_at(entries: list[dict[str, Any]], pin: str) -> int:
    """Where in the journal ``pin`` last went to 0 after it was last driven above 0."""
    driven = max(i for i, e in enumerate(entries) if e["pin"] == pin and e.get("state"))
    return next(i for i, e in enumerate(entries)
                if i > driven and e["pin"] == pin and "state" in e and not e["state"])


@pytest.mark.parametrize(("command", "ending", "signum"), [
    ("python", READY, None),
    ("kit run", READY, None),
    ("python", SLEEPING_LOOP, signal.SIGTERM),
    ("python", CATCHES_SYSTEM_EXIT, signal.SIGTERM),
], ids=["normal-end", "normal-end-kit-run", "sigterm", "sigterm-swallowed"])
def test_motors_stop_before_any_other_output(tmp_path: Path, command: str, ending: str,
                                             signum: int | None) -> None:
    lights, fan = tmp_path / "lights.toml", tmp_path / "fan.toml"
    lights.write_text('[devices.lamp]\ndriver = "led"\npin = 5\n')
    fan.write_text('[devices.fan]\ndriver = "motor"\nforward = 20\nbackward = 21\n')
    script, trace = tmp_path / "student.py", tmp_path / "trace.jsonl"
    script.write_text(TWO_KITS.format(lights=str(lights), fan=str(fan)) + ending)
    proc = start(command, script, trace)
    try:
        read_until(proc, "driving")
        if signum is not None:
            proc.send_signal(signum)
        if ending == CATCHES_SYSTEM_EXIT:
            read_until(proc, "swallowed")
        else:
            assert finish(proc)[0] == (0 if signum is None else 128 + signum)
        entries = journal(trace)
        assert stopped_at(entries, "GPIO20") < stopped_at(entries, "GPIO5"), entries
    finally:
        finish(proc, kill=True)


def test_sigkill_under_the_agent_leaves_the_motors_stopped(
        tmp_path: Path, mosquitto: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody can catch SIGKILL: the agent, taking the pins back, drives them safe."""
    trace = tmp_path / "trace.jsonl"
    monkeypatch.setenv("KITSDK_SIM_TRACE", str(trace))  # the agent's own kit journals too
    script = tmp_path / "student.py"
    script.write_text(SETUP + SLEEPING_LOOP)
    with running_agent(mosquitto.url, "rover", tmp_path) as agent:
        assert agent.start_script(script, env=sim_env(trace)) is None
        run = agent.run
        assert run is not None
        wait_until(lambda: "driving" in run.tail, 30, "driving")
        assert final_pins(trace)["GPIO10"]["state"] == 0.8
        os.kill(run.pid, signal.SIGKILL)
        # Only what a kit shows counts: how the agent notices and takes the pins back is its own.
        wait_until(lambda: motors_driven_off(trace), 20, "motors driven off after SIGKILL")


def test_safe_float_releases_the_pin(tmp_path: Path) -> None:
    profile = tmp_path / "kit.toml"
    profile.write_text('[devices.fan]\ndriver = "motor"\nforward = 20\nbackward = 21\n'
                       'safe = "float"\n')
    script = tmp_path / "student.py"
    trace = tmp_path / "trace.jsonl"
    script.write_text(f"from kitsdk import Kit\nkit = Kit({str(profile)!r})\n"
                      "kit.fan.forward(0.5)\nprint('driving', flush=True)\n")
    proc = start("python", script, trace)
    read_until(proc, "driving")
    assert finish(proc)[0] == 0
    pins = final_pins(trace)
    assert pins["GPIO20"]["state"] == 0
    assert pins["GPIO20"]["function"] == "input"
