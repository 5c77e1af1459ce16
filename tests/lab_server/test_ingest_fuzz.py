"""The whole ingest path under fuzz: arbitrary payloads from a kit, published through a real
Mosquitto to the real ingest and its SQLite store, between another kit's good samples.

The payloads are JSON of every kind: any Unicode code point (lone surrogates and NUL
included) in keys and values, nesting deeper than any parser allows, numbers too big for a
column, each field of a valid message swapped for anything, raw bytes that are not UTF-8.
The properties, after every example: the ingest never stalls (every message is received and
finished within seconds), every message is stored or counted (the counters add up to what
was published), and the other kit's stream is stored complete.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_lab import kits_store

from kitsdk.telemetry import Kind, Telemetry, encode, topic_for
from lab_server.ingest import Ingest
from lab_server.store import Store

LAB = "room-4"
S1, S2 = "aaaa11112222", "bbbb33334444"
KINDS = (Kind.TELEMETRY, Kind.STATUS, Kind.EVENT, Kind.ACK)

CHAR = st.characters(codec=None, exclude_categories=()) | st.characters(categories=["Cs"])
TEXT = st.text(CHAR, max_size=10)
NUMBER = (st.integers() | st.floats()
          | st.sampled_from([10**400, -(10**400), 2**63, 2**64, 1e308, -0.0, 5e-324]))
JSON = st.recursive(st.none() | st.booleans() | NUMBER | TEXT,
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXT, inner, max_size=3), max_leaves=10)
VALID: dict[Kind, dict[str, Any]] = {
    Kind.TELEMETRY: {"v": 1, "session": S2, "seq": 1, "ts": 1000.0, "historical": False,
                     "values": {"distance": {"cm": 1.0}}},
    Kind.STATUS: {"v": 1, "state": "online", "session": S2, "ts": 1000.0, "profile": "rover",
                  "sdk": "0.1.0", "running": {"kind": "lesson", "name": "drive"},
                  "channels": {"distance": {"cm": "cm"}}},
    Kind.EVENT: {"v": 1, "session": S2, "seq": 1, "ts": 1000.0, "kind": "lesson.started",
                 "data": {"lesson": "drive", "steps": 3}},
    Kind.ACK: {"v": 1, "id": S2, "outcome": "ok", "message": "done", "ts": 1000.0,
               "thumbnail": None},
}


@st.composite
def swapped(draw: st.DrawFn) -> tuple[Kind, bytes]:
    """A valid message with one field swapped for anything, dropped, or a name fuzzed."""
    kind = draw(st.sampled_from(KINDS))
    obj = json.loads(json.dumps(VALID[kind]))
    key = draw(st.sampled_from(sorted(obj)))
    how = draw(st.sampled_from(["swap", "drop", "names", "seq"]))
    if how == "swap":
        obj[key] = draw(JSON)
    elif how == "drop":
        del obj[key]
    elif how == "seq" and "seq" in obj:
        obj["seq"] = draw(st.integers(0, 2**63 - 1))
    elif kind in (Kind.TELEMETRY, Kind.STATUS):
        tree = "values" if kind is Kind.TELEMETRY else "channels"
        leaf = draw(NUMBER | st.booleans() | st.none()) if kind is Kind.TELEMETRY else draw(TEXT)
        obj[tree] = {draw(TEXT): {draw(TEXT): leaf}}
    else:
        obj["message" if kind is Kind.ACK else "data"] = draw(TEXT if kind is Kind.ACK else JSON)
    return kind, json.dumps(obj).encode()


PAYLOADS = st.one_of(
    swapped(),
    st.tuples(st.sampled_from(KINDS), JSON.map(lambda o: json.dumps(o).encode())),
    st.tuples(st.sampled_from(KINDS), st.integers(1, 3000).map(
        lambda depth: b"[" * depth + b"]" * depth)),
    st.tuples(st.sampled_from(KINDS), st.binary(max_size=64)),
    st.tuples(st.sampled_from(KINDS), JSON.map(
        lambda o: json.dumps(o, ensure_ascii=False).encode("utf-8", "surrogatepass"))),
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with kits_store(tmp_path) as opened:
        yield opened


@pytest.fixture
def ingest(mosquitto: Any, store: Store) -> Iterator[Ingest]:
    running = Ingest(store, lab=LAB, url=mosquitto.url, reconnect_delays=(1, 1))
    running.start()
    assert running.wait_connected(10), "the ingest never connected"
    yield running
    running.close()


@pytest.fixture
def kit(mosquitto: Any, mqtt_subscriber: Callable[..., Any]) -> Any:
    """A client publishing as the kits (at QoS 1, waiting for the broker each time)."""
    return mqtt_subscriber(mosquitto.url, [topic_for(LAB, "kit-2", Kind.CMD)], "fuzzer")


def _handled(ingest: Ingest) -> int:
    """Messages the ingest has accounted for: stored, duplicate, counted, or ignored."""
    stats = ingest.stats()
    return (stats["stored"] + stats["duplicates"] + sum(stats["errors"].values())
            + sum(stats["ignored"].values()))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payloads=st.lists(PAYLOADS, min_size=1, max_size=4))
def test_whatever_a_kit_sends_the_ingest_stores_or_counts_it_and_goes_on(
        payloads: list[tuple[Kind, bytes]], ingest: Ingest, store: Store, kit: Any) -> None:
    # The broker, the ingest and the store live for the whole run, not one example: the
    # subject is a long-running ingest, and what one example leaves must not stall the next.
    good = len(store.series("kit-1", 0))
    received, handled = ingest.received, _handled(ingest)
    for i, (kind, payload) in enumerate(payloads):
        kit.publish(topic_for(LAB, "kit-2", kind), payload)
        good += 1
        kit.publish(topic_for(LAB, "kit-1", Kind.TELEMETRY), encode(Telemetry(
            session=S1, seq=good, ts=time.time(), values={"distance": {"cm": float(i)}})))
    sent = 2 * len(payloads)
    wait_until(lambda: _handled(ingest) - handled >= sent, 10,
               "every message stored, a duplicate, counted or ignored")
    assert _handled(ingest) - handled == sent and ingest.received == received + sent
    assert len(store.series("kit-1", 0)) == good
