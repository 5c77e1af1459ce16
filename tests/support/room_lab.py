"""A whole class in one process, for the room's browser tests and benchmark.

``RoomLab`` is a real lab (its own broker, SQLite, the web server on a free loopback port)
with ``n`` provisioned kits in teams, each a real MQTT client with its own login and its
last will, speaking the schema as a kit agent does: a status describing the rover's parts
(``kitsdk``'s real description, ``Kit(profile="rover").parts()``), telemetry at ``rate``
Hz, events. Forty kit agents with their scripts would be eighty Python processes on two
cores; what the room sees of a kit is exactly these messages, so this is what it gets.
``kill(kit)`` drops a kit's connection without a goodbye, so that the broker sends its will,
as when a Pi loses power. The last ``agents`` kits are real kit agents instead (in this
process, on the simulated rover), for what must reach a kit: a lock, a lesson check.
"""

from __future__ import annotations

import itertools
import math
import socket
import threading
import time
from pathlib import Path
from typing import Any

from helpers import wait_until
from werkzeug.security import generate_password_hash

LAB = "room-test"
TEAMS = ("red", "blue", "green", "yellow", "purple")
TEACHER = ("teacher", "teacher-password-1")
MENTOR = ("mentor", "mentor-password-1")


def rover_parts() -> tuple[Any, ...]:
    from kitsdk import Kit

    with Kit(profile="rover") as kit:
        return tuple(kit.parts())


class RoomKit:
    """One kit of the class: an MQTT client with the kit's login and last will."""

    def __init__(self, room: RoomLab, kit: str, credentials: Any, parts: tuple[Any, ...]) -> None:
        from kitsdk.telemetry import new_id

        self.room, self.id, self.credentials, self.parts = room, kit, credentials, parts
        self.session = new_id()
        self.seq = itertools.count(1)
        self.event_seq = itertools.count(1)
        self.client: Any = None
        self.alive = False

    def _status(self, state: str, running: str | None = None, message: str | None = None
                ) -> Any:
        from kitsdk.telemetry import Running, Status

        run = None if running is None else Running(kind="script", name=running)
        channels = {p.name: {c.name: c.unit for c in p.channels} for p in self.parts}
        return Status(state=state, session=self.session, profile="rover", sdk="test",  # type: ignore[arg-type]
                      running=run, channels=channels, parts=self.parts, message=message)

    def _topic(self, kind: str) -> str:
        from kitsdk.telemetry import Kind, topic_for

        return topic_for(LAB, self.id, Kind[kind.upper()])

    def connect(self) -> None:
        from paho.mqtt.client import Client
        from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

        from kitsdk.telemetry import encode

        client = Client(CallbackAPIVersion.VERSION2, client_id=self.id,
                        protocol=MQTTProtocolVersion.MQTTv5)
        client.username_pw_set(self.credentials.username, self.credentials.password)
        client.will_set(self._topic("status"), encode(self._status("offline")), 1, retain=True)
        connected = threading.Event()
        client.on_connect = lambda *args: connected.set()
        host, port = str(self.room.services.broker.url).removeprefix("mqtt://").split(":")
        client.connect(host, int(port), keepalive=10)
        client.loop_start()
        assert connected.wait(10), f"{self.id} could not connect"
        self.client, self.alive = client, True

    def send(self, kind: str, message: Any, qos: int = 1) -> None:
        from kitsdk.telemetry import encode

        self.client.publish(self._topic(kind), encode(message), qos=qos, retain=kind == "status")

    def status(self, state: str = "online", running: str | None = None,
               message: str | None = None) -> None:
        self.send("status", self._status(state, running, message))

    def event(self, kind: str, **data: Any) -> None:
        from kitsdk.telemetry import Event

        self.send("event", Event(session=self.session, seq=next(self.event_seq), kind=kind,
                                 data=data))

    def telemetry(self, t: float) -> None:
        """One sample of a rover driving about: every part's channels, changing with ``t``."""
        from kitsdk.telemetry import Telemetry

        phase = t + hash(self.id) % 10
        values = {"drive": {"left": round(math.sin(phase), 3), "right": round(math.cos(phase), 3)},
                  "servo": {"position": round(math.sin(phase / 3), 3)},
                  "distance": {"distance": round(0.5 + 0.4 * math.sin(phase / 2), 3)},
                  "line_left": {"line": math.sin(phase * 2) > 0},
                  "line_right": {"line": math.cos(phase * 2) > 0},
                  "status_led": {"on": int(phase) % 2 == 0},
                  "camera": {"brightness": 0.5}}
        self.send("telemetry", Telemetry(session=self.session, seq=next(self.seq), ts=time.time(),
                                         values=values), qos=0)

    def kill(self) -> None:
        """The connection drops with no goodbye (a Pi losing power): the broker sends the will."""
        self.alive = False
        self.client.loop_stop()
        sock = self.client.socket()
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        if self.alive:
            self.alive = False
            self.client.disconnect()
            self.client.loop_stop()


