"""The store's export rows on SQLite and on the machine's real PostgreSQL: a team found
whatever its case, and each reading's unit from the kit's channel catalogue."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_schema import fresh_schema

from kitsdk.telemetry import Status, Telemetry
from lab_server.store import Inbound, Store, open_store

SESSION = "3f9a1c0d2b7e"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path / 'lab.db'}")
        yield opened
        opened.close()
        return
    with fresh_schema() as url:
        opened = open_store(url)
        yield opened
        opened.close()


def test_export_rows_find_a_team_whatever_its_case_with_each_unit(store: Store) -> None:
    store.add_kit("kit-1", team="Red")
    store.add_kit("kit-2", team="blue")
    now = time.time()
    store.write([
        Inbound("kit-1", Status(state="online", session=SESSION, profile="rover", sdk="0.1.0",
                                channels={"distance": {"cm": "cm"}, "line": {"left": ""}}),
                now),
        Inbound("kit-1", Telemetry(session=SESSION, seq=1, ts=10.0, values={
            "distance": {"cm": 5.0}, "line": {"left": True}, "extra": {"x": 1}}), now),
        Inbound("kit-2", Telemetry(session=SESSION, seq=1, ts=20.0,
                                   values={"distance": {"cm": 7.0}}), now)])
    assert [(r["kit"], r["device"], r["unit"]) for r in store.export_rows(team="red")] == [
        ("kit-1", "distance", "cm"), ("kit-1", "line", ""), ("kit-1", "extra", "")]
    assert [r["kit"] for r in store.export_rows(team="BLUE")] == ["kit-2"]
    assert [r["unit"] for r in store.export_rows(kit="kit-2")] == [""]  # no status yet
