"""What the ingest's writer thread does with a batch: store it, then tell the live hub.

``store_batch`` writes a batch in one transaction and, when the store refuses it for any
reason but an outage, splits it in halves until the one bad row is alone: that row is
refused and counted, the rest are stored. A batch of 500 with one poison row costs about 18
writes instead of 500, and a good batch still costs one.
``live_updates`` turns stored messages into the hub's updates, never letting an older or
replayed sample replace a kit's live value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kitsdk.telemetry import CommandAck, Event, Status, Telemetry

from .exc import StoreUnavailable
from .hub import Update
from .store import Inbound, Store


@dataclass
class Written:
    """What ``store_batch`` did: the messages stored, and the store's counts of new rows and
    of duplicates it dropped."""

    stored: list[Inbound] = field(default_factory=list)
    new: int = 0
    duplicates: int = 0


def store_batch(store: Store, inbound: list[Inbound], *, count: Callable[[str, str], object],
                retry: Callable[[], bool]) -> Written | None:
    """Write ``inbound`` to ``store``, finding and refusing any row it will not take.

    When the store cannot be reached, ``count("store", why)``, then ``retry()`` waits and
    says whether to try again (False: None is returned, and the rest is not written). A row
    the store refuses alone, with any exception at all, is ``count("store_refused", why)``.
    """
    written = Written()
    chunks = [inbound] if inbound else []
    while chunks:
        chunk = chunks.pop()
        try:
            result = store.write(chunk)
        except StoreUnavailable as exc:
            count("store", str(exc))
            if not retry():
                return None
            chunks.append(chunk)
            continue
        except Exception as exc:  # a poison row must not hold up the rest: find it
            if len(chunk) == 1:
                count("store_refused", f"refused a {type(chunk[0].message).__name__} of "
                                       f"{chunk[0].kit}: {type(exc).__name__}: {exc}")
            else:
                half = len(chunk) // 2
                chunks += [chunk[half:], chunk[:half]]  # the first half is written first
            continue
        written.new += result.telemetry + result.events + result.acks + result.statuses
        written.duplicates += result.duplicates
        written.stored.extend(chunk)
    return written


def live_updates(inbound: list[Inbound], live: dict[str, tuple[float, int]]
                 ) -> Iterator[Update]:
    """The hub's updates for stored messages. ``live`` holds each kit's newest live sample
    ``(ts, seq)`` and is kept up to date: a historical sample, or one no newer, is skipped."""
    for item in inbound:
        kit, msg = item.kit, item.message
        if type(msg) is Telemetry:
            newest = live.get(kit)
            if msg.historical or (newest is not None and (msg.ts, msg.seq) <= newest):
                continue
            live[kit] = (msg.ts, msg.seq)
            yield Update("telemetry", kit, {"values": msg.values, "seq": msg.seq,
                                            "session": msg.session, "ts": msg.ts}, item.received)
        elif type(msg) is Status:
            yield Update("status", kit, msg.to_json(), item.received)
        elif type(msg) is Event:
            yield Update("event", kit, msg.to_json(), item.received)
        elif type(msg) is CommandAck:
            data = msg.to_json()
            data["has_thumbnail"] = data.pop("thumbnail") is not None
            yield Update("ack", kit, data, item.received)
