"""What the store takes in (``Inbound``) and hands out (the ``*Record`` classes).

Records are frozen dataclasses with ``to_json()`` for the JSON API and the live stream.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal

from kitsdk.telemetry import CommandAck, Event, Part, Running, State, Status, Telemetry
from kitsdk.telemetry.parts import parts_to_json

Role = Literal["teacher", "mentor"]
ROLES: tuple[Role, ...] = ("teacher", "mentor")
LessonOutcome = Literal["started", "passed", "failed", "finished"]


@dataclass(frozen=True, slots=True)
class Inbound:
    """One decoded message from a kit, as the ingest hands it to ``Store.write``.

    ``received`` is the lab's clock at arrival (a kit's clock may be wrong: retention and
    ``last_seen`` use this one).
    """

    kit: str
    message: Status | Telemetry | Event | CommandAck
    received: float


@dataclass(frozen=True, slots=True)
class KitCredentials:
    """A new kit's MQTT login, returned once by ``add_kit``: the store keeps only a hash."""

    kit: str
    username: str
    password: str = field(repr=False)

    def agent_toml(self, broker: str, lab: str) -> str:
        """The kit's ``/etc/kitsdk/agent.toml`` (see ``kitsdk.agent.config``)."""
        return (f'broker = "{broker}"\nlab = "{lab}"\nkit = "{self.kit}"\n'
                f'username = "{self.username}"\npassword = "{self.password}"\n')


@dataclass(frozen=True, slots=True)
class LessonProgress:
    """Where a kit is in its lesson: ``step`` of ``steps``, and the last step's outcome."""

    lesson: str
    step: int | None
    steps: int | None
    outcome: LessonOutcome
    ts: float

    def to_json(self) -> dict[str, Any]:
        return {"lesson": self.lesson, "step": self.step, "steps": self.steps,
                "outcome": self.outcome, "ts": self.ts}


@dataclass(frozen=True, slots=True)
class KitRecord:
    """A kit as the dashboard shows it.

    ``state`` is ``offline`` until the kit's first status; ``last_seen`` is the lab's clock
    at its latest message of any kind; ``running`` is its script or lesson; ``channels`` is
    its catalogue (device -> channel -> unit) and ``parts`` its description for drawing it,
    both from its latest status (no parts: an older kit that does not describe itself);
    ``message`` is the teacher's words while it is locked.
    """

    id: str
    team: str | None
    state: State
    last_seen: float | None
    profile: str | None
    running: Running | None
    lesson: LessonProgress | None
    session: str | None = None
    sdk: str | None = None
    channels: dict[str, dict[str, str]] = field(default_factory=dict)
    created: float = 0.0
    parts: tuple[Part, ...] = ()
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        running = self.running
        return {
            "id": self.id,
            "team": self.team,
            "state": self.state,
            "last_seen": self.last_seen,
            "profile": self.profile,
            "running": None if running is None else {"kind": running.kind, "name": running.name},
            "lesson": None if self.lesson is None else self.lesson.to_json(),
            "session": self.session,
            "sdk": self.sdk,
            "channels": self.channels,
            "parts": parts_to_json(self.parts),
            "message": self.message,
            "created": self.created,
        }


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One kit event (``kitsdk.telemetry.EVENTS`` lists the kinds and their ``data``)."""

    id: int
    kit: str
    session: str
    seq: int
    ts: float
    received: float
    kind: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kit": self.kit, "session": self.session, "seq": self.seq,
                "ts": self.ts, "received": self.received, "kind": self.kind, "data": self.data}


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """A command the lab sent; ``target`` is a kit id or ``_all``."""

    id: str
    target: str
    name: str
    args: dict[str, Any]
    issuer: str
    ts: float

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "target": self.target, "name": self.name, "args": self.args,
                "issuer": self.issuer, "ts": self.ts}


@dataclass(frozen=True, slots=True)
class AckRecord:
    """A kit's answer to a command; ``thumbnail`` is a snapshot's JPEG bytes."""

    command_id: str
    kit: str
    outcome: str
    message: str
    ts: float
    received: float
    thumbnail: bytes | None = field(default=None, repr=False)

    def to_json(self, *, thumbnail: bool = False) -> dict[str, Any]:
        """The ack as JSON; the thumbnail as base64 only when asked (it can be 190 KiB)."""
        out: dict[str, Any] = {
            "command_id": self.command_id, "kit": self.kit, "outcome": self.outcome,
            "message": self.message, "ts": self.ts, "received": self.received,
            "has_thumbnail": self.thumbnail is not None,
        }
        if thumbnail:
            out["thumbnail"] = (None if self.thumbnail is None
                                else base64.b64encode(self.thumbnail).decode())
        return out


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A dashboard login; the web side hashes passwords (werkzeug) and tokens.

    ``sessions`` is the user's session generation: a browser session carries the value it
    was made under and counts only while it is still the user's (logout, a new password or
    a new role moves it on, which ends every session of the user at its next request)."""

    name: str
    role: Role
    password_hash: str = field(repr=False)
    created: float
    sessions: int = 0
