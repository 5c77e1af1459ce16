"""Bytes on the wire to messages and back: ``encode(msg)`` and ``decode(topic, payload)``.

``decode`` is the one door for untrusted input: whatever the bytes, it returns a valid
message or raises ``BadMessage`` naming the field (never ``KeyError``, ``TypeError``,
``UnicodeDecodeError`` or ``RecursionError``). Payloads are compact UTF-8 JSON objects with
``"v": 1`` first. Text that no store can keep is refused here too, as ``BadText``: a lone
surrogate anywhere (it can only come from a ``\\u`` escape, so only a payload holding one
is searched), NUL in a name or a text (the field checks).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kitsdk.exc import BadMessage, BadText
from kitsdk.telemetry.fields import check_object, check_unicode, require
from kitsdk.telemetry.messages import (
    Command,
    CommandAck,
    Event,
    Message,
    Status,
    Telemetry,
)
from kitsdk.telemetry.topics import ID_PATTERN, Kind, parse_topic

VERSION = 1
MAX_PAYLOAD = 64 * 1024
"""Largest payload of any message but an ack, in bytes."""
MAX_ACK_PAYLOAD = 320 * 1024
"""Largest ack payload: room for a base64 snapshot thumbnail and its message."""

_READERS: dict[Kind, tuple[str, Callable[[dict[str, Any]], Message]]] = {
    cls.KIND: (cls.NAME, cls.from_json) for cls in (Status, Telemetry, Event, Command, CommandAck)
}
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def max_payload(kind: Kind) -> int:
    """The size limit of a payload of ``kind``, in bytes."""
    return MAX_ACK_PAYLOAD if kind is Kind.ACK else MAX_PAYLOAD


def _check_size(payload: bytes, kind: Kind, name: str) -> None:
    limit = max_payload(kind)
    if len(payload) > limit:
        raise BadMessage(
            f"payload of {len(payload)} bytes is over the limit of {limit}", field=name
        )


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number in JSON")


_loads = json.JSONDecoder(parse_constant=_reject_constant).decode
"""One decoder for every payload: ``json.loads`` with an option builds a new one each call."""


def _parse(payload: bytes, name: str) -> object:
    try:
        return _loads(payload.decode())
    except UnicodeDecodeError as exc:
        raise BadMessage(f"not UTF-8 ({exc.reason} at byte {exc.start})", field=name) from exc
    except (ValueError, RecursionError) as exc:
        raise BadMessage(f"not JSON ({exc})", field=name) from exc


def encode(msg: Message) -> bytes:
    """The payload to publish for ``msg``; raises ``BadMessage`` if it is over the size limit,
    ``BadText`` if it holds a lone surrogate (no UTF-8 for it: ``decode`` would refuse it)."""
    text = _dumps({"v": VERSION, **msg.to_json()})
    try:
        payload = text.encode()
    except UnicodeEncodeError as exc:
        raise BadText(f"{ascii(text[exc.start:exc.end])} is a lone surrogate, which is not "
                      "text a store can keep", field=msg.NAME) from None
    _check_size(payload, msg.KIND, msg.NAME)
    return payload


def decode(topic: str, payload: bytes) -> Message:
    """The message in ``payload``, received on ``topic``: the topic says which kind it is.

    Raises ``BadMessage`` naming the field for a foreign topic, an oversized payload,
    bytes that are not UTF-8 JSON, another schema version, or a field that breaks the schema;
    ``BadText`` for text no store can keep (a lone surrogate anywhere, NUL in a name or a
    text).
    """
    kind = parse_topic(topic).kind
    name, read = _READERS[kind]
    _check_size(payload, kind, name)
    obj = check_object(_parse(payload, name), name)
    if b"\\u" in payload:
        check_unicode(obj, name)
    version = require(obj, "v", name)
    if type(version) is not int or version != VERSION:
        raise BadMessage(
            f"schema version {version!r:.20} is not {VERSION}; "
            "kit and lab need the same major version",
            field=f"{name}.v",
        )
    return read(obj)


def command_id(payload: bytes) -> str | None:
    """The ``id`` of a command payload that ``decode`` refused, if it holds a valid one.

    A kit answers a malformed command (an unknown name, a bad argument) with a ``refused``
    ack when it can tell which command it was, and only counts it when it cannot.
    """
    if len(payload) > MAX_PAYLOAD:
        return None
    try:
        obj = _parse(payload, Command.NAME)
    except BadMessage:
        return None
    cmd_id = obj.get("id") if type(obj) is dict else None
    return cmd_id if type(cmd_id) is str and ID_PATTERN.fullmatch(cmd_id) else None
