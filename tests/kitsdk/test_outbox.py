"""The outbox: order, acks, requeue, bounds, drop reports, durability under SIGKILL, threads."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from kitsdk.agent.outbox import Entry, Outbox

TOPIC = "kitsdk/v1/room-4/kit-07/telemetry"
WAIT = 10.0  # seconds: a bound on every wait, never a sleep


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


def fill(outbox: Outbox, n: int, start: int = 0) -> list[int]:
    return [outbox.put(TOPIC, b"m%d" % i) for i in range(start, start + n)]


def payloads(entries: list[Entry]) -> list[bytes]:
    return [entry.payload for entry in entries]


def test_take_keeps_order_and_marks_in_flight(path: Path) -> None:
    with Outbox(path) as outbox:
        ids = fill(outbox, 5)
        assert ids == sorted(ids)
        first = outbox.take(3)
        assert [e.id for e in first] == ids[:3]
        assert payloads(first) == [b"m0", b"m1", b"m2"]
        assert first[0] == Entry(ids[0], TOPIC, b"m0", 1)
        assert payloads(outbox.take(10)) == [b"m3", b"m4"]
        assert outbox.take(10) == []
        assert len(outbox) == 5
        stats = outbox.stats
        assert (stats.queued, stats.inflight) == (0, 5)


def test_ack_removes_for_good(path: Path) -> None:
    with Outbox(path) as outbox:
        ids = fill(outbox, 3)
        outbox.take(3)
        assert outbox.ack(ids[1]) is True
        assert outbox.ack(ids[1]) is False  # a duplicate ack is harmless
        assert len(outbox) == 2
    with Outbox(path) as outbox:
        assert payloads(outbox.take(10)) == [b"m0", b"m2"]


def test_unacked_entries_are_sent_again_after_requeue(path: Path) -> None:
    with Outbox(path) as outbox:
        ids = fill(outbox, 6)
        outbox.take(4)
        outbox.ack(ids[0])
        outbox.ack(ids[2])
        assert outbox.requeue_inflight() == 2
        assert payloads(outbox.take(10)) == [b"m1", b"m3", b"m4", b"m5"]
        # A late ack from the old connection still removes its entry.
        assert outbox.ack(ids[1]) is True
        assert outbox.stats.inflight == 3


def test_in_flight_entries_are_sent_again_after_a_restart(path: Path) -> None:
    with Outbox(path) as outbox:
        fill(outbox, 3)
        outbox.take(3)
    with Outbox(path) as outbox:
        assert outbox.stats.inflight == 0
        assert payloads(outbox.take(10)) == [b"m0", b"m1", b"m2"]


def test_put_many_is_one_batch_in_order(path: Path) -> None:
    with Outbox(path) as outbox:
        first = outbox.put(TOPIC, b"solo")
        ids = outbox.put_many([(TOPIC, b"a"), (TOPIC, b"b"), (TOPIC, b"c")], qos=0)
        assert ids == [first + 1, first + 2, first + 3]
        entries = outbox.take(10)
        assert payloads(entries) == [b"solo", b"a", b"b", b"c"]
        assert [e.qos for e in entries] == [1, 0, 0, 0]


def test_count_bound_drops_the_oldest_and_counts_across_restarts(path: Path) -> None:
    with Outbox(path, max_entries=10) as outbox:
        fill(outbox, 15)
        assert len(outbox) == 10
        assert payloads(outbox.take(1)) == [b"m5"]
        assert outbox.stats.dropped == 5
    with Outbox(path, max_entries=10) as outbox:
        assert outbox.stats.dropped == 5
        assert outbox.stats.unreported_drops == 5


def test_byte_bound_drops_the_oldest(path: Path) -> None:
    size = len(TOPIC) + 100
    with Outbox(path, max_bytes=size * 4) as outbox:
        for i in range(6):
            outbox.put(TOPIC, bytes([i]) * 100)
        assert len(outbox) == 4
        assert outbox.stats.stored_bytes == size * 4
        assert outbox.take(1)[0].payload[0] == 2
        with pytest.raises(ValueError, match="does not fit"):
            outbox.put(TOPIC, b"x" * size * 4)


def test_dropping_in_flight_entries_forgets_them(path: Path) -> None:
    with Outbox(path, max_entries=3) as outbox:
        ids = fill(outbox, 3)
        outbox.take(2)
        fill(outbox, 2, start=3)
        assert outbox.stats.inflight == 0
        assert outbox.ack(ids[0]) is False
        assert payloads(outbox.take(10)) == [b"m2", b"m3", b"m4"]


def test_reopening_with_a_smaller_bound_drops_at_once(path: Path) -> None:
    with Outbox(path) as outbox:
        fill(outbox, 8)
    with Outbox(path, max_entries=5) as outbox:
        assert len(outbox) == 5
        assert outbox.stats.dropped == 3


def test_drops_are_reported_once(path: Path) -> None:
    with Outbox(path, max_entries=4) as outbox:
        fill(outbox, 7)
        assert outbox.stats.unreported_drops == 3
        outbox.put("kitsdk/v1/room-4/kit-07/event", b"dropped 3", reports_drops=3)
        stats = outbox.stats
        assert (stats.dropped, stats.unreported_drops) == (4, 1)  # the report dropped one more
    with Outbox(path, max_entries=4) as outbox:
        assert outbox.stats.unreported_drops == 1
        with pytest.raises(ValueError, match="1 are unreported"):
            outbox.put(TOPIC, b"dropped 2", reports_drops=2)
        assert len(outbox) == 4


def test_sequence_numbers_grow_across_restarts(path: Path) -> None:
    with Outbox(path) as outbox:
        assert [outbox.next_seq("telemetry") for _ in range(3)] == [1, 2, 3]
        assert outbox.next_seq("event") == 1
        outbox.put(TOPIC, b"seq 3")
        assert outbox.next_seq("telemetry") == 4  # never stored: may be reused
    with Outbox(path) as outbox:
        assert outbox.next_seq("telemetry") == 4
        assert outbox.next_seq("event") == 2


def test_wait_wakes_on_put_requeue_and_close(path: Path) -> None:
    with Outbox(path) as outbox:
        assert outbox.wait(timeout=0) is False
        woke = threading.Event()

        def waiter() -> None:
            if outbox.wait(timeout=WAIT):
                woke.set()

        thread = threading.Thread(target=waiter)
        thread.start()
        outbox.put(TOPIC, b"x")
        thread.join(WAIT)
        assert woke.is_set()
        outbox.take(1)
        assert outbox.wait(timeout=0) is False
        outbox.requeue_inflight()
        assert outbox.wait(timeout=0) is True

    outbox = Outbox(path)
    outbox.take(1)
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(outbox.wait(timeout=WAIT)))
    thread.start()
    outbox.close()
    thread.join(WAIT)
    assert result == [False]


def test_close_is_idempotent_and_use_after_close_fails(path: Path) -> None:
    outbox = Outbox(path)
    outbox.close()
    outbox.close()
    assert outbox.closed
    for use in (lambda: outbox.put(TOPIC, b"x"), lambda: outbox.take(1), lambda: outbox.ack(1)):
        with pytest.raises(RuntimeError, match="closed"):
            use()


@pytest.mark.parametrize("bounds", [{"max_entries": 0}, {"max_bytes": 0}])
def test_bounds_must_be_positive(path: Path, bounds: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="positive"):
        Outbox(path, **bounds)


def test_bad_take_and_qos_are_refused(path: Path) -> None:
    with Outbox(path) as outbox:
        with pytest.raises(ValueError, match="n >= 1"):
            outbox.take(0)
        with pytest.raises(ValueError, match="qos"):
            outbox.put(TOPIC, b"x", qos=3)


def test_the_file_is_wal_with_normal_sync(path: Path) -> None:
    with Outbox(path) as outbox:
        fill(outbox, 1)
        db = sqlite3.connect(path)
        try:
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert db.execute("SELECT payload FROM entries").fetchall() == [(b"m0",)]
        finally:
            db.close()


WRITER = textwrap.dedent(
    """
    import sys
    from kitsdk.agent.outbox import Outbox

    outbox = Outbox(sys.argv[1])
    for i in range(int(sys.argv[2])):
        entry_id = outbox.put("kitsdk/v1/room-4/kit-07/telemetry", b"reading %d" % i)
        print(entry_id, flush=True)  # put returned: the entry is durable
    print("done", flush=True)
    sys.stdin.read()  # hold the file open until killed
    """
)


def run_writer(path: Path, n: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def read_ids(writer: subprocess.Popen[str], at_most: int) -> list[int]:
    """The ids the writer reported, up to ``at_most`` or its "done" line."""
    assert writer.stdout is not None
    ids: list[int] = []
    while len(ids) < at_most and (line := writer.stdout.readline().strip()) not in ("done", ""):
        ids.append(int(line))
    return ids


def kill(writer: subprocess.Popen[str]) -> list[int]:
    """SIGKILL the writer; return the ids it had reported but not yet read."""
    assert writer.stdin is not None and writer.stdout is not None
    writer.send_signal(signal.SIGKILL)
    rest = writer.stdout.read()  # not communicate(): it would skip what readline() buffered
    assert writer.wait(timeout=WAIT) == -signal.SIGKILL
    writer.stdin.close()
    writer.stdout.close()
    return [int(line) for line in rest.split() if line != "done"]


def test_sigkill_after_5000_puts_loses_nothing(path: Path) -> None:
    writer = run_writer(path, 5000)
    reported = read_ids(writer, 5000)
    assert read_ids(writer, 1) == []  # "done": the writer is idle, holding the file open
    kill(writer)
    with Outbox(path) as outbox:
        entries = outbox.take(10_000)
    assert [e.id for e in entries] == reported
    assert payloads(entries) == [b"reading %d" % i for i in range(5000)]


def test_sigkill_mid_stream_loses_no_entry_put_returned_for(path: Path) -> None:
    writer = run_writer(path, 1_000_000)
    reported = read_ids(writer, 2500)
    reported += kill(writer)
    with Outbox(path, max_entries=1_000_000) as outbox:
        stored = [e.id for e in outbox.take(1_000_000)]
    assert len(reported) >= 2500
    assert stored[: len(reported)] == reported  # every reported entry, in order
    assert stored == list(range(1, len(stored) + 1))  # and no hole after them


def test_a_producer_and_an_acker_thread(path: Path) -> None:
    n = 5000
    received: list[bytes] = []
    errors: list[BaseException] = []

    def produce(outbox: Outbox) -> None:
        for i in range(n):
            outbox.put(TOPIC, b"m%d" % i)

    def ack(outbox: Outbox) -> None:
        try:
            while len(received) < n and outbox.wait(timeout=WAIT):
                for entry in outbox.take(50):
                    received.append(entry.payload)
                    outbox.ack(entry.id)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    with Outbox(path) as outbox:
        threads = [
            threading.Thread(target=produce, args=(outbox,)),
            threading.Thread(target=ack, args=(outbox,)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 3)
        assert not any(thread.is_alive() for thread in threads)
        assert errors == []
        assert received == [b"m%d" % i for i in range(n)]
        assert len(outbox) == 0
