"""Hardware tests are the same tests: the backend a run was started with.

The suite's own fixtures put ``KITSDK_BACKEND=sim`` in the environment once a test starts;
this module is imported before that, while collecting, so it still sees what the run was
started with. Tests marked ``hardware`` build their kits on it and read pins only through
gpiozero's public API (``device.pin``), never through ``kit.sim``: on a Raspberry Pi,
``KITSDK_BACKEND=real python -m pytest -m hardware`` runs them on the real pins
(docs/drivers.md); anywhere else they run on the simulator like every other test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from kitsdk import Kit

BACKEND = os.environ.get("KITSDK_BACKEND") or "sim"


@contextmanager
def kit_on_this_backend(profile: str) -> Iterator[Kit]:
    """A built-in kit on the run's backend, closed after."""
    with Kit(profile, backend=BACKEND) as kit:
        yield kit
