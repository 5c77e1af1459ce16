"""The production server: waitress, sized so live streams never starve pages and commands.

Design (measured in ``benchmarks/bench_lab_web.py``): waitress runs a fixed pool of task
threads over one asyncore loop that does all socket I/O. A live stream (``web/live.py``)
holds one task thread for its life, blocked in the hub's ``get(timeout)`` (no GIL held), so
the pool is ``LIVE_MAX_STREAMS`` stream threads plus ``WEB_REQUEST_THREADS`` for everything
else, and ``/live`` refuses the stream past ``LIVE_MAX_STREAMS`` with 503: a crowd of
browsers can never take the threads that a teacher's Stop needs. Both come from the app's
config, and ``LIVE_MAX_STREAMS`` by default from the lab's ``class_size`` (``app.py``), so a
room of 40 kits runs 48 web threads, not a fixed 200 (waitress starts them all at once).
Waitress's defaults would not do: 4 threads (a fifth stream waits forever),
``connection_limit`` 100 (the 101st browser is not even accepted) and select() (at most
1,024 descriptors). Other options considered: gunicorn's sync workers kill a request after
30 s, its gthread workers are the same design with more processes (each with its own hub
subscription), and an asyncio SSE server beside the WSGI one would need a second port or a
proxy and a second way to check the session.

The lab server's threads, all bounded (``docs/deploy.md``): these web threads, the loop
that serves them (the caller's thread for ``run()``), and the backend's three: the ingest's
MQTT network thread, its store writer, and the private broker's supervisor (or amqtt's
event loop).
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
from typing import Any

from flask import Flask

from ..app import lab

log = logging.getLogger(__name__)

REQUEST_THREADS = 8
"""Web threads for pages, the API, commands and exports, unless ``WEB_REQUEST_THREADS``."""


def port_in_use(host: str, port: int) -> bool:
    """Whether something listens on ``host:port`` already (bound as waitress binds, with
    ``SO_REUSEADDR``, so a port in TIME_WAIT counts as free)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


class WebServer:
    """``app`` served by waitress on ``host:port`` (port 0: a free one); ``.url`` once bound.

    ``run()`` serves in the calling thread until ``close()``; ``start()`` serves in a
    background thread (tests, ``kitlab demo``).
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 8080, *,
                 request_threads: int | None = None) -> None:
        from waitress.server import create_server

        streams = int(app.config["LIVE_MAX_STREAMS"])
        if request_threads is None:
            request_threads = int(app.config.get("WEB_REQUEST_THREADS", REQUEST_THREADS))
        self.app = app
        self.stream_threads, self.request_threads = streams, request_threads
        self.threads = streams + request_threads
        self._server: Any = create_server(
            app, host=host, port=port, threads=self.threads,
            connection_limit=streams + 4 * request_threads + 100,
            channel_request_lookahead=1,  # gives streams waitress.client_disconnected
            asyncore_use_poll=True, ident="kitlab", clear_untrusted_proxy_headers=True,
            # Read a request within 30 s; a stream's heartbeat keeps it from the idle timeout.
            channel_timeout=max(60, int(app.config["LIVE_HEARTBEAT"]) * 4))
        self.host = host
        self.port = int(self._server.effective_port)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self.port}"

    def run(self) -> None:
        log.info("serving on %s with %d threads (%d for live streams, %d for requests)",
                 self.url, self.threads, self.stream_threads, self.request_threads)
        try:
            self._server.run()
        except OSError:  # the loop's sockets were closed under it by close()
            if not self._closed:
                raise

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self.run, name="kitlab-web", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """End the live streams, stop accepting, and stop the task threads."""
        if self._closed:
            return
        self._closed = True
        gate = lab(self.app).state.get("live_gate")
        if gate is not None:
            gate.stopping.set()
        from waitress import wasyncore

        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        wasyncore.close_all(self._server._map)  # every socket, so that run()'s loop ends
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> WebServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
