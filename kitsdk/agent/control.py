"""``kit run`` on a kit with an agent: the script is handed to the agent, not run beside it.

The agent listens on a Unix socket (``control_socket`` in its config; ``kit run`` finds it
there or in ``$KITSDK_AGENT_SOCKET``). ``kit run`` sends ``{"type": "run", "script": ...,
"args": [...], "cwd": ...}`` together with its own stdin, stdout and stderr (SCM_RIGHTS), so
the script runs under the agent but prints to, and reads from, the student's terminal. The
agent answers ``started`` or ``refused`` (the kit is locked, another script runs), then
``exit`` with the status; a ``notice`` before it carries the teacher's words for the student
(the kit was locked, and why). Ctrl+C in the terminal reaches ``kit run``, which sends ``stop``.

Who may connect is the socket file's business: it is created mode 0660, so school IT
decides with its group who may run scripts on the kit (see docs/agent.md).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..exc import KitError
from ..ipc import DEFAULT_AGENT_SOCKET, UNDER_AGENT, Channel
from .runner import STUDENT_STOP

if TYPE_CHECKING:
    from .supervisor import Agent

log = logging.getLogger(__name__)


class ControlServer:
    """Accepts ``kit run`` hand-overs for an agent, one thread per connection."""

    def __init__(self, agent: Agent, path: str | os.PathLike[str]) -> None:
        self.agent = agent
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(self.path))
        os.chmod(self.path, 0o660)
        self._server.listen(4)
        self._thread = threading.Thread(target=self._accept, name="agent-control", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:  # closed: the agent is shutting down
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            data, fds, _flags, _addr = socket.recv_fds(conn, 64 * 1024, 3)
        except OSError as exc:
            log.warning("control connection failed: %s", exc)
            conn.close()
            return
        channel = Channel(conn)
        try:
            self._run(channel, data, fds)
        finally:
            for fd in fds:
                os.close(fd)
            channel.close()

    def _run(self, channel: Channel, data: bytes, fds: list[int]) -> None:
        try:
            request = json.loads(data.split(b"\n", 1)[0])
            script, args, cwd = request["script"], list(request.get("args", [])), request.get("cwd")
            if request.get("type") != "run" or len(fds) != 3 or not isinstance(script, str):
                raise ValueError("expected a run request with three file descriptors")
        except (ValueError, KeyError, TypeError) as exc:
            self.agent.count_error("control", exc)
            channel.send("refused", message=f"bad request: {exc}")
            return
        done = threading.Event()
        status: list[int] = []

        def exited(code: int) -> None:
            status.append(code)
            done.set()

        refusal = self.agent.start_script(
            script, [str(a) for a in args], cwd=cwd, stdio=fds, on_exit=exited,
            on_notice=lambda text: self._notice(channel, text))
        if refusal is not None:
            channel.send("refused", message=refusal)
            return
        channel.send("started")
        threading.Thread(target=self._watch_for_stop, args=(channel, done), daemon=True).start()
        done.wait()
        channel.send("exit", code=status[0])

    @staticmethod
    def _notice(channel: Channel, text: str) -> None:
        channel.send("notice", message=text)  # a terminal already gone misses it, no harm

    def _watch_for_stop(self, channel: Channel, done: threading.Event) -> None:
        for message in channel:
            if message["type"] == "stop" and not done.is_set():
                self.agent.stop_script(STUDENT_STOP)  # Ctrl+C in `kit run`
                return

    def close(self) -> None:
        self._server.close()
        self.path.unlink(missing_ok=True)


def reach_agent() -> socket.socket | None:
    """A connection to the kit's agent, or None where there is none (a laptop) or this is
    already the agent's script. A socket file that no one answers (an agent killed with
    SIGKILL leaves one behind) is no agent: the script runs here, and the student is told."""
    if os.environ.get(UNDER_AGENT):
        return None
    path = os.environ.get("KITSDK_AGENT_SOCKET") or DEFAULT_AGENT_SOCKET
    if not Path(path).is_socket():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except PermissionError:
        sock.close()
        raise KitError(f"the kit agent at {path} does not let this account run scripts",
                       hint="ask whoever looks after the kit to add you to the 'kitsdk' "
                            "group (docs/agent.md)") from None
    except OSError as exc:
        sock.close()
        print(f"kit: no kit agent answers at {path} ({exc.strerror}); running the script "
              "here", file=sys.stderr)
        return None
    return sock


def hand_over(sock: socket.socket, script: str, args: list[str]) -> int:
    """Run ``script`` through the agent at the end of ``sock``; return its exit status."""
    request = json.dumps({"type": "run", "script": str(Path(script).resolve()),
                          "args": args, "cwd": os.getcwd()}).encode() + b"\n"
    socket.send_fds(sock, [request], [sys.stdin.fileno(), sys.stdout.fileno(),
                                      sys.stderr.fileno()])
    channel = Channel(sock)
    try:
        reply = channel.receive()
        if reply is None or reply["type"] == "refused":
            why = reply.get("message") if reply else "the agent closed the connection"
            print(f"kit: the kit agent did not run the script: {why}", file=sys.stderr)
            return 1
        while True:
            try:
                message = channel.receive()
            except KeyboardInterrupt:
                channel.send("stop")
                print("kit: stopping the script (Ctrl+C)", file=sys.stderr)
                continue
            if message is None:
                print("kit: the kit agent went away", file=sys.stderr)
                return 1
            if message["type"] == "notice":  # the teacher's words: a lock's message
                print(f"kit: {message.get('message', '')}", file=sys.stderr, flush=True)
                continue
            if message["type"] == "exit":
                code = int(message.get("code", 1))
                return code if code >= 0 else 128 - code
    finally:
        channel.close()
