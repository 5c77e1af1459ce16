"""Outbox throughput against raw sqlite3 inserts of the same rows, in one run.

    python benchmarks/bench_outbox.py [N]

Prints entries per second for ``put`` (one transaction each, as the agent puts live
telemetry), ``put_many`` (batches of 100), replay (``take(100)`` then one ``ack`` per entry,
as the link drains a backlog) and ``put`` on a full outbox (each put drops the oldest), each
as a ratio to raw sqlite3 inserts with the same pragmas: one transaction per row for the
single-row figures, one ``executemany`` transaction for the batched one.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kitsdk.agent.outbox import Outbox
from kitsdk.telemetry import Kind, Telemetry, encode, topic_for

BATCH = 100


def rows(n: int) -> list[tuple[str, bytes]]:
    topic = topic_for("room-4", "kit-07", Kind.TELEMETRY)
    return [
        (
            topic,
            encode(
                Telemetry(
                    session="3f9a1c0d2b7e",
                    seq=seq,
                    ts=1_700_000_000 + seq / 10,
                    values={
                        "distance": {"cm": 17.5 + seq % 7},
                        "motors": {"left": 0.5, "right": -0.5},
                        "button": {"pressed": seq % 2 == 0},
                        "light": {"lux": 301, "raw": 0.71},
                    },
                )
            ),
        )
        for seq in range(1, n + 1)
    ]


def rate(n: int, run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return n / (time.perf_counter() - start)


def raw_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(
        "CREATE TABLE entries (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,"
        " payload BLOB NOT NULL, qos INTEGER NOT NULL, size INTEGER NOT NULL)"
    )
    return db


def main(n: int) -> None:
    data = rows(n)
    sized = [(topic, payload, 1, len(topic) + len(payload)) for topic, payload in data]
    insert = "INSERT INTO entries (topic, payload, qos, size) VALUES (?, ?, ?, ?)"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        db = raw_db(folder / "raw1.db")
        raw_single = rate(n, lambda: [db.execute(insert, row) for row in sized])
        db.close()

        db = raw_db(folder / "raw2.db")

        def raw_many() -> None:
            db.execute("BEGIN")
            db.executemany(insert, sized)
            db.execute("COMMIT")

        raw_batch = rate(n, raw_many)
        db.close()

        with Outbox(folder / "put.db", max_entries=n) as outbox:
            put = rate(n, lambda: [outbox.put(topic, payload) for topic, payload in data])

            def replay() -> None:
                while entries := outbox.take(BATCH):
                    for entry in entries:
                        outbox.ack(entry.id)

            drain = rate(n, replay)
            assert len(outbox) == 0

        with Outbox(folder / "many.db", max_entries=n) as outbox:
            batched = rate(
                n,
                lambda: [outbox.put_many(data[i : i + BATCH]) for i in range(0, n, BATCH)],
            )

        with Outbox(folder / "full.db", max_entries=n // 10) as outbox:
            full = rate(n, lambda: [outbox.put(topic, payload) for topic, payload in data])
            assert outbox.stats.dropped == n - n // 10

    print(
        f"outbox: {n} telemetry entries of {len(data[0][1])} bytes, sqlite {sqlite3.sqlite_version}"
    )
    print(f"  {'raw sqlite3 insert, 1 txn per row':34} {raw_single:>9,.0f}/s")
    print(f"  {'raw sqlite3 executemany, 1 txn':34} {raw_batch:>9,.0f}/s")
    for label, value, base, base_label in [
        ("outbox put", put, raw_single, "raw 1 txn per row"),
        (f"outbox put_many, {BATCH} per batch", batched, raw_batch, "raw executemany"),
        (f"outbox replay: take({BATCH}), ack each", drain, raw_single, "raw 1 txn per row"),
        ("outbox put when full (drops oldest)", full, raw_single, "raw 1 txn per row"),
    ]:
        print(f"  {label:34} {value:>9,.0f}/s  {value / base:.2f} x {base_label}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
