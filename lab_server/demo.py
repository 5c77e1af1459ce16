"""``kitlab demo``: a whole lab on one laptop, for a newcomer's first look.

It starts the lab's services (their own broker and a SQLite store in a scratch folder), the
web server, a teacher and a mentor login (new passwords each time, also in a ``--data-dir``
used before), and N simulated rovers: each is a real
``kit agent --sim`` process with its own MQTT credentials, running :data:`DEMO_SCRIPT`
(handed over with ``kit run`` through the agent's control socket, as a student would), which
drives the motors and reads the sensors. Everything is torn down by :meth:`Demo.close`.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.security import generate_password_hash

from .exc import KitExists, UserExists

log = logging.getLogger(__name__)

LAB = "demo"
TEAMS = ("red", "blue", "green", "yellow")

DEMO_SCRIPT = '''\
"""kitlab demo: drive the rover in slow curves and watch the distance sensor."""
import math
import time

from kitsdk import Kit

kit = Kit()
start = time.monotonic()
while True:
    t = time.monotonic() - start
    left = 0.5 + 0.4 * math.sin(t / 1.5)
    right = 0.5 + 0.4 * math.cos(t / 2.0)
    kit.drive.tank(left, right)
    if int(t * 2) % 10 == 0:
        print(f"t={t:5.1f}s distance {kit.distance.distance:.2f} m")
    time.sleep(0.1)
'''


@dataclass
class DemoKit:
    id: str
    team: str
    agent: subprocess.Popen[bytes]
    socket: Path
    script: subprocess.Popen[bytes] | None = None


@dataclass
class Demo:
    """A running demo lab: ``.url``, ``.teacher`` / ``.mentor`` ``(name, password)``."""

    services: Any
    server: Any
    teacher: tuple[str, str]
    mentor: tuple[str, str]
    data_dir: Path
    kits: list[DemoKit] = field(default_factory=list)
    scratch: bool = False
    homes: list[Path] = field(default_factory=list)
    _closed: bool = False

    @property
    def url(self) -> str:
        return str(self.server.url)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        processes = [p for k in self.kits for p in (k.script, k.agent) if p is not None]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.server.close()
        self.services.close()
        for home in self.homes:
            shutil.rmtree(home, ignore_errors=True)
        if self.scratch:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_demo(kits: int = 6, *, host: str = "127.0.0.1", port: int = 0,
               data_dir: str | os.PathLike[str] | None = None, rate: float = 10.0,
               config: dict[str, Any] | None = None) -> Demo:
    """Start the demo lab; returns once the web server listens (kits come online soon after:
    :func:`run_scripts` hands them their script as each agent's socket appears)."""
    from .app import create_app
    from .config import LabConfig
    from .services import start_services
    from .web.server import WebServer

    scratch = data_dir is None
    directory = Path(data_dir or tempfile.mkdtemp(prefix="kitlab-demo-"))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # KITLAB_BROKER_KIND=amqtt tries the fallback a machine without Mosquitto gets.
        broker_kind = os.environ.get("KITLAB_BROKER_KIND", "auto")
        services = start_services(LabConfig(lab=LAB, data_dir=directory,
                                            broker_kind=broker_kind))  # type: ignore[arg-type]
    except BaseException:
        if scratch:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    try:
        app = create_app(config, services)
        server = WebServer(app, host, port).start()
    except BaseException:
        services.close()
        if scratch:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    teacher = ("teacher", secrets.token_urlsafe(9))
    mentor = ("mentor", secrets.token_urlsafe(9))
    store = services.store
    assert services.broker is not None, "the demo runs its own broker"
    demo = Demo(services, server, teacher, mentor, directory, scratch=scratch)
    try:
        for (name, password), role in ((teacher, "teacher"), (mentor, "mentor")):
            _login(store, name, role, generate_password_hash(password))
        script = directory / "demo.py"
        script.write_text(DEMO_SCRIPT, encoding="utf-8")
        logs = directory / "logs"
        logs.mkdir(exist_ok=True)
        # The agents' HOME (their outbox and control socket) in a short path of its own:
        # a Unix socket's path may be at most 107 bytes.
        home = Path(tempfile.mkdtemp(prefix="kitlab-kits-"))
        # amqtt, the fallback where Mosquitto is not installed, speaks only MQTT 3.1.1.
        mqtt_version = 3 if services.broker.kind == "amqtt" else 5
        demo.homes.append(home)
        for number in range(1, kits + 1):
            kit_id, team = f"kit-{number}", TEAMS[(number - 1) % len(TEAMS)]
            credentials = _kit(store, kit_id, team)
            demo.kits.append(_start_agent(kit_id, team, credentials, str(services.broker.url),
                                          home, logs, rate, mqtt_version))
        threading.Thread(target=run_scripts, args=(demo, script, logs), daemon=True,
                         name="demo-scripts").start()
    except BaseException:
        demo.close()
        raise
    return demo


def _login(store: Any, name: str, role: str, password_hash: str) -> None:
    """The demo's login ``name``, new or (in a reused folder) with a new password."""
    try:
        store.add_user(name, role, password_hash)
    except UserExists:
        store.set_role(name, role)
        store.set_password(name, password_hash)


def _kit(store: Any, kit_id: str, team: str) -> Any:
    """The demo kit's credentials, new or (in a reused folder) with a new password."""
    try:
        return store.add_kit(kit_id, team=team)
    except KitExists:
        store.set_team(kit_id, team)
        return store.reset_password(kit_id)


def _start_agent(kit_id: str, team: str, credentials: Any, broker: str, home: Path,
                 logs: Path, rate: float, mqtt_version: int = 5) -> DemoKit:
    env = {**os.environ, "HOME": str(home), "KITSDK_BACKEND": "sim",
           "KITSDK_AGENT_PASSWORD": credentials.password}
    with open(logs / f"{kit_id}.log", "ab") as log_file:
        agent = subprocess.Popen(
            [sys.executable, "-m", "kitsdk.cli", "agent", "--sim", "--broker", broker,
             "--lab", LAB, "--kit", kit_id, "--username", credentials.username,
             "--profile", "rover", "--rate", str(rate),
             "--mqtt-version", str(mqtt_version)],
            env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file)
    socket = home / ".cache" / "kitsdk" / f"{LAB}-{kit_id}" / "agent.sock"
    return DemoKit(kit_id, team, agent, socket)


def run_scripts(demo: Demo, script: Path, logs: Path, timeout: float = 60.0) -> None:
    """Hand the demo script to each kit's agent as soon as its control socket appears."""
    waiting = list(demo.kits)
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while waiting and not demo._closed and time.monotonic() < deadline:
        for kit in list(waiting):
            if kit.agent.poll() is not None:
                log.warning("demo kit %s's agent exited (%s); see %s", kit.id,
                            kit.agent.returncode, logs / f"{kit.id}.log")
                waiting.remove(kit)
            elif kit.socket.is_socket():
                with open(logs / f"{kit.id}-script.log", "ab") as out:
                    kit.script = subprocess.Popen(
                        [sys.executable, "-m", "kitsdk.cli", "run", str(script)],
                        env={**os.environ, "KITSDK_AGENT_SOCKET": str(kit.socket)},
                        stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=script.parent)
                waiting.remove(kit)
        pause.wait(0.05)
