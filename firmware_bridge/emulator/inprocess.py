"""Serving an emulator inside this process, as the pyserial URL ``emulator://NAME``.

Simulation on a school laptop (Windows included, where there are no ptys) needs the board
without a second process or a kernel device. pyserial's ``loop://`` cannot carry a peer (it
echoes what is written), so the emulator registers its own URL scheme instead: the client
opens it with `serial_for_url` like any port, and its reads run the board's clock (see
`protocol_emulator`). No thread of its own is started.
"""

from __future__ import annotations

import itertools
import threading
from types import TracebackType

from ..exc import BoardNotFound
from .emulator import Emulator

_served: dict[str, Emulator] = {}
_served_lock = threading.Lock()
_names = itertools.count(1)


def lookup(name: str) -> Emulator:
    """The emulator served as ``emulator://name``."""
    with _served_lock:
        emulator = _served.get(name)
    if emulator is None:
        raise BoardNotFound(f"no emulator is served as emulator://{name}")
    return emulator


class InProcessServer:
    """A registration of an emulator under an ``emulator://`` URL; `stop` unplugs it."""

    def __init__(self, emulator: Emulator, name: str | None = None) -> None:
        self.emulator = emulator
        self.name = name or f"board{next(_names)}"
        with _served_lock:
            if self.name in _served:
                raise ValueError(f"emulator://{self.name} is already served")
            _served[self.name] = emulator
        if not emulator.reset_on_open:
            emulator.power_on()

    @property
    def url(self) -> str:
        return f"emulator://{self.name}"

    def stop(self) -> None:
        """Pull the cable: open ports fail on their next read. Idempotent."""
        with _served_lock:
            if _served.get(self.name) is not self.emulator:
                return
            del _served[self.name]
        self.emulator.power_off()

    @property
    def serving(self) -> bool:
        with _served_lock:
            return _served.get(self.name) is self.emulator

    def __enter__(self) -> str:
        return self.url

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def serve_url(emulator: Emulator, name: str | None = None) -> InProcessServer:
    """Serve `emulator` in this process; ``with serve_url(emulator) as url:`` gives
    ``emulator://NAME`` for `Board` (or any ``serial_for_url`` user)."""
    return InProcessServer(emulator, name)
