"""The private Mosquitto's folder, ``{data_dir}/mosquitto/``, shared by the lab and ``kitlab``.

The lab server writes ``mosquitto.conf`` at each start; the broker writes ``mosquitto.pid``,
its persistence file and its log. ``passwd`` and ``acl`` are written from the store's kit
list by whoever changes it: the lab server itself, or ``kitlab kits add`` in another process,
which keeps the server's account line that the lab made at its start (the lab's password for
it lives only in the lab's memory) and signals the running broker to read both again
(SIGHUP, :meth:`BrokerFiles.reload`). ``port`` remembers the broker's port, so that a lab
keeps its address across restarts and ``kitlab kits add`` prints the address kits will reach
(the embedded amqtt broker keeps its port there too).

Every file is replaced atomically, so a reload never reads half a file.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .acl import SERVER_USER, acl_file, password_file

log = logging.getLogger(__name__)

RELOAD_WAIT = 2.0
"""Seconds a reload waits for the broker to log that it read its files again."""
RELOADED = "Reloading config."


class BrokerFiles:
    """The files of the private Mosquitto of lab ``lab`` in ``directory``."""

    def __init__(self, directory: Path, lab: str) -> None:
        self.dir = directory
        self.lab = lab

    @property
    def conf(self) -> Path:
        return self.dir / "mosquitto.conf"

    @property
    def log_path(self) -> Path:
        return self.dir / "mosquitto.log"

    @property
    def pid_path(self) -> Path:
        return self.dir / "mosquitto.pid"

    @property
    def port_path(self) -> Path:
        return self.dir / "port"

    def write(self, name: str, text: str, mode: int = 0o600) -> Path:
        """Write ``name`` atomically (a reader sees the old file or the new one)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / name
        tmp = path.with_name(f".{name}.new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(tmp, path)
        return path

    def write_logins(self, server_hash: str | None, logins: Iterable[tuple[str, str]]) -> None:
        """``passwd`` and ``acl`` for the kits' ``(username, hash)`` and the server's account
        (``server_hash`` None: keep the one on disk, written by the running lab)."""
        logins = list(logins)
        server = self.server_hash() if server_hash is None else server_hash
        accounts = ([(SERVER_USER, server)] if server else []) + logins
        self.write("passwd", password_file(accounts))
        self.write("acl", acl_file(self.lab, [user for user, _ in logins]))

    def server_hash(self) -> str | None:
        """The server account's hash in ``passwd`` (None if there is no such file or line)."""
        try:
            lines = (self.dir / "passwd").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return None
        return next((line.split(":", 1)[1] for line in lines
                     if line.startswith(SERVER_USER + ":")), None)

    def remembered_port(self) -> int:
        """The port the lab's broker last had (0: none yet)."""
        try:
            text = self.port_path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return 0
        return int(text) if text.isdigit() else 0

    def remember_port(self, port: int) -> None:
        if port != self.remembered_port():
            self.write("port", str(port), 0o644)

    def running_pid(self) -> int | None:
        """The pid of the Mosquitto running this folder's config, if one runs (the pid file
        is checked against the process's command line, so a reused pid is never signalled)."""
        try:
            pid = int(self.pid_path.read_text(encoding="ascii").strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return None
        return pid if str(self.conf).encode() in cmdline.split(b"\0") else None

    def log_size(self) -> int:
        """Where the broker's log ends now (to wait for what it logs next)."""
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def reload(self, pid: int, alive: Callable[[], bool]) -> bool:
        """Send the broker ``pid`` SIGHUP and wait until its log says it read its files again
        (at most ``RELOAD_WAIT`` s, less if ``alive()`` turns false): True once it did."""
        offset = self.log_size()
        try:
            os.kill(pid, signal.SIGHUP)
        except ProcessLookupError:
            return False
        return self.wait_reloaded(offset, RELOAD_WAIT, alive)

    def wait_reloaded(self, offset: int, timeout: float, alive: Callable[[], bool]) -> bool:
        """Wait until the log, past ``offset``, says the broker read its files again (at most
        ``timeout`` s, less if ``alive()`` turns false): True once it did."""
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while time.monotonic() < deadline and alive():
            if RELOADED in self._log_since(offset):
                return True
            pause.wait(0.01)
        return False

    def _log_since(self, offset: int) -> str:
        try:
            with open(self.log_path, "rb") as file:
                file.seek(offset)
                return file.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, size: int = 2000) -> str:
        """The end of the broker's log and stderr, for an error message."""
        parts = []
        for path, keep in ((self.log_path, size * 3 // 4), (self.dir / "stderr.log", size // 4)):
            try:
                parts.append(path.read_text(errors="replace")[-keep:])
            except FileNotFoundError:
                continue
        return "".join(parts).strip()
