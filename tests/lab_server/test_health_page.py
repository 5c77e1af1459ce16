"""``/health`` for a teacher and for a monitor: a browser gets a page that says each part of
the lab in words with its state (never by colour alone), what needs attention first; every
other client, and ``?format=json``, gets the JSON as before with the same status code."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from helpers import wait_until

from lab_server.web.health import duration, lines

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_KEYS = {"broker", "budget", "error_total", "errors", "hub", "ingest", "lab", "last_errors",
             "ok", "problems", "store", "uptime", "web"}
CHROMIUM = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")

#: A working lab's report, as ``/health`` gives it (the shape of ``report()``).
WORKING: dict[str, Any] = {
    "ok": True, "lab": "room-4", "uptime": 11_520.0, "problems": [],
    "broker": {"kind": "mosquitto", "url": "mqtt://127.0.0.1:1883", "protocol": 5,
               "connected": True, "running": True, "restarts": 0, "last_exit": None,
               "restart_in": None, "down_since": None, "limits": "..."},
    "ingest": {"rate": 240.0, "pending": 0, "stalled_for": 0.0, "received": 90_000,
               "stored": 89_990, "duplicates": 10, "queue_depth": 0, "ignored": {},
               "protocol": "5", "shared_group": None},
    "errors": {}, "error_total": 0, "last_errors": {},
    "store": {"kind": "sqlite", "retention_days": 365.0},
    "budget": {"messages_per_second": 1000.0, "bytes_per_day": 4_423_680_000, "dropped": {},
               "dropped_total": 0},
    "hub": {"subscriptions": 2, "published": 10, "dropped": 0},
    "web": {"live_streams": 2, "live_streams_max": 40, "live_streams_served": 5,
            "bad_requests": {}},
}


def said(report: dict[str, Any]) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {line.key: (line.state, line.text, line.details) for line in lines(report, 10.0)}


def changed(**parts: dict[str, Any]) -> dict[str, Any]:
    report = copy.deepcopy(WORKING)
    for name, fields in parts.items():
        if isinstance(report.get(name), dict):
            report[name].update(fields)
        else:
            report[name] = fields
    return report


def test_a_working_lab_in_words() -> None:
    words = said(WORKING)
    assert {key: state for key, (state, _, _) in words.items()} == {
        "broker": "ok", "readings": "ok", "store": "ok", "errors": "ok", "budget": "ok",
        "dashboard": "ok"}
    assert words["broker"][1] == "The lab's broker is connected (Mosquitto, MQTT 5)."
    assert words["readings"][1] == "Readings are being stored: 240 a second, none waiting."
    assert words["store"][1] == "Readings are kept in the lab's SQLite database for 365 days."
    assert words["errors"][1] == "No message was refused since the lab started."
    assert words["budget"][1] == \
        "No kit went over its budget (1,000 messages a second, 4.1 GiB a day each)."
    assert words["dashboard"][1] == "2 live pages are open now (at most 40 at once)."
    assert duration(11_520) == "3 h 12 min" and duration(40) == "40 s"
    assert duration(2 * 86400 + 7200) == "2 days 2 h" and duration(300) == "5 min"


@pytest.mark.parametrize(("report", "key", "state", "text"), [
    (changed(broker={"connected": False, "down_since": None}), "broker", "bad",
     "The lab cannot reach its broker (Mosquitto): kits' readings do not arrive."),
    (changed(broker={"running": False, "connected": False, "restart_in": 2.4}), "broker", "bad",
     "The lab's broker (Mosquitto) has stopped: kits' readings cannot reach the lab. "
     "It restarts in 2 s."),
    (changed(broker={"restarts": 2, "last_exit": "killed by SIGKILL"}), "broker", "warning",
     "The lab's broker is connected (Mosquitto, MQTT 5). It stopped and was restarted 2 "
     "times since the lab started (last: killed by SIGKILL)."),
    (changed(ingest={"pending": 12, "stalled_for": 14.2}), "readings", "bad",
     "Readings are not being stored: the lab has stored nothing for 14 s while 12 messages "
     "wait (see refused messages and the server's log)."),
    (changed(broker={"connected": False}), "readings", "bad",
     "No readings can arrive while the lab has no broker; none waiting to be stored."),
    (changed(ingest={"rate": 0.0}), "readings", "ok",
     "No readings are arriving right now (no kit is sending), none waiting."),
    (changed(errors={"store": 3}), "store", "warning",
     "Readings are kept in the lab's SQLite database for 365 days. It failed or refused 3 "
     "times since the lab started (see refused messages)."),
    (changed(web={"live_streams": 40}), "dashboard", "warning",
     "The dashboard is full: 40 live pages are open, the most it serves; the next one is "
     "refused. Close the pages nobody watches."),
])
def test_each_part_says_its_trouble(report: dict[str, Any], key: str, state: str,
                                    text: str) -> None:
    assert said(report)[key][:2] == (state, text)


def test_refused_messages_and_budget_drops_in_words() -> None:
    words = said(changed(
        errors={"unknown_kit": 2, "malformed": 5},
        last_errors={"unknown_kit": "kitsdk/v1/room-4/kit-9/status: not a kit of this lab"},
        budget={"dropped": {"kit-3": {"rate": 17, "bytes": 1}}, "dropped_total": 18}))
    assert words["errors"] == ("warning", "7 messages were refused or failed since the lab "
                               "started.", (
        "5 not following the kitsdk message format.",
        "2 from a kit this lab does not know (add it: kitlab kits add). "
        "Last: kitsdk/v1/room-4/kit-9/status: not a kit of this lab"))
    assert words["budget"] == ("warning", "1 kit went over its budget: 18 messages dropped "
                               "(the kit's own problem: a script that sends too fast; other "
                               "kits are not held up).",
                               ("kit-3: 1 dropped for sending too much today, 17 dropped for "
                                "sending too fast",))


def test_a_report_that_could_not_be_made_says_so_first() -> None:
    words = lines({"ok": False, "error": "StoreError: disk full", "web": WORKING["web"]}, 10.0)
    assert (words[0].state, words[0].text) == (
        "bad", "The lab could not report its state: StoreError: disk full")
    closing = lines(changed(ok=False), 10.0)  # not ok for a reason no part names
    assert (closing[0].key, closing[0].state) == ("lab", "bad")


def test_a_browser_gets_the_page_in_words(teacher: FlaskClient) -> None:
    assert "<title>" in teacher.get("/health", headers={"Accept": CHROMIUM}).get_data(as_text=True)
    response = teacher.get("/health", headers={"Accept": FIREFOX})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<a href="/health">Health</a>' in page  # the nav's link
    assert "Lab health: <span class=\"health-state health-ok\">OK</span>" in page
    assert "The lab is working." in page and "Needs attention" not in page
    assert "The lab&#39;s broker is connected (Mosquitto, MQTT 5)." in page
    rows = re.findall(r'<tr data-part="(\w+)" data-state="(\w+)">\s*<th scope="row">([^<]+)'
                      r'</th>\s*<td><span class="health-state health-\w+">([^<]+)</span>', page)
    assert [(key, state, word) for key, state, _, word in rows] == [
        (key, "ok", "OK") for key in ("broker", "readings", "store", "errors", "budget",
                                      "dashboard")]
    assert '<th scope="col">What it means</th>' in page
    assert '<a id="health-json" href="/health?format=json">JSON</a>' in page


@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": "application/json"}])
def test_monitors_and_scripts_get_the_json_as_before(client: FlaskClient,
                                                     headers: dict[str, str]) -> None:
    response = client.get("/health", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert set(response.get_json()) == JSON_KEYS


def test_the_json_link_gives_json_to_a_browser(client: FlaskClient) -> None:
    response = client.get("/health?format=json", headers={"Accept": FIREFOX})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert set(response.get_json()) == JSON_KEYS


def test_a_broker_down_is_said_first_and_both_forms_answer_503(services: Any,
                                                               client: FlaskClient) -> None:
    services.broker_process.stop()  # for good: a broker that restarts itself comes back later
    wait_until(lambda: client.get("/health").status_code == 503, 10, "/health not ok")
    response = client.get("/health", headers={"Accept": FIREFOX})
    assert response.status_code == 503 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<span class="health-state health-bad">Problem</span>' in page
    assert "The lab is not working properly" in page
    attention = page.index("Needs attention")
    assert attention < page.index('id="health-parts"')
    first = re.search(r'<ul id="problems">\s*<li data-part="(\w+)" data-state="(\w+)">', page)
    assert first and first.groups() == ("broker", "bad")
    assert "The lab&#39;s broker (Mosquitto) has stopped: kits&#39; readings cannot reach " \
           "the lab." in page
    assert client.get("/health?format=json", headers={"Accept": FIREFOX}).status_code == 503
