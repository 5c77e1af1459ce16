"""Fixtures for the lab server's web side: ``services``, ``app``, ``client``, ``runner``.

``services`` is the real backend (``start_services``: its own broker, SQLite in tmp_path).
``lab.kit(...)`` gives a simulated kit that speaks over MQTT with its own credentials.

Logins: ``login(client, "teacher")`` / ``login(client, "mentor")``; passwords are in
``PASSWORDS``. Waits use ``helpers.wait_until``; nothing sleeps.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from helpers import wait_until
from postgres_schema import fresh_schema
from werkzeug.security import generate_password_hash

from lab_server.app import create_app
from lab_server.config import LabConfig
from lab_server.services import start_services

LAB = "test-lab"
PASSWORDS = {"teacher": "teacher-password-1", "mentor": "mentor-password-1"}


# --- simulated kits ---------------------------------------------------------------------

class SimKit:
    """A kit that publishes what we tell it and answers commands like an agent: ``stop``
    and ``reset`` zero its motors, ``lock``/``unlock`` change its state, ``snapshot`` sends a
    small JPEG."""

    JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")

    def __init__(self, lab: LabHarness, kit: str, credentials: Any) -> None:
        from kitsdk.telemetry import new_id

        self.lab, self.id, self.credentials = lab, kit, credentials
        self.session = new_id()
        self.seq = itertools.count(1)
        self.event_seq = itertools.count(1)
        self.motors = {"left": 0.0, "right": 0.0}
        self.state = "offline"
        self.commands: list[Any] = []
        self.client: Any = None

    # sending
    def _send(self, kind: str, message: Any) -> None:
        from kitsdk.telemetry import Kind, encode, topic_for

        topic = topic_for(LAB, self.id, {"status": Kind.STATUS, "telemetry": Kind.TELEMETRY,
                                         "event": Kind.EVENT, "ack": Kind.ACK}[kind])
        self.client.publish(topic, encode(message), qos=1, retain=kind == "status"
                            ).wait_for_publish(10)

    def status(self, state: str = "online", running: Any = None, kind: str = "script"
               ) -> None:
        from kitsdk.telemetry import Running, Status

        self.state = state
        run = None if running is None else Running(kind=kind, name=running)  # type: ignore
        self._send("status", Status(
            state=state, session=self.session, ts=time.time(), profile="rover", sdk="0.1.0",
            running=run, channels={"distance": {"cm": "cm"},
                                   "motors": {"left": "", "right": ""}}))  # type: ignore[arg-type]

    def telemetry(self, cm: float, historical: bool = False, ts: float | None = None) -> None:
        from kitsdk.telemetry import Telemetry

        self._send("telemetry", Telemetry(
            session=self.session, seq=next(self.seq), ts=ts or time.time(),
            historical=historical, values={"distance": {"cm": cm}, "motors": dict(self.motors)}))

    def event(self, kind: str, **data: Any) -> None:
        from kitsdk.telemetry import Event

        self._send("event", Event(session=self.session, seq=next(self.event_seq),
                                  ts=time.time(), kind=kind, data=data))  # type: ignore[arg-type]

    # answering
    def on_command(self, command: Any) -> None:
        from kitsdk.telemetry import CommandAck

        thumbnail = None
        if command.name in ("stop", "reset", "lock"):
            self.motors = {"left": 0.0, "right": 0.0}
        if command.name == "snapshot":
            thumbnail = self.JPEG
        self._send("ack", CommandAck(id=command.id, outcome="ok", message=command.name,
                                     ts=time.time(), thumbnail=thumbnail))
        if command.name == "lock":
            self.status("locked")
        elif command.name == "unlock":
            self.status("online")
        # Last: a test that waits for the command then ends must not cut the kit off
        # while it still answers (its thread would die publishing into a closed client).
        self.commands.append(command)

    def connect(self, broker_url: str) -> None:
        from paho.mqtt.client import Client
        from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

        from kitsdk.telemetry import decode, kit_filters

        connected = threading.Event()
        client = Client(CallbackAPIVersion.VERSION2, client_id=self.credentials.username,
                        protocol=MQTTProtocolVersion.MQTTv5)
        client.username_pw_set(self.credentials.username, self.credentials.password)

        def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
            if not reason.is_failure:
                c.subscribe([(f, 1) for f in kit_filters(LAB, self.id)])

        def on_subscribe(*args: Any) -> None:
            connected.set()

        def on_message(c: Any, userdata: Any, message: Any) -> None:
            command = decode(message.topic, bytes(message.payload))
            threading.Thread(target=self.on_command, args=(command,), daemon=True).start()

        client.on_connect, client.on_subscribe, client.on_message = (
            on_connect, on_subscribe, on_message)
        host, port = broker_url.removeprefix("mqtt://").split(":")
        client.connect(host, int(port), keepalive=10)
        client.loop_start()
        self.client = client
        assert connected.wait(10), f"simulated kit {self.id} could not subscribe"

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client.loop_stop()


@dataclass
class LabHarness:
    services: Any

    def kit(self, kit: str, team: str | None = None, online: bool = True) -> SimKit:
        """A provisioned kit; ``online``: connected, with its status seen by the lab."""
        credentials = self.services.store.add_kit(kit, team=team)
        sim = SimKit(self, kit, credentials)
        if online:
            sim.connect(str(self.services.broker.url))
        self._sims.append(sim)
        if online:
            sim.status("online")
            wait_until(lambda: _state(self.services, kit) == "online", 10,
                       f"{kit} online in the store")
        return sim

    def __post_init__(self) -> None:
        self._sims: list[SimKit] = []

    def close(self) -> None:
        for sim in self._sims:
            sim.close()


def _state(services: Any, kit: str) -> str:
    record = services.store.kit(kit)
    return str(getattr(record, "state", "")) if record is not None else ""


# --- fixtures ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for a module's run of the store's tests, dropped after
    (``postgres_schema.empty_store_url`` empties it for each test)."""
    with fresh_schema() as url:
        yield url


