"""``LabServices``: the lab server's backend, started in one call, for the web side to use.

::

    services = start_services(LabConfig.load())   # broker (if none configured), store, ingest
    services.store.kits()                         # -> list[KitRecord]
    creds = services.add_kit("kit-07", team="red")  # store + broker reload; creds.password once
    sub = services.hub.subscribe({"kit-07"})      # live updates for one browser
    services.ingest.send_command("_all", "stop", {}, issuer="mrs-khan")
    services.health()                             # for /health
    services.close()

The interface shared with the web side (Flask app, auth, dashboard, SSE, ``kitlab`` CLI):

``config.LabConfig`` (frozen): ``lab``, ``data_dir``, ``broker_url`` (None: start our own),
``store_url``, ``retention_days``, ``shared_group``, ``batch_size``, ``batch_interval``, and
more (see its docstring), with ``web``: the ``[web]`` table of the TOML file, passed through
untouched for the web side's own settings. ``LabConfig.load(path=None, **overrides)``.

``LabServices`` attributes: ``config``, ``store`` (``store.Store``), ``hub``
(``hub.LiveHub``), ``ingest`` (``ingest.Ingest``), ``broker`` (``broker.BrokerInfo`` or None
when the lab uses a configured broker), ``broker_process`` (the private broker itself, or
None). Methods: ``health() -> dict``, ``add_kit(kit, team=None) -> KitCredentials`` (the same as
``store.add_kit``: the ingest's kit list and the broker's files follow at once; a kit added
by another process, e.g. ``kitlab kits add``, is picked up within 2 s),
``agent_config(creds) -> str`` (the kit's ``agent.toml``), ``close()``.
``start_services(config) -> LabServices``. ``open_admin(config) -> LabAdmin``: the store and
the broker's files with nothing started (``config``, ``store``, ``broker``), for ``kitlab kits
add`` and ``users add`` beside a running lab.

The private broker is supervised: restarted when it dies, with a bounded back-off; ``health()``
says ``running``, ``restarts``, ``last_exit`` and, while it is down, ``restart_in``.

``store.Store`` (``store.open_store(url)``; ``SQLiteStore``, ``PostgresStore``):

- kits: ``add_kit(kit, team=None) -> KitCredentials`` (``kit``, ``username`` = kit id,
  ``password`` shown once; only a hash is kept; ``KitExists``), ``kits() -> list[KitRecord]``,
  ``kit(id) -> KitRecord | None``, ``set_team(kit, team)``; extras ``reset_password(kit)``,
  ``remove_kit(kit)``, ``kit_ids()``. ``KitRecord``: ``id``, ``team``, ``state``
  (online/offline/locked), ``last_seen`` (lab clock), ``profile``, ``running``
  (``Running(kind, name)`` or None), ``lesson`` (``LessonProgress(lesson, step, steps,
  outcome, ts)`` or None; outcome started/passed/failed/finished), ``session``, ``sdk``,
  ``channels`` (device -> channel -> unit), ``created``; ``to_json()``.
- data: ``write(list[Inbound]) -> WriteResult`` (the ingest's batches), ``latest(kit)`` (live
  values only; extra ``latest_all()``), ``series(kit, since, until=None) -> [(ts, values)]``
  oldest first, ``events(kit=None, since=None, limit=200) -> list[EventRecord]`` (the newest
  ``limit`` after ``since``, oldest first), ``acks(command_id) -> list[AckRecord]``,
  ``record_command(command, kit_or_all)`` (extras ``command(id)``, ``commands(target)``),
  ``export_rows(kit, team, lesson, start, end)`` (``team`` ignores case) -> row dicts ``ts,
  kit, team, device, channel, value, unit, historical`` (+ ``lesson, session, seq``),
  ``prune(now)``.
- users: ``add_user(name, role, password_hash) -> UserRecord`` (``UserExists``),
  ``user(name)``, ``users()``, ``set_token(name, token_hash)`` (None revokes),
  ``user_by_token(token_hash)``; extras ``set_password``, ``remove_user``.
  ``UserRecord``: ``name``, ``role`` ("teacher" | "mentor"), ``password_hash``, ``created``.

``hub.LiveHub``: ``publish(Update)``, ``subscribe(kits=None) -> Subscription``,
``Subscription.get(timeout) -> list[Update]`` (a batch per ``hub_window``, at most one
telemetry update per kit; [] on timeout or close), ``Subscription.close()``,
``Subscription.dropped``, ``hub.close()``. ``Update(kind, kit, data, ts)``: ``telemetry``
data ``{values, seq, session, ts}``; ``status`` data is the status message's JSON;
``event`` the event's JSON (``kind``, ``data``, ``seq``, ...); ``ack`` ``{id, outcome,
message, ts, has_thumbnail}`` (the thumbnail itself from ``store.acks(id)``).

``ingest.Ingest``: ``send_command(kit, name, args, issuer) -> Command`` (kit ``"_all"`` for
the whole lab; records it; ``BadValue``, ``NotFound``, ``NotConnected``), ``connected``,
``wait_connected(timeout)``, ``stats()``, counters.

Errors are in ``exc`` (root ``LabError``).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .broker import BrokerInfo, PrivateBroker, broker_info, make_broker, start_broker
from .broker.acl import SERVER_USER
from .budget import KitBudget
from .config import LabConfig
from .hub import LiveHub
from .ingest import Ingest
from .store import KitCredentials, Store, open_store

log = logging.getLogger(__name__)

CONNECT_WAIT = 10.0
"""Seconds ``start_services`` waits for the ingest's first connection before going on."""


