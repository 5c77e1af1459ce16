"""The view's web server: one page, its files, a live stream and three actions, on 127.0.0.1.

::

    GET  /                 the page (static/index.html)
    GET  /static/NAME      its script and styles, and the drawing's (``kitsdk.drawing``)
    GET  /events           Server-Sent Events: kit, state, script, notice (see docs/view.md)
    GET  /camera.jpg       the camera's picture now
    POST /input  {"name": "light", "value": 0.3}
    POST /press  {"name": "button", "down": true}
    POST /rover  {"x": 0.1, "y": 0, "heading": 90}

The standard library's threading server is enough for one student's tabs and keeps
``pip install kitsdk`` free of a web framework. It answers only to its own address (a page
elsewhere that points a name at 127.0.0.1 gets 403), and an action must carry the header
``X-Kit-View: 1``, which another site's page cannot send without a preflight that is never
granted: a web page the student visits cannot press their buttons.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any, Final
from urllib.parse import urlsplit

from .. import drawing
from ..exc import KitError, UnknownDevice
from .session import ViewSession

#: The page's own files, plain, with no build step (the drawing is ``kitsdk.drawing``'s).
STATIC: Final = resources.files(__package__) / "static"
TYPES: Final = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
CSP: Final = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
              "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
MAX_BODY: Final = 4096
MAX_STREAMS: Final = 8
"""Pages open at once (each holds a thread); the ninth is told to close one."""
HEARTBEAT: Final = 15.0


class ViewServer(ThreadingHTTPServer):
    """Serves ``session`` on ``host:port`` (0: a free port) until ``close()``."""

    daemon_threads = True

    def __init__(self, session: ViewSession, host: str = "127.0.0.1", port: int = 0) -> None:
        self.session = session
        self.streams = 0
        self.errors = 0
        #: Set when the first page has connected.
        self.watched = threading.Event()
        self._sent: dict[int, int] = {}  # stream -> the newest version it sent
        self._lock = threading.Condition()
        super().__init__((host, port), _Handler)
        self.port = int(self.server_address[1])
        self.url = f"http://{host}:{self.port}/"
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="kitsdk-view", daemon=True)

    def start(self) -> ViewServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.session.close()  # ends the streams
        if self._thread.is_alive():
            self.shutdown()
        self.server_close()

    def enter_stream(self, stream: int) -> bool:
        with self._lock:
            if self.streams >= MAX_STREAMS:
                return False
            self.streams += 1
            self._sent[stream] = 0
        self.watched.set()
        return True

    def sent(self, stream: int, version: int) -> None:
        with self._lock:
            self._sent[stream] = version
            self._lock.notify_all()

    def leave_stream(self, stream: int) -> None:
        with self._lock:
            self.streams -= 1
            self._sent.pop(stream, None)
            self._lock.notify_all()

    def wait_sent(self, timeout: float) -> bool:
        """Wait until every open page has been sent everything up to now; False on timeout."""
        version = self.session.version
        with self._lock:
            return self._lock.wait_for(
                lambda: all(sent >= version for sent in self._sent.values()), timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Count it: a page that went away mid-answer is no traceback in the script's terminal."""
        self.errors += 1


