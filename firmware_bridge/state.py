"""The connection state of a `Board`, as callers see and are told about it."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from .exc import RemoteProtocolError


class ConnectionState(enum.Enum):
    """Where a `Board`'s connection is."""

    IDLE = "idle"  # made, not yet opened
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True)
class StateChange:
    """Reported to state callbacks: the new state, the one before, and why."""

    state: ConnectionState
    previous: ConnectionState
    reason: str


@dataclass
class BoardStats:
    """Counters of what went wrong, for logs and dashboards."""

    #: Corrupted or meaningless input from the board, by kind (see `RemoteProtocolError`).
    input_errors: Counter[str] = field(default_factory=Counter)
    #: The latest of those, for diagnostics.
    recent_errors: list[RemoteProtocolError] = field(default_factory=list)
    reconnects: int = 0
    #: Times the board rebooted while connected (reset button, brown-out).
    board_resets: int = 0
    #: Exceptions raised by callbacks (logged, never propagated).
    callback_errors: int = 0
