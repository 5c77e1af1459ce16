"""The real camera: picamera2 on a Raspberry Pi, behind the ``FrameSource`` contract.

picamera2 is imported here only, when a real camera is built: it is not on PyPI (apt ships
it with its libcamera bindings) and it has import-time side effects. Every way it fails is
translated into a :class:`~kitsdk.exc.KitError` that says what to do, and the camera is
stopped and closed on every path: after a failed start, after a failed capture, on close.

The configuration is a video one (a continuous stream, so each ``read()`` takes the newest
frame without restarting the sensor) with ``BGR888`` pixels, which picamera2 lays out in
memory as R, G, B: numpy's RGB order, with no conversion.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ..backend import pi_model
from ..exc import BackendUnavailable, DeviceFailed, KitError
from .settings import SMALL_PI_MB, CameraSettings, buffers_for

if TYPE_CHECKING:
    from .source import Frame

INSTALL_HINT: Final = (
    "on the Pi run: sudo apt install python3-picamera2 (it is not on pip); if your script "
    "runs in a venv, make the venv with: python3 -m venv --system-site-packages ENV"
)

#: Words in picamera2's and libcamera's errors, by what went wrong, in the order checked.
SIGNS: Final = {
    "memory": ("cannot allocate memory", "failed to allocate", "out of memory", "enomem"),
    "busy": ("device or resource busy", "ebusy", "in use by another process",
             "unexpected code: -16", "failed to acquire camera"),
    "missing": ("camera(s) not found", "no cameras", "list index out of range"),
}

_CAMERA_NODE: Final = re.compile(r"/dev/(media|video)\d+")


@dataclass(frozen=True)
class Picamera2Api:
    """The two names kitsdk uses from picamera2 and libcamera; tests pass stand-ins."""

    Picamera2: Any
    Transform: Any


def load_api() -> Picamera2Api:
    """Import picamera2, or say how to install it."""
    try:
        from libcamera import Transform  # comes with picamera2 (python3-libcamera)
        from picamera2 import Picamera2
    except ImportError as exc:
        raise BackendUnavailable(
            f"the camera needs picamera2, which this Python ({sys.executable}) cannot "
            f"import: {exc}",
            hint=INSTALL_HINT,
        ) from exc
    return Picamera2Api(Picamera2, Transform)


def configuration(settings: CameraSettings, api: Picamera2Api, buffer_count: int) -> dict[str, Any]:
    """The keyword arguments for ``Picamera2.create_video_configuration``."""
    hflip, vflip = settings.flips
    frame_time = round(1_000_000 / settings.framerate)  # microseconds, as libcamera counts
    return {
        "main": {"size": settings.size, "format": "BGR888"},
        "transform": api.Transform(hflip=hflip, vflip=vflip),
        "buffer_count": buffer_count,
        "controls": {"FrameDurationLimits": (frame_time, frame_time)},
    }


class PicameraSource:
    """A Raspberry Pi camera module, streaming RGB frames of the configured size.

    :param api: picamera2's classes (``load_api()`` when None; tests pass stand-ins).
    :param memory_mb: the Pi's memory, which picks ``buffer_count`` when the settings say 0.
    :param proc: where to look for processes holding the camera when it is busy.
    """

    def __init__(self, settings: CameraSettings, *, device: str = "camera",
                 api: Picamera2Api | None = None, memory_mb: int | None = None,
                 proc: Path = Path("/proc")) -> None:
        self.settings = settings
        self.device = device
        self.proc = proc
        self.memory_mb = memory_mb if memory_mb is not None else total_memory_mb(proc)
        self.buffer_count = settings.buffer_count or buffers_for(self.memory_mb)
        self._camera: Any = None
        api = api or load_api()
        try:
            if not api.Picamera2.global_camera_info():
                raise RuntimeError("no cameras")  # picamera2 would raise an IndexError
            self._camera = api.Picamera2()
            camera = self._camera
            camera.configure(camera.create_video_configuration(
                **configuration(settings, api, self.buffer_count)))
            camera.start()
            width, height = camera.camera_configuration()["main"]["size"]  # as aligned
            self.size = (int(width), int(height))
        except Exception as exc:
            raise self._failed(exc) from exc
        except BaseException:  # Ctrl+C while the camera starts: release it all the same
            self.close()
            raise

    def read(self) -> Frame:
        if self._camera is None:
            raise DeviceFailed(f"{self.device}: the camera was released")
        try:
            frame: Frame = self._camera.capture_array("main")
        except Exception as exc:
            raise self.explain(exc) from exc
        return frame

    def close(self) -> None:
        """Stop the stream and release the camera, even if stopping fails."""
        camera, self._camera = self._camera, None
        if camera is None:
            return
        try:
            camera.stop()
        finally:
            camera.close()

    def _failed(self, exc: Exception) -> KitError:
        """Release a half-started camera; the error to raise says why it did not start."""
        error = self.explain(exc)
        try:
            self.close()
        except Exception as close_error:  # keep the first failure; note the second
            error.add_note(f"closing the camera afterwards also failed: {close_error!r}")
        return error

    def explain(self, exc: BaseException) -> KitError:
        """What ``exc`` from picamera2 means for a student, and what to try."""
        settings, device = self.settings, self.device
        kind = diagnose(exc)
        if kind == "memory":
            small = self.memory_mb is not None and self.memory_mb < SMALL_PI_MB
            return DeviceFailed(
                f"{device} ran out of camera memory at {settings.resolution} with "
                f"{self.buffer_count} frame buffers",
                hint=("use a lower resolution, e.g. resolution = \"640x480\""
                      + (f"; a {pi_model() or 'Pi'} with 512 MB keeps to 1280x720 or less"
                         if small else "")
                      + "; buffer_count = 2 also saves memory"),
            )
        if kind == "busy":
            return DeviceFailed(f"{device}: the camera is busy: {self._who_has_it()}",
                                hint="stop the other script (Ctrl+C in its window, or Stop in "
                                     "Thonny), then run yours again; a reboot always frees it")
        if kind == "missing":
            return DeviceFailed(
                f"{device}: no camera found on this Pi",
                hint="switch the Pi off, push the ribbon cable fully into the camera port at "
                     "both ends and close the latches, then check with: "
                     "rpicam-hello --list-cameras",
            )
        return DeviceFailed(f"{device}: the camera failed: {type(exc).__name__}: {exc}",
                            hint="check it with: rpicam-hello --list-cameras; reboot if it "
                                 "keeps failing")

    def _who_has_it(self) -> str:
        users = camera_users(self.proc)
        if os.getpid() in users:
            return ("this script has already opened it (a second Camera, or Kit() built "
                    "twice?): use the one you have, or close() it first")
        if users:
            return "it is in use by " + "; ".join(
                f"{command or '?'} (process {pid})" for pid, command in sorted(users.items()))
        return "another script is probably still running and holding it"


def diagnose(exc: BaseException) -> str | None:
    """``"memory"``, ``"busy"``, ``"missing"`` or None, from ``exc`` and the errors behind it."""
    chain = list(_chain(exc))
    if any(isinstance(e, OSError) and e.errno == errno.ENOMEM for e in chain):
        return "memory"
    text = " ".join(str(e) for e in chain).lower()
    return next((kind for kind, words in SIGNS.items() if any(w in text for w in words)), None)


def camera_users(proc: Path = Path("/proc")) -> dict[int, str]:
    """Processes with a camera device open (``/dev/media*``, ``/dev/video*``): pid -> command.

    Best effort: processes of other users cannot be looked into, and are left out.
    """
    users: dict[int, str] = {}
    for entry in proc.glob("[0-9]*"):
        try:
            holds = any(_CAMERA_NODE.fullmatch(os.readlink(fd)) for fd in (entry / "fd").iterdir())
            if holds:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                users[int(entry.name)] = command.decode(errors="replace").strip()
        except OSError:  # the process ended, or is not ours to look at
            continue
    return users


def total_memory_mb(proc: Path = Path("/proc")) -> int | None:
    """The memory the kernel reports (``MemTotal``), in MB; None if it cannot be read."""
    try:
        for line in (proc / "meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__
