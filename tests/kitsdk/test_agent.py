"""The kit agent end to end: a simulated kit, a real private Mosquitto, a lab-side client.

Motor pins are watched through the simulator's journal (``KITSDK_SIM_TRACE``): the pins of
a real kit outlive the process that drove them, and so does the journal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from agent_lab import KIT, LAB, LEFT_FORWARD, Lab, decoded, journal, start_script
from helpers import wait_until

from kitsdk.agent.control import ControlServer
from kitsdk.telemetry import Telemetry


def test_status_and_telemetry_reach_the_lab(agents: Any, lab: Lab) -> None:
    agent = agents()
    assert lab.sub.wait_for(lambda _: len(decoded(lab.sub, "telemetry")) >= 5)
    status = lab.latest_status()
    assert (status.state, status.profile) == ("online", "rover")
    assert status.channels["distance"] == {"distance": "m"}
    telemetry: list[Telemetry] = decoded(lab.sub, "telemetry")
    seqs = [t.seq for t in telemetry]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert telemetry[-1].values["drive"] == {"left": 0.0, "right": 0.0}
    assert not telemetry[-1].historical
    agent.kit.sim.set("distance", 0.3)  # type: ignore[union-attr]
    assert lab.sub.wait_for(lambda _: decoded(lab.sub, "telemetry")[-1]
                            .values["distance"]["distance"] == pytest.approx(0.3))


def test_every_command_is_acknowledged(agents: Any, lab: Lab) -> None:
    agents()
    for name, args in [("stop", {}), ("identify", {"seconds": 1.0}), ("reset", {}),
                       ("unlock", {})]:
        assert lab.ack(lab.command(name, **args)).outcome == "ok", name
    snapshot = lab.ack(lab.command("snapshot"))
    assert snapshot.outcome == "ok"
    assert snapshot.thumbnail is not None and snapshot.thumbnail.startswith(b"\xff\xd8")
    everyone = lab.command("stop", kit="_all")
    assert lab.ack(everyone).outcome == "ok"


def test_a_locked_kit_refuses_scripts_until_unlocked(agents: Any, lab: Lab,
                                                     tmp_path: Path) -> None:
    agent = agents()
    assert lab.ack(lab.command("lock", message="eyes on the board")).outcome == "ok"
    assert lab.wait_status(lambda status: status.state == "locked")
    script = tmp_path / "hello.py"
    script.write_text("print('hello')\n")
    assert agent.start_script(script) == "the kit is locked by the teacher: eyes on the board"
    assert lab.ack(lab.command("unlock")).outcome == "ok"
    assert agent.start_script(script) is None
    assert lab.sub.wait_for(lambda _: lab.events("script.finished"))
    finished = lab.events("script.finished")[0]
    assert finished.data == {"script": "hello.py", "code": 0, "output": ["hello"]}


def test_reset_stops_a_tight_loop_that_ignores_sigterm_within_500ms(
        agents: Any, lab: Lab, tmp_path: Path) -> None:
    agent = agents()
    trace = start_script(agent, tmp_path, "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                                          "while True: pass\n")
    assert journal(trace, LEFT_FORWARD)[-1]["state"] == 0.9
    sent = time.time()
    command = lab.command("reset")
    assert lab.ack(command).outcome == "ok"
    stopped = journal(trace, LEFT_FORWARD)[-1]
    assert stopped["state"] == 0
    assert stopped["t"] - sent < 0.5, f"motor stopped {stopped['t'] - sent:.3f} s after reset"
    assert lab.sub.wait_for(lambda _: lab.events("script.reset"))
    assert lab.events("script.reset")[0].data["script"] == "student.py"
    assert agent.kit is not None  # the agent owns the pins again


def test_losing_the_lab_stops_the_motors_after_the_grace(
        agents: Any, mosquitto: Any, tmp_path: Path) -> None:
    agent = agents(lab_lost_grace=0.5)
    trace = start_script(agent, tmp_path, "while True:\n    kit.drive.forward(0.9)\n"
                                          "    time.sleep(0.005)\n")
    lost = time.time()
    mosquitto.stop(kill=True)
    wait_until(lambda: journal(trace, LEFT_FORWARD)[-1]["state"] == 0, 10, "motors stopped")
    stopped = journal(trace, LEFT_FORWARD)[-1]["t"]
    assert 0.5 <= stopped - lost < 2.0, f"stopped {stopped - lost:.2f} s after the loss"
    assert agent.run is not None and agent.run.process.poll() is None  # the script goes on
    wait_until(lambda: any("lab link was lost" in line for line in agent.run.tail), 5)
    mosquitto.start()
    assert agent.link.wait_connected(15)
    wait_until(lambda: journal(trace, LEFT_FORWARD)[-1]["state"] == 0.9, 10, "motors again")


def test_kit_run_hands_the_script_to_the_agent(agents: Any, lab: Lab,
                                               tmp_path: Path) -> None:
    agent = agents()
    control = ControlServer(agent, agent.config.control_socket)
    try:
        script = tmp_path / "greet.py"
        script.write_text("import sys\nfrom kitsdk import Kit\nkit = Kit()\n"
                          "print('hello from', kit.name, sys.argv[1:])\nsys.exit(3)\n")
        result = subprocess.run(
            [sys.executable, "-m", "kitsdk.cli", "run", str(script), "a", "b"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "KITSDK_AGENT_SOCKET": agent.config.control_socket})
    finally:
        control.close()
    assert result.returncode == 3, result.stderr
    assert result.stdout == "hello from rover ['a', 'b']\n"  # the agent's kit, not a default
    assert lab.sub.wait_for(lambda _: lab.events("script.crashed"))
    assert lab.events("script.started")[0].data == {"script": "greet.py"}


def test_a_lock_tells_the_students_terminal_why_the_script_ended(agents: Any, lab: Lab,
                                                                 tmp_path: Path) -> None:
    """Lock all with "eyes on me": the script that `kit run` handed over ends, and the
    student's terminal says the teacher locked the kit, in the teacher's words; the kit's
    status carries them too, for every page that shows the kit."""
    agent = agents()
    control = ControlServer(agent, agent.config.control_socket)
    script = tmp_path / "forever.py"
    script.write_text("import time\nprint('running', flush=True)\ntime.sleep(60)\n")
    try:
        with subprocess.Popen(
                [sys.executable, "-m", "kitsdk.cli", "run", str(script)], text=True,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env={**os.environ, "KITSDK_AGENT_SOCKET": agent.config.control_socket}
        ) as run:
            assert run.stdout is not None and run.stdout.readline() == "running\n"
            assert lab.ack(lab.command("lock", kit="_all", message="eyes on me")).outcome == "ok"
            _, err = run.communicate(timeout=30)
    finally:
        control.close()
    assert "kit: the teacher locked this kit: eyes on me" in err
    assert lab.wait_status(lambda status: status.state == "locked")
    assert lab.latest_status().message == "eyes on me"
    assert lab.ack(lab.command("unlock")).outcome == "ok"
    assert lab.wait_status(lambda status: status.state == "online")
    assert lab.latest_status().message is None


AGENT_PROCESS = [sys.executable, "-m", "kitsdk.cli", "agent", "--sim", "--lab", LAB,
                 "--kit", KIT, "--profile", "starter"]


def test_a_killed_agent_goes_offline_by_its_last_will(mosquitto: Any, lab: Lab,
                                                      tmp_path: Path) -> None:
    with subprocess.Popen([*AGENT_PROCESS, "--broker", mosquitto.url],
                          env={**os.environ, "HOME": str(tmp_path)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        assert lab.sub.wait_for(lambda _: decoded(lab.sub, "status")
                                and lab.latest_status().state == "online", 20)
        online = lab.latest_status()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert lab.wait_status(lambda status: status.state == "offline", 15)
    assert lab.latest_status().session == online.session


def test_sigterm_stops_the_agent_cleanly(mosquitto: Any, lab: Lab, tmp_path: Path) -> None:
    with subprocess.Popen([*AGENT_PROCESS, "--broker", mosquitto.url],
                          env={**os.environ, "HOME": str(tmp_path)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as process:
        assert lab.sub.wait_for(lambda _: decoded(lab.sub, "status")
                                and lab.latest_status().state == "online", 20)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    assert lab.latest_status().state == "offline"


def test_lesson_progress_reaches_the_lab(agents: Any, lab: Lab, tmp_path: Path) -> None:
    agent = agents()
    script = tmp_path / "lesson.py"
    script.write_text(
        "from kitsdk.lessons import progress\n"
        "progress.report('lesson.started', lesson='blink', steps=2)\n"
        "progress.report('lesson.step_passed', lesson='blink', step=1, title='Light it')\n"
        "progress.report('lesson.step_failed', lesson='blink', step=2, title='Blink it',\n"
        "                hint='call blink() on the LED')\n"
        "progress.report('lesson.finished', lesson='blink', passed=1, steps=2)\n")
    assert agent.start_script(script) is None
    assert lab.sub.wait_for(lambda _: lab.events("lesson.finished"))
    kinds = [e.kind for e in decoded(lab.sub, "event") if e.kind.startswith("lesson.")]
    assert kinds == ["lesson.started", "lesson.step_passed", "lesson.step_failed",
                     "lesson.finished"]
    assert lab.events("lesson.step_failed")[0].data["hint"] == "call blink() on the LED"


def test_telemetry_from_an_outage_arrives_later_marked_historical(
        agents: Any, mosquitto: Any, lab: Lab) -> None:
    agent = agents()
    assert lab.sub.wait_for(lambda _: len(decoded(lab.sub, "telemetry")) >= 3)
    mosquitto.stop()
    wait_until(lambda: not agent.link.connected, 10, "the link noticed")
    buffered = len(agent.outbox)
    wait_until(lambda: len(agent.outbox) >= buffered + 10, 10, "samples buffered")
    mosquitto.start()

    def caught_up(_: object) -> bool:
        seqs = sorted({t.seq for t in decoded(lab.sub, "telemetry")})
        return len(seqs) > 30 and seqs == list(range(seqs[0], seqs[-1] + 1)) \
            and not decoded(lab.sub, "telemetry")[-1].historical

    assert lab.sub.wait_for(caught_up, 20), "telemetry was lost or never caught up"
    assert any(t.historical for t in decoded(lab.sub, "telemetry"))


def test_kit_lesson_check_on_a_kit_reports_each_step_to_the_lab(
        agents: Any, lab: Lab, tmp_path: Path) -> None:
    from kitsdk.lessons import find

    agent = agents()
    script = tmp_path / "blink.py"
    script.write_text(find("blink").solution)
    control = ControlServer(agent, agent.config.control_socket)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kitsdk.cli", "lesson", "check", "blink", str(script)],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "KITSDK_AGENT_SOCKET": agent.config.control_socket})
    finally:
        control.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Well done" in result.stdout
    assert lab.sub.wait_for(lambda _: lab.events("lesson.finished"))
    finished = lab.events("lesson.finished")[0].data
    assert finished["lesson"] == "blink" and finished["passed"] == finished["steps"]
    assert len(lab.events("lesson.step_passed")) == finished["steps"]


def test_the_agents_modules_load_no_driver_and_no_gpiozero() -> None:
    """Drivers (and gpiozero under them) load when the agent builds its kit, not before:
    ``kit agent --help``, ``kit run`` and the script's child runner stay light."""
    modules = ["child", "config", "control", "leftover", "link", "outbox", "runner",
               "service", "supervisor"]
    probe = ("import sys\n"
             + "".join(f"import kitsdk.agent.{m}\n" for m in modules)
             + "print(sorted(m for m in sys.modules if m == 'gpiozero'"
               " or m.startswith(('gpiozero.', 'kitsdk.devices'))))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_every_status_names_the_kits_channels_and_parts_while_a_script_starts(
        agents: Any, lab: Lab, tmp_path: Path) -> None:
    """The status the agent sends as a script starts (before the script has built its kit)
    used to carry no channels, and the lab stored that: a kit page opened then had no
    readings and never got any (the browser test failed 1 run in 8)."""
    agent = agents()
    assert lab.sub.wait_for(lambda _: any(s.parts for s in decoded(lab.sub, "status")))
    script = tmp_path / "slow_start.py"
    script.write_text("import time\ntime.sleep(0.5)\nfrom kitsdk import Kit\nkit = Kit()\n"
                      "print('built', flush=True)\ntime.sleep(30)\n")
    env = {**os.environ, "KITSDK_BACKEND": "sim"}
    assert agent.start_script(script, env=env) is None
    wait_until(lambda: agent.run is not None and "built" in agent.run.tail, 20, "the kit built")
    assert lab.wait_status(lambda status: status.running is not None)
    statuses = [s for s in decoded(lab.sub, "status") if s.state == "online"]
    assert statuses and all(s.channels.get("distance") == {"distance": "m"} for s in statuses)
    assert all([p.name for p in s.parts][:2] == ["drive", "servo"] for s in statuses)
    assert agent.stop_script()
