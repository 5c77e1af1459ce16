"""``Store``: every table of the lab's data over one database; SQLite and PostgreSQL fill in
what differs (``sqlite.py``, ``postgres.py``).

One concern a module, all over the same :class:`~.database.Database` (connections, the
writer's lock, errors): ``kits``, ``readings`` (what kits send), ``commands``, ``users`` and
``export`` (the CSV export and retention).
"""

from __future__ import annotations

from .commands import CommandTables
from .export import ExportQueries
from .kits import KitTables
from .readings import ReadingTables
from .users import UserTables


class Store(KitTables, ReadingTables, CommandTables, ExportQueries, UserTables):
    """The lab's kits, telemetry, events, commands, acks and users.

    Build one with ``open_store(url)``. Thread-safe; ``close()`` when done (idempotent).
    ``retention_days`` is what ``prune`` keeps.
    """
