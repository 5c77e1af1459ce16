"""``SQLiteStore``: the default store, one file in the lab's data directory.

WAL journal, so that the dashboard's reads never wait for the ingest's writes and the other
way round; ``synchronous=NORMAL``, which in WAL mode loses no committed transaction when the
server process dies (only a power cut can take the last few). One writer connection (SQLite
allows one writer at a time anyway) takes each ingest batch in one transaction: one fsync per
batch, not per message. ``busy_timeout`` lets ``kitlab kits add`` in another process wait its
turn instead of failing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..exc import StoreError, StoreUnavailable
from .base import Store

BUSY_TIMEOUT = 10.0
"""Seconds a write waits for another process's write."""
_UNAVAILABLE = ("unable to open", "database is locked", "disk I/O error", "database or disk "
                "is full", "readonly database")
"""SQLite's errors that are the file's state, not a row's: the ingest waits them out rather
than refusing the batch it was writing."""


def sqlite_path(url: str) -> str:
    """The file of a ``sqlite:///path`` URL (``sqlite:///:memory:`` is not shared between
    connections, so it is refused)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc not in ("", "localhost"):
        raise StoreError(f"sqlite URL {url!r}: write it sqlite:///path/to/lab.db")
    if not path or path == "/:memory:" or path == ":memory:":
        raise StoreError(f"sqlite URL {url!r}: the store needs a file, not :memory:")
    return path


class SQLiteStore(Store):
    """The lab's store in one SQLite file (``open_store("sqlite:///path/lab.db")``)."""

    dialect = "sqlite"

    def __init__(self, url: str, *, retention_days: float = 365.0) -> None:
        super().__init__(url, retention_days=retention_days)
        self.path = Path(sqlite_path(url))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"cannot make the folder of {self.path}: {exc}") from exc

    @property
    def _db_errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error,)

    def _connect(self, *, writer: bool) -> Any:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        return conn

    def _begin(self, cursor: Any) -> None:
        cursor.execute("BEGIN IMMEDIATE")

    def _translate(self, exc: Exception, what: str) -> Exception:
        if isinstance(exc, sqlite3.OperationalError) and any(
                why in str(exc) for why in _UNAVAILABLE):
            return StoreUnavailable(f"cannot {what}: {self.path}: {exc}")
        return StoreError(f"cannot {what} in {self.path}: {exc}")
