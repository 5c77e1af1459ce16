"""The kit's outbox: a bounded on-disk queue of MQTT messages that outlives the process.

Telemetry and events are ``put`` here first and published from here, so a broker outage, a
restart or a ``kill -9`` of the agent loses nothing up to the bound. The link ``take``s
entries in order (they become *in flight*), publishes them with QoS 1 and ``ack``s each one
when the broker acknowledges it; only then is it deleted. After a reconnect the link calls
``requeue_inflight()`` and the unacknowledged entries are taken again, oldest first. Entries
hold the encoded payload, so a replay is byte for byte what was put, timestamps included::

    with Outbox("/var/lib/kitsdk/outbox.db") as outbox:
        outbox.put("kitsdk/v1/room-4/kit-07/telemetry", payload)
        for entry in outbox.take(100):
            client.publish(entry.topic, entry.payload, qos=entry.qos)  # on_publish -> ack(id)

Durability: SQLite in WAL mode with ``synchronous=NORMAL``. Every ``put`` is a committed
transaction before it returns, so killing the process (even with SIGKILL) loses nothing that
``put`` returned for. A power cut or kernel crash can lose the transactions since the last
WAL checkpoint that the kernel had not yet written out (in practice the last few seconds, at
most about 30 s of Linux writeback) but never corrupts the file. ``synchronous=FULL`` would
close that window at the price of an fsync per message, which wears an SD card and caps
puts at a few hundred per second on one; losing seconds of telemetry in a power cut is the
better trade for a classroom.

Bounds: ``max_entries`` (default one hour at 10 Hz) and ``max_bytes`` (topic and payload
bytes; the file is larger by SQLite's page overhead, about 10 to 20 %, and never grows past
its peak since freed pages are reused). Past a bound the oldest entries are dropped, in
flight or not; the count survives restarts, and ``stats.unreported_drops`` with
``put(..., reports_drops=n)`` lets the agent publish a 'dropped N' event exactly once.

All methods are thread-safe: the agent puts from its sampling thread while paho acks from
its network thread. One connection serves all threads under one lock; each call holds it for
tens of microseconds.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

DEFAULT_MAX_ENTRIES = 36_000
"""One hour of telemetry at 10 Hz."""
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so a late ack cannot hit a newer entry
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
PRAGMA user_version = 1;
"""
_SET_META = "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"


@dataclass(frozen=True, slots=True)
class Entry:
    """One queued message; ``id`` grows with every put and is what ``ack`` takes."""

    id: int
    topic: str
    payload: bytes
    qos: int


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """A snapshot of the outbox, for ``/health``-style reports."""

    queued: int
    """Stored and waiting to be taken."""
    inflight: int
    """Taken for sending, not yet acknowledged."""
    stored_bytes: int
    """Topic and payload bytes stored, queued or in flight."""
    dropped: int
    """Entries dropped for the bound since the file was created."""
    unreported_drops: int
    """Dropped entries that no ``put(..., reports_drops=n)`` has reported yet."""


