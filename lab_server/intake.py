"""The ingest's pure decoder: ``(topic, payload)`` from the broker to ``(kit, message)``.

No paho, no threads, no store: bytes in, a message or a ``BadInput`` out, so it is tested
with bytes alone. The schema's own decoder (``kitsdk.telemetry.decode``) does the checking;
this adds what only the lab knows (its lab id, that kits never send commands) and sorts the
refusals into the kinds the health panel counts.
"""

from __future__ import annotations

from typing import cast

from kitsdk.telemetry import (
    BadText,
    CommandAck,
    Event,
    Kind,
    Status,
    Telemetry,
    decode,
    max_payload,
    parse_topic,
)

from .exc import BadInput

KitMessage = Status | Telemetry | Event | CommandAck
BAD_INPUT_KINDS = ("bad_topic", "oversized", "wrong_version", "malformed", "bad_text",
                   "unknown_kit")


def decode_inbound(topic: str, payload: bytes, lab: str | None = None) -> tuple[str, KitMessage]:
    """The kit and the message in ``payload`` received on ``topic``.

    Raises ``BadInput`` whose ``kind`` is ``bad_topic`` (not a v1 kit topic, or another
    lab's when ``lab`` is given), ``oversized``, ``wrong_version``, ``bad_text`` (text no
    store can keep: a lone surrogate or NUL) or ``malformed``.
    """
    try:
        where = parse_topic(topic)
    except ValueError as exc:
        raise BadInput("bad_topic", f"{topic[:120]!r}: {exc}") from None
    if where.kind is Kind.CMD or (lab is not None and where.lab != lab):
        raise BadInput("bad_topic", f"{topic[:120]!r}: not a message from one of this lab's "
                                    "kits")
    limit = max_payload(where.kind)
    if len(payload) > limit:
        raise BadInput("oversized", f"{topic}: payload of {len(payload)} bytes is over the "
                                    f"limit of {limit}")
    try:
        message = decode(topic, payload)
    except BadText as exc:
        raise BadInput("bad_text", f"{topic}: {exc}") from None
    except ValueError as exc:
        field = getattr(exc, "field", "")
        kind = "wrong_version" if field.endswith(".v") else "malformed"
        raise BadInput(kind, f"{topic}: {exc}") from None
    return where.kit, cast(KitMessage, message)  # the topic's kind is not a command
