"""The lab's own broker, for a lab with no ``broker_url``: Mosquitto if installed, else amqtt.

::

    broker = start_broker(config, store.kit_logins)   # a PrivateMosquitto or EmbeddedBroker
    broker.info()        # BrokerInfo(kind="mosquitto", url="mqtt://127.0.0.1:40123", ...)
    broker.reload()      # after a kit was added: new passwd and acl, SIGHUP
    broker.stop()

``acl`` holds the access rules (as Mosquitto files and as a function), ``mosquitto`` the
child process and its config, ``embedded`` the amqtt fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

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

    def start(self) -> None: ...

    def reload(self) -> None: ...

    def stop(self, *, kill: bool = False) -> None: ...


def broker_info(broker: PrivateBroker) -> BrokerInfo:
    kind: BrokerKind = "mosquitto" if broker.kind == "mosquitto" else "amqtt"
    return BrokerInfo(kind=kind, url=broker.url, protocol=5 if kind == "mosquitto" else 3,
                      limits=broker.limits)


def start_broker(config: LabConfig, logins: Callable[[], list[tuple[str, str]]]
                 ) -> PrivateBroker:
    """Start the lab's own broker as ``config.broker_kind`` says ("auto": Mosquitto if its
    binary is installed, else amqtt); logs which one runs and its limits."""
    executable = find_mosquitto() if config.broker_kind in ("auto", "mosquitto") else None
    broker: PrivateBroker
    if executable is not None:
        broker = PrivateMosquitto(
            executable, config.data_dir / "mosquitto", lab=config.lab, host=config.broker_host,
            port=config.broker_port, logins=logins,
            queued=queue_limit(config.class_size, config.max_rate, config.queue_seconds))
    elif config.broker_kind == "mosquitto":
        raise BrokerError("broker_kind is mosquitto, but no mosquitto binary is installed "
                          "(apt install mosquitto)")
    elif amqtt_available():
        broker = EmbeddedBroker(lab=config.lab, host=config.broker_host,
                                port=config.broker_port, logins=logins)
    else:
        raise BrokerError("no broker to start: install mosquitto (apt install mosquitto), "
                          "or amqtt (pip install 'kitsdk[server]'), or set broker_url")
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
    "password_file",
    "start_broker",
]
