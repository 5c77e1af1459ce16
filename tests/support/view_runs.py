"""A script run with ``kit run --view``, as a student runs it, and a page's side of its view.

::

    with ViewRun(script, tmp_path) as run:     # kit run --view --no-open SCRIPT
        events = run.events()                   # the page's live stream, read in a thread
        events.wait_for(lambda e: e.script["state"] == "running")
        assert run.post("/press", {"name": "button", "down": True}) == (200, {"ok": True})
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from student_runs import sim_env


class ViewRun:
    """``kit run --view --no-open`` on ``script`` (simulated, pins journalled to
    ``tmp_path/trace.jsonl``); ``url`` once it printed its ``view:`` line."""

    def __init__(self, script: Path, tmp_path: Path, *, wait: float = 0,
                 options: Sequence[str] = (), command: str = "run") -> None:
        self.trace = tmp_path / "trace.jsonl"
        argv = [sys.executable, "-m", "kitsdk.cli", command]
        argv += ["--view"] if command == "run" else []
        argv += ["--no-open", *options]
        argv += ["--wait", str(wait), str(script)] if command == "run" else []
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=sim_env(self.trace),
                                     cwd=tmp_path)
        assert self.proc.stdout is not None
        self.first_line = self.proc.stdout.readline().rstrip("\n")
        self.url = self.first_line.removeprefix("view: ")
        self.port = int(self.url.rstrip("/").rpartition(":")[2]) if self.url.startswith(
            "http://127.0.0.1:") else 0
        self.output: list[str] = []
        self._errors: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.proc.stdout, self.output),
                                               (self.proc.stderr, self._errors))]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None
             ) -> tuple[int, Any]:
        """POST ``body`` (JSON, or bytes as they are) like the page does; (status, answer)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", "X-Kit-View": "1", **(headers or {})}
        return self.request("POST", path, data, sent)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            raw = response.read()
            kind = response.getheader("Content-Type", "")
            return response.status, json.loads(raw) if "json" in kind else raw
        finally:
            connection.close()

    def events(self) -> Events:
        return Events(self.port)

    def wait(self, timeout: float = 30) -> tuple[int, str]:
        """The command's exit status and what it printed to stderr."""
        code = self.proc.wait(timeout=timeout)
        self._close_pipes()
        return code, "\n".join(self._errors)

    def _close_pipes(self) -> None:
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> ViewRun:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._close_pipes()


class Events:
    """A page's live stream (``GET /events``), read in a thread: every event so far, and
    the newest ``kit``, ``state`` and ``script``."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connection.request("GET", "/events")
        self._socket = self.connection.sock  # the response keeps it after the connection lets go
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.received: list[tuple[str, Any]] = []
        self.kit: dict[str, Any] = {}
        self.state: dict[str, Any] = {}
        self.script: dict[str, Any] = {}
        self._cond = threading.Condition()
        self.ended = False
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name = ""
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data = json.loads(line.removeprefix("data: "))
                    with self._cond:
                        self.received.append((name, data))
                        if name in ("kit", "state", "script"):
                            setattr(self, name, data)
                        self._cond.notify_all()
        except (OSError, ValueError):
            pass
        with self._cond:
            self.ended = True
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Events], object], timeout: float = 20,
                 what: str = "") -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self) or self.ended, timeout) or (
                    not predicate(self)):
                raise AssertionError(f"the view never showed {what or predicate}: "
                                     f"{self.received[-5:]!r}")

    def close(self) -> None:
        """Close the page: the stream's socket goes, as when a tab is closed."""
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self.connection.close()
