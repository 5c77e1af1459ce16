"""The lesson board's pages through the front door: simulated kits send lesson checks over
MQTT to the real lab, and the teacher (or a mentor, who may only look) reads the board."""

from __future__ import annotations

import re
import time
from typing import Any

from board_page import TITLES, Rows, lesson_check
from flask.testing import FlaskClient
from helpers import wait_until

from kitsdk.telemetry import Event
from lab_server.store import Inbound

SAW = "the red LED turned on once, then stayed on"
HINT = f"{SAW}. Hint: repeat it: on, wait 0.3 s, off, wait 0.3 s, in a loop (for i in range(5):)"


def check(sim: Any, fail_at: int | None = None, lesson: str = "blink") -> int:
    """One ``kit lesson check`` as the kit sends it; the number of events sent."""
    passed = lesson_check(sim.event, fail_at, lesson=lesson, hint=HINT)
    return passed + 3 if fail_at else passed + 2


def stored(lab: Any, count: int) -> None:
    wait_until(lambda: len(lab.services.store.lesson_events()) >= count, 10,
               f"{count} lesson events stored")


def test_the_board_shows_steps_passed_by_simulated_kits_running_lesson_checks(
        teacher: FlaskClient, lab: Any) -> None:
    done, failing, later = lab.kit("kit-2"), lab.kit("kit-10"), lab.kit("kit-1")
    sent = check(done) + check(failing, fail_at=2) + check(later, fail_at=1)
    stored(lab, sent)
    page = teacher.get("/lessons/blink")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    rows = Rows(html).rows
    assert list(rows) == ["kit-1", "kit-2", "kit-10"]  # as people count
    assert rows["kit-2"]["cells"] == {1: "passed", 2: "passed", 3: "passed"}
    assert rows["kit-10"]["cells"] == {1: "passed", 2: "failing", 3: "todo"}
    assert rows["kit-1"]["cells"] == {1: "failing", 2: "todo", 3: "todo"}
    assert {row["stuck"] for row in rows.values()} == {"false"}
    assert "1 of 3 kits finished, 0 stuck" in html
    for title in TITLES.values():
        assert title in html
    assert "<caption>" in html and '<th scope="row">' in html and '<th scope="col"' in html
    # in words, not colour alone; the long hint folded: what the check saw, then what to try
    assert ">passed" in html and ">failing" in html and ">not yet" in html
    assert f"<summary>{SAW}.</summary><p>Hint: repeat it" in html
    assert "finished at" in html and "on step 2 for less than a minute, failed it once" in html
    assert 'hx-trigger="every 3s"' in html and "vendor/htmx.min.js" in html
    assert 'href="/kits/kit-10"' in html


def test_a_kit_failing_the_same_step_again_and_again_is_stuck(teacher: FlaskClient,
                                                              lab: Any) -> None:
    stuck, working = lab.kit("kit-1"), lab.kit("kit-2")
    sent = sum(check(stuck, fail_at=2) for _ in range(3)) + check(working, fail_at=3)
    stored(lab, sent)
    html = teacher.get("/lessons/blink").get_data(as_text=True)
    rows = Rows(html).rows
    assert (rows["kit-1"]["stuck"], rows["kit-2"]["stuck"]) == ("true", "false")
    assert "0 of 2 kits finished, 1 stuck" in html
    assert '<a href="#kit-kit-1">kit-1</a>: failed step 2 3 times in a row' in html
    assert "stuck: failed step 2 3 times in a row" in html and "×3" in html
    assert "on step 3 for" in html


def test_a_kit_that_broke_a_step_again_says_so(teacher: FlaskClient, lab: Any) -> None:
    sim = lab.kit("kit-1")
    stored(lab, check(sim, fail_at=3) + check(sim, fail_at=2))
    html = teacher.get("/lessons/blink").get_data(as_text=True)
    assert Rows(html).rows["kit-1"]["cells"] == {1: "passed", 2: "failing", 3: "todo"}
    assert "on step 2 for less than a minute, failed it once (it had passed it before)" in html


def test_the_live_table_answers_204_until_something_changes(teacher: FlaskClient,
                                                            lab: Any) -> None:
    sim = lab.kit("kit-1")
    stored(lab, check(sim, fail_at=2))
    html = teacher.get("/lessons/blink").get_data(as_text=True)
    poll = re.search(r'hx-get="([^"]+)"[^>]*hx-trigger="every 3s"', html.split('id="board"')[1])
    assert poll is not None
    url = poll.group(1).replace("&amp;", "&")
    assert url.startswith("/lessons/blink/table?seen=")
    assert teacher.get(url).status_code == 204
    stored(lab, check(sim) + 4)
    again = teacher.get(url)
    assert again.status_code == 200
    assert Rows(again.get_data(as_text=True)).rows["kit-1"]["cells"][3] == "passed"


