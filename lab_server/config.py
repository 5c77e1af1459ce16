"""The lab server's settings: one frozen ``LabConfig``, from defaults, a TOML file, the
environment and keyword overrides, in that order (the later wins).

``/etc/kitlab/lab.toml`` (or the file named by ``$KITLAB_CONFIG``)::

    lab = "room-4"
    data_dir = "/var/lib/kitlab"
    broker_host = "0.0.0.0"     # the private broker listens for the room's kits
    broker_port = 1883
    retention_days = 180
    stuck_after = 420           # the lesson board: stuck after 7 minutes on one step

    [web]                       # read by the web side, passed through untouched
    port = 8080

Every key can also come from the environment as ``KITLAB_`` + its name in capitals
(``KITLAB_STORE_URL=postgresql://kitlab@db/kitlab``, ``KITLAB_BROKER_PASSWORD=...``), so a
secret need not sit in a file. ``LabConfig.load(path, **overrides)`` reads them all; a
``LabConfig(...)`` built directly uses only what it is given.

The defaults start a working lab on one machine: the server's own broker (Mosquitto when it
is installed, else the embedded amqtt) on a free loopback port, and SQLite in ``data_dir``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from types import NoneType
from typing import Any, Literal, get_args, get_type_hints
from urllib.parse import urlsplit

from kitsdk.telemetry import check_id

from .exc import ConfigError

DEFAULT_PATH = Path("/etc/kitlab/lab.toml")
DEFAULT_DATA_DIR = "~/.local/share/kitlab"
ENV_PREFIX = "KITLAB_"

KIT_RATE_FACTOR = 20
"""A kit's default message budget per second, in multiples of ``max_rate``."""
KIT_MESSAGE_BYTES = 1024
"""The message size a kit's default byte budget per day allows for, at ``max_rate``."""

BrokerKind = Literal["auto", "mosquitto", "amqtt"]


