"""Simulated boards: an emulated Arduino or Pico whose inputs follow the simulated world.

A simulated kit's ``firmata`` device talks to a `firmware_bridge.Emulator` of its model,
served in this process as ``emulator://NAME`` (no thread, no pty), so the same client code
runs as on a real board. Parts on the board's pins see a `BoardSimulator` as ``env.sim`` in
their ``simulate()``: the kit's simulator, except that its pins are the emulated board's, so
``kit.sim.press("button")`` drives the board's input and ``kit.sim.set("light", 0.8)`` moves
its analog pin. Both return once the board has reported the change to the kit.

::

    kit = Kit("weather-station")
    kit.sim.set("light", 0.8)
    print(kit.light.value)             # about 0.8
    kit.arduino.emulated.unplug()      # pull the USB cable: kit.arduino.connected turns False
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from firmware_bridge import BOARDS, BoardTimeout, PinMode
from firmware_bridge.emulator import Emulator, serve_url

from ..exc import DeviceFailed, NotSimulated

if TYPE_CHECKING:
    from firmware_bridge import Board, Pin

    from .simulator import Simulator
    from .world import SimWorld

#: How long ``kit.sim.set`` waits for the board to report a new input (it takes one
#: sampling interval, 19 ms unless the profile says otherwise).
SETTLE_TIMEOUT = 2.0


class EmulatedBoard:
    """A board ``model`` (``"uno"``) in software, plugged in at `url` until `unplug`."""

    def __init__(self, model: str) -> None:
        # A Pico has native USB: opening its port does not reset it, unlike an Uno.
        self.emulator = Emulator(BOARDS[model], boot_delay=0.0, reset_on_open=model != "pico")
        self._server = serve_url(self.emulator)
        self.url = self._server.url

    @property
    def plugged_in(self) -> bool:
        return self._server.serving

    def unplug(self) -> None:
        """Pull the USB cable: the kit's board starts reconnecting."""
        self._server.stop()

    def plug_in(self) -> None:
        """Plug the cable back in: the kit's board reconnects by itself (outputs off)."""
        if not self._server.serving:
            self._server = serve_url(self.emulator, self._server.name)

    def close(self) -> None:
        self._server.stop()


class EmulatedInput:
    """One pin of an emulated board, as the simulated world drives it."""

    def __init__(self, emulator: Emulator, host: Board, pin: str) -> None:
        self._emulator = emulator
        self._host = host
        self.pin = pin
        self._level: Callable[[], float] | None = None  # what an analog pin follows

    @property
    def pull(self) -> str:
        """``"up"`` while the kit uses the pin with its pull-up, else ``"floating"``."""
        return "up" if self._io().mode == PinMode.PULLUP else "floating"

    def drive_high(self) -> None:
        self._drive(True)

    def drive_low(self) -> None:
        self._drive(False)

    def _drive(self, level: bool) -> None:
        self._emulator.drive_digital(self.pin, level)
        self._settle(lambda value: value is level, (PinMode.INPUT, PinMode.PULLUP))

    def follow(self, level: Callable[[], float]) -> None:
        """Make the analog pin read ``level()`` (0 to 1 of the reference voltage) from now on."""
        self._emulator.set_analog(self.pin, lambda _seconds: self._counts(level))
        self._level = level

    def _counts(self, level: Callable[[], float]) -> int:
        top = (1 << self._emulator.board.analog_bits) - 1
        return round(min(max(level(), 0.0), 1.0) * top)

    def settle(self) -> None:
        """Wait until the kit has seen the analog level the pin now follows."""
        assert self._level is not None, "follow() a level first"
        counts = self._counts(self._level)
        self._settle(lambda value: value == counts, (PinMode.ANALOG,))

    def _io(self) -> Pin:
        return self._host.pin(self.pin)

    def _settle(self, seen: Callable[[int | bool], bool], modes: tuple[PinMode, ...]) -> None:
        io = self._io()
        if io.mode not in modes or not self._host.connected:
            return  # nobody reads the pin now: the change shows when someone does
        try:
            io.wait_for(seen, SETTLE_TIMEOUT)
        except BoardTimeout as exc:
            raise DeviceFailed(f"the simulated board did not report pin {self.pin} in time: {exc}",
                               hint="is the simulated board unplugged?") from exc


class BoardSimulator:
    """``env.sim`` for a part on a simulated board: the kit's `Simulator`, whose ``factory``
    gives the emulated board's pins (``factory.pin("D2").drive_low()``)."""

    def __init__(self, sim: Simulator, emulated: EmulatedBoard, host: Board, board: str) -> None:
        self._sim = sim
        self._emulated = emulated
        self._host = host
        self._board = board

    @property
    def world(self) -> SimWorld:
        return self._sim.world

    @property
    def factory(self) -> BoardSimulator:
        return self

    def pin(self, name: str) -> EmulatedInput:
        """Board pin ``name``, to drive from the simulated world."""
        return EmulatedInput(self._emulated.emulator, self._host, name)

    def attach(self, name: Any, pin_class: Any, **kwargs: Any) -> NoReturn:
        raise NotSimulated(
            f"a {getattr(pin_class, '__name__', pin_class)} cannot be simulated on pin {name} "
            f"of board '{self._board}'",
            hint="simulate this part on the Pi's pins, or test it on the real board",
        )

    def analog(self, quantity: str, pin: str, default: float) -> None:
        """Make analog pin ``pin`` read world quantity ``quantity`` (0 to 1):
        ``kit.sim.set(quantity, 0.8)``."""
        world = self._sim.world
        emulated = self.pin(pin)
        world.add(quantity, default, low=0.0, high=1.0, on_change=lambda _: emulated.settle())
        emulated.follow(lambda: float(world.get(quantity)))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._sim, name)  # set, get, press, release, inputs: the kit's own
