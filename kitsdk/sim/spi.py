"""A simulated MCP3008: answers gpiozero's bit-banged SPI with the world's values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gpiozero.pins.mock import MockSPIDevice


class SimMCP3008(MockSPIDevice):
    """The slave side of an MCP3008 on the mock pins; each channel reads a callable (0..1).

    The frame (datasheet figure 6-1, as gpiozero sends it): a start bit, the single-ended
    bit, three channel bits; the chip then clocks out one sample bit, a null bit and ten
    result bits, most significant first.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channels: dict[int, Callable[[], float]] = {}

    def on_bit(self) -> None:
        if 1 not in self.rx_buf:
            return
        start = self.rx_buf.index(1)
        if len(self.rx_buf) == start + 5:
            channel = int("".join(str(int(b)) for b in self.rx_buf[start + 2:start + 5]), 2)
            level = self.channels.get(channel, lambda: 0.0)()
            self.tx_buf = [0, 0]
            self.tx_word(round(min(max(level, 0.0), 1.0) * 1023), 10)