@dataclass(frozen=True)
class LabConfig:
    """Everything the lab server's backend needs; checked when built.

    Broker: ``broker_url`` None starts the server's own broker (``broker_kind`` picks which;
    ``broker_host``/``broker_port`` are where it listens, port 0 for a free one); otherwise
    the lab connects to ``broker_url`` (``mqtt://`` or ``mqtts://``) as ``broker_username``.
    ``mqtt_version`` is 5, or 3 for MQTT 3.1.1 (forced for amqtt, which speaks only 3.1.1).
    ``client_id`` is the ingest's persistent session: stable across restarts, and distinct
    for each ingest process of a ``shared_group``.

    Store: ``store_url`` is ``sqlite:///path`` or ``postgresql://...``; telemetry and events
    older than ``retention_days`` (by arrival time) are pruned. The ingest writes in batches
    of at most ``batch_size`` messages, a message waiting at most ``batch_interval`` seconds;
    ``queue_size`` bounds the messages decoded and not yet written.

    Live hub: ``hub_window`` seconds between a browser's batches; ``hub_buffer`` status,
    event and ack updates kept for a slow browser before the oldest are dropped.

    Broker limits: the private broker queues at least ``queue_seconds`` of a class of
    ``class_size`` kits at ``max_rate`` samples a second for a lab server that is away.

    Kit budget (``budget.KitBudget``): beyond ``kit_messages_per_second`` (on average, live
    messages) or ``kit_bytes_per_day`` (payload bytes per UTC day) a kit's messages are dropped
    and counted. 0, the default, sizes them by ``max_rate``: ``KIT_RATE_FACTOR`` times it, and
    a day at it in messages of ``KIT_MESSAGE_BYTES``.

    Lesson board (``board``, ``docs/lesson-board.md``): a kit is stuck when it has been on
    one step of its lesson for ``stuck_after`` seconds, or has failed the same step
    ``stuck_failures`` times in a row (a whole number).
    """

    lab: str = "lab"
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    broker_url: str | None = None
    broker_username: str = ""
    broker_password: str = field(default="", repr=False)
    broker_ca_file: str = ""
    broker_kind: BrokerKind = "auto"
    broker_host: str = "127.0.0.1"
    broker_port: int = 0
    mqtt_version: int = 5
    client_id: str = ""
    store_url: str = ""
    retention_days: float = 365.0
    shared_group: str | None = None
    batch_size: int = 500
    batch_interval: float = 0.02
    queue_size: int = 20_000
    hub_window: float = 0.05
    hub_buffer: int = 2000
    class_size: int = 40
    max_rate: float = 50.0
    queue_seconds: float = 600.0
    kit_messages_per_second: float = 0.0
    kit_bytes_per_day: int = 0
    stuck_after: float = 300.0
    stuck_failures: int = 3
    web: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "data_dir", Path(self.data_dir).expanduser())
        if not self.store_url:
            set_(self, "store_url", f"sqlite:///{self.data_dir / 'lab.db'}")
        if not self.client_id:
            set_(self, "client_id", f"kitlab-{self.lab}")
        if self.broker_url == "":
            set_(self, "broker_url", None)
        if not self.kit_messages_per_second:
            set_(self, "kit_messages_per_second", KIT_RATE_FACTOR * self.max_rate)
        if not self.kit_bytes_per_day:
            set_(self, "kit_bytes_per_day", int(self.max_rate * 86400 * KIT_MESSAGE_BYTES))
        _check(self.lab, "lab", lambda v: check_id(v, "lab"))
        if self.shared_group is not None:
            _check(self.shared_group, "shared_group", lambda v: check_id(v, "shared_group"))
        scheme = urlsplit(self.store_url).scheme
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise ConfigError(f"lab config: store_url {self.store_url!r} is neither sqlite:///"
                              "path nor postgresql://...")
        if self.broker_url is not None:
            url = urlsplit(self.broker_url)
            if url.scheme not in ("mqtt", "mqtts") or not url.hostname:
                raise ConfigError(f"lab config: broker_url {self.broker_url!r} is not an "
                                  "mqtt:// or mqtts:// URL (write it like mqtt://broker:1883)")
        if self.broker_kind not in ("auto", "mosquitto", "amqtt"):
            raise ConfigError(f"lab config: broker_kind {self.broker_kind!r} is not auto, "
                              "mosquitto or amqtt")
        if self.mqtt_version not in (3, 5):
            raise ConfigError(f"lab config: mqtt_version {self.mqtt_version!r} is not 5 or 3 "
                              "(3 means MQTT 3.1.1)")
        if self.shared_group is not None and self.mqtt_version != 5:
            raise ConfigError("lab config: shared_group needs mqtt_version 5")
        if not 0 <= self.broker_port <= 65535:
            raise ConfigError(f"lab config: broker_port {self.broker_port} is not a port")
        for key in ("retention_days", "batch_size", "batch_interval", "queue_size",
                    "hub_window", "hub_buffer", "class_size", "max_rate", "queue_seconds",
                    "kit_messages_per_second", "kit_bytes_per_day", "stuck_after",
                    "stuck_failures"):
            if not getattr(self, key) > 0:
                raise ConfigError(f"lab config: {key} must be more than 0, "
                                  f"not {getattr(self, key)!r}")
        if type(self.stuck_failures) is not int:
            raise ConfigError(f"lab config: stuck_failures {self.stuck_failures!r} is not a "
                              "whole number (failures of one step in a row)")

    # -- derived -----------------------------------------------------------------------------

    @property
    def broker_address(self) -> tuple[str, int, bool]:
        """``(host, port, tls)`` of ``broker_url``; only for a configured broker."""
        if self.broker_url is None:
            raise ConfigError("lab config: no broker_url (the server runs its own broker)")
        url = urlsplit(self.broker_url)
        tls = url.scheme == "mqtts"
        return url.hostname or "localhost", url.port or (8883 if tls else 1883), tls

    def with_changes(self, **changes: Any) -> LabConfig:
        return replace(self, **changes)

    # -- loading -----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **overrides: Any) -> LabConfig:
        """Defaults, then the TOML file, then ``KITLAB_*`` variables, then ``overrides``
        (None values are ignored, so a CLI can pass its unset options through).

        ``path`` defaults to ``$KITLAB_CONFIG``, else ``/etc/kitlab/lab.toml`` if it exists.
        """
        env_path = os.environ.get(ENV_PREFIX + "CONFIG")
        file = Path(path or env_path or DEFAULT_PATH)
        values: dict[str, Any] = {}
        if path or env_path or file.is_file():
            try:
                values = tomllib.loads(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"lab config {file}: {exc}") from exc
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"lab config {file}: unknown key {unknown[0]!r}; known keys: "
                              + ", ".join(sorted(known)))
        hints = get_type_hints(cls)
        values.update(from_environment({name: hints[name] for name in known - {"web"}}))
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"lab config: unknown setting {unknown[0]!r}")
        try:
            return cls(**values)
        except TypeError as exc:
            raise ConfigError(f"lab config {file}: {exc}") from exc


def _check(value: object, key: str, check: Any) -> None:
    try:
        check(value)
    except ValueError as exc:
        raise ConfigError(f"lab config: {key}: {exc}") from exc


def from_environment(kinds: Mapping[str, Any]) -> dict[str, Any]:
    """The ``KITLAB_*`` variables set for the settings in ``kinds`` (name: type), each read as
    its type: ``KITLAB_LIVE_MAX_STREAMS=300`` gives ``{"live_max_streams": 300}``. The one
    reader of the environment for the lab's config and the web app's; text that is not of
    the setting's type is a :class:`ConfigError` naming the variable."""
    values: dict[str, Any] = {}
    for name, kind in kinds.items():
        variable = ENV_PREFIX + name.upper()
        raw = os.environ.get(variable)
        if raw is not None:
            values[name] = _from_text(raw, kind, variable)
    return values


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def _from_text(raw: str, kind: Any, variable: str) -> Any:
    """An environment variable's text as the setting's type (a timedelta in seconds)."""
    types = [arg for arg in get_args(kind) if isinstance(arg, type) and arg is not NoneType]
    base = types[0] if len(types) == 1 else kind
    if raw == "" and (kind is NoneType or NoneType in get_args(kind)):
        return None
    if base is bool:
        word = raw.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise ConfigError(f"lab config: ${variable}={raw!r} is not on or off (use 1 or 0)")
    if base in _NUMBERS:
        read, what = _NUMBERS[base]
        try:
            return read(raw)
        except ValueError:
            raise ConfigError(f"lab config: ${variable}={raw!r} is not {what}") from None
    return raw


_NUMBERS: dict[type, tuple[Any, str]] = {
    int: (int, "a whole number"),
    float: (float, "a number"),
    timedelta: (lambda raw: timedelta(seconds=float(raw)), "a number of seconds"),
}
