"""``Store``: the lab's data over a DB-API database; SQLite and PostgreSQL fill in the rest.

One SQL text serves both databases (written with ``?`` placeholders; PostgreSQL's store turns
them into ``%s``): both speak ``INSERT ... ON CONFLICT DO NOTHING``, which is how duplicates
are dropped without a read before the write.

**Threads.** Every write goes through one writer connection under a lock (SQLite allows one
writer anyway; on PostgreSQL it keeps the ingest's batches in order). ``write`` takes a whole
batch in one transaction. Reads take a connection from a small pool, so web requests on many
threads read while the ingest writes (SQLite's WAL lets readers and the writer overlap).

**Errors.** The database's own errors leave as ``StoreError`` (``StoreUnavailable`` when it
cannot be reached), the original as ``__cause__``; a duplicate kit or user is ``KitExists`` /
``UserExists``; a bad id or role is ``BadValue``.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from kitsdk.telemetry import (
    ALL_KITS,
    Command,
    CommandAck,
    Event,
    Running,
    Status,
    Telemetry,
    check_id,
)

from ..exc import BadValue, KitExists, NotFound, StoreError, UserExists
from ..passwords import hash_password, new_password
from .records import (
    ROLES,
    AckRecord,
    CommandRecord,
    EventRecord,
    Inbound,
    KitCredentials,
    KitRecord,
    LessonOutcome,
    LessonProgress,
    UserRecord,
)
from .schema import COLUMNS_ADDED, SCHEMA_VERSION, statements

log = logging.getLogger(__name__)

DAY = 86400.0
NAME_MAX = 64
POOL_IDLE = 8
"""Most idle read connections kept open."""

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_KIT_COLUMNS = ("id, team, state, last_seen, profile, running_kind, running_name, lesson, "
                "lesson_step, lesson_steps, lesson_outcome, lesson_ts, session, sdk, channels, "
                "created")
_USER_COLUMNS = "name, role, password_hash, created, sessions"
_LESSON_EVENTS: dict[str, LessonOutcome] = {
    "lesson.started": "started",
    "lesson.step_passed": "passed",
    "lesson.step_failed": "failed",
    "lesson.finished": "finished",
}


def _check_name(value: object, what: str) -> str:
    if type(value) is not str or not 0 < len(value) <= NAME_MAX or not value.isprintable():
        raise BadValue(f"{what} {value!r:.80} is not 1 to {NAME_MAX} printable characters")
    return value


def _check_kit(kit: object) -> str:
    try:
        return check_id(kit, "kit")
    except ValueError as exc:
        raise BadValue(f"kit id {kit!r:.80}: {exc}") from None


class WriteResult:
    """What one ``write`` did: rows new and duplicates dropped, by table."""

    __slots__ = ("acks", "duplicates", "events", "live", "statuses", "telemetry")

    def __init__(self) -> None:
        self.telemetry = self.events = self.acks = self.statuses = self.live = 0
        self.duplicates = 0

    def __repr__(self) -> str:
        return (f"<WriteResult telemetry={self.telemetry} events={self.events} acks={self.acks}"
                f" statuses={self.statuses} live={self.live} duplicates={self.duplicates}>")


class Store(ABC):
    """The lab's kits, telemetry, events, commands, acks and users.

    Build one with ``open_store(url)``. Thread-safe; ``close()`` when done (idempotent).
    ``retention_days`` is what ``prune`` keeps.
    """

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
        """Create the tables if they are missing; called once by ``open_store``."""
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

    def __enter__(self) -> Store:
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

    # -- kits --------------------------------------------------------------------------------

    def add_kit(self, kit: str, team: str | None = None) -> KitCredentials:
        """Add ``kit`` with a fresh random password; the password is returned only here.

        Its MQTT username is its id. Raises ``KitExists`` if the lab has it already.
        """
        _check_kit(kit)
        if team is not None:
            _check_name(team, "team")
        password = new_password()
        try:
            with self._writing(f"add kit {kit}") as cur:
                cur.execute(self._sql("INSERT INTO kits (id, team, password_hash, created) "
                                      "VALUES (?, ?, ?, ?)"),
                            (kit, team, hash_password(password), time.time()))
                self._bump_kits_version(cur)
        except StoreError as exc:
            if self._is_duplicate(exc):
                raise KitExists(f"the lab already has a kit '{kit}'") from None
            raise
        self._kits_changed()
        return KitCredentials(kit=kit, username=kit, password=password)

    def reset_password(self, kit: str) -> KitCredentials:
        """Give ``kit`` a new random password (the old one stops working at the broker's next
        reload); raises ``NotFound`` for an unknown kit."""
        password = new_password()
        with self._writing(f"reset the password of kit {kit}") as cur:
            cur.execute(self._sql("UPDATE kits SET password_hash = ? WHERE id = ?"),
                        (hash_password(password), kit))
            if cur.rowcount != 1:
                raise NotFound(f"the lab has no kit '{kit}'")
            self._bump_kits_version(cur)
        self._kits_changed()
        return KitCredentials(kit=kit, username=kit, password=password)

    def remove_kit(self, kit: str) -> None:
        """Forget ``kit`` and its login (its data stays until pruned); ``NotFound`` if unknown."""
        with self._writing(f"remove kit {kit}") as cur:
            cur.execute(self._sql("DELETE FROM kits WHERE id = ?"), (kit,))
            if cur.rowcount != 1:
                raise NotFound(f"the lab has no kit '{kit}'")
            self._bump_kits_version(cur)
        self._kits_changed()

    def set_team(self, kit: str, team: str | None) -> None:
        """Put ``kit`` in ``team`` (None: no team); raises ``NotFound`` for an unknown kit."""
        if team is not None:
            _check_name(team, "team")
        with self._writing(f"set the team of kit {kit}") as cur:
            cur.execute(self._sql("UPDATE kits SET team = ? WHERE id = ?"), (team, kit))
            if cur.rowcount != 1:
                raise NotFound(f"the lab has no kit '{kit}'")
            self._bump_kits_version(cur)

    def kits(self) -> list[KitRecord]:
        """Every kit of the lab, by id."""
        rows = self._query("list the kits", f"SELECT {_KIT_COLUMNS} FROM kits ORDER BY id")
        return [self._kit_record(row) for row in rows]

    def kit(self, kit_id: str) -> KitRecord | None:
        rows = self._query(f"read kit {kit_id}",
                           f"SELECT {_KIT_COLUMNS} FROM kits WHERE id = ?", (kit_id,))
        return self._kit_record(rows[0]) if rows else None

    def kit_ids(self) -> set[str]:
        return {row[0] for row in self._query("list the kits", "SELECT id FROM kits")}

    def kit_logins(self) -> list[tuple[str, str]]:
        """``(username, password hash)`` of every kit, for the broker's password file."""
        return [(row[0], row[1]) for row in self._query(
            "read the kit logins", "SELECT id, password_hash FROM kits ORDER BY id")]

    def kit_sessions(self) -> dict[str, tuple[str | None, float | None]]:
        """kit -> the session and time of its latest applied status (for stale wills)."""
        return {row[0]: (row[1], row[2]) for row in self._query(
            "read the kit sessions", "SELECT id, session, status_ts FROM kits")}

    def kits_version(self) -> str:
        """Changes whenever a kit is added, removed or changed: a cheap poll for the broker's
        files and the ingest's kit list, also across processes (``kitlab kits add``)."""
        rows = self._query("read the kits version",
                           "SELECT value FROM meta WHERE key = 'kits_version'")
        return str(rows[0][0]) if rows else ""

    @staticmethod
    def _kit_record(row: Sequence[Any]) -> KitRecord:
        (kit, team, state, last_seen, profile, run_kind, run_name, lesson, step, steps,
         outcome, lesson_ts, session, sdk, channels, created) = row
        return KitRecord(
            id=kit, team=team, state=state, last_seen=last_seen, profile=profile,
            running=Running(kind=run_kind, name=run_name) if run_kind else None,
            lesson=None if lesson is None else LessonProgress(
                lesson=lesson, step=step, steps=steps, outcome=outcome, ts=lesson_ts),
            session=session, sdk=sdk, channels=json.loads(channels), created=created)

    def _is_duplicate(self, exc: StoreError) -> bool:
        cause = exc.__cause__
        return cause is not None and type(cause).__name__ in ("IntegrityError", "UniqueViolation")

    # -- data in -----------------------------------------------------------------------------

    def write(self, messages: Iterable[Inbound]) -> WriteResult:
        """Store a batch of decoded kit messages in one transaction.

        Telemetry and events whose ``(kit, session, seq)`` the store holds are dropped by the
        database's unique key; historical telemetry is stored but never becomes the live
        value, and neither does a sample older (``ts``, then ``seq``) than the live one. An
        offline status applies only if its session is the kit's current one (a stale will
        is ignored). Duplicate acks (QoS 1) are dropped too.
        """
        telemetry: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        acks: list[tuple[Any, ...]] = []
        statuses: list[tuple[str, Status]] = []
        lessons: list[tuple[str, Event]] = []
        live: dict[str, Telemetry] = {}
        seen: dict[str, float] = {}
        result = WriteResult()
        items = list(messages)
        # statuses first, so that telemetry of the same batch is tagged with a new lesson
        for item in items:
            if type(item.message) is Status:
                statuses.append((item.kit, item.message))
        with self._writing("store a batch of kit messages") as cur:
            for kit, status in statuses:
                if self._apply_status(cur, kit, status):
                    result.statuses += 1
            for item in items:
                kit, msg = item.kit, item.message
                if item.received > seen.get(kit, 0.0):
                    seen[kit] = item.received
                if type(msg) is Telemetry:
                    telemetry.append((kit, msg.session, msg.seq, msg.ts, item.received,
                                      int(msg.historical), self._lessons.get(kit),
                                      _dumps(msg.values)))
                    if not msg.historical:
                        best = live.get(kit)
                        if best is None or (msg.ts, msg.seq) > (best.ts, best.seq):
                            live[kit] = msg
                elif type(msg) is Event:
                    events.append((kit, msg.session, msg.seq, msg.ts, item.received, msg.kind,
                                   _dumps(msg.data)))
                    if msg.kind in _LESSON_EVENTS:
                        lessons.append((kit, msg))
                elif type(msg) is CommandAck:
                    acks.append((msg.id, kit, msg.outcome, msg.message, msg.thumbnail, msg.ts,
                                 item.received))
            if telemetry:
                result.telemetry = self._insert_many(
                    cur, "INSERT INTO telemetry (kit, session, seq, ts, received, historical, "
                         "lesson, vals) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                         "ON CONFLICT (kit, session, seq) DO NOTHING", telemetry)
            for kit, msg in live.items():
                cur.execute(self._sql(
                    "UPDATE kits SET live = ?, live_ts = ?, live_seq = ? WHERE id = ? AND "
                    "(live_ts IS NULL OR live_ts < ? OR (live_ts = ? AND live_seq < ?))"),
                    (_dumps(msg.values), msg.ts, msg.seq, kit, msg.ts, msg.ts, msg.seq))
                result.live += max(cur.rowcount, 0)
            if events:
                result.events = self._insert_many(
                    cur, "INSERT INTO events (kit, session, seq, ts, received, kind, data) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kit, session, seq) DO NOTHING",
                    events)
            for kit, event in lessons:
                self._apply_lesson(cur, kit, event)
            if acks:
                result.acks = self._insert_many(
                    cur, "INSERT INTO acks (command_id, kit, outcome, message, thumbnail, ts, "
                         "received) VALUES (?, ?, ?, ?, ?, ?, ?) "
                         "ON CONFLICT (command_id, kit) DO NOTHING", acks)
            if seen:
                cur.executemany(self._sql(
                    "UPDATE kits SET last_seen = ? WHERE id = ? AND "
                    "(last_seen IS NULL OR last_seen < ?)"),
                    [(ts, kit, ts) for kit, ts in seen.items()])
        result.duplicates = (len(telemetry) - result.telemetry + len(events) - result.events
                             + len(acks) - result.acks)
        return result

    def _insert_many(self, cur: Any, sql: str, rows: list[tuple[Any, ...]]) -> int:
        """Insert ``rows``; the number actually inserted (the rest were duplicates)."""
        cur.executemany(self._sql(sql), rows)
        return max(int(cur.rowcount), 0)

    def _apply_status(self, cur: Any, kit: str, status: Status) -> bool:
        running = status.running
        if status.state == "offline":
            # only the current session's will: a stale one is ignored
            cur.execute(self._sql(
                "UPDATE kits SET state = 'offline', running_kind = NULL, running_name = NULL, "
                "status_ts = ? WHERE id = ? AND (session IS NULL OR session = ?)"),
                (status.ts, kit, status.session))
        else:
            cur.execute(self._sql(
                "UPDATE kits SET state = ?, session = ?, status_ts = ?, profile = ?, sdk = ?, "
                "running_kind = ?, running_name = ?, channels = ? WHERE id = ?"),
                (status.state, status.session, status.ts, status.profile, status.sdk,
                 None if running is None else running.kind,
                 None if running is None else running.name, _dumps(status.channels), kit))
        applied = bool(cur.rowcount == 1)
        if applied:
            self._lessons[kit] = (running.name if running is not None
                                  and running.kind == "lesson" else None)
        return applied

    def _apply_lesson(self, cur: Any, kit: str, event: Event) -> None:
        data = event.data
        outcome = _LESSON_EVENTS[event.kind]
        step = data.get("step", 0 if outcome == "started" else None)
        if outcome == "finished":
            step = data.get("passed")
        # another lesson's step leaves its step count unknown; the same lesson's keeps it
        cur.execute(self._sql(
            "UPDATE kits SET lesson = ?, lesson_step = ?, "
            "lesson_steps = CASE WHEN lesson = ? THEN COALESCE(?, lesson_steps) ELSE ? END, "
            "lesson_outcome = ?, lesson_ts = ? "
            "WHERE id = ? AND (lesson_ts IS NULL OR lesson_ts <= ?)"),
            (data["lesson"], step, data["lesson"], data.get("steps"), data.get("steps"),
             outcome, event.ts, kit, event.ts))

    def record_command(self, command: Command, kit_or_all: str) -> None:
        """Note a command the lab sends to a kit, or to every kit with ``"_all"``."""
        if kit_or_all != ALL_KITS:
            _check_kit(kit_or_all)
        with self._writing(f"record command {command.id}") as cur:
            cur.execute(self._sql("INSERT INTO commands (id, target, name, args, issuer, ts) "
                                  "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
                        (command.id, kit_or_all, command.name, _dumps(command.args),
                         command.issuer, command.ts))

    # -- data out ----------------------------------------------------------------------------

    def latest(self, kit: str) -> dict[str, dict[str, Any]]:
        """The kit's live values, device -> channel -> value ({} before its first sample).

        Only live samples count: historical (replayed) ones never show here."""
        rows = self._query(f"read the live values of kit {kit}",
                           "SELECT live FROM kits WHERE id = ?", (kit,))
        return json.loads(rows[0][0]) if rows and rows[0][0] else {}

    def latest_all(self) -> dict[str, dict[str, dict[str, Any]]]:
        """``latest`` of every kit that has live values, in one query."""
        rows = self._query("read the live values", "SELECT id, live FROM kits "
                                                   "WHERE live IS NOT NULL")
        return {kit: json.loads(live) for kit, live in rows}

    def series(self, kit: str, since: float, until: float | None = None, *,
               limit: int = 100_000) -> list[tuple[float, dict[str, dict[str, Any]]]]:
        """The kit's samples (live and historical) with ``since <= ts <= until``, oldest
        first: ``[(ts, device -> channel -> value), ...]``, at most ``limit`` (the newest)."""
        sql = "SELECT ts, vals FROM telemetry WHERE kit = ? AND ts >= ?"
        params: list[Any] = [kit, since]
        if until is not None:
            sql += " AND ts <= ?"
            params.append(until)
        sql += " ORDER BY ts DESC, seq DESC LIMIT ?"
        params.append(limit)
        rows = self._query(f"read the telemetry of kit {kit}", sql, params)
        return [(ts, json.loads(vals)) for ts, vals in reversed(rows)]

    def events(self, kit: str | None = None, since: float | None = None,
               limit: int = 200) -> list[EventRecord]:
        """The newest ``limit`` events (of ``kit``, with ``ts > since``), oldest first."""
        where: list[str] = []
        params: list[Any] = []
        if kit is not None:
            where.append("kit = ?")
            params.append(kit)
        if since is not None:
            where.append("ts > ?")
            params.append(since)
        sql = ("SELECT id, kit, session, seq, ts, received, kind, data FROM events"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY ts DESC, id DESC LIMIT ?")
        params.append(limit)
        rows = self._query("read the events", sql, params)
        return [EventRecord(id=r[0], kit=r[1], session=r[2], seq=r[3], ts=r[4], received=r[5],
                            kind=r[6], data=json.loads(r[7])) for r in reversed(rows)]

    def command(self, command_id: str) -> CommandRecord | None:
        rows = self._query(f"read command {command_id}",
                           "SELECT id, target, name, args, issuer, ts FROM commands "
                           "WHERE id = ?", (command_id,))
        return self._command_record(rows[0]) if rows else None

    def commands(self, target: str | None = None, limit: int = 50) -> list[CommandRecord]:
        """The newest ``limit`` commands (to ``target``), newest first."""
        sql = "SELECT id, target, name, args, issuer, ts FROM commands"
        params: list[Any] = []
        if target is not None:
            sql += " WHERE target = ?"
            params.append(target)
        params.append(limit)
        rows = self._query("read the commands", sql + " ORDER BY ts DESC LIMIT ?", params)
        return [self._command_record(row) for row in rows]

    @staticmethod
    def _command_record(row: Sequence[Any]) -> CommandRecord:
        return CommandRecord(id=row[0], target=row[1], name=row[2], args=json.loads(row[3]),
                             issuer=row[4], ts=row[5])

    def acks(self, command_id: str) -> list[AckRecord]:
        """Every kit's answer to a command, in order of arrival."""
        rows = self._query(f"read the acks of command {command_id}",
                           "SELECT command_id, kit, outcome, message, ts, received, thumbnail "
                           "FROM acks WHERE command_id = ? ORDER BY received, kit",
                           (command_id,))
        return [AckRecord(command_id=r[0], kit=r[1], outcome=r[2], message=r[3], ts=r[4],
                          received=r[5], thumbnail=None if r[6] is None else bytes(r[6]))
                for r in rows]

    def export_rows(self, kit: str | None = None, team: str | None = None,
                    lesson: str | None = None, start: float | None = None,
                    end: float | None = None) -> Iterator[dict[str, Any]]:
        """Telemetry one value per row, oldest first, for a CSV export: ``ts``, ``kit``,
        ``team``, ``device``, ``channel``, ``value``, ``historical``, then ``lesson``,
        ``session``, ``seq``. Filters combine; ``start``/``end`` bound the kit's ``ts``.

        ``team`` is the kit's team now; ``lesson`` the lesson the kit ran when the sample
        arrived. Rows stream from the database a chunk at a time.
        """
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("t.kit", kit), ("k.team", team), ("t.lesson", lesson)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if start is not None:
            where.append("t.ts >= ?")
            params.append(start)
        if end is not None:
            where.append("t.ts <= ?")
            params.append(end)
        sql = ("SELECT t.ts, t.kit, k.team, t.historical, t.lesson, t.session, t.seq, t.vals "
               "FROM telemetry t LEFT JOIN kits k ON k.id = t.kit"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY t.ts, t.kit, t.seq")
        for ts, kit_id, team_name, historical, lesson_name, session, seq, vals in self._iterate(
                "export telemetry", sql, params):
            for device, channels in json.loads(vals).items():
                for channel, value in channels.items():
                    yield {"ts": ts, "kit": kit_id, "team": team_name, "device": device,
                           "channel": channel, "value": value, "historical": bool(historical),
                           "lesson": lesson_name, "session": session, "seq": seq}

    def prune(self, now: float | None = None) -> int:
        """Delete telemetry, events, commands and acks that arrived more than
        ``retention_days`` before ``now``; the number of rows deleted."""
        cutoff = (time.time() if now is None else now) - self.retention_days * DAY
        deleted = 0
        with self._writing("prune old data") as cur:
            for table, column in (("telemetry", "received"), ("events", "received"),
                                  ("acks", "received"), ("commands", "ts")):
                cur.execute(self._sql(f"DELETE FROM {table} WHERE {column} < ?"), (cutoff,))
                deleted += max(cur.rowcount, 0)
        return deleted

    # -- users -------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password_hash: str) -> UserRecord:
        """Add a dashboard login; ``role`` is "teacher" or "mentor". ``UserExists`` if taken."""
        _check_name(name, "user name")
        if role not in ROLES:
            raise BadValue(f"role {role!r:.40} is not one of {', '.join(ROLES)}")
        created = time.time()
        try:
            with self._writing(f"add user {name}") as cur:
                cur.execute(self._sql("INSERT INTO users (name, role, password_hash, created) "
                                      "VALUES (?, ?, ?, ?)"),
                            (name, role, password_hash, created))
        except StoreError as exc:
            if self._is_duplicate(exc):
                raise UserExists(f"there is already a user '{name}'") from None
            raise
        return UserRecord(name=name, role=cast(Any, role), password_hash=password_hash,
                          created=created)

    def user(self, name: str) -> UserRecord | None:
        rows = self._query(f"read user {name}", f"SELECT {_USER_COLUMNS} FROM users "
                                                "WHERE name = ?", (name,))
        return UserRecord(*rows[0]) if rows else None

    def users(self) -> list[UserRecord]:
        return [UserRecord(*row) for row in self._query(
            "list the users", f"SELECT {_USER_COLUMNS} FROM users ORDER BY name")]

    def set_password(self, name: str, password_hash: str) -> None:
        """Give ``name`` a new password hash; it ends the user's sessions everywhere."""
        self._update_user(name, "password_hash", password_hash, end_sessions=True)

    def set_role(self, name: str, role: str) -> None:
        """Make ``name`` a teacher or a mentor; it ends the user's sessions everywhere."""
        if role not in ROLES:
            raise BadValue(f"role {role!r:.40} is not one of {', '.join(ROLES)}")
        self._update_user(name, "role", role, end_sessions=True)

    def end_sessions(self, name: str) -> None:
        """End every browser session of ``name`` (logout): the next request of each finds
        its session generation gone by. ``NotFound`` if no such user."""
        with self._writing(f"end the sessions of user {name}") as cur:
            cur.execute(self._sql("UPDATE users SET sessions = sessions + 1 WHERE name = ?"),
                        (name,))
            if cur.rowcount != 1:
                raise NotFound(f"there is no user '{name}'")

    def set_token(self, name: str, token_hash: str | None) -> None:
        """Set (or with None revoke) the user's API token hash; ``NotFound`` if no such user."""
        self._update_user(name, "token_hash", token_hash)

    def remove_user(self, name: str) -> None:
        with self._writing(f"remove user {name}") as cur:
            cur.execute(self._sql("DELETE FROM users WHERE name = ?"), (name,))
            if cur.rowcount != 1:
                raise NotFound(f"there is no user '{name}'")

    def _update_user(self, name: str, column: str, value: str | None, *,
                     end_sessions: bool = False) -> None:
        sessions = ", sessions = sessions + 1" if end_sessions else ""
        with self._writing(f"change user {name}") as cur:
            cur.execute(self._sql(f"UPDATE users SET {column} = ?{sessions} WHERE name = ?"),
                        (value, name))
            if cur.rowcount != 1:
                raise NotFound(f"there is no user '{name}'")

    def user_by_token(self, token_hash: str) -> UserRecord | None:
        rows = self._query("find a user by token", f"SELECT {_USER_COLUMNS} FROM users "
                                                   "WHERE token_hash = ?", (token_hash,))
        return UserRecord(*rows[0]) if rows else None

    # -- helpers for tests and tools ---------------------------------------------------------

    @staticmethod
    def new_token() -> str:
        """A fresh random API token (the web side stores only its hash)."""
        return secrets.token_urlsafe(32)