class _Handler(BaseHTTPRequestHandler):
    server: ViewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is the student's script's."""

    # -- routes ----------------------------------------------------------------------------
    def do_GET(self) -> None:
        if not self._own_host():
            return
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._file("index.html")
        elif path.startswith("/static/"):
            self._file(path.removeprefix("/static/"))
        elif path == "/events":
            self._events()
        elif path == "/camera.jpg":
            self._camera()
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no page {path}"})

    def do_POST(self) -> None:
        if not self._own_host():
            return
        path = urlsplit(self.path).path
        actions = {"/input": ("name", "value"), "/press": ("name", "down"),
                   "/rover": ("x", "y", "heading")}
        if path not in actions:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no action {path}"})
            return
        if self.headers.get("X-Kit-View") != "1":
            self._json(HTTPStatus.FORBIDDEN, {"error": "an action needs the header X-Kit-View: 1"})
            return
        body = self._body()
        if body is None:
            return
        missing = [key for key in actions[path] if key not in body]
        if missing:
            self._json(HTTPStatus.BAD_REQUEST, {"error": f"{path[1:]} needs {', '.join(missing)}"})
            return
        session = self.server.session
        acts: dict[str, Callable[..., None]] = {
            "/input": session.set_input, "/press": session.press, "/rover": session.put_rover}
        act = acts[path]
        try:
            act(*(body[key] for key in actions[path]))
        except UnknownDevice as exc:
            self._json(HTTPStatus.NOT_FOUND, {"error": exc.explain()})
        except KitError as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": exc.explain()})
        else:
            self._json(HTTPStatus.OK, {"ok": True})

    # -- answers ---------------------------------------------------------------------------
    def _own_host(self) -> bool:
        """Answer only to our own address: a name another site points here gets nothing."""
        port = self.server.port
        if self.headers.get("Host", "") in (f"127.0.0.1:{port}", f"localhost:{port}",
                                            f"[::1]:{port}"):
            return True
        self._json(HTTPStatus.FORBIDDEN, {"error": f"the kit view answers only at "
                                                   f"http://127.0.0.1:{port}/"})
        return False

    def _file(self, name: str) -> None:
        if name in drawing.SERVED:  # the drawing the lab's kit page uses too
            self._send(HTTPStatus.OK, (drawing.FILES / name).read_bytes(), drawing.SERVED[name])
            return
        item = STATIC / name
        suffix = "." + name.rpartition(".")[2]
        if "/" in name or name.startswith(".") or suffix not in TYPES or not item.is_file():
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no file {name}"})
            return
        self._send(HTTPStatus.OK, item.read_bytes(), TYPES[suffix])

    def _camera(self) -> None:
        try:
            picture = self.server.session.camera_jpeg()
        except KitError as exc:
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": exc.explain()})
            return
        if picture is None:
            self._json(HTTPStatus.NOT_FOUND, {"error": "this kit has no camera"})
            return
        self._send(HTTPStatus.OK, picture, "image/jpeg")

    def _events(self) -> None:
        server, stream = self.server, id(self)
        if not server.enter_stream(stream):
            self._json(HTTPStatus.SERVICE_UNAVAILABLE,
                       {"error": f"{MAX_STREAMS} views of this kit are open: close one"})
            return
        try:
            self.send_response(HTTPStatus.OK)
            self._headers("text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            seen: dict[str, int] = {}
            session = server.session
            while not session.closed:
                changes = session.changes(seen, HEARTBEAT)
                chunk = b"".join(b"event: %s\ndata: %s\n\n" % (
                    name.encode(), json.dumps(data, separators=(",", ":")).encode())
                    for name, data in changes) or b": keep-alive\n\n"
                self.wfile.write(chunk)
                self.wfile.flush()
                server.sent(stream, max(seen.values(), default=0))
        except (ConnectionError, TimeoutError, OSError):
            pass  # the page went away; it never stops the script
        finally:
            server.leave_stream(stream)
            self.close_connection = True

    def _body(self) -> dict[str, Any] | None:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._json(HTTPStatus.LENGTH_REQUIRED, {"error": "send a Content-Length"})
            return None
        if not 0 <= length <= MAX_BODY:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                       {"error": f"a body of at most {MAX_BODY} bytes"})
            return None
        try:
            body = json.loads(self.rfile.read(length))
        except (ValueError, UnicodeDecodeError):
            body = None
        if type(body) is not dict:
            self._json(HTTPStatus.BAD_REQUEST,
                       {"error": 'the body must be a JSON object, like {"name": "light", '
                                 '"value": 0.5}'})
            return None
        return body

    def _json(self, status: HTTPStatus, obj: dict[str, Any]) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            self.send_response(status)
            self._headers(content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def _headers(self, content_type: str) -> None:
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
