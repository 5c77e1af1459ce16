"""``kit.sim``: the controls of a simulated kit.

::

    kit = Kit("rover")
    kit.sim.set("distance", 0.25)            # an obstacle 25 cm ahead
    kit.sim.set("light", sine(0.2, 0.9))     # a scripted source
    kit.sim.press("button")

Drivers use the same object while the kit is built, to give pins their part's behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from .factory import SimFactory
from .presses import Presses
from .sources import Source
from .spi import SimMCP3008
from .world import SimWorld

if TYPE_CHECKING:
    from .rover import SimRover
    from .tello import SimTello


class Closeable(Protocol):
    def close(self) -> None: ...


class Simulator:
    """One simulated kit: its pin factory and the world its sensors measure."""

    def __init__(self, factory: SimFactory | None = None) -> None:
        self.factory = factory or SimFactory()
        self.world = SimWorld()
        self._adcs: dict[tuple[str, ...], SimMCP3008] = {}
        self._parts: list[Closeable] = []
        self._presses = Presses(self.press, self.release)
        #: The simulated rover on its floor, once one is attached (``SimRover.attach``).
        self.rover: SimRover | None = None
        #: The simulated drone the kit's drone flies (its own record of the flight), if any:
        #: None when another process's answers (``kit sim tello``).
        self.drone: SimTello | None = None

    # -- for scripts and lesson checks -------------------------------------------------
    def set(self, name: str, value: float | bool | Source) -> None:
        """Set what simulated sensor ``name`` measures, or a source for it to follow."""
        self.world.set(name, value)

    def get(self, name: str) -> float | bool:
        """What simulated sensor ``name`` measures right now."""
        return self.world.get(name)

    def press(self, name: str) -> None:
        """Press simulated button ``name``: its ``when_pressed`` runs and a wait for it ends.

        The one way every press comes in: code, lesson checks, a view of the kit, and
        Enter in a terminal.
        """
        self.world.set(name, True)
        self._presses.pressed(name)

    def release(self, name: str) -> None:
        """Release simulated button ``name``."""
        self.world.set(name, False)

    def wait_for_press(self, button: Any, timeout: float | None = None) -> bool:
        """Wait for simulated ``button`` (a device) to be pressed; True if it was.

        In a terminal Enter presses it too; with none, the wait says once how to press it
        (``kitsdk.sim.presses``).
        """
        return self._presses.wait(button, timeout)

    def inputs(self) -> list[str]:
        """The names that ``set`` accepts."""
        return self.world.names()

    def pin(self, name: Any) -> Any:
        """The mock pin ``name`` (``"GPIO17"``), whose ``states`` record what it did."""
        return self.factory.pin(name)

    # -- for drivers ---------------------------------------------------------------------
    def adc_channel(self, pins: dict[str, Any], channel: int, level: Callable[[], float]) -> None:
        """Answer channel ``channel`` of the MCP3008 on these SPI pins with ``level()``."""
        key = (pins["clock"], pins["mosi"], pins["miso"], pins["select"])
        if key not in self._adcs:
            self._adcs[key] = SimMCP3008(
                pins["clock"], pins["mosi"], pins["miso"], pins["select"],
                pin_factory=self.factory,
            )
        self._adcs[key].channels[channel] = level

    def add_part(self, part: Closeable) -> None:
        """Close ``part`` with the simulator: a world model with a clock (a simulated rover)."""
        self._parts.append(part)

    def let_go(self, part: Closeable) -> bool:
        """Stop owning ``part``: it is no longer closed with the kit, and whoever took it
        closes it (the kit agent keeps a simulated drone across scripts). False if the kit
        did not own it."""
        if part not in self._parts:
            return False
        self._parts.remove(part)
        return True

    def close(self, *, close_factory: bool = True) -> None:
        """Detach the simulated parts; close the factory unless it was lent to the kit."""
        for part in self._parts:
            part.close()
        self._parts.clear()
        self.rover = None
        for adc in self._adcs.values():
            adc.close()
        self._adcs.clear()
        if close_factory:
            self.factory.close()
