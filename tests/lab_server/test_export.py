"""CSV export: of a kit, a team, a lesson, a time range; teachers only."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from flask.testing import FlaskClient
from helpers import wait_until

from lab_server.web.export import COLUMNS, _cell


def rows_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_a_kit_a_team_and_a_time_range(teacher: FlaskClient, lab: Any) -> None:
    red, blue = lab.kit("kit-1", team="red"), lab.kit("kit-2", team="blue")
    now = time.time()
    red.telemetry(cm=10.0, ts=now - 100)
    red.telemetry(cm=11.0, ts=now - 10, historical=True)
    blue.telemetry(cm=20.0, ts=now - 5)
    store = lab.services.store
    wait_until(lambda: len(list(store.export_rows())) == 9, 10, "9 readings stored")

    everything = rows_of(teacher.get("/export.csv"))
    assert list(everything[0]) == COLUMNS and len(everything) == 9
    kit = rows_of(teacher.get("/export.csv?kit=kit-1"))
    assert {r["kit"] for r in kit} == {"kit-1"} and len(kit) == 6
    assert {r["historical"] for r in kit} == {"true", "false"}
    cm = [r for r in kit if (r["device"], r["channel"]) == ("distance", "cm")]
    assert sorted(float(r["value"]) for r in cm) == [10.0, 11.0]
    team = rows_of(teacher.get("/export.csv?team=blue"))
    assert {(r["kit"], r["team"]) for r in team} == {("kit-2", "blue")}
    recent = rows_of(teacher.get(f"/export.csv?start={now - 50}"))
    assert {r["value"] for r in recent if r["device"] == "distance"} == {"11.0", "20.0"}
    response = teacher.get("/export.csv?kit=kit-1")
    assert response.headers["Content-Disposition"] == 'attachment; filename="kit-1.csv"'


def test_export_a_lesson(teacher: FlaskClient, lab: Any) -> None:
    sim = lab.kit("kit-1")
    sim.status("online", running="rover-walls", kind="lesson")
    sim.event("lesson.started", lesson="rover-walls", steps=3)
    wait_until(lambda: lab.services.store.events("kit-1"), 10, "the lesson started")
    sim.telemetry(cm=5.0)
    wait_until(lambda: list(lab.services.store.export_rows(kit="kit-1")), 10, "a reading")
    rows = rows_of(teacher.get("/export.csv?lesson=rover-walls"))
    assert rows and {r["kit"] for r in rows} == {"kit-1"}
    nothing = teacher.get("/export.csv?lesson=other")  # says so, rather than a blank file
    assert nothing.status_code == 404
    assert "No readings match: lesson other." in nothing.get_data(as_text=True)


def test_bad_export_parameters(teacher: FlaskClient) -> None:
    for query in ("start=yesterday", "end=1&start=2", "kit=a%3Db", "team=" + "x" * 70):
        response = teacher.get(f"/export.csv?{query}")
        assert response.status_code == 400, query
    accepted = teacher.get("/export.csv?start=2026-11-25T09:00")  # accepted; nothing stored
    assert accepted.status_code == 404 and "from 25 Nov 2026 09:00 on" in accepted.get_data(
        as_text=True)


def test_the_export_form(teacher: FlaskClient, lab: Any) -> None:
    lab.kit("kit-1", online=False)
    page = teacher.get("/export").get_data(as_text=True)
    assert "<option>kit-1</option>" in page and 'name="start"' in page


def test_cells_that_a_spreadsheet_would_run_are_quoted() -> None:
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("@sum") == "'@sum" and _cell("-x") == "'-x"
    assert _cell(-1.5) == -1.5 and _cell(True) == "true" and _cell(None) == ""
