"""Every error the lab server raises, in one tree.

Each error also inherits the builtin a caller would expect, so ``except ValueError`` keeps
working; each message names the object and the value that were wrong::

    LabError
    ├── ConfigError (ValueError)          a bad setting: names the key, the value and the source
    ├── BadValue (ValueError)             a bad kit id, team, user name or role given to the store
    ├── StoreError (RuntimeError)         the database failed (translated from sqlite3/psycopg)
    │   ├── StoreUnavailable (ConnectionError)   the database cannot be reached
    │   ├── KitExists (ValueError)        add_kit of a kit id the lab already has
    │   ├── UserExists (ValueError)       add_user of a taken name
    │   └── NotFound (LookupError)        no kit or user of that name
    ├── BadInput (ValueError)             an MQTT message the ingest refuses; ``kind`` says why
    ├── BrokerError (RuntimeError)        the private broker would not start or reload
    └── NotConnected (ConnectionError)    a command while the lab is not connected to its broker

Bad MQTT input raises ``BadInput`` in the pure decoder (``intake.decode_inbound``); the
ingest catches it, counts it by ``kind`` (``health()``) and goes on. The web side's errors
live in ``lab_server.web``.
"""

from __future__ import annotations


class LabError(Exception):
    """Root of every lab server error."""


class ConfigError(LabError, ValueError):
    """A setting is wrong: the message names the key, the value and where it came from."""


class BadValue(LabError, ValueError):
    """A kit id, team, user name, role or command argument that is not valid."""


class StoreError(LabError, RuntimeError):
    """The store's database failed; the original error is the ``__cause__``."""


class StoreUnavailable(StoreError, ConnectionError):
    """The store's database cannot be reached (PostgreSQL down, a SQLite file not writable)."""


class KitExists(StoreError, ValueError):
    """``add_kit`` of a kit id the lab already has."""


class UserExists(StoreError, ValueError):
    """``add_user`` of a name that is taken."""


class NotFound(StoreError, LookupError):
    """No kit or user of that name."""


class BadInput(LabError, ValueError):
    """An MQTT message the ingest refuses. ``kind`` names the reason for the counters:
    ``bad_topic``, ``oversized``, ``wrong_version``, ``malformed``, ``unknown_kit``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class BrokerError(LabError, RuntimeError):
    """The private broker would not start or reload; the message holds the end of its log."""


class NotConnected(LabError, ConnectionError):
    """A command was not sent: the lab is not connected to its broker."""
