"""The lab's store: kits, telemetry, events, commands, acks and dashboard users.

::

    store = open_store("sqlite:////var/lib/kitlab/lab.db")     # or postgresql://...
    creds = store.add_kit("kit-07", team="red")                 # creds.password: shown once
    store.write([Inbound("kit-07", telemetry, time.time())])    # the ingest's batches
    store.latest("kit-07")      # {"distance": {"cm": 23.4}}: live values only
    store.close()

``base.Store`` holds the SQL both databases share, one concern a module (``kits``,
``readings``, ``commands``, ``users``, ``export``) over ``database.Database`` (connections,
the writer's lock, errors); ``sqlite.SQLiteStore`` and ``postgres.PostgresStore`` the rest;
``records`` what goes in and out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..exc import StoreError
from .base import Store
from .postgres import PostgresStore
from .readings import WriteResult
from .records import (
    ROLES,
    AckRecord,
    CommandRecord,
    EventRecord,
    Inbound,
    KitCredentials,
    KitRecord,
    LessonProgress,
    Role,
    UserRecord,
)
from .sqlite import SQLiteStore


def open_store(url: str, *, retention_days: float = 365.0) -> Store:
    """The store at ``url`` (``sqlite:///path`` or ``postgresql://...``), its tables made
    if missing. Raises ``StoreUnavailable`` if the database cannot be reached."""
    scheme = urlsplit(url).scheme
    store: Store
    if scheme == "sqlite":
        store = SQLiteStore(url, retention_days=retention_days)
    elif scheme in ("postgresql", "postgres"):
        store = PostgresStore(url, retention_days=retention_days)
    else:
        raise StoreError(f"store URL {url!r} is neither sqlite:///path nor postgresql://...")
    try:
        store._create()
    except BaseException:
        store.close()
        raise
    return store


__all__ = [
    "ROLES",
    "AckRecord",
    "CommandRecord",
    "EventRecord",
    "Inbound",
    "KitCredentials",
    "KitRecord",
    "LessonProgress",
    "PostgresStore",
    "Role",
    "SQLiteStore",
    "Store",
    "UserRecord",
    "WriteResult",
    "open_store",
]
