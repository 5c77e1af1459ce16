"""1-wire buses: the contract a 1-wire driver reads through, on a Pi and in simulation.

A bus lists its sensors and returns what the kernel's ``w1_slave`` file says for one of
them; drivers parse that text, so the simulated bus exercises the same parser as the Pi.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..exc import DeviceFailed


class OneWireBus(Protocol):
    def sensors(self, family: str) -> list[str]:
        """Ids of the sensors of a family (``"28"`` for DS18B20) on the bus."""
        ...

    def read(self, sensor_id: str) -> str:
        """The sensor's ``w1_slave`` text: a CRC line, then a line ending ``t=21375``."""
        ...


class SysfsOneWire:
    """The Pi's 1-wire bus through the kernel (``dtoverlay=w1-gpio`` in config.txt)."""

    def __init__(self, root: str | Path = "/sys/bus/w1/devices") -> None:
        self.root = Path(root)

    def sensors(self, family: str) -> list[str]:
        if not self.root.is_dir():
            raise DeviceFailed(
                f"there is no 1-wire bus at {self.root}",
                hint="add 'dtoverlay=w1-gpio' to /boot/firmware/config.txt and reboot",
            )
        return sorted(p.name for p in self.root.glob(f"{family}-*"))

    def read(self, sensor_id: str) -> str:
        try:
            return (self.root / sensor_id / "w1_slave").read_text()
        except OSError as exc:
            raise DeviceFailed(f"1-wire sensor {sensor_id} did not answer: {exc}",
                               hint="check its data wire and the 4.7 kΩ pull-up") from exc


class SimOneWire:
    """One simulated DS18B20 whose temperature comes from a callable."""

    SENSOR_ID = "28-00000000beef"

    def __init__(self, temperature: Callable[[], float]) -> None:
        self._temperature = temperature

    def sensors(self, family: str) -> list[str]:
        return [self.SENSOR_ID] if self.SENSOR_ID.startswith(family + "-") else []

    def read(self, sensor_id: str) -> str:
        millidegrees = round(self._temperature() * 1000)
        raw = (millidegrees * 16 // 1000) & 0xFFFF
        data = f"{raw & 0xFF:02x} {raw >> 8:02x} 4b 46 7f ff 0c 10 1c"
        return f"{data} : crc=1c YES\n{data} t={millidegrees}\n"
