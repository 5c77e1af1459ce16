"""The CSV export as a teacher uses it: a team found whatever its case, the known teams offered
on the form, an export that matches nothing said in words (not a blank spreadsheet), each
reading's unit, and times in the lab's zone with their offset."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient
from helpers import wait_until

from lab_server.web.export import COLUMNS, csv_lines

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def rows_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def readings(lab: Any, count: int) -> None:
    wait_until(lambda: len(list(lab.services.store.export_rows())) == count, 10,
               f"{count} readings stored")


def test_the_team_is_found_whatever_its_case(teacher: FlaskClient, lab: Any) -> None:
    lab.kit("kit-1", team="red").telemetry(cm=10.0)
    lab.kit("kit-2", team="blue").telemetry(cm=20.0)
    readings(lab, 6)
    for team in ("Red", "RED", "red"):
        assert {r["kit"] for r in rows_of(teacher.get(f"/export.csv?team={team}"))} \
            == {"kit-1"}, team


def test_the_form_offers_the_known_teams_and_keeps_free_text(teacher: FlaskClient,
                                                              lab: Any) -> None:
    for kit, team in (("kit-1", "red"), ("kit-2", "Blue"), ("kit-3", "red"), ("kit-4", None)):
        lab.kit(kit, team=team, online=False)
    page = teacher.get("/export").get_data(as_text=True)
    field = re.search(r"<input[^>]*name=\"team\"[^>]*>", page)
    assert field and 'list="teams"' in field.group(0)
    options = re.search(r'<datalist id="teams">(.*?)</datalist>', page, re.S)
    assert options and re.findall(r'<option value="([^"]*)">', options.group(1)) \
        == ["Blue", "red"]


def test_an_export_that_matches_nothing_says_so_on_the_form(teacher: FlaskClient,
                                                            lab: Any) -> None:
    lab.kit("kit-1", team="red").telemetry(cm=10.0)
    readings(lab, 3)
    response = teacher.get("/export.csv?kit=kit-1&team=green&start=2026-11-25T09:00"
                           "&end=2026-11-25T10:30", headers={"Accept": FIREFOX})
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "No readings match: kit kit-1, team green, from 25 Nov 2026 09:00 to " \
           "25 Nov 2026 10:30." in page
    assert 'id="export-form"' in page and 'value="green"' in page  # the choices stay
    assert '<option selected>kit-1</option>' in page
    assert 'value="2026-11-25T09:00"' in page and 'value="2026-11-25T10:30"' in page


def test_an_empty_lab_says_it_has_no_readings_yet(teacher: FlaskClient) -> None:
    response = teacher.get("/export.csv")
    assert response.status_code == 404
    assert "No readings yet: the lab has stored none." in response.get_data(as_text=True)


def test_a_script_asking_for_json_gets_the_reason_as_json(teacher: FlaskClient,
                                                         lab: Any) -> None:
    response = teacher.get("/export.csv?lesson=other", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "No readings match: lesson other."


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The lab's zone set as a school's IT would, by ``TZ`` (a POSIX rule: no tzdata)."""
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_each_reading_has_its_unit_and_its_time_in_the_labs_zone(
        paris: None, teacher: FlaskClient, lab: Any) -> None:
    winter = datetime(2026, 12, 5, 9, 14, 3, 120_000, timezone(timedelta(hours=1)))
    lab.kit("kit-1", team="red").telemetry(cm=12.5, ts=winter.timestamp())
    readings(lab, 3)
    response = teacher.get("/export.csv")
    assert response.is_streamed
    rows = rows_of(response)
    assert list(rows[0]) == COLUMNS == ["time", "ts", "kit", "team", "device", "channel",
                                        "value", "unit", "historical"]
    assert {(r["device"], r["channel"]): r["unit"] for r in rows} == {
        ("distance", "cm"): "cm", ("motors", "left"): "", ("motors", "right"): ""}
    assert {(r["time"], r["ts"]) for r in rows} == {
        ("2026-12-05T09:14:03.120+01:00", f"{winter.timestamp():.3f}")}
    form = teacher.get("/export").get_data(as_text=True)  # summer time or not, as of today
    assert re.search(r"Times are the lab's time zone \((CET, UTC\+01|CEST, UTC\+02):00\)", form)


def test_times_carry_the_offset_of_the_zone_given() -> None:
    winter = datetime(2026, 12, 5, 9, 14, 3, 120_000, timezone(timedelta(hours=1)))
    row = {"ts": winter.timestamp(), "kit": "kit-1", "team": "=red", "device": "distance",
           "channel": "cm", "value": 12.5, "unit": "cm", "historical": False}
    text = "".join(csv_lines(iter([row]), zone=winter.tzinfo))
    assert text.splitlines()[1] == \
        f"2026-12-05T09:14:03.120+01:00,{winter.timestamp():.3f},kit-1,'=red,distance,cm," \
        "12.5,cm,false"


def test_a_bad_choice_comes_back_on_the_form_with_what_was_wrong(teacher: FlaskClient) -> None:
    response = teacher.get("/export.csv?kit=kit-1&start=yesterday", headers={"Accept": FIREFOX})
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "start: expected a date and time like 2026-11-25T09:00, got &#39;yesterday&#39;" in page
    assert '<input name="start" type="datetime-local" value="yesterday">' in page
    scripted = teacher.get("/export.csv?start=yesterday", headers={"Accept": "application/json"})
    assert scripted.status_code == 400 and scripted.get_json()["error"].startswith("start:")
