"""A teacher lands a kit's drone, and stops its motors in an emergency, from the kit page.

The whole path is real: Debian's headless Chromium on ``kitlab demo``'s lab (its services,
its Mosquitto, its web server), the lab's command to a kit agent with the ``drone`` profile
over MQTT with the kit's own credentials, the agent's order to the student's script, and
the simulated Tello's own record of what it was sent and how it came down.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import WAIT_MS
from drone_kits import drone_profile
from helpers import wait_until

from kitsdk.agent.config import AgentConfig
from kitsdk.agent.supervisor import Agent
from kitsdk.sim.tello import SimTello

HOST = "127.0.0.32"  # this module's simulated drone
KIT = "drone-1"
PILOT = """
from kitsdk import Kit
kit = Kit()
kit.drone.takeoff()
print("flying", flush=True)
kit.drone.hover(600)
"""


@pytest.fixture
def drone_lab(tmp_path: Path) -> Iterator[tuple[Any, Agent]]:
    """The demo lab with no rovers, and one kit agent flying a simulated drone."""
    from lab_server.demo import LAB, start_demo

    home = Path(os.environ.get("TMPDIR", "/tmp")) / f"kitsdk-drone-{os.getpid()}"
    home.mkdir(exist_ok=True)  # a Unix socket's path may be at most 107 bytes
    with start_demo(0, port=0, data_dir=tmp_path / "demo", rate=10) as demo:
        credentials = demo.services.store.add_kit(KIT, team="red")
        config = AgentConfig(broker=str(demo.services.broker.url), lab=LAB, kit=KIT,
                             username=credentials.username, password=credentials.password,
                             profile=str(drone_profile(tmp_path, HOST)), rate=10,
                             outbox=str(tmp_path / "outbox.db"),
                             control_socket=str(home / "agent.sock"))
        agent = Agent(config, backend="sim")
        thread = threading.Thread(target=agent.serve, daemon=True)
        thread.start()
        try:
            assert agent.link.wait_connected(10)
            yield demo, agent
        finally:
            agent.shutdown()
            thread.join(timeout=15)


def fly(agent: Agent, tmp_path: Path) -> SimTello:
    assert agent.kit is not None
    sim = agent.kit.drone.sim  # type: ignore[attr-defined]
    script = tmp_path / "pilot.py"
    script.write_text(PILOT)
    assert agent.start_script(script, env={**os.environ, "KITSDK_BACKEND": "sim"}) is None
    wait_until(lambda: agent.run is not None and "flying" in agent.run.tail, 20, "flying")
    assert isinstance(sim, SimTello) and sim.flying
    return sim


def kit_page(browser: Any, demo: Any, who: tuple[str, str]) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(demo.url + "/login")
    page.fill('input[name="username"]', who[0])
    page.fill('input[name="password"]', who[1])
    page.click('button[type="submit"]')
    page.wait_for_url(demo.url + "/")
    page.goto(f"{demo.url}/kits/{KIT}")
    return page


def test_stop_lands_the_drone_and_emergency_asks_first_then_cuts_its_motors(
        browser: Any, drone_lab: tuple[Any, Agent], tmp_path: Path) -> None:
    demo, agent = drone_lab
    wait_until(lambda: any(p.kind == "drone" for p in demo.services.store.kit(KIT).parts),
               20, "the drone in the kit's parts")
    assert kit_page(browser, demo, demo.mentor).locator("#cmd-emergency").count() == 0
    page = kit_page(browser, demo, demo.teacher)

    sim = fly(agent, tmp_path)
    page.click("#cmd-stop")
    wait_until(lambda: sim.landings, 15, "landed")
    assert sim.landings == ["land"]
    page.wait_for_selector("#acks >> text=script ended, outputs off")

    sim = fly(agent, tmp_path)
    asked: list[str] = []

    def dismiss(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()
    page.once("dialog", dismiss)
    page.click("#cmd-emergency")
    wait_until(lambda: asked, 5, "the browser asked first")
    assert "falls" in asked[0]
    # Commands reach the kit in order: once a later one is answered, a dismissed emergency
    # would have been obeyed, had it been sent.
    page.click("#cmd-identify")
    page.wait_for_selector("#acks >> text=a script is using the kit's lights")
    assert sim.flying and sim.landings == ["land"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#cmd-emergency")
    wait_until(lambda: len(sim.landings) == 2, 10, "motors cut")
    assert sim.landings == ["land", "emergency"]
    page.wait_for_selector("#acks >> text=motors stopped at once")
