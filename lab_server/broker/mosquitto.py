"""The lab's private Mosquitto: a supervised child process with a config, passwords and ACL
we write.

Everything lives in ``{data_dir}/mosquitto/`` (``files.BrokerFiles``): ``mosquitto.conf``,
``passwd`` (kits' hashes from the store, plus the server's account with a password made fresh
at every start of the lab), ``acl`` (``acl.acl_file``), the port, the pid, the persistence
file and the log. ``reload`` rewrites passwd and acl and sends SIGHUP, which makes Mosquitto
read both again without dropping a connection.

**Supervision.** One thread per broker (``kitlab-broker``) starts the child and waits on it;
when it dies (a crash, the OOM killer, ``kill -9``), the thread starts it again on the same
port with the same config and persistence file, so kits and the ingest reconnect by
themselves and find their sessions and queued messages. Restarts back off
(``RESTART_DELAYS``: the first at once, then longer, at most ``RESTART_DELAYS[-1]`` s; a
broker that ran ``STABLE`` s starts again from the first), each said in the log and in
``status()`` (``/health``). The thread that started the child is the one that waits on it
for its whole life, because the parent-death signal below fires when that *thread* ends.

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
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kitsdk.telemetry import MAX_ACK_PAYLOAD

from ..exc import BrokerError
from ..passwords import hash_password, new_password
from .files import BrokerFiles

log = logging.getLogger(__name__)

START_WAIT = 10.0
"""Seconds the broker gets to accept connections."""
MAX_PACKET = MAX_ACK_PAYLOAD + 64 * 1024
INFLIGHT = 1000
RESTART_DELAYS = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
"""Seconds before each restart of a broker that died; the last one repeats."""
STABLE = 60.0
"""Seconds a broker must run for its next restart to start the back-off again."""
LAB_NOTICES = 5.0
"""Seconds a running lab gets to notice a kit added by another process and reload its broker
(the ingest polls the kit list every 2 s, then the reload takes a moment)."""


def find_mosquitto() -> str | None:
    """The ``mosquitto`` binary, or None (Debian puts it in /usr/sbin, often not on PATH)."""
    return shutil.which("mosquitto") or next(
        (path for path in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
         if os.access(path, os.X_OK)), None)


def free_port(host: str = "127.0.0.1", preferred: int = 0) -> int:
    """``preferred`` if it is free on ``host``, else a free port. Free as Mosquitto sees it:
    it binds with SO_REUSEADDR, so a port whose last connections linger in TIME_WAIT (a
    broker stopped a moment ago) is still its to take."""
    for port in ((preferred, 0) if preferred else (0,)):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise BrokerError(f"no free port on {host}")


def queue_limit(class_size: int, max_rate: float, queue_seconds: float) -> int:
    return math.ceil(class_size * max_rate * queue_seconds)


def restart_delay(failures: int) -> float:
    """Seconds to wait before restarting a broker that died ``failures`` times in a row."""
    return RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]


def exit_text(code: int | None) -> str:
    """A child's exit status in words: ``"signal SIGKILL"``, ``"status 1"``."""
    if code is None:
        return "no exit"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"status {code}"


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
pid_file {directory}/mosquitto.pid
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
    """A supervised Mosquitto child process serving one lab; ``logins()`` gives the kits'
    hashes."""

    kind = "mosquitto"

    def __init__(self, executable: str, directory: Path, *, lab: str, host: str, port: int,
                 queued: int, logins: Callable[[], list[tuple[str, str]]]) -> None:
        self.executable = executable
        self.files = BrokerFiles(directory, lab)
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
        self.restarts = 0
        self.last_exit: int | None = None
        self._restart_at: float | None = None
        self._log_offset = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"mqtt://{host}:{self.port}"

    @property
    def limits(self) -> str:
        return (f"Mosquitto: MQTT 5 and 3.1.1; queues {self.queued:,} messages per client for "
                f"a lab server that is away; state saved every second (kill -9 loses at most "
                f"the last second of undelivered messages); restarted when it dies")

    def write_files(self) -> None:
        """(Re)write passwd and acl from the store's kit list."""
        self.files.write_logins(self._server_hash, self._logins())

    def plan(self) -> None:
        """Choose the port without starting anything: the configured one, else the one the
        lab's broker has (or last had), else a free one, remembered for the lab's start."""
        self.port = self._requested_port or self.files.remembered_port() or \
            free_port(self.host)
        self.files.remember_port(self.port)
        self._log_offset = self.files.log_size()

    def start(self) -> None:
        """Start the broker and its supervisor; return once it accepts connections."""
        if self._supervisor is not None:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = self._requested_port or free_port(self.host, self.files.remembered_port())
        self.files.remember_port(self.port)
        self.write_files()
        self.files.write("mosquitto.conf",
                         mosquitto_conf(self.dir, self.host, self.port, self.queued), 0o644)
        self._stopping.clear()
        started = threading.Event()
        failure: list[BrokerError] = []
        thread = threading.Thread(target=self._supervise, args=(started, failure),
                                  name="kitlab-broker", daemon=True)
        thread.start()
        started.wait()
        if failure:
            thread.join()
            raise failure[0]
        self._supervisor = thread
        assert self.process is not None
        log.info("broker: private Mosquitto on %s (pid %d), files in %s", self.url,
                 self.process.pid, self.dir)

    def _spawn(self) -> subprocess.Popen[bytes]:
        """Start the child and wait until it listens (``BrokerError`` if it does not)."""
        with open(self.dir / "stderr.log", "ab") as stderr:
            process = subprocess.Popen(
                [self.executable, "-c", str(self.files.conf)], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=_die_with_parent)
        try:
            code = wait_until_listening(process, self.host, self.port, START_WAIT)
        except TimeoutError:
            process.kill()
            process.wait()
            raise BrokerError(f"mosquitto did not listen on port {self.port} within "
                              f"{START_WAIT} s:\n{self.files.tail()}") from None
        if code is not None:
            raise BrokerError(f"mosquitto exited with {exit_text(code)}:\n{self.files.tail()}")
        return process

    def _supervise(self, started: threading.Event, failure: list[BrokerError]) -> None:
        """The supervisor thread: start the child, wait on it, restart it when it dies."""
        try:
            process = self.process = self._spawn()
        except BrokerError as exc:
            failure.append(exc)
            return
        except OSError as exc:  # the binary cannot run: not executable, gone since found
            failure.append(BrokerError(f"cannot run {self.executable}: {exc}"))
            return
        finally:
            started.set()
        failures = 0
        while True:
            up_since = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - up_since >= STABLE:
                failures = 0
            self.last_exit = code
            restarted = self._restart(process.pid, code, failures)
            if restarted is None:
                return
            process, failures = restarted

    def _restart(self, pid: int, code: int, failures: int
                 ) -> tuple[subprocess.Popen[bytes], int] | None:
        """Start the child again after the back-off; None if the broker is being stopped."""
        while True:
            delay = restart_delay(failures)
            failures += 1
            log.warning("broker: Mosquitto (pid %d) died (%s); restarting it in %.1f s "
                        "(restart %d)", pid, exit_text(code), delay, self.restarts + 1)
            self._restart_at = time.monotonic() + delay
            if self._stopping.wait(delay):
                return None
            try:
                self.write_files()  # kits added while it was down
                process = self._spawn()
            except (BrokerError, OSError) as exc:
                log.error("broker: restarting Mosquitto failed: %s", exc)
                continue
            with self._lock:
                if self._stopping.is_set():  # stop() came while it started: no orphan
                    process.terminate()
                    process.wait()
                    return None
                self.process = process
                self.restarts += 1
                self._restart_at = None
            log.warning("broker: Mosquitto restarted on %s (pid %d), restart %d", self.url,
                        process.pid, self.restarts)
            return process, failures

    def status(self) -> dict[str, Any]:
        """The supervisor's view, for ``/health``: running, restarts, the last exit and, while
        the broker is down, the seconds until the next restart."""
        restart_at = self._restart_at
        return {"running": self.running, "restarts": self.restarts,
                "last_exit": None if self.last_exit is None else exit_text(self.last_exit),
                "restart_in": None if self.running or restart_at is None
                else round(max(0.0, restart_at - time.monotonic()), 1)}

    def reload(self) -> None:
        """Rewrite passwd and acl from the kit list and make the broker read them (SIGHUP);
        returns once the broker has logged the reload (at most ``files.RELOAD_WAIT`` s), so a
        kit added a moment ago can log in."""
        self.write_files()
        process = self.process
        if process is None or process.poll() is not None:
            return
        self.files.reload(process.pid, lambda: process.poll() is None)
        log.info("broker: reloaded the kit list")

    def reload_other(self) -> None:
        """From another process than the lab's (``kitlab kits add``), after a change to the
        kit list: return once the lab's running broker, if any, lets the kits in.

        The lab does the reload itself: its ingest notices the change within
        ``LAB_NOTICES`` s, takes the new kit list, and only then rewrites passwd and acl and
        sends SIGHUP. Were the broker reloaded from here, a new kit could publish before
        the ingest knew it, and its first messages would be refused as an unknown kit's.
        This waits for that reload in the broker's log (from ``plan()`` on); a lab that does
        not reload in time gets the files and SIGHUP from here, with a warning. With no lab
        running, the files are written for the lab's next start (which rewrites them).
        """
        pid = self.files.running_pid()
        if pid is not None and self.files.wait_reloaded(
                self._log_offset, LAB_NOTICES, lambda: self.files.running_pid() == pid):
            self._log_offset = self.files.log_size()
            return
        self.files.write_logins(None, self._logins())
        if pid is not None:
            log.warning("broker: the lab did not reload its Mosquitto (pid %d) within %.0f s; "
                        "reloading it from here", pid, LAB_NOTICES)
            self.files.reload(pid, lambda: self.files.running_pid() == pid)

    @property
    def running(self) -> bool:
        process = self.process
        return process is not None and process.poll() is None

    def stop(self, *, kill: bool = False) -> None:
        """Stop the supervisor and the broker, gracefully (it saves its state) or ``kill``;
        idempotent."""
        with self._lock:
            self._stopping.set()
            process, self.process = self.process, None
            thread, self._supervisor = self._supervisor, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.wait(timeout=START_WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=START_WAIT)
        if thread is not None:
            thread.join(START_WAIT * 2)


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
