"""The picamera2 adapter, with pytest-mock standing in for ``Picamera2``.

Every path must leave the camera stopped and closed: a clean close, a failed configure or
start, a failed capture, a failing stop. Errors must say what happened in a student's words.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pytest_mock import MockerFixture

from kitsdk import BackendUnavailable, DeviceFailed, NotSimulated
from kitsdk.build import BuildEnv
from kitsdk.camera.picam import (
    Picamera2Api,
    PicameraSource,
    camera_users,
    configuration,
    diagnose,
    load_api,
    total_memory_mb,
)
from kitsdk.camera.settings import CameraSettings, buffers_for, parse_resolution
from kitsdk.devices.camera import Camera
from kitsdk.profile import DeviceSpec, parse_profile

PI_ZERO_2_MB = 416  # MemTotal of a Pi Zero 2 W (512 MB, less the firmware's share)
PI_4_MB = 3796
OPENED = ["create_video_configuration", "configure", "start", "camera_configuration"]


@pytest.fixture
def api(mocker: MockerFixture) -> Picamera2Api:
    """A stand-in for picamera2 with one camera attached, delivering 640x480 frames."""
    picamera2 = mocker.MagicMock(name="Picamera2")
    picamera2.global_camera_info.return_value = [{"Model": "imx708", "Num": 0}]
    camera = picamera2.return_value
    camera.create_video_configuration.side_effect = lambda **kw: {"made_from": kw}
    camera.camera_configuration.return_value = {"main": {"size": (640, 480)}}
    camera.capture_array.return_value = np.full((480, 640, 3), 200, np.uint8)
    return Picamera2Api(picamera2, mocker.MagicMock(name="Transform"))


@pytest.fixture
def fake_proc(tmp_path: Path) -> Callable[..., Path]:
    """A /proc with given processes holding given device files, and a meminfo."""
    root = tmp_path / "proc"
    root.mkdir()
    (root / "meminfo").write_text(f"MemTotal:       {PI_4_MB * 1024} kB\nMemFree: 1 kB\n")

    def add(pid: int, command: str, *devices: str) -> Path:
        fd = root / str(pid) / "fd"
        fd.mkdir(parents=True)
        (root / str(pid) / "cmdline").write_bytes(command.replace(" ", "\0").encode() + b"\0")
        for number, device in enumerate(devices):
            (fd / str(number)).symlink_to(device)
        return root

    return add


def calls(api: Picamera2Api) -> list[str]:
    """The names of the methods called on the camera, in order."""
    return [call[0] for call in api.Picamera2.return_value.method_calls]


def source(api: Picamera2Api, memory_mb: int = PI_4_MB, **settings: Any) -> PicameraSource:
    return PicameraSource(CameraSettings(**settings), device="Camera 'camera'", api=api,
                          memory_mb=memory_mb)


def nested(outer: str, inner: BaseException) -> RuntimeError:
    """An error raised while handling ``inner``, as picamera2's __init__ raises them."""
    try:
        raise inner
    except BaseException:
        try:
            raise RuntimeError(outer)  # picamera2 raises its own error like this
        except RuntimeError as exc:
            return exc


# -- the happy path -----------------------------------------------------------------------
def test_it_configures_starts_captures_stops_and_closes(api: Picamera2Api) -> None:
    camera = source(api)
    assert calls(api) == OPENED
    frame = camera.read()
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    api.Picamera2.return_value.capture_array.assert_called_once_with("main")
    camera.close()
    camera.close()
    assert calls(api) == [*OPENED, "capture_array", "stop", "close"]
    configured = api.Picamera2.return_value.configure.call_args.args[0]
    assert configured == {"made_from": api.Picamera2.return_value
                          .create_video_configuration.call_args.kwargs}


def test_the_configuration_asks_for_rgb_at_the_size_and_framerate(api: Picamera2Api) -> None:
    settings = CameraSettings(1280, 720, rotation=180, hflip=True, framerate=25.0)
    made = configuration(settings, api, buffer_count=4)
    assert made["main"] == {"size": (1280, 720), "format": "BGR888"}
    assert made["buffer_count"] == 4
    assert made["controls"] == {"FrameDurationLimits": (40_000, 40_000)}
    api.Transform.assert_called_once_with(hflip=False, vflip=True)  # 180° then mirrored
    assert made["transform"] is api.Transform.return_value