class Outbox:
    """A bounded, durable FIFO of MQTT messages with in-flight tracking.

    ``path`` is the SQLite file (created if missing). Opening an outbox with a smaller bound
    than its file holds drops the oldest entries at once.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError(f"outbox bounds must be positive, got {max_entries}, {max_bytes}")
        self.path = os.fspath(path)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._cond = threading.Condition()
        self._inflight: set[int] = set()
        self._cursor = 0  # highest id handed out by take() since the last requeue
        self._seqs: dict[str, int] = {}
        self._dirty_seqs: set[str] = set()
        self._closed = False
        self._count = 0
        self._bytes = 0
        self._meta: dict[str, int] = {}
        self._db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=5.0
        )
        try:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA journal_size_limit = 4194304")  # truncate the WAL to 4 MiB
            self._db.executescript(_SCHEMA)
            self._count, self._bytes = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries"
            ).fetchone()
            self._meta = dict(self._db.execute("SELECT key, value FROM meta"))
            with self._transaction():
                self._enforce_bounds()
        except BaseException:
            self._db.close()
            raise

    # -- writing -----------------------------------------------------------------------------

    def put(self, topic: str, payload: bytes, qos: int = 1, *, reports_drops: int = 0) -> int:
        """Store one message durably and return its id; drop the oldest past the bound.

        ``reports_drops=n`` marks ``n`` drops as reported in the same transaction, for the
        message that tells the lab about them (see ``OutboxStats.unreported_drops``).
        """
        return self.put_many([(topic, payload)], qos, reports_drops=reports_drops)[0]

    def put_many(
        self, items: Iterable[tuple[str, bytes]], qos: int = 1, *, reports_drops: int = 0
    ) -> list[int]:
        """Store ``(topic, payload)`` pairs in one transaction: the fast path for bursts."""
        if qos not in (0, 1, 2):
            raise ValueError(f"qos must be 0, 1 or 2, got {qos!r}")
        rows = []
        for topic, payload in items:
            size = len(topic.encode()) + len(payload)
            if size > self.max_bytes:
                raise ValueError(
                    f"a {size}-byte message on {topic!r} does not fit an outbox of "
                    f"{self.max_bytes} bytes"
                )
            rows.append((topic, payload, qos, size))
        with self._cond, self._transaction() as db:
            unreported = self._meta.get("dropped", 0) - self._meta.get("reported", 0)
            if not 0 <= reports_drops <= unreported:
                raise ValueError(f"reports_drops={reports_drops}, but {unreported} are unreported")
            db.executemany(
                "INSERT INTO entries (topic, payload, qos, size) VALUES (?, ?, ?, ?)", rows
            )
            # One transaction under the write lock: AUTOINCREMENT gives consecutive ids.
            last: int = db.execute("SELECT last_insert_rowid()").fetchone()[0]
            self._count += len(rows)
            self._bytes += sum(row[3] for row in rows)
            self._enforce_bounds()
            if reports_drops:
                self._set_meta("reported", self._meta.get("reported", 0) + reports_drops)
            for stream in self._dirty_seqs:
                self._set_meta(f"seq:{stream}", self._seqs[stream])
            self._dirty_seqs.clear()
            self._cond.notify_all()
        return list(range(last - len(rows) + 1, last + 1))

    def next_seq(self, stream: str) -> int:
        """The next sequence number of ``stream`` (``"telemetry"``, ``"event"``), from 1.

        Numbers grow across restarts: the counter is saved with the next ``put``, so a
        number is reused after a crash only if no message carrying it was stored.
        """
        with self._cond:
            self._check_open()
            if stream not in self._seqs:
                self._seqs[stream] = self._meta.get(f"seq:{stream}", 0)
            self._seqs[stream] += 1
            self._dirty_seqs.add(stream)
            return self._seqs[stream]

    # -- sending -----------------------------------------------------------------------------

    def take(self, n: int) -> list[Entry]:
        """Up to ``n`` entries, oldest first, that are not in flight; they become in flight."""
        if n < 1:
            raise ValueError(f"take(n) needs n >= 1, got {n}")
        with self._cond:
            rows = self._open_db().execute(
                "SELECT id, topic, payload, qos FROM entries WHERE id > ? ORDER BY id LIMIT ?",
                (self._cursor, n),
            )
            entries = [Entry(*row) for row in rows]
            if entries:
                self._cursor = entries[-1].id
                self._inflight.update(entry.id for entry in entries)
            return entries

    def ack(self, entry_id: int) -> bool:
        """Delete an entry the broker has acknowledged; ``False`` if it was already gone."""
        with self._cond, self._transaction() as db:
            row = db.execute("DELETE FROM entries WHERE id = ? RETURNING size", (entry_id,))
            sizes = row.fetchall()
            self._inflight.discard(entry_id)
            if sizes:
                self._count -= 1
                self._bytes -= sizes[0][0]
            return bool(sizes)

    def requeue_inflight(self) -> int:
        """Make every unacknowledged entry takeable again, in order: call after a reconnect.

        Returns how many were in flight. A late ack for one of them is still honoured.
        """
        with self._cond:
            self._check_open()
            count = len(self._inflight)
            self._inflight.clear()
            self._cursor = 0
            if self._count:
                self._cond.notify_all()
            return count

    def wait(self, timeout: float | None = None) -> bool:
        """Block until an entry can be taken (``True``) or the timeout passes or the outbox
        closes (``False``): the link's sending loop waits here instead of polling."""
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self._queued > 0, timeout)
            return not self._closed and self._queued > 0

    # -- state -------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Entries stored: queued and in flight."""
        with self._cond:
            return self._count

    @property
    def stats(self) -> OutboxStats:
        with self._cond:
            dropped = self._meta.get("dropped", 0)
            return OutboxStats(
                queued=self._queued,
                inflight=len(self._inflight),
                stored_bytes=self._bytes,
                dropped=dropped,
                unreported_drops=dropped - self._meta.get("reported", 0),
            )

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close the file; idempotent. Wakes any thread blocked in ``wait``."""
        with self._cond:
            if not self._closed:
                self._closed = True
                self._db.close()
                self._cond.notify_all()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Outbox {self.path!r} {'closed' if self._closed else len(self)}>"

    # -- internals (callers hold self._cond) -------------------------------------------------

    @property
    def _queued(self) -> int:
        # Entries not in flight are exactly those past the cursor: take() moves both together.
        return self._count - len(self._inflight)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"outbox {self.path} is closed")

    def _open_db(self) -> sqlite3.Connection:
        self._check_open()
        return self._db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; in-memory counters are restored if it rolls back."""
        db = self._open_db()
        saved = (self._count, self._bytes, dict(self._meta), set(self._inflight))
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._count, self._bytes, self._meta, self._inflight = saved
            raise

    def _set_meta(self, key: str, value: int) -> None:
        self._db.execute(_SET_META, (key, value))
        self._meta[key] = value

    def _enforce_bounds(self) -> None:
        """Delete the oldest entries until both bounds hold, and count them as dropped."""
        excess_count = self._count - self.max_entries
        excess_bytes = self._bytes - self.max_bytes
        if excess_count <= 0 and excess_bytes <= 0:
            return
        dropped = freed = last = 0
        oldest = self._db.execute("SELECT id, size FROM entries ORDER BY id")
        for entry_id, size in oldest:
            if dropped >= excess_count and freed >= excess_bytes:
                break
            dropped += 1
            freed += size
            last = entry_id
        oldest.close()  # read only as far as needed; release it before deleting
        self._db.execute("DELETE FROM entries WHERE id <= ?", (last,))
        self._count -= dropped
        self._bytes -= freed
        self._inflight = {entry_id for entry_id in self._inflight if entry_id > last}
        self._set_meta("dropped", self._meta.get("dropped", 0) + dropped)
