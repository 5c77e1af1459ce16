"""The simulated kit's pin factory: gpiozero's MockFactory, made to behave like a kit.

A plain gpiozero script runs on it with ``GPIOZERO_PIN_FACTORY=kitsdk`` (see
``kitsdk.build.simulated_pin_factory``). With ``KITSDK_SIM_TRACE=FILE`` every pin change is
appended to FILE as a JSON line ``{"t": ..., "pid": ..., "pin": "GPIO17", "state": 1.0}``
(with ``"function"`` too when the pin turns into an input or an output):
what the pins did stays readable after the process that drove them has gone. In the same
process, ``on_change`` hears of every change as it is journalled, with the pin's name (a view
of the kit wakes on it); a listener must be quick, as it runs on the thread that changed the
pin.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from .pins import SimPin


class SimFactory(MockFactory):
    """Mock pins with PWM everywhere; part behaviour is attached with ``attach``."""

    def __init__(self, revision: str | None = None, pin_class: Any = None, *,
                 trace: str | os.PathLike[str] | None = None) -> None:
        super().__init__(revision=revision, pin_class=pin_class or SimPin)
        trace = trace or os.environ.get("KITSDK_SIM_TRACE")
        self._trace = open(trace, "a", buffering=1, encoding="utf-8") if trace else None  # noqa: SIM115
        self._trace_lock = threading.Lock()
        self._listeners: tuple[Callable[[str], None], ...] = ()

    def pin(self, name: Any, pin_class: Any = None, **kwargs: Any) -> Any:
        """The pin called ``name``; one that a part's behaviour already claimed is reused."""
        for _header, info in self.board_info.find_pin(name):
            if info in self.pins:
                return self.pins[info]
            break
        return super().pin(name, pin_class=pin_class, **kwargs)

    def attach(self, name: Any, pin_class: Any, **kwargs: Any) -> Any:
        """Give pin ``name`` a behaviour before a device claims it."""
        return super().pin(name, pin_class=pin_class, **kwargs)

    def spi(self, **spi_args: Any) -> Any:
        # gpiozero 2.0's SPISoftwareBus builds its Device base without the pin factory it
        # was given, so it asks for the global default, which off a Pi does not exist. A
        # plain SimFactory as that default satisfies it; the bus's pins still come from us.
        if Device.pin_factory is None:
            Device.pin_factory = SimFactory(trace=os.devnull)
        return super().spi(**spi_args)

    def on_change(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(pin)`` after every pin change; returns what takes it off again."""
        with self._trace_lock:
            self._listeners += (listener,)

        def remove() -> None:
            with self._trace_lock:
                self._listeners = tuple(x for x in self._listeners if x is not listener)
        return remove

    def journal(self, pin: str, **change: Any) -> None:
        """Append a pin's change to the trace file, if there is one; tell the listeners."""
        for listener in self._listeners:
            listener(pin)
        if self._trace is None:
            return
        line = json.dumps({"t": time.time(), "pid": os.getpid(), "pin": pin, **change})
        with self._trace_lock:
            if not self._trace.closed:
                self._trace.write(line + "\n")

    def close(self) -> None:
        super().close()
        if self._trace is not None:
            with self._trace_lock:
                self._trace.close()
