"""``LiveHub``: in-process publish/subscribe from the ingest to the browsers' live streams.

::

    hub = LiveHub(window=0.1)
    sub = hub.subscribe({"kit-07"})          # None: every kit
    hub.publish(Update("telemetry", "kit-07", {"values": {...}}, time.time()))   # ingest
    for update in sub.get(timeout=15):       # a batch; [] on timeout or when closed
        ...
    sub.close()

**Coalescing.** A subscription gets at most one batch per ``window`` (100 ms), and a batch
holds at most one telemetry update per kit: the newest. So a browser watching 40 kits at
50 Hz receives 10 small batches a second, not 2,000 messages, and a slow browser is never
behind on readings: it skips straight to the newest. Status, event and ack updates are
never coalesced (each one matters); they are kept in one shared ring of ``buffer``
updates, and a subscription that falls further behind than the ring loses the oldest ones,
counted in its ``dropped`` (every kit's, so for a subscription to some kits it is an
upper bound).

**Publishing never waits for a browser.** ``publish`` takes one short lock, stores the
update (the newest telemetry per kit; others appended to the ring) and wakes the waiting
subscriptions; it holds no per-subscription queue, so its cost does not grow with the number
of browsers. Each subscription keeps only a cursor into the hub's sequence of updates.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

UpdateKind = Literal["telemetry", "status", "event", "ack"]

WINDOW = 0.1
BUFFER = 2000


@dataclass(frozen=True, slots=True)
class Update:
    """One live change: ``kind``, the ``kit`` it is about, its JSON-ready ``data``, and
    ``ts``, the time it happened (the lab's clock at arrival)."""

    kind: UpdateKind
    kit: str
    data: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)


class LiveHub:
    """Fan-out of live updates to any number of subscriptions (browsers' streams)."""

    def __init__(self, *, window: float = WINDOW, buffer: int = BUFFER) -> None:
        self.window = window
        self.buffer = buffer
        self._cond = threading.Condition()
        self._seq = 0
        """Number of updates published: every update's position."""
        self._telemetry: dict[str, tuple[int, Update]] = {}
        """kit -> (position, newest telemetry update)."""
        self._ring: deque[tuple[int, Update]] = deque(maxlen=buffer)
        self._ring_count = 0
        """Updates ever appended to the ring."""
        self._subscriptions: set[Subscription] = set()
        self._closed = False
        self.published = 0
        self.dropped = 0
        """Updates that subscriptions lost for falling behind the ring, all of them."""

    def publish(self, update: Update) -> None:
        """Hand ``update`` to every subscription that wants its kit; never blocks for long."""
        with self._cond:
            if self._closed:
                return
            self._seq += 1
            self.published += 1
            if update.kind == "telemetry":
                self._telemetry[update.kit] = (self._seq, update)
            else:
                self._ring.append((self._seq, update))
                self._ring_count += 1
            self._cond.notify_all()

    def subscribe(self, kits: Collection[str] | None = None) -> Subscription:
        """A new subscription to ``kits`` (None: every kit), starting from now."""
        with self._cond:
            sub = Subscription(self, None if kits is None else frozenset(kits), self._seq,
                               self._ring_count)
            if self._closed:
                sub.closed = True
            else:
                self._subscriptions.add(sub)
            return sub

    @property
    def subscriptions(self) -> int:
        with self._cond:
            return len(self._subscriptions)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """End every subscription (their ``get`` returns [] at once); idempotent."""
        with self._cond:
            self._closed = True
            for sub in self._subscriptions:
                sub.closed = True
                sub._wake.set()
            self._subscriptions.clear()
            self._cond.notify_all()

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {"subscriptions": len(self._subscriptions), "published": self.published,
                    "dropped": self.dropped}

    def _collect(self, sub: Subscription) -> list[Update]:
        """What ``sub`` has not seen yet, advancing its cursors; hold ``_cond``."""
        cursor, kits = sub._cursor, sub.kits
        if self._seq == cursor:
            return []
        batch: list[tuple[int, Update]] = []
        ring = self._ring
        unseen = self._ring_count - sub._ring_cursor
        if unseen:
            available = min(unseen, len(ring))
            missed = unseen - available  # fell out of the ring before this one looked
            if missed:
                sub.dropped += missed
                self.dropped += missed
            for item in itertools.islice(ring, len(ring) - available, None):
                if kits is None or item[1].kit in kits:
                    batch.append(item)
            sub._ring_cursor = self._ring_count
        if kits is None:
            batch.extend(item for item in self._telemetry.values() if item[0] > cursor)
        else:
            for kit in kits:
                newest = self._telemetry.get(kit)
                if newest is not None and newest[0] > cursor:
                    batch.append(newest)
        sub._cursor = self._seq
        batch.sort(key=lambda item: item[0])
        return [update for _, update in batch]


class Subscription:
    """One browser's view of the hub: ``get`` a batch, ``close`` when the browser goes.

    ``dropped`` counts status, event and ack updates this subscription lost by falling
    behind (at most; see ``LiveHub``).
    """

    def __init__(self, hub: LiveHub, kits: frozenset[str] | None, cursor: int,
                 ring_cursor: int) -> None:
        self.hub = hub
        self.kits = kits
        self._cursor = cursor
        self._ring_cursor = ring_cursor
        self._last = 0.0
        self._wake = threading.Event()
        self.closed = False
        self.dropped = 0

    def get(self, timeout: float | None = None) -> list[Update]:
        """The next batch of updates: at most one per ``window`` since the previous batch.

        Waits up to ``timeout`` seconds (None: until something comes or the subscription
        is closed); returns [] on timeout and at once when closed.
        """
        hub = self.hub
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = self._last + hub.window - time.monotonic()
        if pause > 0:
            if deadline is not None:
                pause = min(pause, deadline - time.monotonic())
            if pause > 0:
                self._wake.wait(pause)  # the batching window; close() cuts it short
        with hub._cond:
            while not self.closed:
                batch = hub._collect(self)
                if batch:
                    self._last = time.monotonic()
                    return batch
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return []
                hub._cond.wait(remaining)
            return []

    def close(self) -> None:
        """Stop receiving; a ``get`` in progress returns []; idempotent."""
        with self.hub._cond:
            self.closed = True
            self.hub._subscriptions.discard(self)
            self._wake.set()
            self.hub._cond.notify_all()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        kits = "every kit" if self.kits is None else ", ".join(sorted(self.kits))
        return f"<Subscription to {kits}{' closed' if self.closed else ''}>"