@pytest.mark.parametrize(("memory_mb", "asked", "used"), [
    (PI_ZERO_2_MB, 0, 2),  # Pi Zero 2 W: 2 buffers keep 512 MB of camera memory enough
    (PI_4_MB, 0, 4),
    (PI_ZERO_2_MB, 3, 3),  # a profile's buffer_count wins
])
def test_buffer_count_suits_the_pi(api: Picamera2Api, memory_mb: int, asked: int,
                                   used: int) -> None:
    camera = source(api, memory_mb=memory_mb, buffer_count=asked)
    kwargs = api.Picamera2.return_value.create_video_configuration.call_args.kwargs
    assert camera.buffer_count == kwargs["buffer_count"] == used
    camera.close()


def test_buffers_for_a_pi_zero_2_and_unknown_pis() -> None:
    assert buffers_for(PI_ZERO_2_MB) == 2
    assert buffers_for(PI_4_MB) == buffers_for(None) == 4


def test_the_memory_comes_from_meminfo(fake_proc: Callable[..., Path], tmp_path: Path) -> None:
    proc = fake_proc(1, "init")
    assert total_memory_mb(proc) == PI_4_MB
    assert total_memory_mb(tmp_path / "nowhere") is None


def test_the_camera_reports_the_size_it_was_given(api: Picamera2Api) -> None:
    api.Picamera2.return_value.camera_configuration.return_value = {"main": {"size": (638, 480)}}
    camera = source(api)
    assert camera.size == (638, 480)
    camera.close()


# -- every failure leaves the camera stopped and closed -----------------------------------
@pytest.mark.parametrize("step", ["create_video_configuration", "configure", "start",
                                  "camera_configuration"])
def test_a_failed_start_releases_the_camera(api: Picamera2Api, step: str) -> None:
    getattr(api.Picamera2.return_value, step).side_effect = \
        OSError(errno.ENOMEM, "Cannot allocate memory")
    with pytest.raises(DeviceFailed, match="ran out of camera memory at 1920x1080") as error:
        source(api, memory_mb=PI_ZERO_2_MB, width=1920, height=1080)
    assert calls(api)[-2:] == ["stop", "close"]
    assert "resolution = \"640x480\"" in error.value.hint and "512 MB" in error.value.hint
    assert isinstance(error.value.__cause__, OSError)


def test_ctrl_c_while_starting_releases_the_camera(api: Picamera2Api) -> None:
    api.Picamera2.return_value.start.side_effect = KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        source(api)
    assert calls(api)[-2:] == ["stop", "close"]


def test_out_of_memory_in_words_is_recognised(api: Picamera2Api) -> None:
    api.Picamera2.return_value.start.side_effect = \
        RuntimeError("Failed to start camera: Cannot allocate memory")
    with pytest.raises(DeviceFailed, match="ran out of camera memory") as error:
        source(api)
    assert "512 MB" not in error.value.hint
    assert calls(api)[-2:] == ["stop", "close"]


def test_a_failed_close_after_a_failed_start_is_noted(api: Picamera2Api) -> None:
    camera = api.Picamera2.return_value
    camera.start.side_effect = RuntimeError("Failed to allocate buffers.")
    camera.close.side_effect = RuntimeError("release failed")
    with pytest.raises(DeviceFailed, match="ran out of camera memory") as error:
        source(api)
    assert any("release failed" in note for note in error.value.__notes__)


def test_a_failed_capture_keeps_the_camera_until_close(api: Picamera2Api) -> None:
    camera = source(api)
    api.Picamera2.return_value.capture_array.side_effect = TimeoutError("frame timed out")
    with pytest.raises(DeviceFailed, match="the camera failed: TimeoutError: frame timed out"):
        camera.read()
    assert "close" not in calls(api)
    camera.close()
    assert calls(api)[-2:] == ["stop", "close"]


def test_a_failing_stop_still_closes(api: Picamera2Api) -> None:
    camera = source(api)
    api.Picamera2.return_value.stop.side_effect = RuntimeError("stop failed")
    with pytest.raises(RuntimeError, match="stop failed"):
        camera.close()
    assert calls(api)[-2:] == ["stop", "close"]
    camera.close()  # already released: nothing more happens
    assert calls(api).count("close") == 1


# -- friendly errors ----------------------------------------------------------------------
def test_no_camera_attached(api: Picamera2Api) -> None:
    api.Picamera2.global_camera_info.return_value = []
    with pytest.raises(DeviceFailed, match="no camera found") as error:
        source(api)
    assert "ribbon cable" in error.value.hint and "rpicam-hello" in error.value.hint
    api.Picamera2.assert_not_called()


def test_no_camera_as_older_picamera2_says_it(api: Picamera2Api) -> None:
    api.Picamera2.side_effect = IndexError("list index out of range")
    with pytest.raises(DeviceFailed, match="no camera found"):
        source(api)


