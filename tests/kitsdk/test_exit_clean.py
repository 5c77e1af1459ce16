"""Every script ends clean: no traceback from kitsdk or gpiozero when it ends, however it
ends, whatever the kit's devices, under ``python``, under ``kit run`` and under the agent.

The script builds a built-in kit and sets every one of its devices going (motors turning,
LEDs blinking, a buzzer beeping in the background: the threads that end with the script),
then ends normally, by an error, by Ctrl+C or by SIGTERM. Its stderr may then hold the
student's own error, and nothing else that looks like a traceback.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

import pexpect
import pytest
from helpers import wait_until
from student_runs import COMMANDS, read_until, running_agent, sim_env, start

from kitsdk.agent.supervisor import Agent

PROFILES = ["starter", "rover", "weather-station"]

#: Sets every device of the kit going, whatever it is, then ends as argv[1] says.
SCRIPT = """
import os, signal, sys, time
from kitsdk import Kit

kit = Kit({profile!r})
for device in kit:
    if device.is_motor:
        device.forward(0.5)
    elif hasattr(device, "beep"):
        device.beep(0.1, 0.1, n=3)          # the README's beep: its thread outlives the script
    elif hasattr(device, "blink"):
        device.blink(0.05, 0.05)             # blinks until the script ends
    elif hasattr(device, "play"):
        device.play("A4")
    elif hasattr(device, "angle") or type(device).__name__ == "Servo":
        device.value = 0.5
    elif hasattr(device, "capture_array"):
        device.capture_array()
print(kit.read(), flush=True)
print("ready", flush=True)
ending = {ending!r}
if ending == "error":
    raise RuntimeError("student bug")
if ending in ("ctrl-c", "sigterm"):
    while True:
        time.sleep(0.01)
"""

ENDINGS = ["normal", "error", "ctrl-c", "sigterm"]


def write_script(tmp_path: Path, profile: str, ending: str) -> Path:
    path = tmp_path / f"{profile}-{ending}.py"
    path.write_text(SCRIPT.format(profile=profile, ending=ending))
    return path


def status(ending: str, command: str) -> int:
    """The exit status each ending gives (Python itself dies of SIGINT on Ctrl+C)."""
    if ending == "ctrl-c":
        return -signal.SIGINT if command == "python" else 130
    return {"normal": 0, "error": 1, "sigterm": 128 + signal.SIGTERM}[ending]


def assert_clean(stderr: str, ending: str, command: str) -> None:
    """Only the student's own error may show; kitsdk and gpiozero stay quiet."""
    assert "Exception ignored" not in stderr, stderr
    expected = {"error": "RuntimeError: student bug",
                "ctrl-c": "KeyboardInterrupt" if command == "python" else None}.get(ending)
    if expected is None:
        assert "Traceback" not in stderr and "Error" not in stderr, stderr
    else:
        assert stderr.count("Traceback") == 1, stderr
        assert stderr.rstrip().splitlines()[-1] == expected, stderr


@pytest.mark.parametrize("command", ["python", "kit run"])
@pytest.mark.parametrize("profile", PROFILES)
def test_a_script_ends_clean_from_the_shell(tmp_path: Path, profile: str,
                                            command: str) -> None:
    runs: dict[str, subprocess.Popen[str]] = {}
    try:
        for ending in ENDINGS:  # all at once: each waits on its own process
            runs[ending] = start(command, write_script(tmp_path, profile, ending),
                                 tmp_path / f"{ending}.jsonl")
        for ending, proc in runs.items():
            read_until(proc, "ready")
            if ending == "ctrl-c":
                proc.send_signal(signal.SIGINT)
            elif ending == "sigterm":
                proc.send_signal(signal.SIGTERM)
        for ending, proc in runs.items():
            _, stderr = proc.communicate(timeout=30)
            assert proc.returncode == status(ending, command), stderr
            assert_clean(stderr, ending, command)
    finally:
        for proc in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def end_under_the_agent(agent: Agent, script: Path, ending: str, tmp_path: Path
                        ) -> tuple[int, str]:
    """Run ``script`` under ``agent``, end it as ``ending`` says; its status and stderr."""
    stderr_path = tmp_path / f"{script.stem}.stderr"
    codes: list[int] = []
    with open(stderr_path, "w") as stderr:
        refused = agent.start_script(script, env=sim_env(tmp_path / f"{script.stem}.jsonl"),
                                     stdio=(subprocess.DEVNULL, subprocess.DEVNULL, stderr),
                                     on_exit=codes.append)
    assert refused is None, refused
    run = agent.run
    assert run is not None
    wait_until(lambda: "ready" in run.tail, 30, f"{script.name}: ready")
    if ending == "ctrl-c":
        run.process.send_signal(signal.SIGINT)
    elif ending == "sigterm":
        agent.stop_script()  # the teacher's stop: SIGTERM, then SIGKILL after a grace
    wait_until(lambda: codes, 30, f"{script.name}: the end")  # the agent has its kit back
    return codes[0], stderr_path.read_text()


@pytest.mark.parametrize("profile", PROFILES)
def test_a_script_ends_clean_under_the_agent(tmp_path: Path, profile: str,
                                             mosquitto: Any) -> None:
    with running_agent(mosquitto.url, profile, tmp_path) as agent:
        for ending in ENDINGS:
            code, stderr = end_under_the_agent(
                agent, write_script(tmp_path, profile, ending), ending, tmp_path)
            assert code == status(ending, "agent"), stderr
            assert_clean(stderr, ending, "agent")

#: Parts built by hand, with no kit, left blinking a few times as the script ends: the
#: blink threads hold the last references, so the parts are collected on those threads.
BY_HAND = """
from kitsdk.devices import LED, PWMLED, Buzzer
from kitsdk.sim import SimFactory

factory = SimFactory()
Buzzer(19, name="buzzer", pin_factory=factory).beep(0.05, 0.05, n=3)
LED(17, name="red", pin_factory=factory).blink(0.05, 0.05, n=2)
PWMLED(12, name="lamp", pin_factory=factory).pulse(0.05, 0.05, n=2)
print("ready", flush=True)
"""


@pytest.mark.parametrize("command", ["python", "kit run"])
def test_parts_built_by_hand_end_clean(tmp_path: Path, command: str) -> None:
    script = tmp_path / "by_hand.py"
    script.write_text(BY_HAND)
    proc = start(command, script, tmp_path / "trace.jsonl")
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert_clean(stderr, "normal", command)


def readme_first_script() -> str:
    """The README's first Python block, as a student copies it."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    return readme.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize("command", ["python", "kit run"])
def test_the_readme_first_script_ends_clean_in_a_terminal(tmp_path: Path, command: str) -> None:
    """In a terminal, as the README tells it: Enter presses the simulated button."""
    script = tmp_path / "first.py"
    script.write_text(readme_first_script())
    program, *args = [*COMMANDS[command], str(script)]
    child = pexpect.spawn(program, args, env=sim_env(tmp_path / "trace.jsonl"),
                          encoding="utf-8", timeout=30)
    try:
        child.expect("press Enter")
        child.sendline("")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    assert "{'red'" in child.before  # it got to print(kit.read())
    assert_clean(child.before, "normal", command)
