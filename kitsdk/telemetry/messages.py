"""The five v1 messages as frozen dataclasses that cannot hold an invalid value.

Each message checks itself in ``__post_init__``, so one set of checks serves both sides: a
message built in Python (the agent, the dashboard) fails where it is built, and a payload
decoded from the wire (``from_json``) fails with the same ``BadMessage`` naming the field.
Dataclasses rather than TypedDicts: a TypedDict checks nothing at run time, while the wire is
untrusted; dataclasses also give value equality for tests, defaults, and attribute access
that mypy follows.

The maps are annotated ``Mapping`` so that a ``dict[str, float]`` type-checks as readings, but
at run time they must be plain ``dict``s: they are JSON objects, and an exact type test is
the cheapest check on the ingest path.

Readers are tolerant and writers strict: ``from_json`` ignores fields it does not know (a
newer kit may add optional fields within v1), while building a message with an unknown event
field or command argument raises. Unknown event kinds and command names are rejected: there
is no way to act on them.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal, cast, get_args

from kitsdk.exc import BadMessage
from kitsdk.telemetry.fields import (
    NAME_MAX,
    Check,
    check_bool,
    check_choice,
    check_fields,
    check_int,
    check_lines,
    check_name,
    check_number,
    check_object,
    check_plain,
    check_text,
    check_time,
    check_tree,
    is_reading,
    require,
)
from kitsdk.telemetry.parts import PARTS_MAX, Part, check_unique, parts_from_json, parts_to_json
from kitsdk.telemetry.topics import Kind, check_id

Reading = int | float | bool | None
"""One channel's value in a sample; ``None`` means 'no reading' (a sensor that did not answer)."""

State = Literal["online", "offline", "locked"]
RunKind = Literal["script", "lesson"]
Outcome = Literal["ok", "refused", "failed"]
CommandName = Literal["stop", "emergency", "reset", "lock", "unlock", "identify", "snapshot"]

THUMBNAIL_MAX = 192 * 1024
"""Largest snapshot JPEG in an ack, in bytes (a 320x240 thumbnail is 10 to 30 KiB)."""
_JPEG_START = b"\xff\xd8\xff"


def new_id() -> str:
    """A fresh session or command id: 12 random hex digits (48 bits; collisions unlikely)."""
    return os.urandom(6).hex()


def _script(value: object, field: str) -> str:
    """A script's path or a lesson's name: longer than a device name, never empty."""
    return check_text(value, field, max_len=255, min_len=1)


def _column(value: object, field: str) -> str:
    """A name the lab keeps in a column of its own (``check_plain``)."""
    return check_plain(check_name(value, field), field)


def _count(value: object, field: str) -> int:
    return check_int(value, field, 0, 1_000_000)


def _exit_code(value: object, field: str) -> int:
    return check_int(value, field, -255, 255)


def _seconds(value: object, field: str) -> float:
    return check_number(value, field, 0.1, 60)


EVENTS: dict[str, dict[str, Check]] = {
    "lesson.started": {"lesson": _column, "steps": _count},
    "lesson.step_passed": {"lesson": _column, "step": _count, "title": check_text},
    "lesson.step_failed": {
        "lesson": _column,
        "step": _count,
        "title": check_text,
        "hint": check_text,
    },
    "lesson.finished": {"lesson": _column, "passed": _count, "steps": _count},
    "script.started": {"script": _script},
    "script.finished": {"script": _script, "code": _exit_code, "output": check_lines},
    "script.crashed": {"script": _script, "error": check_text, "output": check_lines},
    "script.stopped": {"script": _script, "by": check_name, "output": check_lines},
    "script.reset": {"script": _script, "by": check_name, "output": check_lines},
    "button.pressed": {"device": check_name},
    "safety.stopped": {"reason": check_text},
    "error": {"source": check_name, "message": check_text},
    "outbox.dropped": {"count": check_int},
}
"""Every event kind and its fields: the field's check (see ``docs/mqtt.md`` for meanings)."""

COMMANDS: dict[str, dict[str, Check]] = {
    "stop": {},
    "emergency": {},
    "reset": {},
    "lock": {"message": check_text},
    "unlock": {},
    "identify": {"seconds": _seconds},
    "snapshot": {},
}
"""Every command name and its arguments."""

ONE_KIT_ONLY = frozenset({"emergency"})
"""Commands a kit obeys only when sent to it by name, never to all: a drone that falls is
one decision."""

_STATES = frozenset(get_args(State))
_RUN_KINDS = frozenset(get_args(RunKind))
_OUTCOMES = frozenset(get_args(Outcome))


