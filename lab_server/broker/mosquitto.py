"""The lab's private Mosquitto: a child process with a config, passwords and ACL we write.

Everything lives in ``{data_dir}/mosquitto/``: ``mosquitto.conf``, ``passwd`` (kits' hashes
from the store, plus the server's account with a password made fresh at every start),
``acl`` (``acl.acl_file``), the persistence file and the log. ``reload`` rewrites passwd and
acl and sends SIGHUP, which makes Mosquitto read both again without dropping a connection.

The limits the config sets, and why:

- **Persistence**: ``autosave_interval 1``: the in-memory state (sessions, queued messages,
  retained statuses) is written every second, and on every graceful stop. Mosquitto 2.0
  saves a whole snapshot each time, so saving on every change (``autosave_on_changes``) was
  measured at about 2,000 messages/s with a live reader, the rate of one class at 50 Hz and
  no headroom, and collapses as a queue grows; so ``kill -9`` loses at most the last second
  of messages the broker accepted and had not yet delivered, and nothing older.
- **Queues**: ``max_queued_messages`` holds ``queue_seconds`` (10 minutes) of a class of
  ``class_size`` kits at ``max_rate`` (40 at 50 Hz: 1.2 million) for a lab server that is
  away; ``max_inflight_messages`` and the ingest's Receive Maximum let the broker stream to
  the ingest without waiting on each PUBACK.
- ``max_packet_size``: above the schema's largest payload (a 320 KiB ack), so junk larger
  than any valid message is refused at the door.
- ``use_username_as_clientid``: the client id *is* the login, so a kit cannot take over
  another kit's session.
- ``set_tcp_nodelay``: PUBACKs go out at once instead of waiting for Nagle.

The child gets SIGTERM if the server dies (``PR_SET_PDEATHSIG``), so a crashed server does
not leave an orphan broker holding its port.
"""

from __future__ import annotations

import logging
import math
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from kitsdk.telemetry import MAX_ACK_PAYLOAD

from ..exc import BrokerError
from ..passwords import hash_password, new_password
from .acl import SERVER_USER, acl_file, password_file

log = logging.getLogger(__name__)

START_WAIT = 10.0
"""Seconds the broker gets to accept connections."""
MAX_PACKET = MAX_ACK_PAYLOAD + 64 * 1024
INFLIGHT = 1000
RELOAD_WAIT = 2.0
RELOADED = "Reloading config."


def find_mosquitto() -> str | None:
    """The ``mosquitto`` binary, or None (Debian puts it in /usr/sbin, often not on PATH)."""
    return shutil.which("mosquitto") or next(
        (path for path in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
         if os.access(path, os.X_OK)), None)


def free_port(host: str = "127.0.0.1", preferred: int = 0) -> int:
    """``preferred`` if it is free on ``host``, else a free port."""
    for port in ((preferred, 0) if preferred else (0,)):
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise BrokerError(f"no free port on {host}")


def queue_limit(class_size: int, max_rate: float, queue_seconds: float) -> int:
    return math.ceil(class_size * max_rate * queue_seconds)


def mosquitto_conf(directory: Path, host: str, port: int, queued: int) -> str:
    """The broker's config (see the module's docstring for each limit)."""
    user = pwd.getpwuid(os.geteuid()).pw_name  # root would otherwise drop to 'mosquitto'
    return f"""\
# Written by kitlab at every start: edit the lab's config, not this file.
per_listener_settings false
allow_anonymous false
password_file {directory}/passwd
acl_file {directory}/acl
# the listener before its own settings: settings above any listener make a default one
listener {port} {host}
use_username_as_clientid true
persistence true
persistence_location {directory}/
autosave_interval 1
max_queued_messages {queued}
max_inflight_messages {INFLIGHT}
max_packet_size {MAX_PACKET}
persistent_client_expiration 14d
set_tcp_nodelay true
log_dest file {directory}/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
user {user}
"""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the server's own close() stops the broker


