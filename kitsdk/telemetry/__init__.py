"""The MQTT v1 schema shared by the kit agent and the lab server (reference: docs/mqtt.md).

Pure Python over the standard library, so the lab server can import it without the SDK's
hardware stack (``BadMessage``, and ``BadText`` for text no store keeps, are kitsdk's errors,
here for the lab)::

    from kitsdk.telemetry import Kind, Telemetry, decode, encode, topic_for

    msg = Telemetry(session="3f9a1c0d2b7e", seq=42, values={"distance": {"cm": 17.5}})
    topic = topic_for("room-4", "kit-07", Kind.TELEMETRY)    # kitsdk/v1/room-4/kit-07/telemetry
    assert decode(topic, encode(msg)) == msg

Modules: ``topics`` (the topic tree and subscription filters), ``messages`` (the frozen
dataclasses), ``fields`` (the check of each field), ``codec`` (bytes in and out), ``parts`` (a kit
described for drawing it).
"""

from kitsdk.exc import BadMessage, BadText
from kitsdk.telemetry.codec import (
    MAX_ACK_PAYLOAD,
    MAX_PAYLOAD,
    VERSION,
    command_id,
    decode,
    encode,
    max_payload,
)
from kitsdk.telemetry.messages import (
    COMMANDS,
    EVENTS,
    ONE_KIT_ONLY,
    THUMBNAIL_MAX,
    Command,
    CommandAck,
    CommandName,
    Event,
    Message,
    Outcome,
    Reading,
    RunKind,
    Running,
    State,
    Status,
    Telemetry,
    new_id,
)
from kitsdk.telemetry.parts import KINDS, Part
from kitsdk.telemetry.topics import (
    ALL_KITS,
    KIT_KINDS,
    QOS,
    ROOT,
    Kind,
    Topic,
    check_id,
    kit_filters,
    lab_filters,
    parse_topic,
    shared,
    topic_for,
)

__all__ = [
    "ALL_KITS",
    "COMMANDS",
    "ONE_KIT_ONLY",
    "EVENTS",
    "KINDS",
    "KIT_KINDS",
    "MAX_ACK_PAYLOAD",
    "MAX_PAYLOAD",
    "QOS",
    "ROOT",
    "THUMBNAIL_MAX",
    "VERSION",
    "BadMessage",
    "BadText",
    "Command",
    "CommandAck",
    "CommandName",
    "Event",
    "Kind",
    "Message",
    "Outcome",
    "Part",
    "Reading",
    "RunKind",
    "Running",
    "State",
    "Status",
    "Telemetry",
    "Topic",
    "check_id",
    "command_id",
    "decode",
    "encode",
    "kit_filters",
    "lab_filters",
    "max_payload",
    "new_id",
    "parse_topic",
    "shared",
    "topic_for",
]
