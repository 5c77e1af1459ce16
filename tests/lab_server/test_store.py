"""The store, the same tests against SQLite and against the machine's real PostgreSQL.

PostgreSQL: 127.0.0.1:5432, database ``test`` (``KITLAB_TEST_POSTGRES`` overrides the URL);
each test run gets a fresh schema, dropped after. Under ``CI=true`` a PostgreSQL that cannot
be reached fails the tests; elsewhere they are skipped.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from postgres_schema import empty_store_url

from kitsdk.exc import BadMessage
from kitsdk.readings import Channel
from kitsdk.telemetry import CommandAck, Event, Part, Running, Status, Telemetry
from lab_server.exc import BadValue, KitExists, NotFound, StoreError, UserExists
from lab_server.passwords import verify_password
from lab_server.store import Inbound, Store, open_store

SESSION = "3f9a1c0d2b7e"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = open_store(empty_store_url(request, tmp_path), retention_days=30)
    yield opened
    opened.close()


def status(state: str = "online", session: str = SESSION, **kw: Any) -> Status:
    return Status(state=state, session=session, profile="rover", sdk="0.1.0",  # type: ignore[arg-type]
                  channels={"distance": {"cm": "cm"}}, **kw)


def sample(seq: int, cm: float, *, ts: float | None = None, historical: bool = False,
           session: str = SESSION) -> Telemetry:
    return Telemetry(session=session, seq=seq, ts=ts if ts is not None else 1000.0 + seq,
                     historical=historical, values={"distance": {"cm": cm}})


def write(store: Store, kit: str, *messages: Any, received: float | None = None) -> Any:
    now = time.time() if received is None else received
    return store.write([Inbound(kit, m, now) for m in messages])


# -- kits --------------------------------------------------------------------------------------

def test_a_kit_gets_a_password_once_and_the_store_keeps_only_a_hash(store: Store) -> None:
    creds = store.add_kit("kit-07", team="red")
    assert (creds.kit, creds.username) == ("kit-07", "kit-07")
    assert len(creds.password) >= 20 and creds.password not in repr(creds)
    [(user, hashed)] = store.kit_logins()
    assert user == "kit-07" and hashed.startswith("$7$") and creds.password not in hashed
    assert verify_password(creds.password, hashed)
    assert 'password = "' + creds.password in creds.agent_toml("mqtt://lab:1883", "room-4")


def test_kits_are_listed_with_their_state(store: Store) -> None:
    store.add_kit("kit-2")
    store.add_kit("kit-1", team="red")
    kits = store.kits()
    assert [k.id for k in kits] == ["kit-1", "kit-2"]
    assert (kits[0].team, kits[0].state, kits[0].last_seen, kits[0].running) == (
        "red", "offline", None, None)
    store.set_team("kit-2", "blue")
    record = store.kit("kit-2")
    assert record is not None and record.team == "blue"
    assert store.kit("kit-9") is None
    assert store.kit_ids() == {"kit-1", "kit-2"}


def test_kit_mistakes_are_named(store: Store) -> None:
    store.add_kit("kit-1")
    with pytest.raises(KitExists, match="kit-1"):
        store.add_kit("kit-1")
    with pytest.raises(BadValue, match="Kit 7"):
        store.add_kit("Kit 7")
    with pytest.raises(NotFound, match="kit-9"):
        store.set_team("kit-9", "red")
    with pytest.raises(BadValue, match="team"):
        store.set_team("kit-1", "x" * 65)


def test_the_kits_version_changes_with_the_kit_list(store: Store) -> None:
    heard: list[str] = []
    store.on_kits_changed(lambda: heard.append("changed"))
    before = store.kits_version()
    store.add_kit("kit-1")
    after = store.kits_version()
    assert after != before and heard == ["changed"]
    new = store.reset_password("kit-1")
    assert verify_password(new.password, store.kit_logins()[0][1])
    store.remove_kit("kit-1")
    assert store.kit_ids() == set() and len(heard) == 3


def test_a_status_sets_the_state_profile_running_and_catalogue(store: Store) -> None:
    store.add_kit("kit-1")
    write(store, "kit-1", status(running=Running(kind="script", name="drive.py")),
          received=5000.0)
    record = store.kit("kit-1")
    assert record is not None
    assert (record.state, record.profile, record.session, record.last_seen) == (
        "online", "rover", SESSION, 5000.0)
    assert record.running == Running(kind="script", name="drive.py")
    assert record.channels == {"distance": {"cm": "cm"}}
    assert record.to_json()["running"] == {"kind": "script", "name": "drive.py"}


def test_a_status_keeps_the_kits_parts_until_a_status_without_them(store: Store) -> None:
    store.add_kit("kit-1")
    assert store.kit("kit-1").parts == ()  # type: ignore[union-attr]
    parts = (Part(name="drive", kind="drive_base", label="drive base 'drive'",
                  channels=(Channel("left", "", "left wheel", low=-1.0, high=1.0),)),
             Part(name="red", kind="led", label="LED 'red'", look={"color": "red",
                                                                    "legs": [1, 2]}))
    write(store, "kit-1", status(parts=parts))
    record = store.kit("kit-1")
    assert record is not None and record.parts == parts and store.kits()[0].parts == parts
    assert record.to_json()["parts"][1] == {"name": "red", "kind": "led", "label": "LED 'red'",
                                            "look": {"color": "red", "legs": [1, 2]},
                                            "channels": []}
    write(store, "kit-1", status("offline"))  # a will keeps what the kit said it is
    assert store.kit("kit-1").parts == parts  # type: ignore[union-attr]
    write(store, "kit-1", status())  # an older agent now: it describes nothing
    assert store.kit("kit-1").parts == ()  # type: ignore[union-attr]


def test_a_locked_kit_keeps_the_teachers_words_until_it_is_unlocked(store: Store) -> None:
    store.add_kit("kit-1")
    write(store, "kit-1", status("locked", message="eyes on me"))
    record = store.kit("kit-1")
    assert record is not None and (record.state, record.message) == ("locked", "eyes on me")
    assert record.to_json()["message"] == "eyes on me"
    write(store, "kit-1", status())
    assert store.kit("kit-1").message is None  # type: ignore[union-attr]


def test_a_stale_will_is_ignored_and_the_current_one_applies(store: Store) -> None:
    store.add_kit("kit-1")
    write(store, "kit-1", status(session="aaaa"), status(session="bbbb"))
    result = write(store, "kit-1", status("offline", session="aaaa"))
    assert result.statuses == 0 and store.kit("kit-1").state == "online"  # type: ignore[union-attr]
    write(store, "kit-1", status("offline", session="bbbb"))
    assert store.kit("kit-1").state == "offline"  # type: ignore[union-attr]


def test_lesson_progress_follows_the_lesson_events(store: Store) -> None:
    store.add_kit("kit-1")
    write(store, "kit-1",
          Event(session=SESSION, seq=1, ts=10.0, kind="lesson.started",
                data={"lesson": "blink", "steps": 3}),
          Event(session=SESSION, seq=2, ts=11.0, kind="lesson.step_passed",
                data={"lesson": "blink", "step": 1, "title": "On"}))
    lesson = store.kit("kit-1").lesson  # type: ignore[union-attr]
    assert lesson is not None
    assert (lesson.lesson, lesson.step, lesson.steps, lesson.outcome) == ("blink", 1, 3, "passed")
    # an older event replayed later does not move progress back
    write(store, "kit-1", Event(session=SESSION, seq=0, ts=5.0, kind="lesson.started",
                                data={"lesson": "blink", "steps": 3}))
    assert store.kit("kit-1").lesson.step == 1  # type: ignore[union-attr]


# -- data ---------------------------------------------------------------------------------------

def test_duplicate_telemetry_is_dropped_by_the_unique_key(store: Store) -> None:
    store.add_kit("kit-1")
    first = write(store, "kit-1", sample(1, 10.0), sample(2, 11.0))
    again = write(store, "kit-1", sample(2, 11.0), sample(3, 12.0), sample(3, 12.0))
    assert (first.telemetry, first.duplicates) == (2, 0)
    assert (again.telemetry, again.duplicates) == (1, 2)
    assert [v["distance"]["cm"] for _, v in store.series("kit-1", 0)] == [10.0, 11.0, 12.0]
    # the same seq in another session (an outbox wiped on the kit) is new data
    assert write(store, "kit-1", sample(1, 99.0, session="cccc")).telemetry == 1


def test_historical_telemetry_is_stored_but_never_live(store: Store) -> None:
    store.add_kit("kit-1")
    write(store, "kit-1", sample(5, 20.0))
    write(store, "kit-1", sample(9, 99.0, ts=5000.0, historical=True))
    assert store.latest("kit-1") == {"distance": {"cm": 20.0}}
    assert [v["distance"]["cm"] for _, v in store.series("kit-1", 0)] == [20.0, 99.0]
    assert store.latest_all() == {"kit-1": {"distance": {"cm": 20.0}}}


def test_an_older_live_sample_never_replaces_a_newer_one(store: Store) -> None:
    store.add_kit("kit-1")
    write(store, "kit-1", sample(2, 2.0), sample(3, 3.0), sample(1, 1.0))
    assert store.latest("kit-1") == {"distance": {"cm": 3.0}}
    write(store, "kit-1", sample(2, 2.0))
    assert store.latest("kit-1") == {"distance": {"cm": 3.0}}
    assert store.latest("kit-2") == {}


def test_series_takes_a_time_range_oldest_first(store: Store) -> None:
    store.add_kit("kit-1")
    write(store, "kit-1", *(sample(i, float(i)) for i in range(10)))
    assert [ts for ts, _ in store.series("kit-1", 1003.0, 1005.0)] == [1003.0, 1004.0, 1005.0]
    assert [ts for ts, _ in store.series("kit-1", 1000.0, limit=2)] == [1008.0, 1009.0]


def test_events_newest_after_since_oldest_first(store: Store) -> None:
    store.add_kit("kit-1")
    store.add_kit("kit-2")
    for seq in range(5):
        write(store, "kit-1", Event(session=SESSION, seq=seq, ts=100.0 + seq,
                                    kind="button.pressed", data={"device": "button"}))
    write(store, "kit-2", Event(session=SESSION, seq=0, ts=50.0, kind="error",
                                data={"source": "motor", "message": "stalled"}))
    again = write(store, "kit-1", Event(session=SESSION, seq=4, ts=104.0,
                                        kind="button.pressed", data={"device": "button"}))
    assert again.events == 0 and again.duplicates == 1
    assert [e.seq for e in store.events("kit-1", limit=3)] == [2, 3, 4]
    assert [e.ts for e in store.events("kit-1", since=102.0)] == [103.0, 104.0]
    everything = store.events()
    assert [e.kit for e in everything][0] == "kit-2" and len(everything) == 6
    assert everything[0].data == {"source": "motor", "message": "stalled"}
    assert everything[-1].to_json()["kind"] == "button.pressed"


def test_commands_and_their_acks(store: Store) -> None:
    from kitsdk.telemetry import Command

    store.add_kit("kit-1")
    store.add_kit("kit-2")
    command = Command(name="stop", issuer="mrs-khan")
    store.record_command(command, "_all")
    record = store.command(command.id)
    assert record is not None and (record.target, record.name, record.issuer) == (
        "_all", "stop", "mrs-khan")
    jpeg = b"\xff\xd8\xff\xe0" + b"x" * 100
    write(store, "kit-2", CommandAck(id=command.id, outcome="ok", thumbnail=jpeg),
          received=2.0)
    write(store, "kit-1", CommandAck(id=command.id, outcome="refused", message="locked"),
          received=3.0)
    duplicate = write(store, "kit-1", CommandAck(id=command.id, outcome="refused"))
    assert duplicate.acks == 0
    acks = store.acks(command.id)
    assert [(a.kit, a.outcome) for a in acks] == [("kit-2", "ok"), ("kit-1", "refused")]
    assert acks[0].thumbnail == jpeg and acks[1].thumbnail is None
    assert acks[0].to_json()["has_thumbnail"] is True
    assert [c.id for c in store.commands("_all")] == [command.id]


def test_export_rows_one_value_per_row_with_filters(store: Store) -> None:
    store.add_kit("kit-1", team="red")
    store.add_kit("kit-2", team="blue")
    write(store, "kit-1", status(running=Running(kind="lesson", name="walls")))
    write(store, "kit-1", Telemetry(session=SESSION, seq=1, ts=10.0,
                                    values={"distance": {"cm": 5.0}, "line": {"left": True}}))
    write(store, "kit-2", sample(1, 7.0, ts=20.0, historical=True))
    rows = list(store.export_rows())
    assert [(r["kit"], r["device"], r["channel"], r["value"]) for r in rows] == [
        ("kit-1", "distance", "cm", 5.0), ("kit-1", "line", "left", True),
        ("kit-2", "distance", "cm", 7.0)]
    assert rows[0]["team"] == "red" and rows[0]["lesson"] == "walls"
    assert rows[2]["historical"] is True and rows[0]["historical"] is False
    assert {r["kit"] for r in store.export_rows(team="blue")} == {"kit-2"}
    assert {r["kit"] for r in store.export_rows(lesson="walls")} == {"kit-1"}
    assert [r["ts"] for r in store.export_rows(start=15.0)] == [20.0]
    assert list(store.export_rows(kit="kit-1", end=5.0)) == []


def test_prune_keeps_retention_days_by_arrival(store: Store) -> None:
    store.add_kit("kit-1")
    now = 100 * 86400.0
    write(store, "kit-1", sample(1, 1.0, ts=0.0), received=now - 31 * 86400)  # old
    write(store, "kit-1", sample(2, 2.0, ts=0.0), received=now - 1)  # a clockless Pi's ts
    assert store.prune(now) == 1
    assert [v["distance"]["cm"] for _, v in store.series("kit-1", -1)] == [2.0]


# -- users --------------------------------------------------------------------------------------

def test_users_and_tokens(store: Store) -> None:
    store.add_user("mrs-khan", "teacher", "scrypt:hash1")
    store.add_user("visitor", "mentor", "scrypt:hash2")
    with pytest.raises(UserExists):
        store.add_user("mrs-khan", "mentor", "x")
    with pytest.raises(BadValue, match="role"):
        store.add_user("bob", "admin", "x")
    user = store.user("mrs-khan")
    assert user is not None and (user.role, user.password_hash) == ("teacher", "scrypt:hash1")
    assert [u.name for u in store.users()] == ["mrs-khan", "visitor"]
    assert store.user("nobody") is None
    store.set_token("visitor", "tokenhash")
    found = store.user_by_token("tokenhash")
    assert found is not None and found.name == "visitor"
    store.set_token("visitor", None)
    assert store.user_by_token("tokenhash") is None
    with pytest.raises(NotFound):
        store.set_token("nobody", "x")


def test_a_closed_store_says_so(store: Store) -> None:
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.kits()


# -- fuzz: whatever a message can hold, the store takes it or says so as a StoreError ---------

CHAR = st.characters(codec=None, exclude_categories=()) | st.characters(categories=["Cs"])
TEXT = st.text(CHAR, min_size=1, max_size=8)
NAME = st.sampled_from(["drive", "cm", "a b", "é"]) | TEXT
READING = (st.none() | st.booleans() | st.integers()
           | st.floats(allow_nan=False, allow_infinity=False))
TIME = st.floats(0, 1e300) | st.integers(0, 2**80)


@st.composite
def built(draw: st.DrawFn) -> Any:
    """Any message that can be built: text with every code point where a message allows
    it, numbers as big as it allows."""
    kind = draw(st.sampled_from(["telemetry", "status", "event", "ack"]))
    seq, ts = draw(st.integers(0, 2**63 - 1)), draw(TIME)
    try:
        if kind == "telemetry":
            return Telemetry(session=SESSION, seq=seq, ts=ts, historical=draw(st.booleans()),
                             values={draw(NAME): {draw(NAME): draw(READING)}})
        if kind == "status":
            return Status(state=draw(st.sampled_from(["online", "offline", "locked"])),
                          session=SESSION, ts=ts, profile=draw(NAME), sdk=draw(NAME),
                          running=Running(kind="lesson", name=draw(NAME)),
                          channels={draw(NAME): {draw(NAME): draw(st.text(CHAR, max_size=8))}})
        if kind == "event":
            return Event(session=SESSION, seq=seq, ts=ts, kind="lesson.step_failed",
                         data={"lesson": draw(NAME), "step": draw(st.integers(0, 10**6)),
                               "title": draw(TEXT), "hint": draw(TEXT)})
        return CommandAck(id=SESSION, outcome="failed", message=draw(TEXT), ts=ts)
    except BadMessage:
        reject()


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
@given(messages=st.lists(built(), min_size=1, max_size=4))
def test_whatever_a_message_holds_the_store_keeps_it_or_raises_store_error(
        store: Store, messages: list[Any]) -> None:
    # One store for the whole run: a write it refused must leave it working for the next.
    if "kit-1" not in store.kit_ids():
        store.add_kit("kit-1")
    try:
        write(store, "kit-1", *messages)
    except StoreError:
        for message in messages:  # alone, each is kept or refused the same way
            try:
                write(store, "kit-1", message)
            except StoreError:
                continue
    good = sample(time.time_ns(), 1.0, ts=time.time(), session="ffff00001111")
    assert write(store, "kit-1", good).telemetry == 1
    assert store.kit("kit-1") is not None and store.events("kit-1") is not None
    store.latest("kit-1")


# -- per database -------------------------------------------------------------------------------

def test_sqlite_runs_in_wal_mode_and_survives_a_second_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lab.db'}"
    with open_store(url) as first, open_store(url) as second:
        first.add_kit("kit-1")  # e.g. `kitlab kits add` while the server runs
        assert second.kit_ids() == {"kit-1"}
    mode = sqlite3.connect(tmp_path / "lab.db").execute("PRAGMA journal_mode").fetchone()
    assert mode == ("wal",)


def test_an_unreachable_postgres_is_storeunavailable() -> None:
    from lab_server.exc import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="PostgreSQL"):
        open_store("postgresql://nobody:secret@127.0.0.1:1/none?connect_timeout=1")


def test_a_bad_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="neither"):
        open_store("mysql://x")
    with pytest.raises(StoreError, match="memory"):
        open_store("sqlite:///:memory:")
