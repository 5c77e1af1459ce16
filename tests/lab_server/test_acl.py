"""The broker's rules, case by case: a kit writes only its own topics and reads only its own
commands, the server alone commands, nobody without a name gets anything, and nobody
publishes to a wildcard. Each rule here is one that a planted bug in
``lab_server/broker/acl.py`` breaks (tests/test_planted_bugs.py).
"""

from __future__ import annotations

import pytest

from kitsdk.telemetry import Kind, topic_for
from lab_server.broker.acl import (
    SERVER_USER,
    Action,
    acl_file,
    allowed,
    kit_publishes,
    kit_reads,
    server_publishes,
    server_reads,
)

LAB = "room-4"
ROOT = f"kitsdk/v1/{LAB}"


def topic(kit: str, kind: Kind) -> str:
    return topic_for(LAB, kit, kind)


OWN = [topic("kit-1", kind) for kind in (Kind.STATUS, Kind.TELEMETRY, Kind.EVENT, Kind.ACK)]

REFUSED: list[tuple[str | None, Action, str]] = [
    # Nobody publishes to a wildcard, not even to one matching only their own topics.
    (SERVER_USER, "publish", f"{ROOT}/+/cmd"),
    (SERVER_USER, "publish", f"{ROOT}/#"),
    ("kit-1", "publish", f"{ROOT}/kit-1/+"),
    ("kit-1", "publish", f"{ROOT}/kit-1/#"),
    ("kit-1", "publish", f"{ROOT}/+/status"),
    # A kit never commands: not itself, not its lab, not another kit.
    ("kit-1", "publish", topic("kit-1", Kind.CMD)),
    ("kit-1", "publish", topic("_all", Kind.CMD)),
    ("kit-1", "publish", topic("kit-2", Kind.CMD)),
    # ... nor speaks for another kit.
    ("kit-1", "publish", topic("kit-2", Kind.TELEMETRY)),
    # It reads its own commands and its lab's, and nothing else: no other kit's, no acks,
    # no telemetry, no deeper or wider topics.
    ("kit-1", "subscribe", topic("kit-2", Kind.CMD)),
    ("kit-1", "subscribe", f"{ROOT}/+/cmd"),
    ("kit-1", "subscribe", topic("kit-1", Kind.ACK)),
    ("kit-1", "subscribe", topic("kit-1", Kind.TELEMETRY)),
    ("kit-1", "subscribe", topic("kit-2", Kind.TELEMETRY)),
    ("kit-1", "subscribe", f"{topic('kit-1', Kind.CMD)}/extra"),
    ("kit-1", "receive", f"{topic('kit-1', Kind.CMD)}/extra"),
    ("kit-1", "subscribe", "#"),
    ("kit-1", "publish", f"{topic('kit-1', Kind.STATUS)}/extra"),
    # The server commands, and never speaks for a kit.
    (SERVER_USER, "publish", topic("kit-1", Kind.TELEMETRY)),
    (SERVER_USER, "publish", topic("kit-1", Kind.STATUS)),
    (SERVER_USER, "publish", topic("kit-1", Kind.ACK)),
    (SERVER_USER, "subscribe", "kitsdk/v1/room-5/+/telemetry"),
    (SERVER_USER, "subscribe", "$share/g/kitsdk/v1/room-5/+/telemetry"),
    # No name, no rights.
    (None, "subscribe", topic("_all", Kind.CMD)),
    (None, "receive", topic("kit-1", Kind.CMD)),
    (None, "publish", topic("kit-1", Kind.STATUS)),
    ("", "subscribe", topic("_all", Kind.CMD)),
]

ALLOWED: list[tuple[str, Action, str]] = [
    *[("kit-1", "publish", own) for own in OWN],
    ("kit-1", "subscribe", topic("kit-1", Kind.CMD)),
    ("kit-1", "receive", topic("_all", Kind.CMD)),
    (SERVER_USER, "publish", topic("kit-1", Kind.CMD)),
    (SERVER_USER, "publish", topic("_all", Kind.CMD)),
    (SERVER_USER, "subscribe", f"{ROOT}/+/telemetry"),
    (SERVER_USER, "subscribe", f"$share/ingest/{ROOT}/+/telemetry"),
    (SERVER_USER, "receive", topic("kit-1", Kind.ACK)),
]


@pytest.mark.parametrize(("user", "action", "topic_"), REFUSED)
def test_refused(user: str | None, action: Action, topic_: str) -> None:
    assert not allowed(user, LAB, action, topic_)
    assert not allowed(user, LAB, action, topic_, kits={"kit-1", "kit-2"})


@pytest.mark.parametrize(("user", "action", "topic_"), ALLOWED)
def test_allowed(user: str, action: Action, topic_: str) -> None:
    assert allowed(user, LAB, action, topic_)
    assert allowed(user, LAB, action, topic_, kits={"kit-1"})


@pytest.mark.parametrize("action", ["publish", "subscribe", "receive"])
def test_a_removed_kit_keeps_no_rights(action: Action) -> None:
    own = topic("kit-1", Kind.CMD if action != "publish" else Kind.TELEMETRY)
    assert allowed("kit-1", LAB, action, own)  # while the lab does not check its kit list
    assert not allowed("kit-1", LAB, action, own, kits={"kit-2"})
    assert not allowed("kit-1", LAB, action, own, kits=set())


def rules_of(text: str) -> dict[str, dict[str, list[str]]]:
    """Mosquitto's ACL file as ``{user: {"read": [...], "write": [...], ...}}``."""
    users: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for line in text.splitlines():
        if line.startswith("user "):
            current = users.setdefault(line.removeprefix("user "), {})
        elif line.startswith("topic "):
            assert current is not None, f"a topic line before any user: {line!r}"
            access, pattern = line.removeprefix("topic ").split(" ", 1)
            current.setdefault(access, []).append(pattern)
    return users


def test_the_acl_file_says_what_the_function_says() -> None:
    users = rules_of(acl_file(LAB, ["kit-2", "kit-1"]))
    assert users == {
        SERVER_USER: {"read": server_reads(LAB), "write": server_publishes(LAB)},
        "kit-1": {"write": kit_publishes(LAB, "kit-1"), "read": kit_reads(LAB, "kit-1")},
        "kit-2": {"write": kit_publishes(LAB, "kit-2"), "read": kit_reads(LAB, "kit-2")},
    }
