"""The room and kit pages, the command buttons, the JSON API, provisioning and /health."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from board_page import lesson_check
from flask.testing import FlaskClient
from helpers import wait_until

from kitsdk.agent.config import AgentConfig


def test_the_room_shows_a_tile_per_kit(teacher: FlaskClient, lab: Any) -> None:
    sim = lab.kit("kit-1", team="red")
    lab.kit("kit-2", team="blue", online=False)
    sim.telemetry(cm=23.5)
    wait_until(lambda: lab.services.store.latest("kit-1"), 10, "a live reading")
    page = teacher.get("/").get_data(as_text=True)
    assert 'data-kit="kit-1"' in page and 'data-kit="kit-2"' in page
    assert "red" in page and "blue" in page
    assert 'class="state state-online"' in page and 'class="state state-offline"' in page
    assert 'data-reading="distance.cm"' in page and "24 cm" in page  # cm: whole numbers
    assert '<span id="count-online">1</span> of 2 kits online' in page
    assert 'id="stop-all"' in page and "hx-confirm" in page


def test_the_kit_page(teacher: FlaskClient, lab: Any) -> None:
    sim = lab.kit("kit-1", team="red")
    sim.event("script.started", script="drive.py")
    sim.telemetry(cm=12.0)
    wait_until(lambda: lab.services.store.events("kit-1"), 10, "the event stored")
    wait_until(lambda: lab.services.store.latest("kit-1"), 10, "a live reading")
    page = teacher.get("/kits/kit-1").get_data(as_text=True)
    for expected in ('data-reading="distance.cm"', 'data-reading="motors.left"',
                     "script.started", 'id="cmd-stop"', 'id="cmd-lock"', 'id="cmd-unlock"',
                     'id="cmd-identify"', 'id="cmd-reset"', 'id="cmd-snapshot"',
                     "uPlot.iife.min.js", 'id="kit-drawing"', "/drawing/kitview.js",
                     "/drawing/kitview.css", "kit_drawing.js"):
        assert expected in page, expected
    assert 'id="cmd-emergency"' not in page  # a drone's button: this kit has none
    # the simulated kit's status describes no parts: the page says so (and draws channels)
    assert 'data-parts=\'[]\'' in page and 'id="kit-drawing-note" class="note">' in page
    assert teacher.get("/kits/nope").status_code == 404


def test_a_command_button_sends_and_the_ack_comes_back(teacher: FlaskClient, lab: Any,
                                                       csrf_of: Any) -> None:
    sim = lab.kit("kit-1")
    sim.motors = {"left": 0.7, "right": 0.7}
    response = teacher.post("/kits/kit-1/command", data={"name": "stop"},
                            headers={"X-CSRF-Token": csrf_of(teacher), "HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "stop sent" in html and 'data-command="' in html
    wait_until(lambda: sim.commands, 10, "the kit got the command")
    command = sim.commands[0]
    assert (command.name, command.issuer) == ("stop", "teacher")
    assert sim.motors == {"left": 0.0, "right": 0.0}
    wait_until(lambda: teacher.get(f"/api/commands/{command.id}/acks").get_json()["acks"],
               10, "the ack stored")


@pytest.mark.parametrize(("form", "name", "args"), [
    ({"name": "lock", "message": "eyes on me"}, "lock", {"message": "eyes on me"}),
    ({"name": "identify", "seconds": "3"}, "identify", {"seconds": 3.0}),
    ({"name": "reset"}, "reset", {}),
    ({"name": "unlock"}, "unlock", {}),
    ({"name": "snapshot"}, "snapshot", {}),
    ({"name": "emergency"}, "emergency", {}),
])
def test_every_command_from_the_page(teacher: FlaskClient, lab: Any, csrf_of: Any,
                                     form: dict[str, str], name: str,
                                     args: dict[str, Any]) -> None:
    sim = lab.kit("kit-1")
    response = teacher.post("/kits/kit-1/command", data=form,
                            headers={"X-CSRF-Token": csrf_of(teacher)})
    assert response.status_code == 200
    wait_until(lambda: sim.commands, 10, "the kit got the command")
    assert (sim.commands[0].name, dict(sim.commands[0].args)) == (name, args)


def test_stop_all_reaches_every_kit(teacher: FlaskClient, lab: Any, csrf_of: Any) -> None:
    sims = [lab.kit(f"kit-{n}") for n in range(1, 4)]
    response = teacher.post("/command-all", data={"name": "stop"},
                            headers={"X-CSRF-Token": csrf_of(teacher)})
    assert response.status_code == 200 and "to every kit" in response.get_data(as_text=True)
    wait_until(lambda: all(s.commands for s in sims), 10, "every kit got stop")
    command_id = sims[0].commands[0].id
    wait_until(lambda: len(teacher.get(f"/api/commands/{command_id}/acks").get_json()["acks"])
               == 3, 10, "three acks")


def test_an_emergency_never_goes_to_every_kit(teacher: FlaskClient, lab: Any, post: Any,
                                              csrf_of: Any) -> None:
    sim = lab.kit("kit-1")
    response = post(teacher, "/api/commands", json={"name": "emergency"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "name: emergency goes to one kit at a time, " \
                                           "never to all"
    form = teacher.post("/command-all", data={"name": "emergency"},
                        headers={"X-CSRF-Token": csrf_of(teacher)})
    assert form.status_code == 400
    sent = post(teacher, "/api/kits/kit-1/commands", json={"name": "stop"})  # a later one
    assert sent.status_code == 202
    wait_until(lambda: sim.commands, 10, "the kit got the stop")
    assert [c.name for c in sim.commands] == ["stop"]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "fly"}, "name"),
    ({"name": "lock", "args": {"message": 5}}, "args.message"),
    ({"name": "identify", "args": {"seconds": 600}}, "args.seconds"),
    ({"name": "stop", "args": {"force": True}}, "args"),
    ({"name": "stop", "args": []}, "args"),
    ([1, 2], "body"),
])
def test_bad_commands_are_refused_and_counted(teacher: FlaskClient, lab: Any, post: Any,
                                              body: Any, field: str) -> None:
    sim = lab.kit("kit-1")
    response = post(teacher, "/api/kits/kit-1/commands", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(field)
    assert sim.commands == []
    assert teacher.get("/health").get_json()["web"]["bad_requests"][field.split(".")[0]
                                                                     if field != "args.message"
                                                                     and field != "args.seconds"
                                                                     else field] >= 1


def test_a_command_to_an_unknown_kit(teacher: FlaskClient, post: Any) -> None:
    assert post(teacher, "/api/kits/kit-9/commands", json={"name": "stop"}).status_code == 404


def test_the_json_api(teacher: FlaskClient, lab: Any) -> None:
    sim = lab.kit("kit-1", team="red")
    for cm in (10.0, 11.0, 12.0):
        sim.telemetry(cm=cm)
    sim.event("lesson.started", lesson="rover-walls", steps=3)
    wait_until(lambda: len(teacher.get("/api/kits/kit-1/series?since=-60").get_json()["series"])
               == 3, 10, "three samples")
    kits = teacher.get("/api/kits").get_json()["kits"]
    assert [(k["id"], k["team"], k["state"]) for k in kits] == [("kit-1", "red", "online")]
    assert kits[0]["latest"]["distance"]["cm"] == 12.0
    one = teacher.get("/api/kits/kit-1").get_json()
    assert one["profile"] == "rover" and one["last_seen"] > 0
    series = teacher.get("/api/kits/kit-1/series?since=-60").get_json()["series"]
    assert [row[1]["distance"]["cm"] for row in series] == [10.0, 11.0, 12.0]
    wait_until(lambda: teacher.get("/api/kits/kit-1/events").get_json()["events"], 10,
               "the event")
    events = teacher.get("/api/kits/kit-1/events").get_json()["events"]
    assert events[0]["kind"] == "lesson.started"
    assert teacher.get("/api/kits/kit-1/series?since=soon").status_code == 400
    assert teacher.get("/api/kits/kit-1/events?limit=0").status_code == 400
    assert teacher.get("/api/kits/nope").status_code == 404


def test_provisioning_page_prints_a_working_agent_toml(teacher: FlaskClient, csrf_of: Any,
                                                       services: Any) -> None:
    assert teacher.get("/kits/new").status_code == 200
    response = teacher.post("/kits/new", data={"kit": "kit-07", "team": "green",
                                               "csrf_token": csrf_of(teacher)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = page.split('<pre id="agent-toml">')[1].split("</pre>")[0]
    import html

    values = tomllib.loads(html.unescape(text))
    config = AgentConfig(**values)
    assert (config.kit, config.username, config.lab) == ("kit-07", "kit-07", services.config.lab)
    assert len(config.password) >= 16
    assert services.store.kit("kit-07").team == "green"
    again = teacher.post("/kits/new", data={"kit": "kit-07", "csrf_token": csrf_of(teacher)})
    assert again.status_code in (400, 409)


def test_provisioning_by_api(teacher: FlaskClient, post: Any) -> None:
    response = post(teacher, "/api/kits", json={"kit": "kit-08", "team": "red"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["kit"] == "kit-08" and "password = " in body["agent_toml"]
    assert post(teacher, "/api/kits", json={"kit": "Kit 8"}).status_code == 400
    assert post(teacher, "/api/kits", json={"kit": "_all"}).status_code == 400


def test_setting_a_team(teacher: FlaskClient, lab: Any, csrf_of: Any, services: Any) -> None:
    lab.kit("kit-1", online=False)
    response = teacher.post("/kits/kit-1/team", data={"team": "yellow",
                                                      "csrf_token": csrf_of(teacher)})
    assert response.status_code == 302
    assert services.store.kit("kit-1").team == "yellow"


def test_health(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert "broker" in body and body["web"]["live_streams"] == 0
    page = client.get("/health", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Lab health" in page.get_data(as_text=True)


def test_a_snapshot_is_offered_where_the_kit_has_a_camera() -> None:
    from lab_server.web.dashboard import kit_has_camera

    assert kit_has_camera("rover", {}) and not kit_has_camera("starter", {"led": {}})
    assert kit_has_camera("starter", {"camera": {}}) and kit_has_camera("my-own", {})


def test_the_room_sorts_kits_as_people_count(teacher: FlaskClient, lab: Any) -> None:
    kits = ("kit-10", "kit-2", "kit-3b", "kit-3", "kit-1")
    for kit in kits:
        lab.kit(kit, online=False)
    page = teacher.get("/").get_data(as_text=True)
    order = sorted(kits, key=lambda k: page.index(f'data-kit="{k}"'))
    assert order == ["kit-1", "kit-2", "kit-3", "kit-3b", "kit-10"]


def test_the_problems_bar_names_a_crash_for_mentors_too(mentor: FlaskClient, lab: Any) -> None:
    sim = lab.kit("kit-3")
    sim.event("script.crashed", script="drive.py", error="NameError on line 4: name 'x'",
              output=["Traceback (most recent call last):"])
    wait_until(lambda: mentor.get("/api/problems").get_json()["problems"], 10, "a problem")
    (problem,) = mentor.get("/api/problems").get_json()["problems"]
    assert (problem["kit"], problem["kind"]) == ("kit-3", "crashed")
    page = mentor.get("/").get_data(as_text=True)
    assert '<li data-kit="kit-3" data-kind="crashed"><a href="/kits/kit-3">' \
           "kit-3: drive.py crashed: NameError on line 4: name &#39;x&#39;</a></li>" in page


def test_a_locked_kits_tile_and_page_say_the_teachers_words(teacher: FlaskClient,
                                                            lab: Any) -> None:
    from kitsdk.telemetry import Status

    sim = lab.kit("kit-1")
    sim._send("status", Status(state="locked", session=sim.session, profile="rover", sdk="0",
                               channels={}, message="eyes on me"))
    wait_until(lambda: lab.services.store.kit("kit-1").state == "locked", 10, "locked")
    room = teacher.get("/").get_data(as_text=True)
    assert 'data-state="locked"' in room
    assert '<p class="lock-note" data-field="lock">eyes on me</p>' in room
    page = teacher.get("/kits/kit-1").get_data(as_text=True)
    assert '<p class="lock-note" data-field="lock">eyes on me</p>' in page
    assert 'data-lock="lock" hx-post="/kits/kit-1/command" hx-target="#receipt" hidden' in page


def test_a_student_failing_a_step_again_and_again_is_in_the_problems_bar(
        teacher: FlaskClient, lab: Any) -> None:
    sim = lab.kit("kit-4")
    for _ in range(3):  # stuck_failures: 3 by default
        lesson_check(sim.event, fail_at=2)
    wait_until(lambda: teacher.get("/api/problems").get_json()["problems"], 10, "a problem")
    (problem,) = teacher.get("/api/problems").get_json()["problems"]
    assert (problem["kit"], problem["kind"]) == ("kit-4", "stuck")
    assert problem["text"].startswith("kit-4 is stuck: blink: failed step 2 3 times in a row")
