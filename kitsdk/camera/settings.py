"""A camera's settings: the profile keys, checked once, before any camera is opened.

The same ``Option`` table serves the profile loader (``kit check``) and scripts that build a
``Camera`` by hand, so both get the same checks and the same words in their errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from ..exc import BadValue
from ..options import Option

#: The largest picture a Raspberry Pi camera module takes (Camera Module 3: 4608x2592,
#: HQ camera: 4056x3040); anything bigger is a typing mistake.
MAX_SIZE: Final = (4656, 3496)
MIN_SIZE: Final = (16, 16)

#: A Pi whose kernel reports less memory than this is a 512 MB board (Pi Zero 2 W,
#: Pi 3 A+, Pi 1): its camera memory (CMA) is small, so it gets fewer frame buffers.
SMALL_PI_MB: Final = 700
SMALL_PI_BUFFERS: Final = 2
BUFFERS: Final = 4

OPTIONS: Final[dict[str, Option]] = {
    "resolution": Option(str, "640x480", "the picture's size as WIDTHxHEIGHT, e.g. '1280x720'"),
    "rotation": Option(int, 0, "180 if the camera is mounted upside down", choices=(0, 180)),
    "hflip": Option(bool, False, "mirror the picture left to right"),
    "vflip": Option(bool, False, "flip the picture top to bottom"),
    "framerate": Option(float, 30.0, "pictures per second the camera delivers", min=1, max=120),
    "buffer_count": Option(
        int, 0,
        "frame buffers in camera memory: 0 picks 2 on a 512 MB Pi (Pi Zero 2 W) and 4 on others",
        min=0, max=8,
    ),
}

_RESOLUTION = re.compile(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*")


@dataclass(frozen=True)
class CameraSettings:
    """Checked camera settings; ``CameraSettings.checked(...)`` builds one from profile keys."""

    width: int = 640
    height: int = 480
    rotation: int = 0
    hflip: bool = False
    vflip: bool = False
    framerate: float = 30.0
    #: 0 lets the backend choose for the Pi it runs on (see ``buffers_for``).
    buffer_count: int = 0

    @classmethod
    def checked(cls, device: str, **values: Any) -> CameraSettings:
        """Check ``values`` (profile keys) like the profile loader does; errors name ``device``."""
        for key, value in values.items():
            _check(device, key, value)
        merged = {key: option.default for key, option in OPTIONS.items()} | values
        width, height = parse_resolution(merged.pop("resolution"), device)
        merged["framerate"] = float(merged["framerate"])
        return cls(width, height, **merged)

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def flips(self) -> tuple[bool, bool]:
        """(horizontal, vertical) mirroring, with a 180° rotation folded in (it is both)."""
        turned = self.rotation == 180
        return (self.hflip != turned, self.vflip != turned)


def parse_resolution(text: str, device: str = "camera") -> tuple[int, int]:
    """``"640x480"`` -> ``(640, 480)``; sizes must be even, as the camera hardware needs."""
    match = _RESOLUTION.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise BadValue(f"{device}: resolution {text!r} is not a size like '640x480'",
                       hint="write the width, an x, then the height: resolution = \"640x480\"")
    width, height = int(match[1]), int(match[2])
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise BadValue(
            f"{device}: resolution {text!r} is outside what a Pi camera takes "
            f"({MIN_SIZE[0]}x{MIN_SIZE[1]} to {MAX_SIZE[0]}x{MAX_SIZE[1]})",
            hint="640x480 is quick, 1280x720 is HD, 1920x1080 is full HD",
        )
    if width % 2 or height % 2:
        raise BadValue(f"{device}: resolution {text!r} has an odd number in it",
                       hint=f"the camera needs even sizes: try {width + width % 2}x"
                            f"{height + height % 2}")
    return width, height


def buffers_for(memory_mb: int | None) -> int:
    """Frame buffers for a Pi with ``memory_mb`` of RAM (None: not known).

    picamera2's video default is 6 buffers, which can exhaust the camera memory (CMA) of a
    512 MB Pi at HD sizes; kitsdk reads frames one at a time, so 2 keep a Pi Zero 2 W
    streaming and 4 leave a larger Pi room for slow readers.
    """
    if memory_mb is not None and memory_mb < SMALL_PI_MB:
        return SMALL_PI_BUFFERS
    return BUFFERS


def _check(device: str, key: str, value: Any) -> None:
    option = OPTIONS.get(key)
    if option is None:
        raise BadValue(f"{device}: the camera has no setting '{key}'",
                       hint="settings: " + ", ".join(OPTIONS))
    kind = option.kind
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and option.choices:
        ok = value in option.choices
    if ok and option.min is not None:
        ok = value >= option.min
    if ok and option.max is not None:
        ok = value <= option.max
    if not ok:
        raise BadValue(f"{device}: {key} must be {option.describe()}, got {value!r}",
                       hint=option.help)
