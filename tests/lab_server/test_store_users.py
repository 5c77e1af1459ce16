"""The store's users and their session generations, on SQLite and PostgreSQL, also in a
database made before session generations existed."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab_server.exc import BadValue, NotFound
from lab_server.store import open_store

PG_URL = os.environ.get("KITLAB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
OLD_USERS = ("CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, "
             "password_hash TEXT NOT NULL, token_hash TEXT UNIQUE, created REAL NOT NULL)")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database whose users table predates session generations, with one user."""
    insert = "INSERT INTO users (name, role, password_hash, created) VALUES " \
             "('ms-lee', 'teacher', 'x', 1.0)"
    if request.param == "sqlite":
        path = tmp_path / "lab.db"
        with sqlite3.connect(path) as conn:
            conn.execute(OLD_USERS)
            conn.execute(insert)
        yield f"sqlite:///{path}"
        return
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[dev]')")
        return
    schema = f"kitlab_users_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"SET search_path TO {schema}")
            conn.execute(OLD_USERS.replace("REAL", "DOUBLE PRECISION"))
            conn.execute(insert)
    except psycopg.Error as exc:
        _unavailable(f"PostgreSQL at {PG_URL} cannot be reached: {exc}")
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_an_older_database_gets_session_generations(old_database: str) -> None:
    with open_store(old_database) as store:
        user = store.user("ms-lee")
        assert user is not None and user.sessions == 0
        store.end_sessions("ms-lee")
        assert store.user("ms-lee").sessions == 1  # type: ignore[union-attr]
    with open_store(old_database) as again:  # opening it once more changes nothing
        assert again.user("ms-lee").sessions == 1  # type: ignore[union-attr]


def test_a_new_password_or_role_moves_the_generation_on(old_database: str) -> None:
    with open_store(old_database) as store:
        store.set_password("ms-lee", "new-hash")
        store.set_role("ms-lee", "mentor")
        user = store.user("ms-lee")
        assert user is not None and (user.role, user.sessions) == ("mentor", 2)
        store.set_token("ms-lee", "t")  # a new API token leaves browser sessions alone
        assert store.user("ms-lee").sessions == 2  # type: ignore[union-attr]
        with pytest.raises(BadValue, match="boss"):
            store.set_role("ms-lee", "boss")
        for change in (lambda: store.set_role("nobody", "mentor"),
                       lambda: store.end_sessions("nobody")):
            with pytest.raises(NotFound, match="nobody"):
                change()
