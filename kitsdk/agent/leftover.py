"""A script that outlived its agent: written down when it starts, ended at the next start.

A script dies with its agent (``child.py``), unless it cannot run a line of its own: a
process stopped, or wedged in a C call that holds the interpreter. Such a leftover may still
drive the kit's motors, so the next agent ends it, and only then takes the pins and drives
them to their safe levels. The agent writes the running script down in a small JSON file
next to its control socket (``/run/kitsdk/agent.script.json``) with the boot and the
process's start time, so that a pid that the system gave to another process since is left
alone. Linux only: it reads ``/proc`` and waits on a pidfd.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: Seconds a leftover gets to stop its outputs on SIGTERM before SIGKILL; and the most
#: an agent waits for the killed process to be gone before it goes on regardless.
TERM_GRACE = 0.5
KILL_WAIT = 5.0


#: This boot's id: a record from an earlier boot names a process that is long gone.
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True)
class ScriptRecord:
    """One running script: its pid, its start (the boot's id, and clock ticks since that
    boot), its name."""

    pid: int
    boot: str
    started: int
    script: str

    def is_running(self) -> bool:
        """The recorded process still runs: same boot, same pid, same start time."""
        return _boot() == self.boot and started(self.pid) == self.started


def _boot() -> str:
    try:
        return BOOT_ID.read_text().strip()
    except FileNotFoundError:  # not Linux
        return ""


def started(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks since boot; None if there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # Field 22; the name (field 2) is in parentheses and may itself hold spaces or ')'.
    return int(stat.rsplit(")", 1)[1].split()[19])


class RecordFile:
    """The file that names the script running under this agent, if any."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def write(self, pid: int, script: str) -> None:
        """Write the script down (replaced whole, so a crash never leaves half a record)."""
        begun = started(pid)
        if begun is None:  # it has already exited: nothing can be left over
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(asdict(ScriptRecord(pid, _boot(), begun, script))))
        partial.replace(self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def read(self) -> ScriptRecord | None:
        """The record, or None if there is none or it cannot be read (then it is counted
        as no leftover: a record is written only while a script runs)."""
        try:
            data = json.loads(self.path.read_text())
            return ScriptRecord(int(data["pid"]), str(data["boot"]), int(data["started"]),
                                str(data["script"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("script record %s unreadable, ignored: %s", self.path, exc)
            return None

    def end_leftover(self) -> ScriptRecord | None:
        """End the recorded script if it still runs; the record if it did, else None."""
        record = self.read()
        self.clear()
        if record is None or not hasattr(os, "pidfd_open"):
            return None
        try:
            pidfd = os.pidfd_open(record.pid)
        except ProcessLookupError:
            return None
        try:
            # Checked after pidfd_open: the pidfd now holds this very process.
            if not record.is_running():
                return None
            log.warning("ending %s (pid %d), left running by an agent that died",
                        record.script, record.pid)
            _signal(pidfd, record.pid, signal.SIGTERM)
            _signal(pidfd, record.pid, signal.SIGCONT)  # a stopped process must run to end
            if not _exits(pidfd, TERM_GRACE):
                _signal(pidfd, record.pid, signal.SIGKILL)
                if not _exits(pidfd, KILL_WAIT):
                    log.error("pid %d did not end on SIGKILL", record.pid)
        finally:
            os.close(pidfd)
        return record


def _signal(pidfd: int, pid: int, signum: int) -> None:
    """Signal the script (by its pidfd: no other process) and its helpers (its process
    group, which the script leads)."""
    try:
        signal.pidfd_send_signal(pidfd, signum)
        os.killpg(pid, signum)
    except ProcessLookupError:  # it ended meanwhile (with its helpers), or leads no group
        return


def _exits(pidfd: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for the process of ``pidfd`` to exit."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    return bool(poller.poll(timeout * 1000))
