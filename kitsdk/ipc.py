"""JSON lines over a local stream socket: how the agent talks to its child script and to
``kit run``, and how the lesson checker talks to the script it checks.

Each message is one JSON object with a ``"type"``; a line that is too long or not a JSON
object is counted and skipped, never raised into the reader, because the other end may be
a student's script that wrote garbage into the wrong file descriptor.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

#: Where a kit's agent listens for ``kit run`` (``AgentConfig.control_socket``'s default).
DEFAULT_AGENT_SOCKET = "/run/kitsdk/agent.sock"
#: Set in the environment of a script the agent runs, so it never hands itself over again.
UNDER_AGENT = "KITSDK_UNDER_AGENT"

#: The longest line a peer may send; a snapshot thumbnail fits, a runaway print does not.
MAX_LINE = 512 * 1024


class Channel:
    """One end of a local connection; ``send`` is thread-safe, one thread reads."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._reader = sock.makefile("rb")
        self._lock = threading.Lock()
        self.errors: Counter[str] = Counter()

    def send(self, message_type: str, /, **fields: Any) -> bool:
        """Send one message; False if the peer has gone (the caller decides what that means)."""
        line = json.dumps({"type": message_type, **fields}, separators=(",", ":")).encode()
        line += b"\n"
        try:
            with self._lock:
                self.sock.sendall(line)
        except OSError:
            return False
        return True

    def receive(self) -> dict[str, Any] | None:
        """The next good message, or None when the peer has closed the connection."""
        while True:
            try:
                line = self._reader.readline(MAX_LINE + 1)
            except (OSError, ValueError):  # closed under us
                return None
            if not line:
                return None
            if len(line) > MAX_LINE:
                self.errors["too long"] += 1
                self._skip_rest_of_line()
                continue
            try:
                message = json.loads(line)
            except ValueError:
                self.errors["not json"] += 1
                continue
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                self.errors["no type"] += 1
                continue
            return message

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while (message := self.receive()) is not None:
            yield message

    def _skip_rest_of_line(self) -> None:
        while (chunk := self._reader.readline(MAX_LINE)) and not chunk.endswith(b"\n"):
            continue

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            log.debug("channel already shut down")
        self._reader.close()
        self.sock.close()
