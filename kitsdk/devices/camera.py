"""The camera: a Raspberry Pi camera module over picamera2, or a simulated one anywhere else.

This module stays light, because ``import kitsdk.devices`` must not load numpy or Pillow: the
picture work lives in :mod:`kitsdk.camera` and is imported when the camera first needs it.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, TextIO, cast

from ..backend import wanted
from ..camera.settings import OPTIONS, CameraSettings
from ..exc import BadValue, DeviceClosed, NotSimulated
from ..options import Option
from ..readings import Channel, Reading
from .base import StandaloneDevice

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from ..build import BuildEnv
    from ..camera.picam import Picamera2Api
    from ..camera.sim import SimSource
    from ..camera.source import Frame, FrameSource
    from ..camera.vision import Colour
    from ..profile import DeviceSpec
    from ..sim.world import SimWorld

#: Seconds ``close()`` waits for a capture in progress before releasing the camera anyway.
RELEASE_WAIT: Final = 2.0

_PHOTO: Final = re.compile(r"photo_(\d+)\.jpg")


class Camera(StandaloneDevice):
    """A Raspberry Pi camera module, for photos, time-lapses and looking at colours and motion.

    Wire it with the Pi switched off: the ribbon cable goes fully into the camera port
    (CAM/DISP 0 on a Pi 5), its contacts facing the port's contacts, latch pressed down, and
    the same at the camera's end. Off a Pi the camera is simulated and sees a test card, a
    bouncing ball, colour cards or a folder of photos (``sim_scene``).

    ::

        kit.camera.capture("photo.jpg")
        if kit.camera.dominant_colour().name == "red":
            kit.red.on()

    :param resolution: the picture's size, ``"WIDTHxHEIGHT"``.
    :param rotation: 0, or 180 if the camera is mounted upside down.
    :param hflip, vflip: mirror the picture left to right, or top to bottom.
    :param framerate: pictures per second the camera delivers.
    :param buffer_count: frame buffers in camera memory; 0 chooses for the Pi (2 on 512 MB).
    :param sim_scene: what a simulated camera sees (see :mod:`kitsdk.camera.scenes`).
    :param sim_light: the simulated input whose level lights the scene (a light sensor's name).
    :param sim_realtime: hold a simulated camera to ``framerate``, like a real one.
    :param backend: ``"sim"`` or ``"real"``; None decides like ``Kit`` (``KITSDK_BACKEND``).
    :param world: the simulated kit's world (``Kit`` passes it), for ``sim_light``.
    :param picamera2: picamera2's classes, to build a real camera on stand-ins (tests).
    """

    options: ClassVar = {
        **OPTIONS,
        "sim_scene": Option(str, "test_card",
                            "what the simulated camera sees: 'test_card', 'ball', 'patches', a "
                            "colour card such as 'red', or a folder of pictures"),
        "sim_light": Option(str, "light", "the simulated light sensor that lights the scene"),
        "sim_realtime": Option(bool, True, "deliver simulated pictures at the framerate, like "
                                           "a real camera; false delivers them at once (tests)"),
    }
    looks = "camera"
    channels = (Channel("brightness", "", "0 (dark) to 1 (bright): the picture's average",
                        low=0, high=1),)

    def look(self) -> dict[str, Any]:
        return {"resolution": [self.settings.width, self.settings.height]}

    def __init__(self, *, resolution: str = "640x480", rotation: int = 0, hflip: bool = False,
                 vflip: bool = False, framerate: float = 30.0, buffer_count: int = 0,
                 sim_scene: Any = "test_card", sim_light: str = "light",
                 sim_realtime: bool = True, backend: str | None = None,
                 world: SimWorld | None = None, picamera2: Picamera2Api | None = None,
                 name: str | None = None) -> None:
        super().__init__(name=name)
        self.settings = CameraSettings.checked(
            self.describe(), resolution=resolution, rotation=rotation, hflip=hflip, vflip=vflip,
            framerate=framerate, buffer_count=buffer_count)
        choice = backend or wanted()
        if choice not in ("sim", "real"):
            raise BadValue(f"{self.describe()}: backend must be 'sim' or 'real', got {backend!r}")
        self.simulated = choice == "sim"
        #: How much of the picture changed at the last ``motion()`` check, 0 to 1.
        self.motion_level = 0.0
        self._previous: NDArray[np.int16] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._period = 1 / self.settings.framerate if self.simulated and sim_realtime else 0.0
        self._due = 0.0
        self._source = self._open(sim_scene, sim_light, world, picamera2)
        # Releases the camera when this object is closed, collected, or at interpreter exit.
        self._finalizer = weakref.finalize(self, self._source.close)

    @classmethod
    def from_profile(cls, spec: DeviceSpec, env: BuildEnv) -> Camera:
        sim = env.sim
        return cls(name=spec.name, backend=None if sim is None else "sim",
                   world=None if sim is None else sim.world, **spec.options)

    # -- pictures -------------------------------------------------------------------------
    @property
    def resolution(self) -> tuple[int, int]:
        """(width, height) of the pictures, as the camera delivers them."""
        return self._source.size

    def capture_array(self) -> Frame:
        """The picture now: a numpy array of shape (height, width, 3), RGB from 0 to 255."""
        return self._grab()

    def capture(self, path: str | os.PathLike[str] = "photo.jpg", *, quality: int = 90) -> Path:
        """Take a photo and save it; the ending (.jpg, .png) picks the format. Returns the path."""
        from ..camera import jpeg

        return jpeg.save(self._grab(), path, quality)

    def snapshot(self, max_width: int = 320, *, quality: int = 70) -> bytes:
        """A small JPEG of the picture now (for the lab dashboard), at most ``max_width`` wide."""
        from ..camera import jpeg

        return jpeg.encode(self._grab(), quality, max_width)

    def frames(self, *, max_width: int | None = None, quality: int = 80) -> Iterator[bytes]:
        """JPEG pictures one after another while the camera is open (for MJPEG streaming).

        ::

            for picture in kit.camera.frames(max_width=320):
                send(picture)
        """
        from ..camera import jpeg

        jpeg.check_quality(quality)
        self._check_open()
        while True:
            try:
                frame = self._grab()
            except DeviceClosed:  # closed while streaming: the stream simply ends
                return
            yield jpeg.encode(frame, quality, max_width)

    def timelapse(self, folder: str | os.PathLike[str] = "timelapse", every: float = 60.0,
                  count: int = 10, *, progress: TextIO | bool = True) -> list[Path]:
        """Take ``count`` photos, one every ``every`` seconds, into ``folder``.

        Photos are numbered on from those already there (``photo_0001.jpg`` ...), so a second
        time-lapse never overwrites the first. A progress bar shows on the terminal (or on
        ``progress``, a file); closing the camera ends the wait at once.

        ::

            photos = kit.camera.timelapse("seedling", every=600, count=144)   # a day
        """
        from ..camera.progress import ProgressBar

        if isinstance(every, bool) or not isinstance(every, int | float) or every < 0:
            raise BadValue(f"timelapse every={every!r}: expected seconds, 0 or more")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise BadValue(f"timelapse count={count!r}: expected a whole number, 1 or more")
        self._check_open()
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        first = max((int(m[1]) for p in target.iterdir() if (m := _PHOTO.fullmatch(p.name))),
                    default=0) + 1
        stream = (sys.stderr if progress else None) if isinstance(progress, bool) else progress
        bar = ProgressBar(count, stream, f"timelapse {target}") if stream else None
        photos: list[Path] = []
        start = time.monotonic()
        try:
            for i in range(count):
                if self._stopping.wait(max(0.0, start + i * every - time.monotonic())):
                    raise DeviceClosed(
                        f"{self.describe()} was closed during the time-lapse, after {i} of "
                        f"{count} photos", hint=f"the photos taken are in {target}")
                photos.append(self.capture(target / f"photo_{first + i:04d}.jpg"))
                if bar:
                    bar.update(i + 1, photos[-1].name)
        finally:
            if bar:
                bar.end()
        return photos

    # -- looking at pictures (lessons) ----------------------------------------------------
    def brightness(self) -> float:
        """How bright the picture is on average: 0 is black, 1 is white."""
        from ..camera import vision

        return vision.brightness(self._grab())

    def colour_at(self, x: int, y: int) -> Colour:
        """The colour at pixel (x, y), counted from the top left; ``.name`` says it in words."""
        from ..camera import vision

        return vision.colour_at(self._grab(), x, y)

    color_at = colour_at

    def dominant_colour(self) -> Colour:
        """The colour most of the picture has; ``.name`` says it in words (``"red"``)."""
        from ..camera import vision

        return vision.dominant_colour(self._grab())

    dominant_color = dominant_colour

    def motion(self, threshold: float = 0.01) -> bool:
        """True if more than ``threshold`` of the picture (0.01 is 1%) changed since last time.

        The first call compares two pictures in a row. ``motion_level`` keeps the amount.
        """
        from ..camera import vision

        if isinstance(threshold, bool) or not isinstance(threshold, int | float) \
                or not 0 <= threshold < 1:
            raise BadValue(f"motion threshold must be from 0 to 1 (0.01 is 1%), got {threshold!r}")
        if self._previous is None:
            self._previous = vision.thumbnail(self._grab())
        current = vision.thumbnail(self._grab())
        self.motion_level = vision.changed(self._previous, current)
        self._previous = current
        return self.motion_level > threshold

    def read(self) -> dict[str, Reading]:
        return {"brightness": Reading(round(self.brightness(), 3), "")}

    # -- simulation -------------------------------------------------------------------------
    @property
    def sim_scene(self) -> str:
        """What the simulated camera sees; set it to a scene, a colour card or a folder.

        ::

            kit.camera.sim_scene = "ball"
        """
        return self._sim().scene.name

    @sim_scene.setter
    def sim_scene(self, value: Any) -> None:
        from ..camera.scenes import scene_from

        source = self._sim()
        scene = scene_from(value, self.describe())
        with self._lock:
            source.scene, source.index = scene, 0

    # -- lifecycle ------------------------------------------------------------------------
    def _open(self, scene: Any, light: str, world: SimWorld | None,
              api: Picamera2Api | None) -> FrameSource:
        if self.simulated:
            from ..camera.sim import SimSource

            level = None if world is None else _light_level(world, light)
            return SimSource(self.settings, scene, light=level, device=self.describe())
        from ..camera.picam import PicameraSource

        return PicameraSource(self.settings, device=self.describe(), api=api)

    def _grab(self) -> Frame:
        self._check_open()
        with self._lock:
            if self._period:
                self._pace()
            self._check_open()  # closed while this thread waited
            return self._source.read()

    def _pace(self) -> None:
        """Hold a simulated camera to its framerate, as a real one is held by its sensor."""
        now = time.monotonic()
        if now < self._due:
            self._stopping.wait(self._due - now)
            now = time.monotonic()
        self._due = now + self._period

    def _sim(self) -> SimSource:
        self._check_open()
        if not self.simulated:
            raise NotSimulated(f"{self.describe()} is a real camera, so it has no simulated scene",
                               hint="show it something real instead")
        return cast("SimSource", self._source)

    def _release(self) -> None:
        stopping = getattr(self, "_stopping", None)
        if stopping is not None:
            stopping.set()  # wakes a time-lapse or a paced capture at once
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is None:  # half-built: the camera was never opened
            return
        locked = self._lock.acquire(timeout=RELEASE_WAIT)  # let a capture in progress finish
        try:
            finalizer()
        finally:
            if locked:
                self._lock.release()

    def __repr__(self) -> str:
        if self.closed:
            return f"<{self.describe()} (closed)>"
        width, height = self.resolution
        what = f"simulated, scene {self.sim_scene!r}" if self.simulated else "picamera2"
        return f"<{self.describe()} {width}x{height}, {what}>"


def _light_level(world: SimWorld, name: str) -> Callable[[], float | None]:
    """The simulated light level ``name`` (0 to 1), or None while the kit has no such input."""

    def level() -> float | None:
        return float(world.get(name)) if name in world.names() else None

    return level
