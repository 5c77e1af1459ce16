"""The dashboard's users: roles, password hashes, API tokens and session generations."""

from __future__ import annotations

import secrets
import time
from typing import Any, cast

from ..exc import BadValue, NotFound, StoreError, UserExists
from .database import Database, check_name
from .records import ROLES, UserRecord

_USER_COLUMNS = "name, role, password_hash, created, sessions"


class UserTables(Database):
    """Users and their tokens."""

    def add_user(self, name: str, role: str, password_hash: str) -> UserRecord:
        """Add a dashboard login; ``role`` is "teacher" or "mentor". ``UserExists`` if taken."""
        check_name(name, "user name")
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

    @staticmethod
    def new_token() -> str:
        """A fresh random API token (the web side stores only its hash)."""
        return secrets.token_urlsafe(32)
