"""The DS18B20 waterproof temperature probe, on the Pi's 1-wire bus."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from ..exc import DeviceFailed
from ..options import PIN, Option
from ..readings import Channel
from .base import StandaloneDevice
from .onewire import OneWireBus, SimOneWire, SysfsOneWire

#: What a DS18B20 reports before its first conversion: a wiring fault, never a reading.
POWER_ON_RESET = 85.0


class DS18B20(StandaloneDevice):
    """A DS18B20 temperature sensor: data to GPIO4 with a 4.7 kΩ pull-up to 3V3.

    Enable the bus once with ``dtoverlay=w1-gpio`` in ``/boot/firmware/config.txt``.
    A reading takes the sensor about 0.75 s, so a value is reused for ``max_age`` seconds.

    ::

        print(kit.temperature.temperature)   # °C, e.g. 21.4
    """

    options: ClassVar = {
        "pin": Option(PIN, "GPIO4", "the 1-wire data pin (set by dtoverlay=w1-gpio)"),
        "sensor_id": Option(str, "auto", "the sensor's id (28-...), or 'auto' for the first"),
        "max_age": Option(float, 1.0, "seconds a reading is reused for", min=0, max=60),
    }
    looks = "temperature"
    channels = (Channel("temperature", "°C", "the probe's temperature"),)

    def __init__(self, bus: OneWireBus, *, sensor_id: str = "auto", max_age: float = 1.0,
                 name: str | None = None, pin: Any = None) -> None:
        super().__init__(name=name)
        self.bus = bus
        self.max_age = max_age
        self._last: tuple[float, float] | None = None
        if sensor_id == "auto":
            found = bus.sensors("28")
            if not found:
                raise DeviceFailed(f"{self.describe()}: no DS18B20 found on the 1-wire bus",
                                   hint="check the sensor's three wires and the pull-up resistor")
            sensor_id = found[0]
        self.sensor_id = sensor_id

    @classmethod
    def from_profile(cls, spec: Any, env: Any) -> DS18B20:
        if env.sim is not None:
            world = env.sim.world
            world.add(spec.name, 21.0, unit="°C", low=-55.0, high=125.0)
            bus: OneWireBus = SimOneWire(lambda: float(world.get(spec.name)))
        else:
            bus = SysfsOneWire()
        return cls(bus, name=spec.name, **spec.options)

    @property
    def temperature(self) -> float:
        """Degrees Celsius, at most ``max_age`` seconds old."""
        self._check_open()
        now = time.monotonic()
        if self._last is None or now - self._last[0] > self.max_age:
            self._last = (now, self._parse(self.bus.read(self.sensor_id)))
        return self._last[1]

    value = temperature

    def _parse(self, text: str) -> float:
        lines = text.strip().splitlines()
        if len(lines) != 2 or not lines[0].endswith("YES") or "t=" not in lines[1]:
            raise DeviceFailed(
                f"{self.describe()} sent a garbled reading ({text.strip()!r})",
                hint="check the data wire and the 4.7 kΩ pull-up resistor",
            )
        try:
            celsius = int(lines[1].rsplit("t=", 1)[1]) / 1000
        except ValueError as exc:
            raise DeviceFailed(f"{self.describe()} sent a garbled reading ({text.strip()!r})",
                               hint="check the data wire") from exc
        if celsius == POWER_ON_RESET:
            raise DeviceFailed(f"{self.describe()} reads 85 °C, its power-on value",
                               hint="check the sensor's power (VDD) wire")
        return celsius