class PrivateMosquitto:
    """A Mosquitto child process serving one lab; ``logins()`` gives the kits' hashes."""

    kind = "mosquitto"

    def __init__(self, executable: str, directory: Path, *, lab: str, host: str, port: int,
                 queued: int, logins: Callable[[], list[tuple[str, str]]]) -> None:
        self.executable = executable
        self.dir = directory
        self.lab = lab
        self.host = host
        self.queued = queued
        self._logins = logins
        self._requested_port = port
        self.port = 0
        self.server_password = new_password()
        self._server_hash = hash_password(self.server_password)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"mqtt://{host}:{self.port}"

    @property
    def log_text(self) -> str:
        path = self.dir / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    @property
    def limits(self) -> str:
        return (f"Mosquitto: MQTT 5 and 3.1.1; queues {self.queued:,} messages per client for "
                f"a lab server that is away; state saved every second (kill -9 loses at most "
                f"the last second of undelivered messages)")

    def _write(self, name: str, text: str, mode: int = 0o600) -> Path:
        """Write a file atomically (a reload never reads half a file)."""
        path = self.dir / name
        tmp = path.with_suffix(".new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(tmp, path)
        return path

    def write_files(self) -> None:
        """(Re)write passwd and acl from the store's kit list."""
        logins = self._logins()
        self._write("passwd", password_file([(SERVER_USER, self._server_hash), *logins]))
        self._write("acl", acl_file(self.lab, [user for user, _ in logins]))

    def start(self) -> None:
        """Start the broker and return once it accepts connections."""
        if self.process is not None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        port_file = self.dir / "port"
        previous = int(port_file.read_text()) if port_file.is_file() and \
            port_file.read_text().strip().isdigit() else 0
        self.port = self._requested_port or free_port(self.host, previous)
        self.write_files()
        conf = self._write("mosquitto.conf",
                           mosquitto_conf(self.dir, self.host, self.port, self.queued), 0o644)
        port_file.write_text(str(self.port))
        with open(self.dir / "stderr.log", "ab") as stderr:
            self.process = subprocess.Popen(
                [self.executable, "-c", str(conf)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=_die_with_parent)
        try:
            code = wait_until_listening(self.process, self.host, self.port, START_WAIT)
        except TimeoutError:
            self.stop(kill=True)
            raise BrokerError(f"mosquitto did not listen on port {self.port} within "
                              f"{START_WAIT} s:\n{self.log_text[-2000:]}") from None
        if code is not None:
            self.process = None
            raise BrokerError(f"mosquitto exited with status {code}:\n{self._tail()}")
        log.info("broker: private Mosquitto on %s (pid %d), files in %s", self.url,
                 self.process.pid, self.dir)

    def _tail(self) -> str:
        stderr = self.dir / "stderr.log"
        text = stderr.read_text(errors="replace") if stderr.exists() else ""
        return (self.log_text[-1500:] + text[-500:]).strip()

    def reload(self) -> None:
        """Rewrite passwd and acl from the kit list and make the broker read them (SIGHUP);
        returns once the broker has logged the reload (at most ``RELOAD_WAIT`` s), so a kit
        added a moment ago can log in."""
        self.write_files()
        process = self.process
        if process is None or process.poll() is not None:
            return
        before = self.log_text.count(RELOADED)
        process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + RELOAD_WAIT
        while self.log_text.count(RELOADED) <= before and time.monotonic() < deadline:
            try:  # a bounded wait on the process, which also notices a broker that died
                process.wait(timeout=0.01)
                break
            except subprocess.TimeoutExpired:
                continue
        log.info("broker: reloaded the kit list")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, *, kill: bool = False) -> None:
        """Stop gracefully (the broker saves its state) or ``kill``; idempotent."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=START_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=START_WAIT)


def wait_until_listening(process: subprocess.Popen[bytes], host: str, port: int,
                         timeout: float) -> int | None:
    """Wait for a broker just started to accept connections: None once it does, its exit
    status if it died first; ``TimeoutError`` if neither happens within ``timeout`` s.

    The wait is on the process (20 ms at a time), so a broker that dies is noticed at once.
    """
    deadline = time.monotonic() + timeout
    while not _accepts(host, port):
        try:
            return process.wait(timeout=0.02)
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"nothing listened on {host}:{port} within {timeout} s") from None
    return None


def _accepts(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else host
    try:
        socket.create_connection((target, port), timeout=0.2).close()
    except OSError:
        return False
    return True
