"""Looking at pictures for lessons: colours with names, brightness, and motion.

Every function takes a frame (numpy, shape (height, width, 3), RGB, 0 to 255) so lessons can
use them on any picture, not only the camera's. Work is done on a thinned-out copy of the
frame (about 20,000 pixels): the answers are the same to a student and the Pi stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple

import numpy as np

from ..exc import BadValue

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from .source import Frame

#: Names a colour can have, and a clear example of each (simulated colour cards use these).
COLOURS: Final[dict[str, tuple[int, int, int]]] = {
    "black": (20, 20, 20),
    "grey": (128, 128, 128),
    "white": (240, 240, 240),
    "red": (220, 30, 30),
    "orange": (240, 140, 20),
    "yellow": (235, 220, 40),
    "green": (40, 180, 60),
    "cyan": (40, 200, 210),
    "blue": (40, 70, 220),
    "purple": (150, 50, 200),
    "pink": (240, 100, 170),
}
NAMES: Final = tuple(COLOURS)

# Hue (degrees) where each coloured name ends; red wraps round past 345.
_HUE_EDGES: Final = np.array([15, 40, 70, 165, 195, 260, 320, 345])
_HUE_NAMES: Final = np.array([NAMES.index(n) for n in
                              ("red", "orange", "yellow", "green", "cyan", "blue", "purple",
                               "pink", "red")])
_DARK: Final = 0.2  # value below which anything looks black
_PALE: Final = 0.25  # saturation below which a colour looks grey (or white, or black)
_LIGHT: Final = 0.8  # value above which a pale colour looks white
_SAMPLE: Final = 20_000  # pixels looked at for whole-picture answers
_NOISE: Final = 25  # levels (of 255) a pixel must change by to count as moved
_LUMA: Final = np.array([0.299, 0.587, 0.114])


class Colour(NamedTuple):
    """A colour as red, green and blue (0 to 255), with the everyday name it is closest to.

    ::

        r, g, b = kit.camera.colour_at(320, 240)
        print(kit.camera.colour_at(320, 240).name)   # "red"
    """

    r: int
    g: int
    b: int

    @property
    def name(self) -> str:
        """``"red"``, ``"green"`` ...: one of :data:`NAMES`."""
        return NAMES[int(name_indices(np.array([self], dtype=np.uint8))[0])]

    def __repr__(self) -> str:
        return f"Colour(r={self.r}, g={self.g}, b={self.b}, name={self.name!r})"


def name_indices(pixels: NDArray[np.uint8]) -> NDArray[np.intp]:
    """The index in :data:`NAMES` of each pixel of ``pixels`` (shape (n, 3))."""
    p = pixels.astype(np.int32)
    r, g, b = p[:, 0], p[:, 1], p[:, 2]
    high, low = p.max(axis=1), p.min(axis=1)
    spread = np.maximum(high - low, 1)  # avoids dividing by zero; grey pixels are pale anyway
    hue = np.where(high == r, (g - b) / spread % 6,
                   np.where(high == g, (b - r) / spread + 2, (r - g) / spread + 4)) * 60
    value = high / 255
    saturation = (high - low) / np.maximum(high, 1)
    coloured = _HUE_NAMES[np.searchsorted(_HUE_EDGES, hue, side="right")]
    pale = np.where(value > _LIGHT, NAMES.index("white"), NAMES.index("grey"))
    named = np.where(saturation < _PALE, pale, coloured)
    return np.where(value < _DARK, NAMES.index("black"), named).astype(np.intp)


def sample(frame: Frame) -> NDArray[np.uint8]:
    """About :data:`_SAMPLE` evenly spread pixels of ``frame``, as shape (n, 3)."""
    height, width = frame.shape[:2]
    step = max(1, int((height * width / _SAMPLE) ** 0.5))
    return frame[::step, ::step].reshape(-1, 3)


def brightness(frame: Frame) -> float:
    """How bright the picture is on average: 0 is black, 1 is white."""
    return float(sample(frame).mean(axis=0) @ _LUMA / 255)


def colour_at(frame: Frame, x: int, y: int) -> Colour:
    """The colour at pixel (x, y), averaged over the 5x5 pixels round it to ignore noise."""
    height, width = frame.shape[:2]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
    if not (numbers and 0 <= x < width and 0 <= y < height):
        raise BadValue(f"colour_at({x!r}, {y!r}) is outside the {width}x{height} picture",
                       hint=f"x goes from 0 (left) to {width - 1}, y from 0 (top) to {height - 1}")
    x, y = int(x), int(y)
    patch = frame[max(0, y - 2):y + 3, max(0, x - 2):x + 3].reshape(-1, 3)
    return _colour(patch.mean(axis=0))


def dominant_colour(frame: Frame) -> Colour:
    """The colour most of the picture has: the average of the pixels with the commonest name."""
    pixels = sample(frame)
    names = name_indices(pixels)
    commonest = int(np.bincount(names, minlength=len(NAMES)).argmax())
    return _colour(pixels[names == commonest].mean(axis=0))


def thumbnail(frame: Frame) -> NDArray[np.int16]:
    """A small copy of ``frame`` for comparing pictures (motion)."""
    step = max(1, frame.shape[1] // 160)
    small: NDArray[np.int16] = frame[::step, ::step].astype(np.int16)
    return small


def changed(before: NDArray[np.int16], after: NDArray[np.int16]) -> float:
    """The fraction (0 to 1) of pixels whose colour clearly changed between two thumbnails.

    Colour, not only lightness, counts: a red ball in front of a blue wall is motion even
    where both are equally bright.
    """
    if before.shape != after.shape:
        return 1.0
    moved = (np.abs(after - before) > _NOISE).any(axis=2)
    return float(np.count_nonzero(moved) / moved.size)


def _colour(mean: NDArray[np.float64]) -> Colour:
    r, g, b = (int(round(float(c))) for c in mean)
    return Colour(r, g, b)
