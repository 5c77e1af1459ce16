"""How a script ended, as the lab hears it: stopped, reset and crashed are told apart, and
every ended script is reaped.

An in-process agent on the simulated rover, a real private Mosquitto, the lab's side as a
subscriber that sends commands (see ``tests/support/agent_lab.py``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent_lab import Lab, process_gone, start_script, zombie_children
from helpers import wait_until

from kitsdk.agent.control import ControlServer

LOOP = "while True:\n    time.sleep(0.01)\n"


def test_a_teachers_stop_is_recorded_as_stopped_not_crashed(agents: Any, lab: Lab,
                                                            tmp_path: Path) -> None:
    agent = agents()
    start_script(agent, tmp_path, "print('last words', flush=True)\n" + LOOP)
    assert lab.ack(lab.command("stop")).outcome == "ok"
    stopped = lab.wait_event("script.stopped")
    assert stopped.data == {"script": "student.py", "by": "teacher",
                            "output": ["driving", "last words"]}
    assert lab.events("script.crashed") == []


def test_a_reset_is_recorded_as_reset(agents: Any, lab: Lab, tmp_path: Path) -> None:
    agent = agents()
    start_script(agent, tmp_path, LOOP)
    assert lab.ack(lab.command("reset")).outcome == "ok"
    assert lab.wait_event("script.reset").data["by"] == "teacher"
    assert lab.events("script.crashed") == [] and lab.events("script.stopped") == []


def test_a_crash_names_the_exception_and_the_students_line(agents: Any, lab: Lab,
                                                           tmp_path: Path) -> None:
    agent = agents()
    # DRIVE is 6 lines: the division is on line 8 of the student's file.
    start_script(agent, tmp_path, "def speed(parts):\n    return 1 / parts\n"
                                  "print(speed(0))\n")
    crashed = lab.wait_event("script.crashed")
    assert crashed.data["error"] == "ZeroDivisionError on line 8: division by zero"
    assert crashed.data["output"][-1] == "ZeroDivisionError: division by zero"


def test_a_script_that_exits_with_a_status_is_not_blamed_on_its_last_line(
        agents: Any, lab: Lab, tmp_path: Path) -> None:
    agent = agents()
    start_script(agent, tmp_path, "import sys\nprint('bye', flush=True)\nsys.exit(3)\n")
    assert lab.wait_event("script.crashed").data["error"] == "exited with status 3"


def test_ctrl_c_in_kit_run_is_recorded_as_stopped_by_the_student(
        agents: Any, lab: Lab, tmp_path: Path) -> None:
    agent = agents()
    script = tmp_path / "spin.py"
    script.write_text("import time\nprint('spinning', flush=True)\n" + LOOP)
    control = ControlServer(agent, agent.config.control_socket)
    try:
        with subprocess.Popen([sys.executable, "-m", "kitsdk.cli", "run", str(script)],
                              env={**os.environ, "KITSDK_AGENT_SOCKET": str(control.path)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) as kit_run:
            assert kit_run.stdout is not None
            assert kit_run.stdout.readline() == "spinning\n"
            kit_run.send_signal(signal.SIGINT)
            kit_run.communicate(timeout=20)
    finally:
        control.close()
    assert lab.wait_event("script.stopped").data["by"] == "student"


#: Starts a helper (a sound player, say) that inherits the script's open files, among them
#: the agent's channel, and outlives the script unless it is ended with it.
HELPER = """
import subprocess
helper = subprocess.Popen(["sleep", "60"], close_fds=False)
print("helper", helper.pid, flush=True)
"""


def test_ten_stopped_scripts_leave_no_zombie_and_no_helper(agents: Any, lab: Lab,
                                                          tmp_path: Path) -> None:
    agent = agents()
    helpers: list[int] = []
    for n in range(10):
        start_script(agent, tmp_path, HELPER + LOOP)
        assert agent.run is not None
        wait_until(lambda: any(line.startswith("helper") for line in agent.run.tail), 10)
        helpers.append(int(next(line for line in agent.run.tail
                                if line.startswith("helper")).split()[1]))
        assert lab.ack(lab.command("stop")).outcome == "ok", f"stop {n + 1}"
        lab.wait_event("script.stopped", count=n + 1)
    assert zombie_children() == []
    wait_until(lambda: all(process_gone(pid) for pid in helpers), 5, "helpers ended")


def test_a_syntax_error_names_the_students_line(agents: Any, lab: Lab, tmp_path: Path) -> None:
    agent = agents()
    script = tmp_path / "typo.py"
    script.write_text("from kitsdk import Kit\nkit = Kit()\nkit.status_led.on(\n")
    assert agent.start_script(script) is None
    error = lab.wait_event("script.crashed").data["error"]
    assert error.startswith("SyntaxError on line 3: "), error


def test_output_no_store_can_keep_still_reaches_the_lab_readably(agents: Any, lab: Lab,
                                                                 tmp_path: Path) -> None:
    """A script can print text no UTF-8 store keeps (a lone surrogate, from bytes decoded
    with ``surrogateescape``); its ending is still reported, the text made storable."""
    agent = agents()
    start_script(agent, tmp_path, "print(b'caf\\xe9'.decode('utf-8', 'surrogateescape'), "
                                  "flush=True)\nraise ValueError('\\udc80')\n")
    crashed = lab.wait_event("script.crashed")
    assert "caf\ufffd" in crashed.data["output"]
    assert crashed.data["error"] == "ValueError on line 8: \ufffd"