@dataclass(eq=False)
class LabServices:
    """The running backend (see the module's docstring for the interface)."""

    config: LabConfig
    store: Store
    hub: LiveHub
    ingest: Ingest
    broker: BrokerInfo | None = None
    broker_process: PrivateBroker | None = None
    started: float = field(default_factory=time.time)
    _closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_kit(self, kit: str, team: str | None = None) -> KitCredentials:
        """Add a kit (the same as ``store.add_kit``: the services hear of it at once)."""
        return self.store.add_kit(kit, team)

    def _kits_changed(self) -> None:
        """A kit was added, removed or changed: the ingest's list, then the broker's files."""
        self.ingest.refresh_kits()
        self.reload_broker()

    def reload_broker(self) -> None:
        """Rewrite the private broker's passwd and acl from the store and reload them."""
        if self.broker_process is not None:
            self.broker_process.reload()

    @property
    def kit_broker_url(self) -> str:
        """The broker URL a kit should use (the private broker's, or ``broker_url``)."""
        if self.broker is not None:
            return self.broker.url
        return self.config.broker_url or ""

    def agent_config(self, creds: KitCredentials, broker: str | None = None) -> str:
        """The kit's ``/etc/kitsdk/agent.toml`` for ``creds``.

        ``broker`` is the URL as the kit sees it (default ``kit_broker_url``, which for a
        private broker on 127.0.0.1 only works on this machine, e.g. in the demo)."""
        return creds.agent_toml(broker or self.kit_broker_url, self.config.lab)

    def health(self) -> dict[str, Any]:
        """The backend's state for ``/health``: broker, ingest, store and live hub; ``ok``
        while the ingest is connected and the private broker, if any, runs."""
        stats = self.ingest.stats()
        errors = dict(stats["errors"])
        broker: dict[str, Any]
        if self.broker is not None:
            broker = self.broker.to_json()
            broker["running"] = False
            if self.broker_process is not None:  # running, restarts, last exit, restart in
                broker.update(self.broker_process.status())
        else:
            broker = {"kind": "external", "url": self.config.broker_url,
                      "protocol": stats["protocol"], "limits": "a broker run by the school"}
        broker["connected"] = stats["connected"]
        return {
            # a private broker that is down (restarting) is a problem even before the
            # ingest notices its connection is gone
            "ok": bool(stats["connected"]) and not self._closed
            and broker.get("running", True) is not False,
            "lab": self.config.lab,
            "uptime": time.time() - self.started,
            "broker": broker,
            "ingest": {
                "rate": stats["rate"],
                "queue_depth": stats["queue_depth"],
                "received": stats["received"],
                "stored": stats["stored"],
                "duplicates": stats["duplicates"],
                "ignored": stats["ignored"],
                "protocol": stats["protocol"],
                "shared_group": stats["shared_group"],
            },
            "errors": errors,
            "error_total": sum(errors.values()),
            "last_errors": stats["last_errors"],
            "store": {"kind": self.store.dialect, "retention_days": self.store.retention_days},
            "hub": self.hub.stats(),
        }

    def close(self) -> None:
        """Stop the ingest (writing what it holds), the hub, the broker and the store."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.ingest.close()
        self.hub.close()
        if self.broker_process is not None:
            self.broker_process.stop()
        self.store.close()

    def __enter__(self) -> LabServices:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def start_services(config: LabConfig, *, wait: float = CONNECT_WAIT) -> LabServices:
    """Open the store, start the broker if none is configured, start the ingest.

    Waits up to ``wait`` seconds for the ingest's first connection (it keeps trying after
    that: a configured broker may come later). Whatever started is stopped again if a later
    step fails.
    """
    store = open_store(config.store_url, retention_days=config.retention_days)
    process: PrivateBroker | None = None
    try:
        if config.broker_url is None:
            process = start_broker(config, store.kit_logins)
            info: BrokerInfo | None = broker_info(process)
            url, username, password = process.url, SERVER_USER, process.server_password
            client_id = SERVER_USER  # the private broker ties client id to login
            protocol = info.protocol if info is not None else 5
        else:
            info = None
            url, username, password = (config.broker_url, config.broker_username,
                                       config.broker_password)
            client_id = config.client_id
            protocol = config.mqtt_version
        hub = LiveHub(window=config.hub_window, buffer=config.hub_buffer)
        services: LabServices | None = None

        def kits_changed() -> None:
            if services is not None:
                services.reload_broker()

        ingest = Ingest(store, hub, lab=config.lab, url=url, username=username,
                        password=password, client_id=client_id, protocol=protocol,
                        shared_group=config.shared_group if protocol == 5 else None,
                        ca_file=config.broker_ca_file, batch_size=config.batch_size,
                        batch_interval=config.batch_interval, queue_size=config.queue_size,
                        on_kits_changed=kits_changed,
                        budget=KitBudget(config.kit_messages_per_second,
                                         config.kit_bytes_per_day))
        services = LabServices(config=config, store=store, hub=hub, ingest=ingest,
                               broker=info, broker_process=process)
        store.on_kits_changed(services._kits_changed)
        ingest.start()
    except BaseException:
        if process is not None:
            process.stop()
        store.close()
        raise
    if not ingest.wait_connected(wait):
        log.warning("lab services: the ingest is not connected to %s yet; it keeps trying",
                    url)
    if info is not None:
        log.info("lab services: lab %s, broker %s at %s, store %s", config.lab, info.kind,
                 info.url, store.dialect)
    return services


@dataclass(eq=False)
class LabAdmin:
    """The lab's store and its broker's files, with nothing started: what ``kitlab kits add``
    and ``kitlab users add`` work on, beside a running lab or with none.

    ``broker`` is the address kits reach the lab's broker at (the running lab's, or the
    one its next start takes; None for a ``broker_url`` of the school's). A kit added through
    ``store`` goes into the broker's passwd and acl at once, and the lab's running Mosquitto
    reads them again (SIGHUP) before ``add_kit`` returns. It has the ``config``, ``store`` and
    ``broker`` of :class:`LabServices`, so the Flask app and its commands run over either.
    """

    config: LabConfig
    store: Store
    broker: BrokerInfo | None = None
    broker_files: PrivateBroker | None = None

    def reload_broker(self) -> None:
        if self.broker_files is not None:
            self.broker_files.reload_other()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> LabAdmin:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_admin(config: LabConfig) -> LabAdmin:
    """Open the lab's store and plan its broker (its port, no process); see ``LabAdmin``."""
    store = open_store(config.store_url, retention_days=config.retention_days)
    try:
        broker: PrivateBroker | None = None
        if config.broker_url is None:
            broker = make_broker(config, store.kit_logins)
            broker.plan()
    except BaseException:
        store.close()
        raise
    admin = LabAdmin(config, store, broker_info(broker) if broker else None, broker)
    store.on_kits_changed(admin.reload_broker)
    return admin
