"""Fixtures shared by every test: simulated kits that are always closed again."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser import chromium
from ci_policy import pytest_runtest_makereport  # noqa: F401  (a hook: no skips in CI)
from helpers import unavailable
from loopback_only import narrow_wildcard_binds, pytest_configure  # noqa: F401  (the guard)
from slow_tests import (  # noqa: F401  (hooks: the slowest tests run in CI or with --slow)
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_report_header,
)

from kitsdk import Kit
from lab_server.broker.mosquitto import free_port, wait_until_listening


@pytest.fixture(autouse=True)
def _simulated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never touch a real Pi's pins, and never read the developer's own profile."""
    monkeypatch.setenv("KITSDK_BACKEND", "sim")
    monkeypatch.delenv("KITSDK_PROFILE", raising=False)
    monkeypatch.delenv("KITSDK_SIM_TRACE", raising=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright, one per test module."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def make_kit() -> Iterator[Callable[..., Kit]]:
    """Build simulated kits (``make_kit("rover")``); each is closed after the test."""
    kits: list[Kit] = []

    def make(profile: object = "starter", **kwargs: object) -> Kit:
        kit = Kit(profile, backend="sim", **kwargs)  # type: ignore[arg-type]
        kits.append(kit)
        return kit

    yield make
    for kit in kits:
        kit.close()


@pytest.fixture
def starter(make_kit: Callable[..., Kit]) -> Kit:
    return make_kit("starter")


@pytest.fixture
def rover(make_kit: Callable[..., Kit]) -> Kit:
    return make_kit("rover")


# ---------------------------------------------------------------------------------------------
# A private Mosquitto broker, for the tests that need a real one (the kit's lab link, the lab
# server). `mosquitto` gives a fresh broker per test; `mosquitto_factory(extra_config=...)` makes
# more, or ones with passwords and ACLs (`broker.write("acl", text)` and `{dir}` in the config).
# `mqtt_subscriber(url, filters)` is a separate paho client that records what it receives.
# Waits poll a condition with a timeout; none is a fixed sleep.
# ---------------------------------------------------------------------------------------------

if TYPE_CHECKING:
    from paho.mqtt.client import Client, MQTTMessage

BROKER_WAIT = 10.0
"""Seconds a broker gets to start or stop."""

_MOSQUITTO_CONF = """\
listener {port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {dir}/
max_queued_messages 1000000
set_tcp_nodelay true
log_dest file {dir}/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
user {user}
"""
# `user`: a broker started by root drops to the `mosquitto` user, which could not write here.
# `set_tcp_nodelay`: PUBACKs go out at once instead of waiting for Nagle (twice the throughput
# of a kit's small window on loopback); a lab's broker should set it too.


class MosquittoError(RuntimeError):
    """The broker would not start; the message holds the end of its log."""


class Mosquitto:
    """A private Mosquitto on a free loopback port, its config, log and persistence in ``dir``.

    ``stop()`` and ``start()`` simulate an outage: same port, same persistence file, so
    persistent sessions and their queued QoS 1 messages survive a graceful stop (a ``kill``
    loses what was not saved). ``start(fresh=True)`` forgets them, like a replaced broker.
    ``pause()`` / ``resume()`` freeze it (SIGSTOP): connections stay up, nothing is answered.
    """

    def __init__(self, executable: str, directory: Path, extra_config: str = "") -> None:
        self.executable = executable
        self.dir = directory
        self.extra_config = extra_config
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        """Its log and its stderr (where config errors go, before the log is open)."""
        paths = (self.dir / "stderr.log", self.dir / "mosquitto.log")
        return "".join(p.read_text(errors="replace") for p in paths if p.exists())

    def write(self, name: str, text: str) -> Path:
        """Put a file (a password or ACL file) next to the config; ``{dir}`` in the config
        names this directory."""
        path = self.dir / name
        path.write_text(text)
        return path

    def start(self, *, fresh: bool = False) -> None:
        """Start (or restart) and return once the broker accepts connections."""
        if self.process is not None:
            raise RuntimeError("the broker is running; stop() it first")
        if fresh:
            (self.dir / "mosquitto.db").unlink(missing_ok=True)
        config = _MOSQUITTO_CONF + self.extra_config
        config_path = self.write("mosquitto.conf", config.format(
            port=self.port, dir=self.dir, user=pwd.getpwuid(os.geteuid()).pw_name))
        with open(self.dir / "stderr.log", "ab") as stderr:
            self.process = subprocess.Popen([self.executable, "-c", str(config_path)],
                                            stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            code = wait_until_listening(self.process, "127.0.0.1", self.port, BROKER_WAIT)
        except TimeoutError:
            self.stop(kill=True)
            raise MosquittoError(f"mosquitto did not listen within {BROKER_WAIT} s:\n"
                                 f"{self.log[-2000:]}") from None
        if code is not None:
            self.process = None
            raise MosquittoError(f"mosquitto exited with status {code}:\n{self.log[-2000:]}")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the broker: gracefully (it saves its sessions), or ``kill`` it; idempotent."""
        process, self.process = self.process, None
        if process is None:
            return
        process.send_signal(signal.SIGCONT)  # a paused broker cannot handle SIGTERM
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=BROKER_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=BROKER_WAIT)

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def __repr__(self) -> str:
        return f"<Mosquitto {self.url} {'running' if self.process else 'stopped'}>"


@pytest.fixture(scope="session")
def mosquitto_executable() -> str:
    found = shutil.which("mosquitto") or next(
        (path for path in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
         if os.access(path, os.X_OK)), None)
    if found is None:
        unavailable("mosquitto is not installed (apt install mosquitto)")
    assert found is not None
    return found


@pytest.fixture
def mosquitto_factory(mosquitto_executable: str, tmp_path_factory: pytest.TempPathFactory
                      ) -> Iterator[Callable[..., Mosquitto]]:
    """Start private brokers; all are killed after the test. ``files`` are written next to
    the config first: ``make("acl_file {dir}/acl\\n", files={"acl": "topic read #\\n"})``."""
    brokers: list[Mosquitto] = []

    def make(extra_config: str = "", files: dict[str, str] | None = None) -> Mosquitto:
        broker = Mosquitto(mosquitto_executable, tmp_path_factory.mktemp("mosquitto"),
                           extra_config)
        brokers.append(broker)
        for name, text in (files or {}).items():
            broker.write(name, text)
        try:
            broker.start()
        except MosquittoError as exc:
            unavailable(str(exc))
        return broker

    yield make
    for broker in brokers:
        broker.stop(kill=True)


@pytest.fixture
def mosquitto(mosquitto_factory: Callable[..., Mosquitto]) -> Mosquitto:
    """A fresh private broker for one test: ``.url``, ``.port``, ``.stop()``, ``.start()``."""
    return mosquitto_factory()


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool


class Subscriber:
    """A separate paho client (MQTT 5) that records every message it receives.

    Its session is persistent, so a broker restart keeps what was queued for it; it
    reconnects and subscribes again by itself. ``wait_for(predicate)`` waits on a condition.
    """

    def __init__(self, url: str, filters: list[str], client_id: str = "test-subscriber"
                 ) -> None:
        from paho.mqtt.client import Client
        from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.filters = filters
        self.messages: list[Received] = []
        self.subscriptions = 0
        self._cond = threading.Condition()
        self.client: Client = Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                     protocol=MQTTProtocolVersion.MQTTv5)
        self.client.reconnect_delay_set(1, 1)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = 3600
        host, port = url.removeprefix("mqtt://").split(":")
        self.client.connect_async(host, int(port), keepalive=30, clean_start=False,
                                  properties=props)
        self.client.loop_start()
        assert self.wait_for(lambda _: self.subscriptions > 0), "the subscriber never subscribed"

    def _on_connect(self, client: Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:
        if not reason.is_failure:
            client.subscribe([(f, 1) for f in self.filters])

    def _on_subscribe(self, *args: Any) -> None:
        with self._cond:
            self.subscriptions += 1
            self._cond.notify_all()

    def _on_message(self, client: Client, userdata: Any, message: MQTTMessage) -> None:
        with self._cond:
            self.messages.append(Received(message.topic, bytes(message.payload), message.retain))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 10.0
                 ) -> bool:
        """Wait until ``predicate(messages)`` holds (True) or ``timeout`` passes (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.messages), timeout)

    def on(self, topic: str) -> list[Received]:
        """The messages received so far on ``topic``."""
        with self._cond:
            return [m for m in self.messages if m.topic == topic]

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        """Publish at QoS 1 and wait until the broker has it."""
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(10.0)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def mqtt_subscriber() -> Iterator[Callable[..., Subscriber]]:
    """Make subscribers (``mqtt_subscriber(broker.url, ["kitsdk/v1/#"])``), closed after."""
    subscribers: list[Subscriber] = []

    def make(url: str, filters: list[str], client_id: str | None = None) -> Subscriber:
        subscriber = Subscriber(url, filters, client_id or f"test-sub-{len(subscribers)}")
        subscribers.append(subscriber)
        return subscriber

    yield make
    for subscriber in subscribers:
        subscriber.close()
