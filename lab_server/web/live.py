"""Live updates to browsers: Server-Sent Events fed by the live hub, in batches.

``GET /live?kits=kit-1,kit-2`` (all kits without ``kits``) answers ``text/event-stream``::

    retry: 2000

    id: 1
    event: updates
    data: [{"kind": "telemetry", "kit": "kit-1", "ts": 1764078001.3, "data": {...}}, ...]

    : keep-alive

One ``updates`` event carries one batch from the hub, which already batches and coalesces
(at most one batch per ``hub_window``, 0.1 s by default, holding only the newest telemetry
of each kit), so a class at 50 Hz does not flood a tablet; ``LIVE_MIN_INTERVAL`` (0: off)
can space a stream's batches further. Kinds: ``telemetry`` (data: ``values``, device ->
channel -> value), ``status``, ``event``, ``ack`` (data: the kit's answer to a command,
with its ``id``). A comment line every ``LIVE_HEARTBEAT`` seconds keeps proxies and the
browser from giving up on a quiet stream; the browser's EventSource reconnects by itself
after ``retry`` milliseconds.

## Server design: why a thread per stream is fine here

A stream holds one server thread for its life. That thread spends it blocked in
``Subscription.get(timeout)`` (a condition wait that releases the GIL), waking only to send
a batch, a heartbeat, or to check whether the client has gone. ``kitlab serve`` therefore
runs waitress with ``LIVE_MAX_STREAMS`` threads for streams *plus* its ordinary request
threads (see ``lab_server/cli.py``), and this module refuses stream number
``LIVE_MAX_STREAMS + 1`` with 503 instead of letting it queue behind pages: streams can never
take the threads that pages and commands need. Waitress with ``channel_request_lookahead``
gives the handler ``waitress.client_disconnected``, so a closed tab frees its thread within
``LIVE_POLL`` seconds rather than at the next write. There is no per-request timeout in
waitress (unlike gunicorn's sync workers, which kill a worker after 30 s), so streams live
as long as the browser wants. Measured in ``benchmarks/bench_lab_web.py``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, request

from ..app import lab
from .access import error, login_required
from .api import bad
from .present import update_json

bp = Blueprint("live", __name__)


class StreamGate:
    """Counts open streams and refuses past ``limit``; ``stopping`` ends them all."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0
        self.served = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self.open >= self.limit or self.stopping.is_set():
                return False
            self.open += 1
            self.served += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self.open -= 1


def gate() -> StreamGate:
    state = lab(current_app).state
    if "live_gate" not in state:
        state["live_gate"] = StreamGate(current_app.config["LIVE_MAX_STREAMS"])
        state["live_encoded"] = EncodedUpdates()
    return state["live_gate"]  # type: ignore[no-any-return]


class EncodedUpdates:
    """Each hub update's JSON, encoded once however many streams send it.

    The hub hands the same (frozen) ``Update`` object to every subscription, so with 100
    browsers open an update would otherwise be serialised 100 times: the cost that bounds
    a Pi's live streams. Keyed by the object's id, holding the object so the id stays its
    own; bounded, oldest first out.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._cache: OrderedDict[int, tuple[Any, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, update: Any) -> bytes:
        key = id(update)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] is update:
                return hit[1]
        encoded = json.dumps(update_json(update), separators=(",", ":")).encode()
        with self._lock:
            self._cache[key] = (update, encoded)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return encoded


def frame(event_id: int, updates: list[Any], encode: Callable[[Any], bytes] | None = None
          ) -> bytes:
    """One SSE event with a batch of updates (JSON has no raw newlines, so one data line)."""
    if encode is None:
        encode = EncodedUpdates(0)
    data = b",".join(encode(u) for u in updates)
    return b"id: %d\nevent: updates\ndata: [%s]\n\n" % (event_id, data)


class LiveStream:
    """The response body of one stream: an iterator whose ``close()`` always cleans up.

    (A generator's ``finally`` would not run if the server closed it before its first
    item, and then the stream's subscription and gate slot would leak.)
    """

    def __init__(self, subscription: Any, gate: StreamGate, *, heartbeat: float,
                 poll: float, min_interval: float,
                 disconnected: Callable[[], bool] | None,
                 encode: Callable[[Any], bytes] | None = None) -> None:
        self.subscription = subscription
        self.encode = encode or EncodedUpdates(0)
        self.gate = gate
        self.heartbeat = heartbeat
        self.poll = poll
        self.min_interval = min_interval
        self.disconnected = disconnected
        self.closed = False
        self._ids = itertools.count(1)
        self._body = self._run()

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._body)

    def _run(self) -> Generator[bytes, None, None]:
        yield b"retry: 2000\n: live updates from the lab\n\n"
        last_write = last_batch = time.monotonic()
        stopping = self.gate.stopping
        while not stopping.is_set():
            if self.disconnected is not None and self.disconnected():
                return
            pause = self.min_interval - (time.monotonic() - last_batch)
            if pause > 0 and stopping.wait(pause):  # let the hub fill the next batch
                return
            try:
                updates = self.subscription.get(timeout=self.poll)
            except Exception:  # the hub failed: end the stream, the browser reconnects
                return
            if not updates and getattr(self.subscription, "closed", False):
                return  # the hub closed (the server is stopping)
            now = time.monotonic()
            if updates:
                yield frame(next(self._ids), list(updates), self.encode)
                last_write = last_batch = now
            elif now - last_write >= self.heartbeat:
                yield b": keep-alive\n\n"
                last_write = now

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        # Closed from another thread while it runs: the closed subscription below ends it.
        with contextlib.suppress(ValueError):
            self._body.close()
        try:
            self.subscription.close()
        finally:
            self.gate.leave()


def _kits_arg() -> list[str] | None:
    raw = request.args.get("kits", "").strip()
    if not raw:
        return None
    from kitsdk.telemetry import check_id

    kits = [k.strip() for k in raw.split(",") if k.strip()]
    if len(kits) > 200:
        raise bad("kits", "at most 200 kits per stream")
    for kit in kits:
        try:
            check_id(kit, "kit")
        except ValueError as exc:
            raise bad("kits", str(exc)) from exc
    return kits


@bp.get("/live")
@login_required
def live() -> Any:
    kits = _kits_arg()
    streams = gate()
    if not streams.enter():
        response = error(503, "too many live streams open; try again shortly")
        response.headers["Retry-After"] = "5"
        return response
    try:
        subscription = lab(current_app).services.hub.subscribe(kits)
    except BaseException:
        streams.leave()
        raise
    config = current_app.config
    body = LiveStream(subscription, streams, heartbeat=config["LIVE_HEARTBEAT"],
                      poll=config["LIVE_POLL"], min_interval=config["LIVE_MIN_INTERVAL"],
                      disconnected=request.environ.get("waitress.client_disconnected"),
                      encode=lab(current_app).state["live_encoded"])
    return Response(body, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache, no-transform",
                             "X-Accel-Buffering": "no"})
