"""The kit agent's settings: one TOML file, every key with a default but the lab's address.

``/etc/kitsdk/agent.toml`` on a Pi (``kitlab kits add`` prints one for each kit)::

    broker = "mqtts://lab.school.example:8883"
    ca_file = "/etc/kitsdk/lab-ca.pem"
    lab = "room-4"
    kit = "kit-07"
    username = "kit-07"
    password = "..."
    rate = 10            # telemetry samples per second, 1 to 50
    lab_lost_grace = 2   # seconds without the lab before running motors stop

Command-line flags of ``kit agent`` override the file; ``KITSDK_AGENT_PASSWORD`` overrides
the password so that it need not sit in a file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..exc import BadValue
from ..ipc import DEFAULT_AGENT_SOCKET
from ..telemetry import check_id

DEFAULT_PATH = Path("/etc/kitsdk/agent.toml")


@dataclass(frozen=True)
class AgentConfig:
    """Everything the agent needs to know; checked when built."""

    broker: str = "mqtt://localhost:1883"
    lab: str = "lab"
    kit: str = "kit"
    username: str = ""
    password: str = ""
    ca_file: str = ""
    profile: str = ""
    rate: float = 10.0
    keepalive: int = 3
    #: 5, or 3 for a broker that speaks only MQTT 3.1.1 (then no will delay: the lab's
    #: session check alone tells a stale will apart).
    mqtt_version: int = 5
    lab_lost_grace: float = 2.0
    stop_grace: float = 0.25
    #: ``stop_grace`` for a kit that flies: its drone lands in the meantime, and the
    #: student's terminal says why. Past it, the agent kills the script and lands it itself.
    landing_grace: float = 8.0
    #: Seconds between tries to build a kit whose part did not answer (a drone switched off).
    kit_retry: float = 5.0
    outbox: str = "/var/lib/kitsdk/outbox.db"
    #: How long a lab outage the outbox rides out, at ``rate``; and its cap on disk.
    outbox_hours: float = 1.0
    outbox_mb: float = 64.0
    control_socket: str = DEFAULT_AGENT_SOCKET

    def __post_init__(self) -> None:
        url = urlsplit(self.broker)
        if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
            raise BadValue(f"agent config: broker {self.broker!r} is not an mqtt:// or "
                           "mqtts:// URL",
                           hint='write it like "mqtt://lab-server:1883"')
        for key in ("lab", "kit"):
            try:
                check_id(getattr(self, key), key)
            except ValueError as exc:
                raise BadValue(f"agent config: {exc}",
                               hint="ids use lowercase letters, digits and '-'") from exc
        if self.mqtt_version not in (3, 5):
            raise BadValue(f"agent config: mqtt_version {self.mqtt_version} is not 3 or 5",
                           hint="use 5 (Mosquitto, EMQX), or 3 for a broker without MQTT 5")
        if not 1 <= self.rate <= 50:
            raise BadValue(f"agent config: rate {self.rate} is out of range",
                           hint="use 1 to 50 samples per second")
        for key in ("keepalive", "lab_lost_grace", "stop_grace", "landing_grace", "kit_retry",
                    "outbox_hours", "outbox_mb"):
            if getattr(self, key) <= 0:
                raise BadValue(f"agent config: {key} must be more than 0")

    @property
    def outbox_entries(self) -> int:
        """Telemetry for ``outbox_hours`` at ``rate``, and a tenth more for events."""
        return int(self.outbox_hours * 3600 * self.rate * 1.1)

    @property
    def script_record(self) -> Path:
        """Where the running script is written down (``leftover.py``): by the control socket,
        in ``/run``, which a reboot empties."""
        return Path(self.control_socket).with_suffix(".script.json")

    @property
    def host(self) -> str:
        return urlsplit(self.broker).hostname or "localhost"

    @property
    def port(self) -> int:
        url = urlsplit(self.broker)
        return url.port or (8883 if url.scheme == "mqtts" else 1883)

    @property
    def tls(self) -> bool:
        return urlsplit(self.broker).scheme == "mqtts"

    @property
    def client_id(self) -> str:
        """The MQTT client id: the username, as the broker's ACL expects, else the kit id."""
        return self.username or self.kit

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **overrides: Any) -> AgentConfig:
        """Read ``path`` (default ``/etc/kitsdk/agent.toml`` if it exists), then apply overrides."""
        values: dict[str, Any] = {}
        file = Path(path) if path else DEFAULT_PATH
        if path or file.is_file():
            try:
                values = tomllib.loads(file.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise BadValue(f"agent config {file}: {exc}") from exc
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise BadValue(f"agent config {file}: unknown key {unknown[0]!r}",
                           hint="known keys: " + ", ".join(sorted(known)))
        if os.environ.get("KITSDK_AGENT_PASSWORD"):
            values["password"] = os.environ["KITSDK_AGENT_PASSWORD"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_changes(self, **changes: Any) -> AgentConfig:
        return replace(self, **changes)
