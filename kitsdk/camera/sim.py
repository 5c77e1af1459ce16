"""The simulated camera: a scene, lit by the simulated kit's light, turned like the real one.

It meets the same contract as the real camera (``source.FrameSource``): same shapes, same
dtype, same flips and rotation, so a lesson cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exc import BadValue
from .scenes import Scene, scene_from

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .settings import CameraSettings
    from .source import Frame

#: Where the light level comes from: 0 (dark) to 1 (bright), or None for "as drawn".
LightLevel = Callable[[], float | None]


class SimSource:
    """Frames of a scene, numbered from 0; ``light`` makes them darker or brighter.

    A light level of 0.5 (a simulated kit's default) shows the scene as drawn, 0 is black,
    and 1 twice as bright.
    """

    def __init__(self, settings: CameraSettings, scene: Any = "test_card", *,
                 light: LightLevel | None = None, device: str = "camera") -> None:
        self.settings = settings
        self.size = settings.size
        self.scene: Scene = scene_from(scene, device)
        self.index = 0
        self._light = light
        self._curve: tuple[float, NDArray[np.uint8]] | None = None

    def read(self) -> Frame:
        width, height = self.size
        frame = self.scene.render(self.index, width, height)
        self.index += 1
        if frame.shape != (height, width, 3) or frame.dtype != np.uint8:
            raise BadValue(f"scene {self.scene.name!r} drew a {frame.dtype} picture of shape "
                           f"{frame.shape}, not ({height}, {width}, 3) uint8",
                           hint="a scene's render() returns RGB bytes at the camera's size")
        hflip, vflip = self.settings.flips
        frame = frame[::-1 if vflip else 1, ::-1 if hflip else 1]
        level = self._light() if self._light is not None else None
        if level is not None and level != 0.5:
            return self._lighting(2 * level)[frame]
        return frame if frame.flags.writeable and frame.flags.c_contiguous else frame.copy()

    def close(self) -> None:
        """Nothing to let go of: a simulated camera holds no hardware."""

    def _lighting(self, gain: float) -> NDArray[np.uint8]:
        """A lookup table that multiplies every value by ``gain`` (kept while the light stays)."""
        if self._curve is None or self._curve[0] != gain:
            table = np.clip(np.arange(256) * gain, 0, 255).astype(np.uint8)
            self._curve = (gain, table)
        return self._curve[1]
