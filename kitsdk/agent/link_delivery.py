"""Which messages the lab link has handed to paho and not yet seen acknowledged: no I/O.

The sender publishes an outbox entry and notes paho's message id (``note``); the broker's
PUBACK reaches ``on_publish`` on paho's network thread, which looks the id up (``confirm``) and
only then acks the entry in the outbox. The PUBACK can beat ``publish()`` back to the sender;
``confirm`` then parks it and ``note`` hands it back, so no ack is lost and none is invented.
On every connect ``reset`` forgets every id (the link has paho drop its copies) and returns
what was unconfirmed, for the link to send again.

``InFlight`` also holds what the sender waits for: a connection, and room in the window of
outbox entries in flight. ``cond`` is its one lock; the link keeps its own state under it too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

HEADROOM = 4
"""Places of the broker's Receive Maximum kept free for statuses and command acks."""


class Reason(Protocol):
    """The broker's answer to a publish (paho's ``ReasonCode``)."""

    @property
    def is_failure(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Sent:
    """What one message id in flight stands for."""

    topic: str
    entry_id: int | None = None
    """The outbox entry, deleted when the broker confirms it."""
    ack: bytes | None = None
    """A command ack's payload, kept to be sent again after a reconnect."""


class InFlight:
    """Message ids in flight, the window of outbox entries among them, and the connection."""

    def __init__(self, window: int) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        self.window = window
        self.limit = window
        """The window in force: ``window``, within the broker's Receive Maximum."""
        self.cond = threading.Condition()
        self.connected = False
        self.entries = 0
        """Outbox entries in flight."""
        self._sent: dict[int, Sent] = {}
        self._early: dict[int, Reason] = {}

    def note(self, mid: int, sent: Sent) -> Reason | None:
        """Remember what ``mid`` stands for; if its ack came already, return the broker's
        answer (the caller then handles the confirmation itself)."""
        with self.cond:
            reason = self._early.pop(mid, None)
            if reason is None:
                self._sent[mid] = sent
                if sent.entry_id is not None:
                    self.entries += 1
            return reason

    def confirm(self, mid: int, reason: Reason) -> Sent | None:
        """The broker answered ``mid``: what it stood for, or None if ``note`` is still to
        come (the answer is parked for it)."""
        with self.cond:
            sent = self._sent.pop(mid, None)
            if sent is None:
                self._early[mid] = reason
            elif sent.entry_id is not None:
                self.entries -= 1
                self.cond.notify_all()
            return sent

    def reset(self, receive_maximum: int = 65535) -> list[Sent]:
        """A new connection: forget every id and return what was never confirmed."""
        with self.cond:
            unconfirmed = list(self._sent.values())
            self._sent.clear()
            self._early.clear()
            self.entries = 0
            self.limit = max(1, min(self.window, receive_maximum - HEADROOM))
            return unconfirmed

    def set_connected(self, connected: bool) -> None:
        """Record whether the sender has a connection to send on."""
        with self.cond:
            self.connected = connected
            self.cond.notify_all()

    def room(self) -> int:
        """How many more outbox entries may go out now (0 when disconnected)."""
        with self.cond:
            return self.limit - self.entries if self.connected else 0

    def wait_for_room(self, stopping: threading.Event, timeout: float) -> bool:
        """Wait until connected with half the window free (True), or until ``stopping`` is
        set or ``timeout`` passes (False). Refilling at half rather than after every ack makes
        each outbox ``take`` fetch a batch rather than a row."""
        with self.cond:
            return self.cond.wait_for(
                lambda: stopping.is_set() or (self.connected and self.entries <= self.limit // 2),
                timeout,
            ) and not stopping.is_set()