def test_a_busy_camera_names_the_script_that_holds_it(api: Picamera2Api,
                                                      fake_proc: Callable[..., Path]) -> None:
    proc = fake_proc(4242, "python3 old_lesson.py", "/dev/null", "/dev/media2")
    fake_proc(4243, "bash", "/dev/tty1")
    api.Picamera2.side_effect = nested("Camera __init__ sequence did not complete.",
                                       RuntimeError("Failed to acquire camera: Device or "
                                                    "resource busy"))
    with pytest.raises(DeviceFailed, match="busy") as error:
        PicameraSource(CameraSettings(), api=api, memory_mb=PI_4_MB, proc=proc)
    assert "python3 old_lesson.py (process 4242)" in str(error.value)
    assert "Ctrl+C" in error.value.hint


def test_a_camera_this_script_holds_says_so(api: Picamera2Api,
                                            fake_proc: Callable[..., Path]) -> None:
    proc = fake_proc(os.getpid(), "python3 me.py", "/dev/video0")
    api.Picamera2.side_effect = RuntimeError("camera.acquire() returned unexpected code: -16")
    with pytest.raises(DeviceFailed, match="this script has already opened it"):
        PicameraSource(CameraSettings(), api=api, memory_mb=PI_4_MB, proc=proc)


def test_a_busy_camera_with_no_holder_in_sight(api: Picamera2Api, tmp_path: Path) -> None:
    api.Picamera2.side_effect = RuntimeError("Pipeline handler in use by another process")
    with pytest.raises(DeviceFailed, match="another script is probably still running"):
        PicameraSource(CameraSettings(), api=api, memory_mb=PI_4_MB, proc=tmp_path)


def test_camera_users_skips_what_it_cannot_read(fake_proc: Callable[..., Path]) -> None:
    proc = fake_proc(10, "libcamera-app", "/dev/video19", "/dev/media0")
    (proc / "11").mkdir()  # a process that ended while we looked: no fd folder
    assert camera_users(proc) == {10: "libcamera-app"}


@pytest.mark.parametrize(("error", "kind"), [
    (OSError(errno.ENOMEM, "x"), "memory"),
    (nested("Camera __init__ sequence did not complete.", RuntimeError("Camera(s) not found")),
     "missing"),
    (RuntimeError("Failed to acquire camera: Device or resource busy"), "busy"),
    (ValueError("something else"), None),
])
def test_diagnose_reads_the_whole_chain(error: BaseException, kind: str | None) -> None:
    assert diagnose(error) == kind


def test_picamera2_missing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "picamera2", None)
    with pytest.raises(BackendUnavailable, match="needs picamera2") as error:
        load_api()
    assert "sudo apt install python3-picamera2" in error.value.hint
    assert "--system-site-packages" in error.value.hint


# -- through the Camera device ------------------------------------------------------------
def test_a_real_camera_device_captures_and_releases(api: Picamera2Api) -> None:
    camera = Camera(backend="real", picamera2=api, resolution="640x480")
    assert not camera.simulated and camera.resolution == (640, 480)
    assert camera.brightness() == pytest.approx(200 / 255)
    assert repr(camera) == "<Camera 'camera' 640x480, picamera2>"
    with pytest.raises(NotSimulated):
        camera.sim_scene = "ball"
    camera.close()
    assert calls(api)[-2:] == ["stop", "close"]


def test_a_forgotten_camera_is_released_when_collected(api: Picamera2Api) -> None:
    Camera(backend="real", picamera2=api)
    gc.collect()
    assert calls(api)[-2:] == ["stop", "close"]


def test_a_camera_that_fails_to_start_leaves_nothing_open(api: Picamera2Api) -> None:
    api.Picamera2.return_value.start.side_effect = RuntimeError("Failed to start camera: boom")
    with pytest.raises(DeviceFailed, match="the camera failed"):
        Camera(backend="real", picamera2=api)
    gc.collect()
    assert calls(api).count("close") == 1


def test_a_kit_on_a_custom_pin_factory_gets_the_camera_kitsdk_backend_picks() -> None:
    # Kit(pin_factory=MockFactory()) has no simulator; off a Pi the camera is still simulated.
    profile = parse_profile('[devices.camera]\ndriver = "camera"\n', "test")
    spec: DeviceSpec = profile.devices["camera"]
    camera = Camera.from_profile(spec, BuildEnv(pin_factory=None, sim=None, profile=profile))
    try:
        assert camera.simulated
    finally:
        camera.close()


def test_parse_resolution_accepts_common_spellings() -> None:
    assert parse_resolution("640x480") == parse_resolution(" 640 X 480 ") == (640, 480)
    assert parse_resolution("1920×1080") == (1920, 1080)
