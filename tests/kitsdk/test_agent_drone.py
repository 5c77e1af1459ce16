"""The kit agent with a drone, through a real Mosquitto: the teacher's Stop lands it, the
teacher's emergency stops its motors at once, a lost lab link lands it after the grace, and
a script killed in the air leaves the agent to land it.

Every check reads the simulated drone's own record (what it was sent, how it came down),
never what the script believed. In simulation the agent keeps the drone for its whole life,
as a real drone outlives the scripts that fly it.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from agent_lab import Lab
from drone_kits import drone_profile
from helpers import wait_until

from kitsdk.agent.supervisor import Agent
from kitsdk.sim.tello import SimTello

HOST = "127.0.0.31"  # this module's drone; ten times real time

FLY = """
import signal, time
from kitsdk import Kit
kit = Kit()
kit.drone.takeoff()
print("flying", flush=True)
"""
HOVER = FLY + "kit.drone.hover(600)\n"


@pytest.fixture
def drone_agent(agents: Any, tmp_path: Path) -> Callable[..., Agent]:
    profile = drone_profile(tmp_path, HOST)

    def make(**changes: Any) -> Agent:
        return agents(profile=str(profile), **changes)
    return make


def simulated(agent: Agent) -> SimTello:
    """The agent's simulated drone (its kit's): the one every script flies."""
    assert agent.kit is not None
    sim = agent.kit.drone.sim  # type: ignore[attr-defined]
    assert isinstance(sim, SimTello)
    return sim


def start(agent: Agent, tmp_path: Path, body: str) -> None:
    script = tmp_path / "pilot.py"
    script.write_text(body)
    assert agent.start_script(script, env={**os.environ, "KITSDK_BACKEND": "sim"}) is None


def fly(agent: Agent, tmp_path: Path, body: str) -> None:
    start(agent, tmp_path, body)
    wait_until(lambda: agent.run is not None and "flying" in agent.run.tail, 20, "flying")


def test_the_teachers_stop_lands_the_drone_and_the_student_reads_why(
        drone_agent: Callable[..., Agent], lab: Lab, tmp_path: Path) -> None:
    agent = drone_agent()
    sim = simulated(agent)
    fly(agent, tmp_path, HOVER)
    assert sim.flying
    sent = time.monotonic()
    assert lab.ack(lab.command("stop")).outcome == "ok"
    wait_until(lambda: "land" in sim.commands, 5, "land sent")
    assert time.monotonic() - sent < 2.0  # landed by the Stop, not by itself 15 s later
    wait_until(lambda: sim.landings, 10, "landed")
    assert sim.landings == ["land"] and not sim.crashed
    stopped = lab.wait_event("script.stopped")
    assert stopped.data["by"] == "teacher"
    assert "drone: landed (the teacher stopped the kit)" in stopped.data["output"]


def test_the_teachers_emergency_stops_the_motors_in_the_air(
        drone_agent: Callable[..., Agent], lab: Lab, tmp_path: Path) -> None:
    agent = drone_agent()
    sim = simulated(agent)
    fly(agent, tmp_path, HOVER)
    ack = lab.ack(lab.command("emergency"))
    assert ack.outcome == "ok", ack.message
    wait_until(lambda: sim.landings, 5, "down")
    assert sim.landings == ["emergency"]  # it fell where it was: no landing first
    assert "land" not in sim.commands, str(sim.commands)
    stopped = lab.wait_event("script.stopped")
    assert "drone: motors stopped in the air (the teacher's emergency stop)" in \
        stopped.data["output"]
    assert lab.sub.wait_for(lambda _: any(e.data["reason"] == "emergency command"
                                          for e in lab.events("safety.stopped")))


def test_losing_the_lab_lands_the_drone_after_the_grace(
        drone_agent: Callable[..., Agent], mosquitto: Any, tmp_path: Path) -> None:
    agent = drone_agent(lab_lost_grace=0.5)
    sim = simulated(agent)
    fly(agent, tmp_path, FLY + "kit.drone.hover(600)\nprint('still here', flush=True)\n"
                               "time.sleep(600)\n")
    lost = time.monotonic()
    mosquitto.stop(kill=True)
    wait_until(lambda: sim.landings, 10, "landed")
    assert sim.landings == ["land"]
    assert time.monotonic() - lost >= 0.5
    assert agent.run is not None
    wait_until(lambda: "drone: landed (the lab link was lost)" in agent.run.tail, 5)
    wait_until(lambda: "still here" in agent.run.tail, 5)  # the script goes on, grounded


def test_a_script_killed_in_the_air_leaves_the_agent_to_land_the_drone(
        drone_agent: Callable[..., Agent], lab: Lab, tmp_path: Path) -> None:
    agent = drone_agent()
    sim = simulated(agent)
    start(agent, tmp_path, FLY + "import os\nos.kill(os.getpid(), signal.SIGKILL)\n")
    crashed = lab.wait_event("script.crashed", timeout=20)
    assert crashed.data["error"] == "killed by SIGKILL"
    assert crashed.data["output"] == ["flying"]
    wait_until(lambda: sim.landings, 10, "landed")
    assert sim.landings == ["land"]  # the agent's landing, not the drone's own after 15 s


def test_emergency_goes_to_one_kit_at_a_time(drone_agent: Callable[..., Agent],
                                             lab: Lab) -> None:
    drone_agent()
    ack = lab.ack(lab.command("emergency", kit="_all"))
    assert ack.outcome == "refused"
    assert "one kit" in ack.message


def test_an_agent_whose_drone_is_off_runs_says_why_and_flies_it_once_it_is_on(
        agents: Any, lab: Lab, tmp_path: Path) -> None:
    """A drone switched off (its Wi-Fi, or the simulated one, silent) must not keep the kit
    off the dashboard: the agent goes online without a kit, says why once, and takes the
    drone when it answers."""
    host = "127.0.0.33"
    off = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    off.bind((host, 8889))  # there, and silent: a kit neither reaches it nor starts its own
    profile = drone_profile(tmp_path, host, extra="timeout = 1")
    try:
        agent = agents(profile=str(profile), kit_retry=0.2)
        assert agent.kit is None
        assert lab.wait_status(lambda status: status.state == "online")
        said = lab.wait_event("error")
        assert said.data["source"] == "kit"
        assert "no answer to 'command' within 1 s" in said.data["message"]
        wait_until(lambda: agent.errors.get("kit", 0) >= 3, 20, "three tries")
    finally:
        off.close()
    with SimTello(host, time_scale=10) as drone:
        wait_until(lambda: agent.kit is not None, 20, "the kit built")
        assert "command" in drone.commands
        assert lab.wait_status(lambda status: status.parts)
        assert [p.kind for p in lab.latest_status().parts] == ["drone"]
        assert len(lab.events("error")) == 1  # said once, not at every try
        agent.shutdown()
