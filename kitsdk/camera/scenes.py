"""What the simulated camera sees: drawn scenes, colour cards, or a folder of pictures.

Scenes are deterministic: picture number ``index`` is always the same, so a test or a lesson
check sees exactly what the student's script saw. Each is chosen by a name::

    kit.camera.sim_scene = "ball"           # a red ball bouncing left and right
    kit.camera.sim_scene = "red"            # a red card held up to the camera
    kit.camera.sim_scene = "my_photos"      # the pictures in a folder, one per frame
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np

from ..exc import BadValue
from .vision import COLOURS

if TYPE_CHECKING:
    from .source import Frame

#: The eight bars of a television test card, left to right.
BARS: Final = ("white", "yellow", "cyan", "green", "purple", "red", "blue", "black")
#: The colour patches, row by row.
PATCHES: Final = (("red", "green", "blue"), ("yellow", "white", "black"))
PICTURE_SUFFIXES: Final = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"})
#: Frames the ball takes to cross the picture once.
BALL_CROSSING: Final = 24
#: Pictures of a folder scene kept decoded at once.
FOLDER_CACHE: Final = 16

_BAR_RGB: Final = {**COLOURS, "white": (255, 255, 255), "black": (0, 0, 0),
                   "purple": (255, 0, 255), "red": (255, 0, 0), "green": (0, 255, 0),
                   "blue": (0, 0, 255), "yellow": (255, 255, 0), "cyan": (0, 255, 255)}
_BALL_BACKGROUND: Final = (60, 110, 170)


class Scene(Protocol):
    """Something the simulated camera can look at."""

    #: How ``kit.camera.sim_scene`` reports it.
    name: str

    def render(self, index: int, width: int, height: int) -> Frame:
        """Picture number ``index``: a new array, or a shared read-only one to be copied."""
        ...


class _Drawn:
    """A scene drawn once for the camera's size (moving scenes draw on a copy of it)."""

    name = ""

    def __init__(self) -> None:
        self._drawn: tuple[tuple[int, int], Frame] | None = None

    def render(self, index: int, width: int, height: int) -> Frame:
        if self._drawn is None or self._drawn[0] != (width, height):
            frame = self.draw(width, height)
            frame.flags.writeable = False
            self._drawn = ((width, height), frame)
        return self._drawn[1]

    def draw(self, width: int, height: int) -> Frame:
        raise NotImplementedError


class TestCard(_Drawn):
    """Eight colour bars over a grey ramp (dark at the left): flips and rotations show."""

    name = "test_card"

    def draw(self, width: int, height: int) -> Frame:
        frame = np.empty((height, width, 3), np.uint8)
        bars = np.array([_BAR_RGB[c] for c in BARS], np.uint8)
        top = height * 3 // 4
        frame[:top] = bars[np.arange(width) * len(BARS) // width]
        ramp = (np.arange(width) * 255 // max(width - 1, 1)).astype(np.uint8)
        frame[top:] = ramp[:, None]
        return frame


class Patches(_Drawn):
    """Six colour patches in two rows: red, green, blue over yellow, white, black."""

    name = "patches"

    def draw(self, width: int, height: int) -> Frame:
        grid = np.array([[COLOURS[c] for c in row] for row in PATCHES], np.uint8)
        rows = np.arange(height) * len(PATCHES) // height
        cols = np.arange(width) * len(PATCHES[0]) // width
        return np.ascontiguousarray(grid[rows[:, None], cols[None, :]])


class Card(_Drawn):
    """A card of one colour held up to the camera: it fills the middle 80% of the picture."""

    def __init__(self, colour: str) -> None:
        super().__init__()
        self.name = colour

    def draw(self, width: int, height: int) -> Frame:
        frame = np.full((height, width, 3), COLOURS["grey"], np.uint8)
        frame[height // 10:height - height // 10, width // 10:width - width // 10] = \
            COLOURS[self.name]
        return frame


class Ball(_Drawn):
    """A red ball bouncing left and right across a blue wall, crossing in 24 frames."""

    name = "ball"

    def draw(self, width: int, height: int) -> Frame:
        return np.full((height, width, 3), _BALL_BACKGROUND, np.uint8)

    def render(self, index: int, width: int, height: int) -> Frame:
        frame = super().render(index, width, height).copy()
        radius = max(1, min(width, height) // 6)  # so the ball always fits in the picture
        across = np.arange(-radius, radius + 1) ** 2
        disc = across[:, None] + across[None, :] <= radius**2
        phase = index % (2 * BALL_CROSSING) / BALL_CROSSING  # 0 -> 1 (right) -> 2 (left again)
        x = radius + round((width - 2 * radius - 1) * (1 - abs(phase - 1)))
        y = height // 2
        frame[y - radius:y + radius + 1, x - radius:x + radius + 1][disc] = COLOURS["red"]
        return frame


class Folder:
    """The pictures in a folder (sorted by name), one per frame, round and round."""

    def __init__(self, path: Path) -> None:
        self.name = str(path)
        self.files = sorted(p for p in path.iterdir() if p.suffix.lower() in PICTURE_SUFFIXES)
        if not self.files:
            raise BadValue(f"the folder {path} has no pictures for the simulated camera",
                           hint="put .jpg or .png files in it")
        self._decoded: dict[tuple[int, int, int], Frame] = {}

    def render(self, index: int, width: int, height: int) -> Frame:
        number = index % len(self.files)
        key = (number, width, height)
        if key not in self._decoded:
            if len(self._decoded) >= FOLDER_CACHE:
                del self._decoded[next(iter(self._decoded))]
            self._decoded[key] = self._load(self.files[number], width, height)
        return self._decoded[key]

    @staticmethod
    def _load(path: Path, width: int, height: int) -> Frame:
        from PIL import Image, ImageOps, UnidentifiedImageError

        try:
            with Image.open(path) as image:
                fitted = ImageOps.fit(image.convert("RGB"), (width, height))
        except (OSError, UnidentifiedImageError) as exc:
            raise BadValue(f"{path} is not a picture the simulated camera can read: {exc}",
                           hint="use .jpg or .png files") from exc
        frame = np.asarray(fitted, dtype=np.uint8)
        frame.flags.writeable = False
        return frame


#: Scenes by name (colour names are cards, anything else a folder).
SCENES: Final = {"test_card": TestCard, "ball": Ball, "patches": Patches}


def scene_from(value: Any, device: str = "camera") -> Scene:
    """The scene ``value`` names: a scene name, a colour name, a folder, or a ``Scene``."""
    if not isinstance(value, str | os.PathLike):
        if callable(getattr(value, "render", None)):
            return value  # type: ignore[no-any-return]
        raise BadValue(f"{device}: sim_scene must be a name or a folder, got {value!r}")
    text = os.fspath(value)
    if text in SCENES:
        return SCENES[text]()
    if text in COLOURS:
        return Card(text)
    path = Path(text).expanduser()
    if path.is_dir():
        return Folder(path)
    close = difflib.get_close_matches(text, [*SCENES, *COLOURS], n=1)
    raise BadValue(
        f"{device}: sim_scene {text!r} is not a scene, a colour or a folder"
        + (f": did you mean {close[0]!r}?" if close else ""),
        hint="scenes: " + ", ".join(SCENES) + "; colour cards: " + ", ".join(COLOURS)
        + "; or a folder of .jpg/.png pictures",
    )
