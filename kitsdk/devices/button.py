"""A push button, as gpiozero's Button, with callbacks whose mistakes are explained."""

from __future__ import annotations

from typing import Any, ClassVar

import gpiozero

from ..options import PIN, Option
from ..readings import Channel
from .base import KitDevice


class Button(KitDevice, gpiozero.Button):
    """A push button between a GPIO pin and ground (the Pi's pull-up does the rest).

    ::

        kit.button.wait_for_press()
        kit.button.when_pressed = kit.red.toggle
        print(kit.button.is_pressed)
    """

    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin the button is wired to (the other leg to GND)"),
        "pull_up": Option(bool, True, "false when the button connects the pin to 3V3"),
        "bounce_time": Option(float, None, "seconds to ignore contact bounce", min=0, max=1),
        "hold_time": Option(float, 1.0, "seconds before when_held runs", min=0),
        "hold_repeat": Option(bool, False, "true to run when_held again every hold_time"),
    }
    looks = "button"
    channels = (Channel("pressed", "", "held down (True) or not", attr="is_pressed"),)

    def __init__(self, *args: Any, simulator: Any = None, **kwargs: Any) -> None:
        self._simulator = simulator
        super().__init__(*args, **kwargs)

    @classmethod
    def from_profile(cls, spec: Any, env: Any) -> Button:
        return cls(name=spec.name, pin_factory=env.pin_factory, simulator=env.sim, **spec.options)

    def wait_for_press(self, timeout: float | None = None) -> bool:
        """Wait until the button is pressed (or ``timeout`` seconds pass); True if pressed.

        On a simulated kit, Enter in a terminal presses it too, so a script that waits for
        a press also works on a laptop; with no terminal, the wait says how to press it.
        """
        if self._simulator is not None and not self.is_pressed:
            return bool(self._simulator.wait_for_press(self, timeout))
        return bool(self.wait_for_active(timeout))

    @classmethod
    def simulate(cls, spec: Any, env: Any) -> None:
        factory = env.sim.factory
        pin = spec.options["pin"]

        def press(pressed: bool) -> None:
            mock = factory.pin(pin)
            # Pressed pulls the pin to the level opposite its pull: low with a pull-up.
            if pressed == (mock.pull == "up"):
                mock.drive_low()
            else:
                mock.drive_high()

        env.sim.world.add(spec.name, False, on_change=press)
