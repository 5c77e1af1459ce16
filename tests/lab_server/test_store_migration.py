"""A lab.db of schema version 1 (before kits had parts) opens in this version, on SQLite and
PostgreSQL: its kits gain ``parts``, keep everything else, and its recorded version moves up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from postgres_schema import fresh_schema

from kitsdk.telemetry import Part, Status
from lab_server.store import Inbound, open_store
from lab_server.store.schema import SCHEMA_VERSION

#: The kits and meta tables as version 1 made them (the other tables did not change).
VERSION_1 = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE kits (id TEXT PRIMARY KEY, team TEXT, password_hash TEXT NOT NULL, "
    "created REAL NOT NULL, state TEXT NOT NULL DEFAULT 'offline', session TEXT, "
    "status_ts REAL, last_seen REAL, profile TEXT, sdk TEXT, running_kind TEXT, "
    "running_name TEXT, channels TEXT NOT NULL DEFAULT '{}', lesson TEXT, "
    "lesson_step INTEGER, lesson_steps INTEGER, lesson_outcome TEXT, lesson_ts REAL, "
    "live TEXT, live_ts REAL, live_seq BIGINT)",
    "INSERT INTO meta (key, value) VALUES ('schema_version', '1'), ('kits_version', '0')",
    "INSERT INTO kits (id, team, password_hash, created, state, profile, channels) VALUES "
    "('kit-1', 'red', 'x', 1.0, 'online', 'rover', '{\"distance\": {\"cm\": \"cm\"}}')",
)


def _run(execute: Any, statements: tuple[str, ...]) -> None:
    for statement in statements:
        execute(statement)


@pytest.fixture(params=["sqlite", "postgresql"])
def version_1(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a version-1 database holding kit-1."""
    if request.param == "sqlite":
        path = tmp_path / "lab.db"
        with sqlite3.connect(path) as conn:
            _run(conn.execute, VERSION_1)
        yield f"sqlite:///{path}"
        return
    import psycopg

    with fresh_schema("kitlab_migration") as url:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            _run(conn.execute, tuple(s.replace("REAL", "DOUBLE PRECISION") for s in VERSION_1))
        yield url


def test_a_version_1_database_gains_the_kits_parts(version_1: str) -> None:
    parts = (Part(name="red", kind="led", label="LED 'red'", look={"color": "red"}),)
    with open_store(version_1) as store:
        kit = store.kit("kit-1")
        assert kit is not None and kit.parts == ()
        assert (kit.team, kit.state, kit.channels) == ("red", "online",
                                                       {"distance": {"cm": "cm"}})
        assert store._query("read the version", "SELECT value FROM meta WHERE key = "
                            "'schema_version'") == [(str(SCHEMA_VERSION),)]
        store.write([Inbound("kit-1", Status(state="online", session="3f9a1c0d2b7e",
                                             profile="rover", sdk="0.1.0", channels={},
                                             parts=parts), 2.0)])
    with open_store(version_1) as again:  # opening it once more changes nothing
        assert again.kit("kit-1").parts == parts  # type: ignore[union-attr]


def test_a_newer_database_keeps_its_version(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    open_store(url).close()
    with sqlite3.connect(tmp_path / "lab.db") as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(SCHEMA_VERSION + 1),))
    with open_store(url) as store:  # an older server opening it: it works, and says nothing
        assert store._query("read the version", "SELECT value FROM meta WHERE key = "
                            "'schema_version'") == [(str(SCHEMA_VERSION + 1),)]
