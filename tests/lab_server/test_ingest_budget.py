"""A kit's budget: the pure ``KitBudget`` with its clock given, its defaults in the lab's
config, and what a teacher sees of a kit over it (its page, ``/health``) on the real lab.
The flood through a real Mosquitto, with another kit's latency, is in ``test_ingest.py``."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from flask.testing import FlaskClient
from helpers import wait_until

from kitsdk.telemetry import Kind, topic_for
from lab_server.budget import KitBudget
from lab_server.config import LabConfig
from lab_server.exc import ConfigError

DAY = 86400.0
NOON = 20_000 * DAY + DAY / 2


def test_a_kit_over_its_rate_is_dropped_and_counted_and_another_is_not() -> None:
    budget = KitBudget(messages_per_second=10, bytes_per_day=10**6, burst_seconds=1)
    assert [budget.admit("kit-1", 100, now=NOON) for _ in range(10)] == [None] * 10
    assert budget.admit("kit-1", 100, now=NOON) == "rate"
    assert budget.admit("kit-2", 100, now=NOON) is None
    assert budget.admit("kit-1", 100, now=NOON + 0.5) is None  # 5 tokens back in half a second
    assert budget.drops() == {"kit-1": {"rate": 1}}
    assert budget.drops("kit-2") == {}


def test_replays_and_wills_never_count_against_the_rate_only_the_bytes() -> None:
    budget = KitBudget(messages_per_second=1, bytes_per_day=1000, burst_seconds=1)
    assert budget.admit("kit-1", 10, now=NOON) is None
    assert [budget.admit("kit-1", 10, now=NOON, live=False) for _ in range(50)] == [None] * 50
    assert budget.admit("kit-1", 10, now=NOON) == "rate"
    assert budget.admit("kit-1", 900, now=NOON, live=False) == "bytes"
    assert budget.admit("kit-1", 400, now=NOON + DAY, live=False) is None  # a new UTC day
    assert budget.to_json()["dropped"] == {"kit-1": {"rate": 1, "bytes": 1}}
    assert budget.to_json()["dropped_total"] == 2


def test_a_message_is_checked_as_it_arrives_before_it_is_decoded() -> None:
    budget = KitBudget(messages_per_second=1, bytes_per_day=10**6, burst_seconds=1)
    live = b'{"v":1,"session":"aaaa11112222","seq":1,"historical":false}'
    replay = live.replace(b'"historical":false', b'"historical":true')
    check = functools.partial(budget.check, kits={"kit-1"}, now=NOON)
    assert check(topic_for("room-4", "kit-1", Kind.TELEMETRY), live) is None
    assert check(topic_for("room-4", "kit-1", Kind.TELEMETRY), live) == "rate"
    assert check(topic_for("room-4", "kit-1", Kind.TELEMETRY), replay) is None
    assert check(topic_for("room-4", "kit-1", Kind.STATUS), b'{"state":"offline"}') is None
    assert check(topic_for("room-4", "kit-9", Kind.TELEMETRY), live) is None  # not the lab's
    assert check("not/a/kit/topic", live) is None  # the decoder refuses it, and counts it
    assert budget.drops() == {"kit-1": {"rate": 1}}


def test_the_budget_is_sized_by_the_rooms_rate_unless_set() -> None:
    default = LabConfig()
    assert default.kit_messages_per_second == 20 * default.max_rate
    assert default.kit_bytes_per_day == int(default.max_rate * 86400 * 1024)
    slow = LabConfig(max_rate=10, kit_bytes_per_day=5 * 2**30)
    assert (slow.kit_messages_per_second, slow.kit_bytes_per_day) == (200, 5 * 2**30)
    with pytest.raises(ConfigError, match="kit_messages_per_second"):
        LabConfig(kit_messages_per_second=-1)
    with pytest.raises(ValueError, match="above 0"):
        KitBudget(messages_per_second=0, bytes_per_day=1)


def test_a_teacher_sees_a_kit_over_its_budget_on_its_page_and_on_health(
        services: Any, lab: Any, teacher: FlaskClient) -> None:
    kit = lab.kit("kit-1")
    services.ingest.budget = budget = KitBudget(messages_per_second=1, bytes_per_day=10**9,
                                                burst_seconds=1)
    for cm in range(20):
        kit.telemetry(cm=float(cm))
    def drops() -> int:
        return budget.drops().get("kit-1", {}).get("rate", 0)

    wait_until(lambda: len(services.store.series("kit-1", 0)) + drops() == 20, 10,
               "each of kit-1's 20 samples stored or dropped")
    dropped = drops()
    assert dropped >= 15
    page = teacher.get("/kits/kit-1").get_data(as_text=True)
    assert "Over its budget" in page and f"{dropped:,} of its messages" in page
    health = teacher.get("/health", headers={"Accept": "application/json"}).get_json()
    assert health["budget"]["dropped"] == {"kit-1": {"rate": dropped}}
    assert health["ok"] is True  # a kit over its budget is the kit's problem, not the lab's
    assert "Over its budget" not in teacher.get("/").get_data(as_text=True)
