"""The database under the store's tables: DB-API connections, SQLite and PostgreSQL alike.

One SQL text serves both databases (written with ``?`` placeholders; PostgreSQL's store turns
them into ``%s``): both speak ``INSERT ... ON CONFLICT DO NOTHING``, which is how duplicates
are dropped without a read before the write.

**Threads.** Every write goes through one writer connection under a lock (SQLite allows one
writer anyway; on PostgreSQL it keeps the ingest's batches in order). ``write`` takes a whole
batch in one transaction. Reads take a connection from a small pool, so web requests on many
threads read while the ingest writes (SQLite's WAL lets readers and the writer overlap).

**Errors.** The database's own errors leave as ``StoreError`` (``StoreUnavailable`` when it
cannot be reached), the original as ``__cause__``; so does a value the driver cannot send
(a lone surrogate in text: ``UnicodeEncodeError``), so that a caller tells an outage
(wait) from a bad row (refuse it); a duplicate kit or user is ``KitExists`` /
``UserExists``; a bad id or role is ``BadValue``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Self, cast

from kitsdk.telemetry import check_id

from ..exc import BadValue, LabError, StoreError
from .schema import COLUMNS_ADDED, SCHEMA_VERSION, statements

log = logging.getLogger(__name__)

NAME_MAX = 64
POOL_IDLE = 8
"""Most idle read connections kept open."""

#: JSON as the store keeps it: compact, and text as it is (not \u-escaped).
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def where(*conditions: tuple[str, object]) -> tuple[str, list[Any]]:
    """`` WHERE`` with the conditions whose value is given (``("kit = ?", kit)``, skipped
    when ``kit`` is None), and their parameters; ``("", [])`` when none is."""
    given = [(sql, value) for sql, value in conditions if value is not None]
    if not given:
        return "", []
    return " WHERE " + " AND ".join(sql for sql, _ in given), [value for _, value in given]


def check_name(value: object, what: str) -> str:
    if type(value) is not str or not 0 < len(value) <= NAME_MAX or not value.isprintable():
        raise BadValue(f"{what} {value!r:.80} is not 1 to {NAME_MAX} printable characters")
    return value


def check_kit(kit: object) -> str:
    try:
        return check_id(kit, "kit")
    except ValueError as exc:
        raise BadValue(f"kit id {kit!r:.80}: {exc}") from None


class Database(ABC):
    """A DB-API database as the store's tables share it: set-up, one writer connection
    under a lock, pooled readers, and the hooks each database fills in."""

    dialect: str = ""
    url: str

    def __init__(self, url: str, *, retention_days: float = 365.0) -> None:
        self.url = url
        self.retention_days = retention_days
        self._write_lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._idle: list[Any] = []
        self._closed = False
        self._writer: Any = None
        self._kit_listeners: list[Callable[[], None]] = []
        self._lessons: dict[str, str | None] = {}
        """kit -> the lesson it runs, to tag telemetry rows (kept by ``write``)."""

    # -- what each database supplies ---------------------------------------------------------

    @abstractmethod
    def _connect(self, *, writer: bool) -> Any:
        """A new DB-API connection (the writer's in manual-commit mode, readers' autocommit)."""

    @abstractmethod
    def _translate(self, exc: Exception, what: str) -> Exception:
        """The ``StoreError`` for a database error raised while doing ``what``."""

    def _sql(self, sql: str) -> str:
        """``sql`` in the database's placeholder style (written with ``?``)."""
        return sql

    def _begin(self, cursor: Any) -> None:  # noqa: B027 - a hook with a default
        """Start the writer's transaction (PostgreSQL starts one by itself)."""

    @property
    def _db_errors(self) -> tuple[type[Exception], ...]:
        return (Exception,)

    # -- set-up ------------------------------------------------------------------------------

    def _create(self) -> None:
        """Create the tables if they are missing, bring an older database up to this
        version (``schema``'s docstring); called once by ``open_store``."""
        with self._writing("create the tables") as cur:
            for statement in statements(self.dialect):
                cur.execute(statement)
            for table, added in COLUMNS_ADDED.items():
                cur.execute(f"SELECT * FROM {table} LIMIT 0")
                have = {column[0] for column in cur.description}
                for column, definition in added.items():
                    if column not in have:
                        cur.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
            cur.execute(self._sql("INSERT INTO meta (key, value) VALUES (?, ?) "
                                  "ON CONFLICT (key) DO NOTHING"),
                        ("schema_version", str(SCHEMA_VERSION)))
            cur.execute(self._sql("UPDATE meta SET value = ? WHERE key = 'schema_version' "
                                  "AND CAST(value AS INTEGER) < ?"),
                        (str(SCHEMA_VERSION), SCHEMA_VERSION))
            cur.execute(self._sql("INSERT INTO meta (key, value) VALUES (?, ?) "
                                  "ON CONFLICT (key) DO NOTHING"), ("kits_version", "0"))
            cur.execute("SELECT id, running_kind, running_name FROM kits")
            self._lessons = {kit: name if kind == "lesson" else None
                             for kit, kind, name in cur.fetchall()}

    def close(self) -> None:
        """Close every connection; idempotent."""
        with self._write_lock, self._pool_lock:
            if self._closed:
                return
            self._closed = True
            connections = [*self._idle, *([self._writer] if self._writer else [])]
            self._idle.clear()
            self._writer = None
        for conn in connections:
            try:
                conn.close()
            except self._db_errors as exc:  # closing is best effort: nothing to roll back
                log.debug("store: closing a connection: %s", exc)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}{' closed' if self._closed else ''}>"

    # -- connections -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"the store {self.url} is closed")

    @contextmanager
    def _writing(self, what: str) -> Iterator[Any]:
        """A cursor on the writer connection inside one transaction, committed on success."""
        with self._write_lock:
            self._check_open()
            try:
                if self._writer is None:
                    self._writer = self._connect(writer=True)
                cur = self._writer.cursor()
                self._begin(cur)
            except self._db_errors as exc:
                self._drop_writer()
                raise self._translate(exc, what) from exc
            try:
                yield cur
                self._writer.commit()
            except self._db_errors as exc:
                self._rollback()
                raise self._translate(exc, what) from exc
            except LabError:
                self._rollback()
                raise
            except (ValueError, TypeError, OverflowError) as exc:  # a value it cannot take
                self._rollback()
                raise StoreError(f"cannot {what}: {type(exc).__name__}: {exc}") from exc
            except BaseException:
                self._rollback()
                raise
            finally:
                cur.close()

    def _rollback(self) -> None:
        try:
            self._writer.rollback()
        except self._db_errors:  # a broken connection: make a new one next time
            self._drop_writer()

    def _drop_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.close()
            except self._db_errors as exc:
                log.debug("store: closing a broken connection: %s", exc)

    @contextmanager
    def _reading(self, what: str) -> Iterator[Any]:
        """A cursor on a pooled read connection."""
        with self._pool_lock:
            self._check_open()
            conn = self._idle.pop() if self._idle else None
        try:
            if conn is None:
                conn = self._connect(writer=False)
            cur = conn.cursor()
        except self._db_errors as exc:
            raise self._translate(exc, what) from exc
        broken = False
        try:
            yield cur
        except self._db_errors as exc:
            broken = True
            raise self._translate(exc, what) from exc
        finally:
            cur.close()
            with self._pool_lock:
                if not broken and not self._closed and len(self._idle) < POOL_IDLE:
                    self._idle.append(conn)
                    conn = None
            if conn is not None:
                try:
                    conn.close()
                except self._db_errors as exc:
                    log.debug("store: closing a connection: %s", exc)

    def _query(self, what: str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._reading(what) as cur:
            cur.execute(self._sql(sql), params)
            return cast(list[Any], cur.fetchall())

    def _iterate(self, what: str, sql: str, params: Sequence[Any]) -> Iterator[Any]:
        """Rows of ``sql`` a chunk at a time, for exports larger than memory."""
        with self._reading(what) as cur:
            cur.execute(self._sql(sql), params)
            while rows := cur.fetchmany(1000):
                yield from rows

    def _bump_kits_version(self, cur: Any) -> None:
        cur.execute(self._sql("UPDATE meta SET value = ? WHERE key = 'kits_version'"),
                    (str(time.time_ns()),))

    def on_kits_changed(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after each change to the kit list made through this store
        (other processes' changes show in ``kits_version``). The services use it to reload
        the broker's files and the ingest's kit list at once."""
        self._kit_listeners.append(callback)

    def _kits_changed(self) -> None:
        for callback in list(self._kit_listeners):
            try:
                callback()
            except Exception as exc:  # the kit is added; the poll will catch up
                log.error("store: a kit-list listener failed: %s", exc, exc_info=exc)

    def _is_duplicate(self, exc: StoreError) -> bool:
        cause = exc.__cause__
        return cause is not None and type(cause).__name__ in ("IntegrityError", "UniqueViolation")