def _known(obj: dict[str, Any], spec: dict[str, Check]) -> dict[str, Any]:
    """The fields of ``obj`` that ``spec`` knows: a tolerant reader drops the rest."""
    return {key: value for key, value in obj.items() if key in spec}


def _unit(value: object) -> bool:
    return type(value) is str and len(value) <= NAME_MAX


@dataclass(frozen=True, slots=True, kw_only=True)
class Running:
    """What a kit runs: a student's script or a lesson, by name."""

    kind: RunKind
    name: str

    def __post_init__(self) -> None:
        check_choice(self.kind, "status.running.kind", _RUN_KINDS)
        check_plain(_script(self.name, "status.running.name"), "status.running.name")


@dataclass(frozen=True, slots=True, kw_only=True)
class Status:
    """A kit's state, retained so that a dashboard opened later sees every kit at once.

    ``channels`` is the kit's catalogue, device -> channel -> unit (``""`` when unitless),
    so that the lab knows what each telemetry value means; ``parts`` describes the kit for
    drawing it (``kitsdk.telemetry.parts``; empty from a kit that does not say).
    ``message`` is the teacher's words while the kit is locked ("eyes on me"), so that every
    page showing the kit shows them; only a locked kit has one.
    """

    KIND: ClassVar[Kind] = Kind.STATUS
    NAME: ClassVar[str] = "status"

    state: State
    session: str
    profile: str
    sdk: str
    channels: Mapping[str, Mapping[str, str]]
    running: Running | None = None
    parts: tuple[Part, ...] = ()
    message: str | None = None
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        check_choice(self.state, "status.state", _STATES)
        check_id(self.session, "status.session")
        _column(self.profile, "status.profile")
        _column(self.sdk, "status.sdk")
        check_tree(
            self.channels, "status.channels", _unit, f"a unit of at most {NAME_MAX} characters"
        )
        if self.running is not None and type(self.running) is not Running:
            raise BadMessage(
                f"expected Running or None, got {self.running!r:.60}", field="status.running"
            )
        if type(self.parts) is not tuple or len(self.parts) > PARTS_MAX or not all(
                type(part) is Part for part in self.parts):
            raise BadMessage(f"expected a tuple of at most {PARTS_MAX} Part objects",
                             field="status.parts")
        check_unique(self.parts, "status.parts")
        if self.message is not None:
            check_text(self.message, "status.message")
            if self.state != "locked":
                raise BadMessage(f"only a locked kit has a message, not an {self.state} one",
                                 field="status.message")
        check_time(self.ts, "status.ts")

    def offline(self) -> Status:
        """This status as the connection's last will: offline, nothing running, same session.

        The will carries the session id of the connection it belongs to, so that a will the
        broker delivers after the kit has reconnected is recognisably stale.
        """
        return replace(self, state="offline", running=None, message=None)

    def to_json(self) -> dict[str, Any]:
        running = self.running
        obj = {
            "state": self.state,
            "session": self.session,
            "ts": self.ts,
            "profile": self.profile,
            "sdk": self.sdk,
            "running": None if running is None else {"kind": running.kind, "name": running.name},
            "channels": self.channels,
        }
        if self.parts:  # optional: a kit that does not describe itself is drawn from channels
            obj["parts"] = parts_to_json(self.parts)
        if self.message is not None:
            obj["message"] = self.message
        return obj

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Status:
        p = cls.NAME
        running = require(obj, "running", p)
        if running is not None:
            check_object(running, f"{p}.running")
            running = Running(
                kind=require(running, "kind", f"{p}.running"),
                name=require(running, "name", f"{p}.running"),
            )
        return cls(
            state=require(obj, "state", p),
            session=require(obj, "session", p),
            ts=require(obj, "ts", p),
            profile=require(obj, "profile", p),
            sdk=require(obj, "sdk", p),
            running=running,
            channels=require(obj, "channels", p),
            parts=parts_from_json(obj.get("parts", []), f"{p}.parts"),
            message=obj.get("message"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Telemetry:
    """One sampling tick: every channel of the kit, device -> channel -> reading.

    ``seq`` counts a kit's telemetry across sessions so that the lab drops duplicates and sees
    gaps; ``ts`` is when the sample was taken; ``historical`` is true for samples replayed
    from the outbox, which are stored but never shown as the live value.
    """

    KIND: ClassVar[Kind] = Kind.TELEMETRY
    NAME: ClassVar[str] = "telemetry"

    session: str
    seq: int
    values: Mapping[str, Mapping[str, Reading]]
    historical: bool = False
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        check_id(self.session, "telemetry.session")
        check_int(self.seq, "telemetry.seq")
        check_time(self.ts, "telemetry.ts")
        check_bool(self.historical, "telemetry.historical")
        check_tree(
            self.values, "telemetry.values", is_reading, "a finite number, true, false or null"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "seq": self.seq,
            "ts": self.ts,
            "historical": self.historical,
            "values": self.values,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Telemetry:
        p = cls.NAME
        return cls(
            session=require(obj, "session", p),
            seq=require(obj, "seq", p),
            ts=require(obj, "ts", p),
            historical=require(obj, "historical", p),
            values=require(obj, "values", p),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something that happened on the kit: ``kind`` names it, ``data`` holds its fields.

    ``EVENTS`` lists the kinds and their fields. ``seq`` counts events (apart from telemetry)
    across sessions, like ``Telemetry.seq``.
    """

    KIND: ClassVar[Kind] = Kind.EVENT
    NAME: ClassVar[str] = "event"

    session: str
    seq: int
    kind: str
    data: Mapping[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        check_id(self.session, "event.session")
        check_int(self.seq, "event.seq")
        check_time(self.ts, "event.ts")
        check_fields(self.data, "event.data", EVENTS[check_choice(self.kind, "event.kind", EVENTS)])

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "seq": self.seq,
            "ts": self.ts,
            "kind": self.kind,
            "data": self.data,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Event:
        p = cls.NAME
        kind = check_choice(require(obj, "kind", p), f"{p}.kind", EVENTS)
        return cls(
            session=require(obj, "session", p),
            seq=require(obj, "seq", p),
            ts=require(obj, "ts", p),
            kind=kind,
            data=_known(check_object(require(obj, "data", p), f"{p}.data"), EVENTS[kind]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """A teacher's command to one kit, or to a whole lab on the ``_all`` topic.

    ``id`` is echoed in the kit's ``CommandAck``; ``issuer`` is the teacher's login.
    """

    KIND: ClassVar[Kind] = Kind.CMD
    NAME: ClassVar[str] = "cmd"

    name: CommandName
    issuer: str
    args: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        check_id(self.id, "cmd.id")
        check_fields(self.args, "cmd.args", COMMANDS[check_choice(self.name, "cmd.name", COMMANDS)])
        check_time(self.ts, "cmd.ts")
        _column(self.issuer, "cmd.issuer")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "args": self.args,
            "ts": self.ts,
            "issuer": self.issuer,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Command:
        p = cls.NAME
        name = check_choice(require(obj, "name", p), f"{p}.name", COMMANDS)
        return cls(
            id=require(obj, "id", p),
            name=cast(CommandName, name),
            args=_known(check_object(require(obj, "args", p), f"{p}.args"), COMMANDS[name]),
            ts=require(obj, "ts", p),
            issuer=require(obj, "issuer", p),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandAck:
    """A kit's answer to a command, on ``cmd/ack``: ``id`` is the command's.

    ``thumbnail`` is a snapshot's JPEG (at most ``THUMBNAIL_MAX`` bytes), base64 on the wire.
    """

    KIND: ClassVar[Kind] = Kind.ACK
    NAME: ClassVar[str] = "ack"

    id: str
    outcome: Outcome
    message: str = ""
    thumbnail: bytes | None = None
    ts: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        check_id(self.id, "ack.id")
        check_choice(self.outcome, "ack.outcome", _OUTCOMES)
        check_plain(check_text(self.message, "ack.message"), "ack.message")
        thumbnail = self.thumbnail
        if thumbnail is not None and (
            type(thumbnail) is not bytes
            or len(thumbnail) > THUMBNAIL_MAX
            or not thumbnail.startswith(_JPEG_START)
        ):
            raise BadMessage(
                f"expected a JPEG of at most {THUMBNAIL_MAX} bytes", field="ack.thumbnail"
            )
        check_time(self.ts, "ack.ts")

    def to_json(self) -> dict[str, Any]:
        thumbnail = self.thumbnail
        return {
            "id": self.id,
            "outcome": self.outcome,
            "message": self.message,
            "ts": self.ts,
            "thumbnail": None if thumbnail is None else base64.b64encode(thumbnail).decode(),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CommandAck:
        p = cls.NAME
        thumbnail = obj.get("thumbnail")
        if thumbnail is not None:
            if type(thumbnail) is not str:
                raise BadMessage("expected base64 text or null", field=f"{p}.thumbnail")
            try:
                thumbnail = base64.b64decode(thumbnail, validate=True)
            except binascii.Error as exc:
                raise BadMessage(f"not base64: {exc}", field=f"{p}.thumbnail") from exc
        return cls(
            id=require(obj, "id", p),
            outcome=require(obj, "outcome", p),
            message=require(obj, "message", p),
            thumbnail=thumbnail,
            ts=require(obj, "ts", p),
        )


Message = Status | Telemetry | Event | Command | CommandAck
"""Any v1 message."""