class RoomLab:
    """A lab with ``n`` kits (``kit-1`` ... in teams of :data:`TEAMS`), online and sending."""

    def __init__(self, directory: Path, n: int = 40, rate: float = 2.0,
                 hub_window: float | None = None, agents: int = 0) -> None:
        from lab_server.app import create_app
        from lab_server.config import LabConfig
        from lab_server.services import start_services
        from lab_server.web.server import WebServer

        settings: dict[str, Any] = {"lab": LAB, "data_dir": directory}
        if hub_window is not None:
            settings["hub_window"] = hub_window
        self.services = start_services(LabConfig(**settings))
        self.kits: list[RoomKit] = []
        self.agents: dict[str, Any] = {}
        self.rate = rate
        self.directory = directory
        self._stop = threading.Event()
        self._sender: threading.Thread | None = None
        try:
            store = self.services.store
            for (name, password), role in ((TEACHER, "teacher"), (MENTOR, "mentor")):
                store.add_user(name, role, generate_password_hash(password))
            parts = rover_parts()
            for i in range(1, n + 1):
                kit = f"kit-{i}"
                credentials = store.add_kit(kit, team=TEAMS[(i - 1) % len(TEAMS)])
                if i > n - agents:
                    self._start_agent(credentials)
                else:
                    self.kits.append(RoomKit(self, kit, credentials, parts))
            self.server = WebServer(create_app({}, self.services), "127.0.0.1", 0).start()
            self.url = self.server.url
            for kit in self.kits:
                kit.connect()
                kit.status("online")
            wait_until(lambda: sum(k.state != "offline" for k in store.kits()) == n, 20,
                       f"{n} kits online in the store")
        except BaseException:
            self.close()
            raise

    def _start_agent(self, credentials: Any) -> None:
        from kitsdk.agent.config import AgentConfig
        from kitsdk.agent.supervisor import Agent

        kit = credentials.username
        config = AgentConfig(broker=str(self.services.broker.url), lab=LAB, kit=kit,
                             username=kit, password=credentials.password, profile="rover",
                             rate=5, outbox=str(self.directory / f"{kit}-outbox.db"),
                             control_socket=str(self.directory / f"{kit}.sock"))
        agent = Agent(config, backend="sim")
        thread = threading.Thread(target=agent.serve, name=f"agent-{kit}", daemon=True)
        thread.start()
        self.agents[kit] = (agent, thread)
        assert agent.link.wait_connected(10), f"{kit}'s agent could not connect"

    def kit(self, kit_id: str) -> RoomKit:
        return next(k for k in self.kits if k.id == kit_id)

    def send_telemetry(self) -> RoomLab:
        """Every live kit sends a sample ``rate`` times a second, from one thread."""
        def send() -> None:
            period, start = 1.0 / self.rate, time.monotonic()
            for tick in itertools.count():
                for kit in self.kits:
                    if kit.alive:
                        kit.telemetry(time.time())
                if self._stop.wait(max(0.0, start + (tick + 1) * period - time.monotonic())):
                    return

        self._sender = threading.Thread(target=send, name="room-telemetry", daemon=True)
        self._sender.start()
        return self

    def login(self, page: Any, who: tuple[str, str] = TEACHER) -> None:
        page.goto(self.url + "/login")
        page.fill('input[name="username"]', who[0])
        page.fill('input[name="password"]', who[1])
        page.click('button[type="submit"]')
        page.wait_for_url(self.url + "/")

    def close(self) -> None:
        self._stop.set()
        if self._sender is not None:
            self._sender.join(5)
        for kit in self.kits:
            kit.close()
        for agent, thread in self.agents.values():
            agent.shutdown()
            thread.join(10)
        server = getattr(self, "server", None)
        if server is not None:
            server.close()
        self.services.close()
