"""For the ingest's tests: a store with two kits, and the real store with a fault in its writes.

::

    store = kits_store(tmp_path)                    # SQLite, kits kit-1 and kit-2

    outage = iter([StoreUnavailable("PostgreSQL at db: connection refused")] * 2)
    store = FaultyStore(real_store, lambda messages: next(outage, None))

``fault(messages)`` gives the exception a write of ``messages`` raises, or None to write them:
a database that is down for a while, or that refuses one value (as a driver does with a
number or a character it cannot send). Everything but ``write`` is the real store's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab_server.store import Store, open_store


def kits_store(directory: Path, kits: tuple[str, ...] = ("kit-1", "kit-2")) -> Store:
    """A SQLite store in ``directory`` holding ``kits``; the caller closes it (``with``)."""
    store = open_store(f"sqlite:///{directory / 'lab.db'}")
    for kit in kits:
        store.add_kit(kit)
    return store


class FaultyStore:
    """The real ``store``, whose writes fail as ``fault`` says; ``writes`` counts them all."""

    def __init__(self, store: Any, fault: Callable[[list[Any]], BaseException | None]) -> None:
        self._store = store
        self.fault = fault
        self.writes = 0

    def write(self, messages: Any) -> Any:
        self.writes += 1
        messages = list(messages)
        exc = self.fault(messages)
        if exc is not None:
            raise exc
        return self._store.write(messages)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)