@pytest.fixture
def lab_settings() -> dict[str, Any]:
    """``LabConfig`` settings for the ``services`` of a test module that needs others
    (override this fixture there)."""
    return {}


@pytest.fixture
def services(tmp_path: Path, lab_settings: dict[str, Any]) -> Iterator[Any]:
    lab_services = start_services(LabConfig(**{"lab": LAB, "data_dir": tmp_path / "lab",
                                               "hub_window": 0.02, **lab_settings}))
    for role, password in PASSWORDS.items():
        lab_services.store.add_user(role, role, generate_password_hash(password))
    yield lab_services
    lab_services.close()


@pytest.fixture
def lab(services: Any) -> Iterator[LabHarness]:
    harness = LabHarness(services)
    yield harness
    harness.close()


@pytest.fixture
def app(services: Any) -> Flask:
    return create_app({"TESTING": True, "LIVE_POLL": 0.05, "LIVE_HEARTBEAT": 0.3},
                      services)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def passwords() -> dict[str, str]:
    return dict(PASSWORDS)


@pytest.fixture(name="csrf_of")
def _csrf_of_fixture() -> Callable[[FlaskClient], str]:
    """``csrf_of(client)``: the session's CSRF token, as a page would carry it."""
    return csrf_of


@pytest.fixture(name="login")
def _login_fixture() -> Callable[..., Any]:
    """``login(client, "teacher")`` posts the login form (a wrong password if given)."""
    return login


def csrf_of(client: FlaskClient) -> str:
    """The session's CSRF token, as a page would carry it."""
    with client.session_transaction() as session:
        token = session.get("csrf")
    if token is None:
        client.get("/login")
        with client.session_transaction() as session:
            token = session["csrf"]
    return str(token)


def login(client: FlaskClient, name: str, password: str | None = None) -> Any:
    token = csrf_of(client)
    return client.post("/login", data={"username": name, "password": password or
                                       PASSWORDS[name], "csrf_token": token})


@pytest.fixture
def teacher(client: FlaskClient) -> FlaskClient:
    assert login(client, "teacher").status_code == 302
    return client


@pytest.fixture
def mentor(client: FlaskClient) -> FlaskClient:
    assert login(client, "mentor").status_code == 302
    return client


@pytest.fixture
def post() -> Callable[..., Any]:
    """``post(client, url, json=...)`` with the session's CSRF header, as the pages send."""
    def send(client: FlaskClient, url: str, **kwargs: Any) -> Any:
        headers = {"X-CSRF-Token": csrf_of(client), **kwargs.pop("headers", {})}
        return client.post(url, headers=headers, **kwargs)
    return send
