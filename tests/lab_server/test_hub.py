"""The live hub: batches, coalescing, filters, bounded buffers, closing. No sleeps: waits are
the hub's own timeouts, or threads joined with a timeout."""

from __future__ import annotations

import threading
import time

from lab_server.hub import LiveHub, Update


def telemetry(kit: str, cm: float) -> Update:
    return Update("telemetry", kit, {"values": {"distance": {"cm": cm}}})


def test_a_batch_holds_the_newest_telemetry_of_each_kit_and_every_other_update() -> None:
    hub = LiveHub(window=0.05)
    sub = hub.subscribe()
    for i in range(100):
        hub.publish(telemetry("kit-1", float(i)))
    hub.publish(Update("event", "kit-1", {"kind": "button.pressed"}))
    hub.publish(telemetry("kit-2", 7.0))
    hub.publish(Update("ack", "kit-2", {"id": "c1", "outcome": "ok"}))
    batch = sub.get(timeout=1)
    assert [(u.kind, u.kit) for u in batch] == [
        ("telemetry", "kit-1"), ("event", "kit-1"), ("telemetry", "kit-2"), ("ack", "kit-2")]
    assert batch[0].data["values"]["distance"]["cm"] == 99.0
    assert sub.get(timeout=0.01) == []


def test_a_subscription_sees_only_its_kits() -> None:
    hub = LiveHub(window=0.01)
    sub = hub.subscribe({"kit-2"})
    hub.publish(telemetry("kit-1", 1.0))
    hub.publish(Update("status", "kit-1", {"state": "online"}))
    assert sub.get(timeout=0.05) == []
    hub.publish(Update("status", "kit-2", {"state": "locked"}))
    assert [u.data for u in sub.get(timeout=1)] == [{"state": "locked"}]


def test_batches_come_at_most_once_a_window() -> None:
    hub = LiveHub(window=0.1)
    sub = hub.subscribe()
    hub.publish(telemetry("kit-1", 1.0))
    assert len(sub.get(timeout=1)) == 1
    start = time.monotonic()
    hub.publish(telemetry("kit-1", 2.0))
    hub.publish(telemetry("kit-1", 3.0))
    batch = sub.get(timeout=1)
    assert time.monotonic() - start >= 0.09
    assert [u.data["values"]["distance"]["cm"] for u in batch] == [3.0]


def test_a_slow_subscriber_drops_the_oldest_updates_counted_and_never_blocks_publish() -> None:
    hub = LiveHub(window=0.01, buffer=10)
    slow = hub.subscribe()
    start = time.monotonic()
    for i in range(1000):
        hub.publish(Update("event", "kit-1", {"n": i}))
    assert time.monotonic() - start < 1.0
    batch = slow.get(timeout=1)
    assert [u.data["n"] for u in batch] == list(range(990, 1000))
    assert slow.dropped == 990 and hub.stats()["dropped"] == 990


def test_a_new_subscription_starts_from_now() -> None:
    hub = LiveHub(window=0.01)
    hub.publish(Update("event", "kit-1", {"n": 1}))
    sub = hub.subscribe()
    assert sub.get(timeout=0.02) == []


def test_closing_wakes_a_waiting_get() -> None:
    hub = LiveHub(window=0.01)
    sub = hub.subscribe()
    other = hub.subscribe()
    results: list[list[Update]] = []
    waiter = threading.Thread(target=lambda: results.append(sub.get(timeout=30)))
    waiter.start()
    sub.close()
    waiter.join(5)
    assert results == [[]] and not waiter.is_alive()
    assert hub.subscriptions == 1
    waiter = threading.Thread(target=lambda: results.append(other.get(timeout=30)))
    waiter.start()
    hub.close()
    waiter.join(5)
    assert results == [[], []] and hub.subscriptions == 0
    assert hub.subscribe().get(timeout=5) == []  # a closed hub answers at once
    hub.publish(telemetry("kit-1", 1.0))  # and ignores publishers


def test_many_subscribers_all_get_the_update() -> None:
    hub = LiveHub(window=0.01)
    subs = [hub.subscribe() for _ in range(100)]
    hub.publish(Update("ack", "kit-1", {"id": "c1"}))
    assert all([u.kit for u in s.get(timeout=1)] == ["kit-1"] for s in subs)
    with subs[0]:
        pass
    assert subs[0].closed and "every kit" in repr(subs[0])
