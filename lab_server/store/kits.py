"""The kits the lab knows: provisioning, their broker logins, teams, and the state their
status messages leave."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from kitsdk.telemetry import Running
from kitsdk.telemetry.parts import parts_from_json

from ..exc import KitExists, NotFound, StoreError
from ..passwords import hash_password, new_password
from .database import Database, check_kit, check_name
from .records import KitCredentials, KitRecord, LessonProgress

_KIT_COLUMNS = ("id, team, state, last_seen, profile, running_kind, running_name, lesson, "
                "lesson_step, lesson_steps, lesson_outcome, lesson_ts, session, sdk, channels, "
                "created, parts, message")


class KitTables(Database):
    """Kits and their credentials."""

    def add_kit(self, kit: str, team: str | None = None) -> KitCredentials:
        """Add ``kit`` with a fresh random password; the password is returned only here.

        Its MQTT username is its id. Raises ``KitExists`` if the lab has it already.
        """
        check_kit(kit)
        if team is not None:
            check_name(team, "team")
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
            check_name(team, "team")
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
         outcome, lesson_ts, session, sdk, channels, created, parts, message) = row
        return KitRecord(
            id=kit, team=team, state=state, last_seen=last_seen, profile=profile,
            running=Running(kind=run_kind, name=run_name) if run_kind else None,
            lesson=None if lesson is None else LessonProgress(
                lesson=lesson, step=step, steps=steps, outcome=outcome, ts=lesson_ts),
            session=session, sdk=sdk, channels=json.loads(channels), created=created,
            parts=parts_from_json(json.loads(parts), f"{kit}.parts"), message=message)