def test_kits_online_that_have_not_checked_the_lesson_are_named(teacher: FlaskClient,
                                                                lab: Any) -> None:
    lab.kit("kit-3")
    lab.kit("kit-4", online=False)
    stored(lab, check(lab.kit("kit-1")))
    html = teacher.get("/lessons/blink").get_data(as_text=True)
    assert "Online, and not on this lesson yet: kit-3</p>" in html


def test_a_lesson_nobody_checked_waits_for_the_class(teacher: FlaskClient, lab: Any) -> None:
    page = teacher.get("/lessons/traffic-lights")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No kit has checked traffic-lights" in html and "hx-get=" in html


def write_past(lab: Any, kit: str, received: float, *kinds: tuple[str, dict[str, Any]]
               ) -> None:
    """A kit's events as the store got them at ``received`` (a class some days ago)."""
    store = lab.services.store
    for seq, (kind, data) in enumerate(kinds, 1):
        event = Event(session=f"past{kit[-1]}00000000"[:12], seq=seq, ts=received + seq,
                      kind=kind, data=data)  # type: ignore[arg-type]
        store.write([Inbound(kit, event, received + seq)])


def test_the_list_of_lessons_links_each_run_to_its_board(teacher: FlaskClient,
                                                         lab: Any) -> None:
    lab.kit("kit-1", online=False)
    lab.kit("kit-2", online=False)
    days_ago = time.time() - 3 * 86400
    passed = [("lesson.started", {"lesson": "blink", "steps": 2}),
              ("lesson.step_passed", {"lesson": "blink", "step": 1, "title": "On"}),
              ("lesson.step_passed", {"lesson": "blink", "step": 2, "title": "Blink"}),
              ("lesson.finished", {"lesson": "blink", "passed": 2, "steps": 2})]
    write_past(lab, "kit-1", days_ago, *passed)
    write_past(lab, "kit-2", days_ago + 60, *passed[:2], (
        "lesson.step_failed", {"lesson": "blink", "step": 2, "title": "Blink",
                               "hint": "it stayed on. Hint: kit.red.off()"}))
    sim = lab.kit("kit-3")
    stored(lab, 7 + check(sim, lesson="traffic-lights"))

    html = teacher.get("/lessons").get_data(as_text=True)
    order = re.findall(r'<tr data-lesson="([^"]+)" data-live="(true|false)"', html)
    assert order == [("traffic-lights", "true"), ("blink", "false")]
    assert 'href="/lessons/traffic-lights">traffic-lights</a> <span class="state' in html
    link = re.search(r'href="(/lessons/blink\?since=[^"]+)"', html)
    assert link is not None
    assert re.search(r"<td>2</td>\s*<td>2</td>", html)  # 2 kits, 2 checks

    past = teacher.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    rows = Rows(past).rows
    assert rows["kit-1"]["cells"] == {1: "passed", 2: "passed"}
    assert rows["kit-2"]["cells"] == {1: "passed", 2: "failing"}
    assert "1 of 2 kits finished, 0 stuck" in past and "A past class" in past
    assert "hx-get" not in past.split('id="board"')[1].split(">")[0]  # it does not poll
    assert "it stayed on. Hint: kit.red.off()" in past

    earlier = re.search(r'id="earlier" href="([^"]+)"', html)
    assert earlier is not None
    assert 'id="no-runs"' in teacher.get(earlier.group(1).replace("&amp;", "&")).get_data(
        as_text=True)


def test_a_mentor_sees_the_board_and_a_stranger_logs_in_first(
        client: FlaskClient, lab: Any, login: Any) -> None:
    stored(lab, check(lab.kit("kit-1"), fail_at=2))
    for url in ("/lessons", "/lessons/blink", "/lessons/blink/table"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login(client, "mentor").status_code == 302
    html = client.get("/lessons/blink").get_data(as_text=True)
    assert Rows(html).rows["kit-1"]["cells"][2] == "failing"
    assert "<form" not in html.split("<main id=\"main\">")[1]  # nothing to do here but look
    assert client.get("/lessons").status_code == 200


def test_a_time_that_is_not_a_time_is_refused(teacher: FlaskClient, lab: Any) -> None:
    response = teacher.get("/lessons/blink?since=yesterday")
    assert response.status_code == 400
    assert "since: expected a date and time like 2026-12-05T09:00" in response.get_data(
        as_text=True)
    assert teacher.get("/lessons?until=soon").status_code == 400
    assert "No kit checked blink at that time" in teacher.get(
        "/lessons/blink?since=2026-12-05T09:00").get_data(as_text=True)
