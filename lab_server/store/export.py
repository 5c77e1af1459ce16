"""What leaves the store: rows for the CSV export, and old rows dropped by retention."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from .database import Database, where

DAY = 86400.0


class ExportQueries(Database):
    """The CSV export's rows, and ``prune``."""

    def export_rows(self, kit: str | None = None, team: str | None = None,
                    lesson: str | None = None, start: float | None = None,
                    end: float | None = None) -> Iterator[dict[str, Any]]:
        """Telemetry one value per row, oldest first, for a CSV export: ``ts``, ``kit``,
        ``team``, ``device``, ``channel``, ``value``, ``unit``, ``historical``, then
        ``lesson``, ``session``, ``seq``. Filters combine; ``team`` ignores case (a teacher
        types "Red" for team "red"); ``start``/``end`` bound the kit's ``ts``.

        ``team`` is the kit's team now, and ``unit`` the channel's in the kit's catalogue
        now (from its latest status; ``""`` when unitless or unknown); ``lesson`` the lesson
        the kit ran when the sample arrived. Rows stream from the database a chunk at a time.
        """
        units = {kit_id: json.loads(channels) for kit_id, channels in self._query(
            "read the kits' units", "SELECT id, channels FROM kits", [])}
        condition, params = where(("t.kit = ?", kit), ("LOWER(k.team) = LOWER(?)", team),
                                  ("t.lesson = ?", lesson), ("t.ts >= ?", start),
                                  ("t.ts <= ?", end))
        sql = ("SELECT t.ts, t.kit, k.team, t.historical, t.lesson, t.session, t.seq, t.vals "
               "FROM telemetry t LEFT JOIN kits k ON k.id = t.kit" + condition
               + " ORDER BY t.ts, t.kit, t.seq")
        for ts, kit_id, team_name, historical, lesson_name, session, seq, vals in self._iterate(
                "export telemetry", sql, params):
            catalogue = units.get(kit_id, {})
            for device, channels in json.loads(vals).items():
                for channel, value in channels.items():
                    yield {"ts": ts, "kit": kit_id, "team": team_name, "device": device,
                           "channel": channel, "value": value,
                           "unit": catalogue.get(device, {}).get(channel, ""),
                           "historical": bool(historical), "lesson": lesson_name,
                           "session": session, "seq": seq}

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
