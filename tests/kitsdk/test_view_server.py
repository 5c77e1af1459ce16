"""``kit run --view`` as a student runs it, seen from the page's side of the wire.

Each test runs the real command on a simulated kit and talks to its view as the page does
(the live stream, the actions); the browser's own side is in ``test_view_browser.py``.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
from pathlib import Path

import pytest
from student_runs import final_pins
from view_runs import ViewRun

WAITS_FOR_A_PRESS = """\
from kitsdk import Kit
kit = Kit("starter")
kit.red.on()
print("waiting", flush=True)
kit.button.wait_for_press()
kit.red.off()
print("pressed", flush=True)
"""

LOOPS = """\
import time
from kitsdk import Kit
kit = Kit("rover")
print("driving", flush=True)
kit.drive.forward(0.5)
while True:
    time.sleep(0.05)
"""


def script(tmp_path: Path, body: str, name: str = "student.py") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def test_the_view_line_comes_first_and_a_click_presses_the_button(tmp_path: Path) -> None:
    with ViewRun(script(tmp_path, WAITS_FOR_A_PRESS), tmp_path) as run:
        assert run.first_line.startswith("view: http://127.0.0.1:") and run.port > 0
        events = run.events()
        events.wait_for(lambda e: e.state.get("values", {}).get("red") == {"on": True},
                        what="the red LED on")
        names = [part["name"] for part in events.kit["parts"]]
        assert names == ["red", "amber", "green", "button", "buzzer", "rgb", "light"]
        assert events.script["state"] == "running"
        assert "pressed" not in run.output
        assert run.post("/press", {"name": "button", "down": True}) == (200, {"ok": True})
        events.wait_for(lambda e: e.script.get("state") == "finished", what="finished")
        assert events.state["values"]["red"] == {"on": False}  # how the kit was left
        code, err = run.wait()
    assert code == 0 and run.output == ["waiting", "pressed"]


def test_an_input_is_set_through_the_simulator_and_a_bad_one_is_refused_with_its_range(
        tmp_path: Path) -> None:
    body = ("from kitsdk import Kit\nkit = Kit('starter')\nprint('ready', flush=True)\n"
            "while kit.light.value < 0.7:\n    pass\nprint('bright', flush=True)\n")
    with ViewRun(script(tmp_path, body), tmp_path) as run:
        events = run.events()
        events.wait_for(lambda e: e.script.get("state") == "running")
        refusals = [
            (run.post("/input", {"name": "light", "value": 2}),
             (400, {"error": "simulated 'light' must be a number from 0 to 1, got 2"})),
            (run.post("/input", {"name": "ligth", "value": 0.5}),
             (404, {"error": "no simulated input 'ligth': did you mean 'light'?\n  hint: "
                             "simulated inputs: button, light"})),
            (run.post("/input", {"name": "light", "value": "0.5"}),
             (400, {"error": "a value must be a number or true/false, got '0.5'"})),
            (run.post("/input", {"name": "light"}), (400, {"error": "input needs value"})),
            (run.post("/input", b"{light"),
             (400, {"error": 'the body must be a JSON object, like {"name": "light", '
                             '"value": 0.5}'})),
            (run.post("/input", b"x" * 5000), (413, {"error": "a body of at most 4096 bytes"})),
            (run.post("/press", {"name": "light", "down": True}),
             (404, {"error": "no simulated button 'light'\n  hint: buttons: button"})),
        ]
        for got, expected in refusals:
            assert got == expected
        assert "bright" not in run.output  # nothing refused reached the script
        assert run.post("/input", {"name": "light", "value": 0.8}) == (200, {"ok": True})
        events.wait_for(lambda e: e.script.get("state") == "finished")
        assert events.state["inputs"]["light"] == {"value": 0.8, "driven": False}
        assert run.wait()[0] == 0
    assert run.output == ["ready", "bright"]


def test_actions_from_another_site_or_name_are_refused(tmp_path: Path) -> None:
    with ViewRun(script(tmp_path, WAITS_FOR_A_PRESS), tmp_path) as run:
        run.events().wait_for(lambda e: e.script.get("state") == "running")
        no_header = run.request("POST", "/press", json.dumps(
            {"name": "button", "down": True}).encode(), {"Content-Type": "text/plain"})
        assert no_header == (403, {"error": "an action needs the header X-Kit-View: 1"})
        rebound = run.post("/press", {"name": "button", "down": True},
                           {"Host": f"evil.example:{run.port}"})
        assert rebound == (403, {"error": f"the kit view answers only at "
                                          f"http://127.0.0.1:{run.port}/"})
        assert run.request("GET", "/static/../server.py")[0] == 404
        assert run.request("GET", "/nothing")[0] == 404
        assert "pressed" not in run.output
        assert run.post("/press", {"name": "button", "down": True})[0] == 200
        assert run.wait()[0] == 0


def test_a_crash_is_shown_in_the_students_words(tmp_path: Path) -> None:
    body = ("from kitsdk import Kit\nkit = Kit('starter')\nprint('ready', flush=True)\n"
            "kit.button.wait_for_press()\nx = 1 / 0\n")
    with ViewRun(script(tmp_path, body, "crash.py"), tmp_path) as run:
        events = run.events()
        events.wait_for(lambda e: e.script.get("state") == "running")
        run.post("/press", {"name": "button", "down": True})
        events.wait_for(lambda e: e.script.get("state") == "error")
        assert events.script["message"] == "ZeroDivisionError on line 5: division by zero"
        code, err = run.wait()
    assert code == 1 and "ZeroDivisionError: division by zero" in err


def test_a_port_in_use_is_said_and_the_script_never_runs(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with ViewRun(script(tmp_path, "print('ran')\n"), tmp_path,
                     options=["--port", str(port)]) as run:
            code, err = run.wait()
    assert code == 2 and run.first_line == "" and run.output == []
    assert err.strip() == (f"kit: cannot show the view on port {port}: Address already in use; "
                           "choose another with --port, or leave --port out for a free one")


def test_closing_the_page_never_stops_the_script_and_ctrl_c_stops_both_and_the_motors(
        tmp_path: Path) -> None:
    with ViewRun(script(tmp_path, LOOPS), tmp_path) as run:
        first, second = run.events(), run.events()  # two tabs
        for tab in (first, second):
            tab.wait_for(lambda e: (e.state.get("values", {}).get("drive") or {}).get(
                "left") == 0.5, what="the motors running")
        first.close()
        second.wait_for(lambda e: e.state["rover"]["x"] > 0.02, what="the rover moving")
        assert run.proc.poll() is None
        reopened = run.events()  # the closed tab opened again: the kit as it is now
        reopened.wait_for(lambda e: e.kit.get("kit") == "rover" and e.state["rover"]["x"] > 0.02)
        reopened.close()
        run.proc.send_signal(signal.SIGINT)
        second.wait_for(lambda e: e.script.get("state") == "stopped")
        assert second.script["message"] == "stopped with Ctrl+C"
        code, err = run.wait()
    assert code == 130
    motors = {pin: state for pin, state in final_pins(run.trace).items()
              if pin in ("GPIO10", "GPIO9", "GPIO8", "GPIO7")}
    assert motors and all(pin["state"] == 0 for pin in motors.values())


def test_a_flood_of_clicks_changes_nothing_about_how_the_script_runs(tmp_path: Path) -> None:
    """One tab clicks the button 100 times while seven others drag the light slider as fast
    as they can: every click is a press the script counts, and the script ends normally."""
    body = ("import time\nfrom kitsdk import Kit\nkit = Kit('starter')\npresses = 0\n"
            "def count():\n    global presses\n    presses += 1\n"
            "kit.button.when_pressed = count\nprint('ready', flush=True)\n"
            "while not kit.sim.get('light') > 0.9:\n    time.sleep(0.01)\n"
            "print('presses', presses, flush=True)\n")
    with ViewRun(script(tmp_path, body), tmp_path) as run:
        run.events().wait_for(lambda e: e.script.get("state") == "running")
        answers: list[int] = []

        def click() -> None:
            for _ in range(100):
                answers.append(run.post("/press", {"name": "button", "down": True})[0])
                answers.append(run.post("/press", {"name": "button", "down": False})[0])

        def slide() -> None:
            for step in range(60):
                answers.append(run.post("/input", {"name": "light", "value": step / 100})[0])

        tabs = [threading.Thread(target=click)] + [threading.Thread(target=slide)
                                                    for _ in range(7)]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join(timeout=60)
        assert answers == [200] * (200 + 7 * 60)
        assert run.post("/input", {"name": "light", "value": 0.95})[0] == 200
        assert run.wait()[0] == 0
    assert run.output == ["ready", "presses 100"]


def test_kit_view_shows_a_kit_with_no_script(tmp_path: Path) -> None:
    with ViewRun(tmp_path, tmp_path, command="view", options=["--profile", "rover"]) as run:
        events = run.events()
        events.wait_for(lambda e: e.kit.get("kit") == "rover" and e.state)
        assert events.script == {"state": "idle", "final": False,
                                 "message": "no script is running: this is the kit as it is"}
        assert events.kit["world"]["wall"] == 1.0  # a rover is put on a floor
        assert run.post("/rover", {"x": 2.0, "y": 0, "heading": 0}) == (400, {
            "error": "the rover cannot stand in or beyond the wall (its nose would be at "
                     "x = 2.08 m, the wall is at x = 1.08 m)"})
        assert run.post("/rover", {"x": 0.5, "y": 0.1, "heading": 90}) == (200, {"ok": True})
        events.wait_for(lambda e: e.state.get("rover", {}).get("heading") == pytest.approx(90))
        assert events.state["inputs"]["distance"]["driven"]  # the floor sets it now
        run.proc.send_signal(signal.SIGINT)
        assert run.wait()[0] == 0


def test_the_scripts_own_floor_replaces_the_views(tmp_path: Path) -> None:
    body = ("import time\nfrom kitsdk import Kit\nfrom kitsdk.sim import Arena, SimRover\n"
            "kit = Kit('rover')\ntime.sleep(1)\nSimRover.attach(kit, Arena(wall=0.5, line=0.3))\n"
            "print('attached', flush=True)\ntime.sleep(30)\n")
    with ViewRun(script(tmp_path, body), tmp_path, wait=30) as run:
        events = run.events()
        events.wait_for(lambda e: (e.kit.get("world") or {}).get("wall") == 1.0,
                        what="the view's own floor first")
        events.wait_for(lambda e: (e.kit.get("world") or {}).get("wall") == 0.5,
                        what="the script's floor")
        assert events.kit["world"]["line"] == 0.3
        assert events.script == {"state": "running", "message": "student.py", "final": False}


def test_the_camera_picture_is_a_jpeg_and_a_kit_without_one_says_so(tmp_path: Path) -> None:
    with ViewRun(tmp_path, tmp_path, command="view", options=["--profile", "rover"]) as rover:
        rover.events().wait_for(lambda e: e.state.get("camera"))
        status, picture = rover.request("GET", "/camera.jpg?n=1")
        assert status == 200 and picture[:2] == b"\xff\xd8"
    with ViewRun(tmp_path, tmp_path, command="view", options=["--profile", "starter"]) as starter:
        starter.events().wait_for(lambda e: e.kit.get("kit") == "starter")
        assert starter.request("GET", "/camera.jpg") == (404, {"error": "this kit has no camera"})
