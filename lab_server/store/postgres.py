"""``PostgresStore``: the store for a district, over psycopg 3.

``open_store("postgresql://kitlab@db.example/kitlab")``; libpq's URL parameters pass
through, so ``?options=-csearch_path%3Droom4`` puts a lab in its own schema. The writer
connection commits each batch; ``executemany`` sends a batch's rows in one pipeline (one
round trip, not one per row). Read connections run in autocommit, so none sits idle in a
transaction. Exports read through a server-side cursor, a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ..exc import StoreError, StoreUnavailable
from .base import Store

CONNECT_TIMEOUT = 10


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise StoreUnavailable("PostgreSQL needs psycopg 3: pip install 'kitsdk[server]'"
                               ) from exc
    return psycopg


class PostgresStore(Store):
    """The lab's store in a PostgreSQL database."""

    dialect = "postgresql"

    def __init__(self, url: str, *, retention_days: float = 365.0) -> None:
        super().__init__(url, retention_days=retention_days)
        self._pg = _psycopg()

    @property
    def _db_errors(self) -> tuple[type[Exception], ...]:
        return (self._pg.Error,)

    def _connect(self, *, writer: bool) -> Any:
        return self._pg.connect(self.url, autocommit=not writer,
                                connect_timeout=CONNECT_TIMEOUT)

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _translate(self, exc: Exception, what: str) -> Exception:
        where = _redacted(self.url)
        if isinstance(exc, self._pg.OperationalError):
            return StoreUnavailable(f"cannot {what}: PostgreSQL at {where}: {exc}")
        return StoreError(f"cannot {what} in PostgreSQL at {where}: {exc}")

    def _iterate(self, what: str, sql: str, params: Sequence[Any]) -> Iterator[Any]:
        try:
            conn = self._pg.connect(self.url, connect_timeout=CONNECT_TIMEOUT)
        except self._pg.Error as exc:
            raise self._translate(exc, what) from exc
        try:
            with conn.transaction(), conn.cursor(name="kitlab_export") as cur:
                cur.execute(self._sql(sql), params)
                while rows := cur.fetchmany(1000):
                    yield from rows
        except self._pg.Error as exc:
            raise self._translate(exc, what) from exc
        finally:
            conn.close()


def _redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}" if user else f"{scheme}://{host}"


