"""The lab's own broker, for a lab with no ``broker_url``: Mosquitto if installed, else amqtt.

::

    broker = start_broker(config, store.kit_logins)   # a PrivateMosquitto or EmbeddedBroker
    broker.info()        # BrokerInfo(kind="mosquitto", url="mqtt://127.0.0.1:40123", ...)
    broker.reload()      # after a kit was added: new passwd and acl, SIGHUP
    broker.status()      # running, restarts, last exit (the supervisor's view)
    broker.stop()

    broker = make_broker(config, store.kit_logins)    # the same broker, not started:
    broker.plan()        # its port (the running lab's, or the next start's)
    broker.reload_other()  # a kit added from another process: files, SIGHUP the lab's broker

``acl`` holds the access rules (as Mosquitto files and as a function), ``files`` the
private broker's folder, ``mosquitto`` the supervised child process and its config,
``embedded`` the amqtt fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..config import LabConfig
from ..exc import BrokerError
from .acl import SERVER_USER, acl_file, allowed, password_file
from .embedded import EmbeddedBroker, amqtt_available
from .mosquitto import PrivateMosquitto, find_mosquitto, queue_limit

log = logging.getLogger(__name__)

BrokerKind = Literal["mosquitto", "amqtt"]


@dataclass(frozen=True, slots=True)
class BrokerInfo:
    """Which broker the server runs: ``kind``, the ``url`` kits and ingest use, the MQTT
    ``protocol`` the ingest speaks to it (5, or 3 for 3.1.1), and its ``limits`` in words."""

    kind: BrokerKind
    url: str
    protocol: int
    limits: str

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "url": self.url, "protocol": self.protocol,
                "limits": self.limits}


class PrivateBroker(Protocol):
    kind: str
    server_password: str

    @property
    def url(self) -> str: ...

    @property
    def limits(self) -> str: ...

    @property
    def running(self) -> bool: ...

    def plan(self) -> None: ...

    def start(self) -> None: ...

    def status(self) -> dict[str, Any]: ...

    def reload(self) -> None: ...

    def reload_other(self) -> None: ...

    def stop(self, *, kill: bool = False) -> None: ...


def broker_info(broker: PrivateBroker) -> BrokerInfo:
    kind: BrokerKind = "mosquitto" if broker.kind == "mosquitto" else "amqtt"
    return BrokerInfo(kind=kind, url=broker.url, protocol=5 if kind == "mosquitto" else 3,
                      limits=broker.limits)


def make_broker(config: LabConfig, logins: Callable[[], list[tuple[str, str]]]
                ) -> PrivateBroker:
    """The lab's own broker as ``config.broker_kind`` says ("auto": Mosquitto if its binary
    is installed, else amqtt), not started."""
    executable = find_mosquitto() if config.broker_kind in ("auto", "mosquitto") else None
    directory = config.data_dir / "mosquitto"
    if executable is not None:
        return PrivateMosquitto(
            executable, directory, lab=config.lab, host=config.broker_host,
            port=config.broker_port, logins=logins,
            queued=queue_limit(config.class_size, config.max_rate, config.queue_seconds))
    if config.broker_kind == "mosquitto":
        raise BrokerError("broker_kind is mosquitto, but no mosquitto binary is installed "
                          "(apt install mosquitto)")
    if amqtt_available():
        return EmbeddedBroker(lab=config.lab, host=config.broker_host, port=config.broker_port,
                              logins=logins, directory=directory)
    raise BrokerError("no broker to start: install mosquitto (apt install mosquitto), "
                      "or amqtt (pip install 'kitsdk[server]'), or set broker_url")


def start_broker(config: LabConfig, logins: Callable[[], list[tuple[str, str]]]
                 ) -> PrivateBroker:
    """Start the lab's own broker (``make_broker``); logs which one runs and its limits."""
    broker = make_broker(config, logins)
    broker.start()
    log.log(logging.WARNING if broker.kind == "amqtt" else logging.INFO, "broker: %s",
            broker.limits)
    return broker


__all__ = [
    "SERVER_USER",
    "BrokerInfo",
    "EmbeddedBroker",
    "PrivateBroker",
    "PrivateMosquitto",
    "acl_file",
    "allowed",
    "broker_info",
    "find_mosquitto",
    "make_broker",
    "password_file",
    "start_broker",
]
