"""The safety net, seen from outside: a script's process ends, the journal shows its pins.

Each test runs a student script in a subprocess on the simulated rover with
``KITSDK_SIM_TRACE`` set, ends it the way a classroom would (SIGTERM, Ctrl+C, an error,
the end of the script), then reads the simulator's journal of pin changes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

#: The rover's motor driver inputs (see kitsdk/profiles/rover.toml).
MOTOR_PINS = ("GPIO10", "GPIO9", "GPIO8", "GPIO7")

DRIVE = """
from kitsdk import Kit
kit = Kit("rover")
kit.drive.forward(0.8)
kit.status_led.on()
print("driving", flush=True)
"""


def final_pins(trace: Path) -> dict[str, dict[str, object]]:
    """The last state and function the journal recorded for each pin."""
    pins: dict[str, dict[str, object]] = {}
    for line in trace.read_text().splitlines():
        entry = json.loads(line)
        pin = pins.setdefault(entry["pin"], {})
        pin.update({k: v for k, v in entry.items() if k in ("state", "function")})
    return pins


def finish(proc: subprocess.Popen[str], *, kill: bool = False) -> int:
    """Wait for the script to end (killing it first if asked) and close its pipes."""
    if kill:
        proc.kill()
    proc.communicate(timeout=10)
    return proc.returncode


def start(script: str, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    trace = tmp_path / "trace.jsonl"
    path = tmp_path / "student.py"
    path.write_text(script)
    env = {**os.environ, "KITSDK_BACKEND": "sim", "KITSDK_SIM_TRACE": str(trace)}
    proc = subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    if first != "driving":
        finish(proc, kill=True)
        pytest.fail(f"the script did not start: {first!r}")
    return proc, trace


def assert_motors_driven_off(trace: Path) -> None:
    pins = final_pins(trace)
    for name in MOTOR_PINS:
        assert pins[name]["state"] == 0, f"{name} left at {pins[name]['state']}"
        assert pins[name]["function"] == "output", f"{name} left floating"
    assert pins["GPIO26"] == {"state": 0, "function": "output"}  # status LED off, driven


def test_journal_shows_the_motor_running_before_the_end(tmp_path: Path) -> None:
    proc, trace = start(DRIVE + "import time\nwhile True: time.sleep(0.01)\n", tmp_path)
    try:
        assert final_pins(trace)["GPIO10"]["state"] == 0.8
    finally:
        finish(proc, kill=True)


@pytest.mark.parametrize("body", [
    "while True: pass\n",                                   # a tight loop
    "import time\nwhile True: time.sleep(0.01)\n",            # a polite loop
    "while True:\n    try:\n        pass\n    except BaseException:\n        pass\n",
], ids=["tight-loop", "sleeping-loop", "swallows-exit"])
def test_sigterm_stops_the_motors(tmp_path: Path, body: str) -> None:
    proc, trace = start(DRIVE + body, tmp_path)
    proc.send_signal(signal.SIGTERM)
    try:
        returncode = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        # The script that swallows SystemExit keeps running, but its motors must be off.
        finish(proc, kill=True)
        pins = final_pins(trace)
        assert all(pins[name]["state"] == 0 for name in MOTOR_PINS)
        return
    finish(proc)
    assert returncode == 128 + signal.SIGTERM
    assert_motors_driven_off(trace)


def test_ctrl_c_stops_the_motors(tmp_path: Path) -> None:
    proc, trace = start(DRIVE + "import time\nwhile True: time.sleep(0.01)\n", tmp_path)
    proc.send_signal(signal.SIGINT)
    assert finish(proc) != 0
    assert_motors_driven_off(trace)


@pytest.mark.parametrize("ending", ["", "raise RuntimeError('student bug')\n"],
                         ids=["normal-end", "exception"])
def test_script_end_stops_the_motors(tmp_path: Path, ending: str) -> None:
    proc, trace = start(DRIVE + ending, tmp_path)
    assert finish(proc) == (1 if ending else 0)
    assert_motors_driven_off(trace)


def test_safe_float_releases_the_pin(tmp_path: Path) -> None:
    profile = tmp_path / "kit.toml"
    profile.write_text('[devices.fan]\ndriver = "motor"\nforward = 20\nbackward = 21\n'
                       'safe = "float"\n')
    script = (f"from kitsdk import Kit\nkit = Kit({str(profile)!r})\nkit.fan.forward(0.5)\n"
              "print('driving', flush=True)\n")
    proc, trace = start(script, tmp_path)
    assert finish(proc) == 0
    pins = final_pins(trace)
    assert pins["GPIO20"]["state"] == 0
    assert pins["GPIO20"]["function"] == "input"
