"""What kits send, in and out: ``write`` stores the ingest's batches (telemetry, events,
statuses and acks, duplicates dropped), the rest reads readings and events back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from kitsdk.telemetry import CommandAck, Event, Status, Telemetry
from kitsdk.telemetry.parts import parts_to_json

from .database import Database, dumps, where
from .records import EventRecord, Inbound, LessonOutcome


class WriteResult:
    """What one ``write`` did: rows new and duplicates dropped, by table."""

    __slots__ = ("acks", "duplicates", "events", "live", "statuses", "telemetry")

    def __init__(self) -> None:
        self.telemetry = self.events = self.acks = self.statuses = self.live = 0
        self.duplicates = 0

    def __repr__(self) -> str:
        return (f"<WriteResult telemetry={self.telemetry} events={self.events} acks={self.acks}"
                f" statuses={self.statuses} live={self.live} duplicates={self.duplicates}>")


_LESSON_EVENTS: dict[str, LessonOutcome] = {
    "lesson.started": "started",
    "lesson.step_passed": "passed",
    "lesson.step_failed": "failed",
    "lesson.finished": "finished",
}
LESSON_EVENTS = tuple(_LESSON_EVENTS)
"""The kinds of lesson progress events, in the order of a check."""


class ReadingTables(Database):
    """Telemetry, events, statuses and acks from the kits."""

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
                                      dumps(msg.values)))
                    if not msg.historical:
                        best = live.get(kit)
                        if best is None or (msg.ts, msg.seq) > (best.ts, best.seq):
                            live[kit] = msg
                elif type(msg) is Event:
                    events.append((kit, msg.session, msg.seq, msg.ts, item.received, msg.kind,
                                   dumps(msg.data)))
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
                    (dumps(msg.values), msg.ts, msg.seq, kit, msg.ts, msg.ts, msg.seq))
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
            # only the current session's will: a stale one is ignored; the catalogue and
            # parts stay (a will is made when the kit connects: its own may be older)
            cur.execute(self._sql(
                "UPDATE kits SET state = 'offline', running_kind = NULL, running_name = NULL, "
                "status_ts = ? WHERE id = ? AND (session IS NULL OR session = ?)"),
                (status.ts, kit, status.session))
        else:  # no parts (an older kit) stores []: the kit page draws it from its channels
            cur.execute(self._sql(
                "UPDATE kits SET state = ?, session = ?, status_ts = ?, profile = ?, sdk = ?, "
                "running_kind = ?, running_name = ?, channels = ?, parts = ?, message = ? "
                "WHERE id = ?"),
                (status.state, status.session, status.ts, status.profile, status.sdk,
                 None if running is None else running.kind,
                 None if running is None else running.name, dumps(status.channels),
                 dumps(parts_to_json(status.parts)), status.message, kit))
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
        condition, params = where(("kit = ?", kit), ("ts > ?", since))
        sql = ("SELECT id, kit, session, seq, ts, received, kind, data FROM events" + condition
               + " ORDER BY ts DESC, id DESC LIMIT ?")
        params.append(limit)
        return [_event(row) for row in reversed(self._query("read the events", sql, params))]

    def lesson_events(self, since: float | None = None, until: float | None = None, *,
                      kinds: Sequence[str] = LESSON_EVENTS,
                      limit: int = 100_000) -> list[EventRecord]:
        """Lesson events of every kit that arrived (``received``: the lab's clock, which the
        lesson board compares with its own) with ``since <= received <= until``, oldest
        first; at most ``limit``, the newest. ``kinds`` picks some of ``LESSON_EVENTS``."""
        return self.events_of_kinds(kinds, since, until, limit=limit)

    def events_of_kinds(self, kinds: Sequence[str], since: float | None = None,
                        until: float | None = None, *, limit: int = 100_000
                        ) -> list[EventRecord]:
        """Events of these ``kinds``, of every kit, that arrived (``received``, the lab's
        clock) with ``since <= received <= until``, oldest first; at most ``limit``, the
        newest. One range of the ``(kind, received)`` index per kind."""
        condition, params = where(("received >= ?", since), ("received <= ?", until))
        sql = ("SELECT id, kit, session, seq, ts, received, kind, data FROM events"
               + (condition + " AND " if condition else " WHERE ")
               + f"kind IN ({', '.join('?' * len(kinds))}) ORDER BY received DESC, id DESC "
                 "LIMIT ?")
        rows = self._query("read events by kind", sql, [*params, *kinds, limit])
        return [_event(row) for row in reversed(rows)]


def _event(row: Sequence[Any]) -> EventRecord:
    """An ``events`` row (``id, kit, session, seq, ts, received, kind, data``) as a record."""
    return EventRecord(id=row[0], kit=row[1], session=row[2], seq=row[3], ts=row[4],
                       received=row[5], kind=row[6], data=json.loads(row[7]))
