"""The v1 topic tree: ``kitsdk/v1/{lab}/{kit}/{kind}``, its builders, its parser, its filters.

Lab and kit ids are lowercase letters, digits and ``-`` (1 to 32 characters, not starting
with ``-``), so a topic never holds an MQTT wildcard or separator and an id reads the same in
a URL, a file name and an ACL line. ``_all`` is the reserved kit id of lab-wide commands: the
underscore keeps it out of the space of real kit ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from kitsdk.exc import BadMessage

ROOT = "kitsdk/v1"
ALL_KITS = "_all"
QOS = 1
"""Every v1 message is published with QoS 1: at least once, duplicates dropped by the reader."""

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


class Kind(StrEnum):
    """The last levels of a topic: which message it carries."""

    STATUS = "status"
    TELEMETRY = "telemetry"
    EVENT = "event"
    CMD = "cmd"
    ACK = "cmd/ack"

    @property
    def retain(self) -> bool:
        """Only status is retained: a subscriber that arrives late learns every kit's state."""
        return self is Kind.STATUS

    @property
    def from_kit(self) -> bool:
        """Whether kits publish this kind (all but ``cmd``, which only the lab publishes)."""
        return self is not Kind.CMD


KIT_KINDS = tuple(kind for kind in Kind if kind.from_kit)
"""What a kit publishes and the lab ingests."""


def check_id(value: object, field: str) -> str:
    """Return ``value`` if it is a valid lab, kit, session or command id, else raise."""
    if type(value) is not str or ID_PATTERN.fullmatch(value) is None:
        raise BadMessage(
            f"expected an id (1 to 32 lowercase letters, digits or '-', not starting "
            f"with '-'), got {value!r:.60}",
            field=field,
        )
    return value


@dataclass(frozen=True, slots=True)
class Topic:
    """Where a message goes: ``str(Topic("room-4", "kit-07", Kind.TELEMETRY))``."""

    lab: str
    kit: str
    kind: Kind

    def __post_init__(self) -> None:
        check_id(self.lab, "topic.lab")
        if self.kit == ALL_KITS:
            if self.kind is not Kind.CMD:
                raise BadMessage(f"'{ALL_KITS}' only receives commands", field="topic.kit")
        else:
            check_id(self.kit, "topic.kit")

    def __str__(self) -> str:
        return f"{ROOT}/{self.lab}/{self.kit}/{self.kind}"


def topic_for(lab: str, kit: str, kind: Kind) -> str:
    """The topic string of one kit's messages of one kind (``kit=ALL_KITS`` for lab commands)."""
    return str(Topic(lab, kit, Kind(kind)))


@lru_cache(maxsize=4096)
def parse_topic(topic: str) -> Topic:
    """Split a v1 topic into lab, kit and kind; raise ``BadMessage`` for anything else.

    Cached: a lab sees a few hundred distinct topics, each thousands of times a minute.
    """
    parts = topic.split("/", 4)
    if len(parts) < 5 or parts[0] != "kitsdk":
        raise BadMessage(f"not a kitsdk topic: {topic!r:.100}", field="topic")
    if parts[1] != "v1":
        raise BadMessage(f"schema {parts[1]!r:.20} is not v1: {topic!r:.100}", field="topic")
    try:
        kind = Kind(parts[4])
    except ValueError:
        raise BadMessage(f"unknown message kind {parts[4]!r:.40}", field="topic.kind") from None
    return Topic(parts[2], parts[3], kind)


def _lab_level(lab: str | None) -> str:
    return "+" if lab is None else check_id(lab, "lab")


def lab_filters(lab: str | None, kinds: tuple[Kind, ...] = KIT_KINDS) -> list[str]:
    """What the lab server subscribes to: every kit's messages of ``kinds``.

    ``lab=None`` matches every lab (one ingest for a district).
    """
    level = _lab_level(lab)
    return [f"{ROOT}/{level}/+/{Kind(kind)}" for kind in kinds]


def kit_filters(lab: str, kit: str) -> list[str]:
    """What a kit subscribes to: its own commands and its lab's ``_all`` commands."""
    return [topic_for(lab, kit, Kind.CMD), topic_for(lab, ALL_KITS, Kind.CMD)]


def shared(group: str, topic_filter: str) -> str:
    """An MQTT 5 shared subscription: the broker splits ``topic_filter`` among ``group``."""
    check_id(group, "group")
    return f"$share/{group}/{topic_filter}"
