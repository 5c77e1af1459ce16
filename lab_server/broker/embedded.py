"""The fallback broker: amqtt, in a thread of the lab server, for machines without Mosquitto.

It applies the same logins and ACL as the Mosquitto files, through two amqtt plugins that
call ``acl.allowed`` and check the store's ``$7$`` hashes (``passwords.verify_password``);
a kit added later is seen at its next connect, with nothing to reload.

Its limits, said in the log and in ``health()``: MQTT 3.1.1 only (so the ingest falls back
to 3.1.1, and there are no shared subscriptions, will delays or receive maximum), about
2,500 QoS 1 messages a second on one core measured here (a class of 40 kits at 50 Hz is
2,000: no headroom), and no persistence: what it queued is lost when the server stops.

amqtt loads plugins by dotted name and hands them only their config, so each broker
registers itself under an id in ``_BROKERS`` and the plugins find it there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exc import BrokerError
from ..passwords import hash_password, new_password, verify_password
from .acl import SERVER_USER, Action, allowed
from .files import BrokerFiles
from .mosquitto import free_port

log = logging.getLogger(__name__)

START_WAIT = 10.0
_BROKERS: weakref.WeakValueDictionary[str, EmbeddedBroker] = weakref.WeakValueDictionary()


def amqtt_available() -> bool:
    try:
        import amqtt.broker  # noqa: F401
    except ImportError:
        return False
    return True


class EmbeddedBroker:
    """amqtt on an asyncio loop in a daemon thread; ``logins()`` gives the kits' hashes."""

    kind = "amqtt"

    def __init__(self, *, lab: str, host: str, port: int,
                 logins: Callable[[], list[tuple[str, str]]], directory: Path) -> None:
        self.lab = lab
        self.host = host
        self.files = BrokerFiles(directory, lab)  # only for its port, kept like Mosquitto's
        self._requested_port = port
        self.port = 0
        self._logins = logins
        self.server_password = new_password()
        self._server_hash = hash_password(self.server_password)
        self._hashes: dict[str, str] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None
        self._id = f"kitlab-{id(self):x}"
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"mqtt://{host}:{self.port}"

    @property
    def limits(self) -> str:
        return ("amqtt (embedded, pure Python): MQTT 3.1.1 only, no shared subscriptions; "
                "about 2,500 QoS 1 messages/s (one class at 50 Hz is 2,000); nothing is "
                "persisted, queued messages are lost when the server stops. Install "
                "mosquitto for a real lab.")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def plan(self) -> None:
        """Choose the port without starting anything (as ``PrivateMosquitto.plan``)."""
        self.port = self._requested_port or self.files.remembered_port() or \
            free_port(self.host)
        self.files.remember_port(self.port)

    def status(self) -> dict[str, Any]:
        """For ``/health``: it runs in the server's process, so it is never restarted."""
        return {"running": self.running, "restarts": 0}

    def reload_other(self) -> None:
        """From another process: nothing to do, the lab's broker reads the store's logins
        at the next login of a kit it does not know."""

    def reload(self) -> None:
        """Read the kit logins again (also done at each failed login)."""
        logins = dict(self._logins())
        with self._lock:
            self._hashes = logins

    def check_login(self, username: str | None, password: str | None,
                    client_id: str | None) -> bool:
        if not username or password is None or client_id != username:
            return False
        if username == SERVER_USER:
            return verify_password(password, self._server_hash)
        with self._lock:
            hashed = self._hashes.get(username)
        if hashed is None:
            self.reload()
            with self._lock:
                hashed = self._hashes.get(username)
        return hashed is not None and verify_password(password, hashed)

    def check_topic(self, username: str | None, action: Action, topic: str) -> bool:
        with self._lock:
            kits = set(self._hashes)
        return allowed(username, self.lab, action, topic, kits)

    def start(self) -> None:
        from amqtt.broker import Broker

        self.reload()
        self.port = self._requested_port or free_port(self.host, self.files.remembered_port())
        self.files.remember_port(self.port)
        _BROKERS[self._id] = self
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                f"{__name__}.LabAuthPlugin": {"broker_id": self._id},
                f"{__name__}.LabTopicPlugin": {"broker_id": self._id},
            },
        }
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        writers: set[asyncio.StreamWriter] = set()
        self._writers = writers

        async def begin() -> None:
            broker = Broker(config, loop=loop)
            serve = broker.stream_connected

            async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              listener_name: str) -> None:
                # Python 3.11's Server.close() leaves accepted connections open: keep them
                # to close at stop (else their transports leak, with ResourceWarnings)
                writers.add(writer)
                try:
                    await serve(reader, writer, listener_name)
                finally:
                    writers.discard(writer)

            broker.stream_connected = tracked
            self._broker = broker
            await broker.start()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(begin())
            except Exception as exc:  # reported to start() below
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            _finish(loop)

        self._loop = loop
        self._thread = threading.Thread(target=run, name="kitlab-amqtt", daemon=True)
        self._thread.start()
        if not started.wait(START_WAIT) or failure:
            self._thread = None
            raise BrokerError(f"amqtt did not start on {self.host}:{self.port}: "
                              f"{failure[0] if failure else 'timed out'}") from (
                failure[0] if failure else None)
        log.info("broker: embedded amqtt on %s", self.url)

    def stop(self, *, kill: bool = False) -> None:
        """Stop the broker and its thread; idempotent."""
        thread, loop, broker = self._thread, self._loop, self._broker
        self._thread = None
        if thread is None or loop is None:
            return
        writers = self._writers

        async def shutdown() -> None:
            if broker is not None and not kill:
                try:
                    await broker.shutdown()
                except Exception as exc:  # shutting down: say so, go on
                    log.warning("broker: amqtt shutdown: %s", exc)
            for writer in list(writers):
                writer.close()

        future = asyncio.run_coroutine_threadsafe(shutdown(), loop)
        with contextlib.suppress(Exception):  # logged above; the thread is stopped anyway
            future.result(START_WAIT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(START_WAIT)
        _BROKERS.pop(self._id, None)


def _finish(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what still runs on ``loop``, let it end, and close the loop."""
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def _broker_of(plugin: Any) -> EmbeddedBroker | None:
    return _BROKERS.get(getattr(plugin.config, "broker_id", ""))


def _plugins() -> tuple[type, type]:
    """The plugin classes, built on first use so that amqtt is imported only when needed."""
    from amqtt.contexts import Action as AmqttAction
    from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin

    actions: dict[Any, Action] = {AmqttAction.PUBLISH: "publish",
                                  AmqttAction.SUBSCRIBE: "subscribe",
                                  AmqttAction.RECEIVE: "receive"}

    class AuthPlugin(BaseAuthPlugin):  # type: ignore[misc]
        """Logins checked against the lab's hashes; client id must equal the username."""

        @dataclass
        class Config:
            broker_id: str = ""

        async def authenticate(self, *, session: Any) -> bool | None:
            broker = _broker_of(self)
            return broker is not None and broker.check_login(
                session.username, session.password, session.client_id)

    class TopicPlugin(BaseTopicPlugin):  # type: ignore[misc]
        """Every publish, subscribe and delivery checked by ``acl.allowed``."""

        @dataclass
        class Config:
            broker_id: str = ""

        async def topic_filtering(self, *, session: Any = None, topic: str | None = None,
                                  action: Any = None) -> bool | None:
            broker = _broker_of(self)
            if broker is None or topic is None or action not in actions:
                return False
            return broker.check_topic(getattr(session, "username", None), actions[action],
                                      topic)

    return AuthPlugin, TopicPlugin


def __getattr__(name: str) -> Any:
    """``LabAuthPlugin`` and ``LabTopicPlugin``, for amqtt's plugin loader."""
    if name in ("LabAuthPlugin", "LabTopicPlugin"):
        auth, topic = _plugins()
        globals().update(LabAuthPlugin=auth, LabTopicPlugin=topic)
        return auth if name == "LabAuthPlugin" else topic
    raise AttributeError(name)
