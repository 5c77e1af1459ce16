"""The lab server: MQTT ingest into a store, and the teacher's Flask dashboard.

::

    from lab_server import LabConfig, create_app, start_services

    services = start_services(LabConfig.load())      # broker, ingest, store, live hub
    app = create_app(services=services)               # the dashboard, API and live stream

``kitlab serve`` does exactly this behind waitress; ``kitlab demo`` adds simulated kits.
"""

from .app import create_app
from .config import LabConfig
from .exc import (
    BadValue,
    BrokerError,
    ConfigError,
    KitExists,
    LabError,
    NotConnected,
    NotFound,
    StoreError,
    StoreUnavailable,
    UserExists,
)
from .services import LabServices, start_services

__all__ = [
    "BadValue",
    "BrokerError",
    "ConfigError",
    "KitExists",
    "LabConfig",
    "LabError",
    "LabServices",
    "NotConnected",
    "NotFound",
    "StoreError",
    "StoreUnavailable",
    "UserExists",
    "create_app",
    "start_services",
]
