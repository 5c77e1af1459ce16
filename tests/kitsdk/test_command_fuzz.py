"""The kit agent's command path under fuzz: arbitrary payloads on a kit's command topics,
through a real Mosquitto to the real lab link and its command worker.

Payloads are command-shaped JSON with each field swapped for anything (every Unicode code
point, lone surrogates and NUL included, nesting deeper than the parser allows, huge
numbers), any JSON at all, and raw bytes. The properties, after every example: each payload
is obeyed or refused and counted; one whose id can be read gets a ``refused`` ack naming it;
and the next good command is obeyed and answered: the link never stops listening.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kitsdk.agent.config import AgentConfig
from kitsdk.agent.link import LabLink
from kitsdk.agent.link_commands import read_command
from kitsdk.agent.outbox import Outbox
from kitsdk.telemetry import Command, CommandAck, Kind, Status, decode, topic_for

LAB, KIT = "room-4", "kit-07"
TOPICS = (topic_for(LAB, KIT, Kind.CMD), topic_for(LAB, "_all", Kind.CMD))
ACKS = topic_for(LAB, KIT, Kind.ACK)
WAIT = 10.0

CHAR = st.characters(codec=None, exclude_categories=()) | st.characters(categories=["Cs"])
TEXT = st.text(CHAR, max_size=10)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT
    | st.sampled_from([10**400, 2**64, 1e308]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10)
_ids = itertools.count(1)


def _valid(name: str = "identify") -> dict[str, Any]:
    args = {"seconds": 1.0} if name == "identify" else {}
    return {"v": 1, "id": f"fz{next(_ids):010d}", "name": name, "args": args,
            "ts": time.time(), "issuer": "mrs-khan"}


@st.composite
def swapped(draw: st.DrawFn) -> bytes:
    obj = _valid(draw(st.sampled_from(["identify", "lock", "stop"])))
    if obj["name"] == "lock":
        obj["args"] = {"message": draw(TEXT)}
    key = draw(st.sampled_from(sorted(obj)))
    how = draw(st.sampled_from(["swap", "drop", "keep"]))
    if how == "swap":
        obj[key] = draw(JSON)
    elif how == "drop":
        del obj[key]
    return json.dumps(obj).encode()


PAYLOADS = st.one_of(
    swapped(),
    JSON.map(lambda o: json.dumps(o).encode()),
    st.integers(1, 3000).map(lambda depth: b'{"a":' * depth + b"1" + b"}" * depth),
    st.binary(max_size=64),
)


class Kit:
    """The supervisor's side: obeys every command at once and records it."""

    def __init__(self) -> None:
        self.obeyed: list[str] = []

    def status(self) -> Status:
        return Status(state="online", session="0a0a0a0a0a0a", profile="starter",
                      sdk="0.1.0", channels={})

    def obey(self, command: Command) -> CommandAck:
        self.obeyed.append(command.id)
        return CommandAck(id=command.id, outcome="ok", message=f"did {command.name}")


@pytest.fixture
def kit() -> Kit:
    return Kit()


@pytest.fixture
def link(mosquitto: Any, tmp_path: Path, kit: Kit) -> Iterator[LabLink]:
    with Outbox(tmp_path / "outbox.db") as outbox:
        running = LabLink(AgentConfig(broker=mosquitto.url, lab=LAB, kit=KIT), outbox,
                          status=kit.status, on_command=kit.obey, reconnect_delays=(1, 1))
        running.start()
        assert running.wait_connected(WAIT)
        yield running
        running.stop()


@pytest.fixture
def lab(mosquitto: Any, mqtt_subscriber: Callable[..., Any]) -> Any:
    """The lab's side: sends commands, records the kit's acks."""
    return mqtt_subscriber(mosquitto.url, [ACKS], "lab")


def _acks(lab: Any) -> dict[str, list[CommandAck]]:
    found: dict[str, list[CommandAck]] = {}
    for message in lab.on(ACKS):
        ack = decode(ACKS, message.payload)
        assert isinstance(ack, CommandAck)
        found.setdefault(ack.id, []).append(ack)
    return found


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sent=st.lists(st.tuples(st.sampled_from(TOPICS), PAYLOADS), min_size=1, max_size=4))
def test_whatever_the_lab_sends_the_kit_obeys_or_refuses_it_and_listens_on(
        sent: list[tuple[str, bytes]], link: LabLink, kit: Kit, lab: Any) -> None:
    # One broker, link and lab for the whole run: what one example leaves must not harm
    # the next, as on a kit that runs all term.
    errors, obeyed = sum(link.errors.values()), len(kit.obeyed)
    expected_refusals: list[str] = []
    expected_obeyed: list[str] = []
    for topic, payload in sent:
        read = read_command(topic, payload, lab=LAB, kit=KIT)
        if isinstance(read, Command):
            if read.id not in kit.obeyed and read.id not in expected_obeyed:
                expected_obeyed.append(read.id)  # once: a command that comes again is not
        elif read.command_id is not None:
            expected_refusals.append(read.command_id)
        lab.publish(topic, payload)
    good = _valid()
    lab.publish(TOPICS[0], json.dumps(good).encode())
    assert lab.wait_for(lambda _: good["id"] in _acks(lab), WAIT), "the next good command"
    assert kit.obeyed[obeyed:] == [*expected_obeyed, good["id"]]
    refused = _acks(lab)
    for cmd_id in expected_refusals:
        assert any(a.outcome == "refused" for a in refused.get(cmd_id, [])), cmd_id
    assert sum(link.errors.values()) - errors >= len(sent) - len(expected_obeyed)
