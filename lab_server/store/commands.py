"""The teacher's commands as sent, and each kit's answer to them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kitsdk.telemetry import ALL_KITS, Command

from .database import Database, check_kit, dumps
from .records import AckRecord, CommandRecord


class CommandTables(Database):
    """Commands and their acks."""

    def record_command(self, command: Command, kit_or_all: str) -> None:
        """Note a command the lab sends to a kit, or to every kit with ``"_all"``."""
        if kit_or_all != ALL_KITS:
            check_kit(kit_or_all)
        with self._writing(f"record command {command.id}") as cur:
            cur.execute(self._sql("INSERT INTO commands (id, target, name, args, issuer, ts) "
                                  "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
                        (command.id, kit_or_all, command.name, dumps(command.args),
                         command.issuer, command.ts))

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
