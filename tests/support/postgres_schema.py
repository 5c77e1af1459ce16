"""The machine's PostgreSQL for the store's tests: a fresh schema per use, dropped after.

127.0.0.1:5432, database ``test`` (``KITLAB_TEST_POSTGRES`` overrides the URL). A PostgreSQL
that cannot be reached skips the test, which under ``CI=true`` is a failure (``ci_policy``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers import unavailable

PG_URL = os.environ.get("KITLAB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_schema(prefix: str = "kitlab_test") -> Iterator[str]:
    """A store URL whose tables go into a new schema of the test database."""
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed (pip install -e '.[dev]')")
    schema = f"{prefix}_{os.getpid()}_{time.monotonic_ns() % 10**10}"
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.Error as exc:
        unavailable(f"PostgreSQL at {PG_URL} cannot be reached: {exc}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def empty_store_url(request: Any, tmp_path: Path) -> str:
    """The URL of an empty store for a test parametrised ``["sqlite", "postgresql"]``: a new
    SQLite file, or the module's ``pg_schema`` fixture with its tables dropped."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lab.db'}"
    import psycopg

    url = str(request.getfixturevalue("pg_schema"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS meta, kits, telemetry, events, commands, acks, users")
    return url
