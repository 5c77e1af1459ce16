"""The lab's side of the kit agent tests: a simulated kit's agent on a real private
Mosquitto, a lab-side client that sends commands and reads what the kit published, and the
simulator's pin journal (``KITSDK_SIM_TRACE``), which outlives every process that drove the
pins, as a real kit's pins do.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from helpers import wait_until

from kitsdk.agent.config import AgentConfig
from kitsdk.agent.supervisor import Agent
from kitsdk.telemetry import Command, CommandAck, Event, Status, decode, encode

LAB, KIT = "lab", "kit-1"
ROOT = f"kitsdk/v1/{LAB}/{KIT}"
LEFT_FORWARD = "GPIO10"  # the rover's left motor, forward input

#: The head of a student's script on the rover: it drives, then says so.
DRIVE = """
import signal, time
from kitsdk import Kit
kit = Kit("rover")
kit.drive.forward(0.9)
print("driving", flush=True)
"""


def decoded(subscriber: Any, kind: str) -> list[Any]:
    return [decode(m.topic, m.payload) for m in subscriber.on(f"{ROOT}/{kind}")]


def journal(trace: Path, pin: str) -> list[dict[str, Any]]:
    """The journal's entries for ``pin``, oldest first."""
    if not trace.exists():
        return []
    return [e for e in map(json.loads, trace.read_text().splitlines()) if e["pin"] == pin]


def process_gone(pid: int) -> bool:
    """``pid`` has exited (a zombie that nobody reaped yet counts as exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def zombie_children(pid: int | None = None) -> list[int]:
    """The children of ``pid`` (default: this process) that exited and were not reaped."""
    parent = os.getpid() if pid is None else pid
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[0] == "Z" and int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


class Lab:
    """The lab's side: a subscriber to everything of the kit, and a command sender."""

    def __init__(self, subscriber: Any) -> None:
        self.sub = subscriber

    def command(self, name: str, kit: str = KIT, **args: Any) -> Command:
        command = Command(name=name, issuer="teacher", args=args)
        self.sub.publish(f"kitsdk/v1/{LAB}/{kit}/cmd", encode(command))
        return command

    def ack(self, command: Command, timeout: float = 10.0) -> CommandAck:
        def answered(_: object) -> bool:
            return any(a.id == command.id for a in decoded(self.sub, "cmd/ack"))

        assert self.sub.wait_for(answered, timeout), f"no ack for {command.name}"
        return next(a for a in decoded(self.sub, "cmd/ack") if a.id == command.id)

    def events(self, kind: str) -> list[Event]:
        return [e for e in decoded(self.sub, "event") if e.kind == kind]

    def wait_event(self, kind: str, count: int = 1, timeout: float = 10.0) -> Event:
        """The ``count``-th event of ``kind``, once it has come."""
        assert self.sub.wait_for(lambda _: len(self.events(kind)) >= count, timeout), \
            f"no {kind} event (#{count}); events: {[e.kind for e in decoded(self.sub, 'event')]}"
        return self.events(kind)[count - 1]

    def latest_status(self) -> Status:
        return decoded(self.sub, "status")[-1]

    def wait_status(self, ok: Callable[[Status], bool], timeout: float = 10.0) -> bool:
        """True once the latest status satisfies ``ok`` (none yet satisfies nothing)."""
        def seen(_: object) -> bool:
            statuses = decoded(self.sub, "status")
            return bool(statuses) and bool(ok(statuses[-1]))
        return self.sub.wait_for(seen, timeout)


class Agents:
    """Starts in-process agents of kit ``KIT`` on the simulated rover (or another
    ``profile``); shuts them down after."""

    def __init__(self, tmp_path: Path, broker: str) -> None:
        self.tmp_path = tmp_path
        self.broker = broker
        self.started: list[tuple[Agent, threading.Thread]] = []

    def __call__(self, **changes: Any) -> Agent:
        config = AgentConfig(**{"broker": self.broker, "lab": LAB, "kit": KIT,
                                "profile": "rover", "rate": 20,
                                "outbox": str(self.tmp_path / f"outbox{len(self.started)}.db"),
                                "control_socket": str(self.tmp_path / "agent.sock"),
                                **changes})
        agent = Agent(config, backend="sim")
        thread = threading.Thread(target=agent.serve, daemon=True)
        thread.start()
        self.started.append((agent, thread))
        assert agent.link.wait_connected(10)
        return agent

    def __enter__(self) -> Agents:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        for agent, thread in self.started:
            agent.shutdown()
            thread.join(timeout=10)


def start_script(agent: Agent, tmp_path: Path, body: str, name: str = "student.py") -> Path:
    """Run DRIVE + body under the agent; return its pin journal once it drives."""
    script = tmp_path / name
    script.write_text(DRIVE + body)
    trace = tmp_path / "trace.jsonl"
    env = {**os.environ, "KITSDK_BACKEND": "sim", "KITSDK_SIM_TRACE": str(trace)}
    assert agent.start_script(script, env=env) is None
    wait_until(lambda: agent.run is not None and "driving" in agent.run.tail, 10, "driving")
    return trace
