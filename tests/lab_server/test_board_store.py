"""The store's query for the lesson board: lesson events of every kit by the time they
arrived, the same on SQLite and on the machine's real PostgreSQL (see ``test_store.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres_schema import fresh_schema

from kitsdk.telemetry import Event
from lab_server.store import Inbound, Store, open_store

SESSION = "3f9a1c0d2b7e"
T0 = 1_800_000_000.0


@pytest.fixture(scope="module")
def pg_schema() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lab.db'}"
    else:
        import psycopg

        url = request.getfixturevalue("pg_schema")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS meta, kits, telemetry, events, commands, acks, "
                         "users")
    opened = open_store(url)
    opened.add_kit("kit-1")
    opened.add_kit("kit-2")
    yield opened
    opened.close()


def send(store: Store, kit: str, seq: int, received: float, kind: str, **data: Any) -> None:
    """An event as the ingest stores it; the kit's own clock is an hour out, on purpose."""
    event = Event(session=SESSION, seq=seq, ts=T0 + received - 3600,
                  kind=kind, data=data)  # type: ignore[arg-type]
    store.write([Inbound(kit, event, T0 + received)])


@pytest.fixture
def stored(store: Store) -> Store:
    send(store, "kit-1", 1, 100.0, "lesson.started", lesson="blink", steps=3)
    send(store, "kit-1", 2, 101.0, "script.started", script="blink.py")
    send(store, "kit-2", 1, 102.0, "lesson.started", lesson="blink", steps=3)
    send(store, "kit-1", 3, 103.0, "lesson.step_failed", lesson="blink", step=1,
         title="Switch it on", hint="the red LED stayed off. Hint: kit.red.on()")
    send(store, "kit-2", 2, 104.0, "lesson.step_passed", lesson="blink", step=1,
         title="Switch it on")
    send(store, "kit-1", 4, 105.0, "lesson.finished", lesson="blink", passed=0, steps=3)
    return store


def test_lesson_events_of_every_kit_oldest_first(stored: Store) -> None:
    found = stored.lesson_events()
    assert [(e.kit, e.seq, e.kind) for e in found] == [
        ("kit-1", 1, "lesson.started"), ("kit-2", 1, "lesson.started"),
        ("kit-1", 3, "lesson.step_failed"), ("kit-2", 2, "lesson.step_passed"),
        ("kit-1", 4, "lesson.finished")]
    assert found[2].data["hint"] == "the red LED stayed off. Hint: kit.red.on()"
    assert (found[2].received, found[2].ts, found[2].session) == (T0 + 103, T0 - 3497, SESSION)


def test_lesson_events_by_the_time_they_arrived_and_by_kind(stored: Store) -> None:
    def arrived(**window: Any) -> list[float]:
        return [e.received - T0 for e in stored.lesson_events(**window)]

    assert arrived(since=T0 + 102, until=T0 + 104) == [102, 103, 104]
    assert arrived(since=T0 + 103.5) == [104, 105]
    assert arrived(limit=2) == [104, 105]
    assert [(e.kit, e.kind) for e in stored.lesson_events(
        kinds=("lesson.started", "lesson.finished"))] == [
        ("kit-1", "lesson.started"), ("kit-2", "lesson.started"), ("kit-1", "lesson.finished")]
