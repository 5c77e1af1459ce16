"""The camera device on the simulated backend, built through a profile as a student's kit is."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kitsdk import BadProfile, BadValue, DeviceClosed, Kit, Reading
from kitsdk.camera.scenes import BALL_CROSSING
from kitsdk.camera.vision import COLOURS, Colour
from kitsdk.devices.camera import Camera

PROFILE = """
[devices.camera]
driver = "camera"
{extra}

[devices.light]
driver = "analog_light_sensor"
channel = 0
"""


@pytest.fixture
def kit_with(tmp_path: Path) -> Iterator[Callable[..., Kit]]:
    """Build a simulated kit with a camera (160x120, unpaced) and a light sensor."""
    kits: list[Kit] = []

    def build(**options: object) -> Kit:
        options = {"resolution": "160x120", "sim_realtime": False, **options}
        extra = "\n".join(f"{key} = {_toml(value)}" for key, value in options.items())
        path = tmp_path / f"kit{len(kits)}.toml"
        path.write_text(PROFILE.format(extra=extra))
        kits.append(Kit(path, backend="sim"))
        return kits[-1]

    yield build
    for kit in kits:
        kit.close()


@pytest.fixture
def kit(kit_with: Callable[..., Kit]) -> Kit:
    return kit_with()


@pytest.fixture
def make_camera() -> Iterator[Callable[..., Camera]]:
    """Hand-built simulated cameras (unpaced unless asked), closed after the test."""
    cameras: list[Camera] = []

    def build(**options: object) -> Camera:
        options = {"backend": "sim", "sim_realtime": False, **options}
        cameras.append(Camera(**options))  # type: ignore[arg-type]
        return cameras[-1]

    yield build
    for camera in cameras:
        camera.close()


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


# -- pictures ---------------------------------------------------------------------------
def test_frames_are_fresh_rgb_arrays_of_the_configured_size(kit: Kit) -> None:
    frame = kit.camera.capture_array()
    assert frame.shape == (120, 160, 3)
    assert frame.dtype == np.uint8
    assert frame.flags.writeable and frame.flags.c_contiguous
    frame[:] = 0  # the student's copy: the next picture is untouched
    assert kit.camera.capture_array().any()
    assert kit.camera.resolution == (160, 120)


@pytest.mark.parametrize("resolution", ["160x120", "64x480", "640x64"])
def test_the_ball_bounces_the_same_way_every_time(make_camera: Callable[..., Camera],
                                                  resolution: str) -> None:
    one, two = (make_camera(sim_scene="ball", resolution=resolution) for _ in range(2))
    width, height = one.resolution
    spans = []
    for _ in range(2 * BALL_CROSSING + 1):
        frame = one.capture_array()
        assert np.array_equal(frame, two.capture_array())
        red = np.flatnonzero((frame == COLOURS["red"]).all(axis=2).any(axis=0))
        spans.append((int(red[0]), int(red[-1])))
    diameter = 2 * (min(width, height) // 6)
    assert spans[0] == spans[-1] == (0, diameter)  # whole, at the left edge
    assert spans[BALL_CROSSING] == (width - 1 - diameter, width - 1)  # whole, at the right


@pytest.mark.parametrize(("options", "flip"), [
    ({"hflip": True}, (slice(None), slice(None, None, -1))),
    ({"vflip": True}, (slice(None, None, -1), slice(None))),
    ({"rotation": 180}, (slice(None, None, -1), slice(None, None, -1))),
    ({"rotation": 180, "hflip": True}, (slice(None, None, -1), slice(None))),
])
def test_flips_and_rotation_turn_the_picture(make_camera: Callable[..., Camera],
                                             options: dict[str, object],
                                             flip: tuple[slice, slice]) -> None:
    upright = make_camera().capture_array()
    assert np.array_equal(make_camera(**options).capture_array(), upright[flip])


def test_capture_saves_a_jpeg_or_png_of_the_picture(kit: Kit, tmp_path: Path) -> None:
    path = kit.camera.capture(tmp_path / "photo.jpg")
    assert path == tmp_path / "photo.jpg"
    with Image.open(path) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (160, 120), "RGB")
    exact = kit.camera.capture(tmp_path / "exact.png")
    with Image.open(exact) as image:
        assert np.array_equal(np.asarray(image), kit.camera.capture_array())


@pytest.mark.parametrize(("path", "words"), [
    ("photo.txt", "unknown file ending"),
    ("no_such_folder/photo.jpg", "does not exist"),
])
def test_capture_names_a_bad_path(kit: Kit, tmp_path: Path, path: str, words: str) -> None:
    with pytest.raises(BadValue, match=words):
        kit.camera.capture(tmp_path / path)


def test_capture_rejects_a_bad_quality(kit: Kit, tmp_path: Path) -> None:
    with pytest.raises(BadValue, match="1 to 95"):
        kit.camera.capture(tmp_path / "photo.jpg", quality=100)


def test_snapshot_is_a_small_jpeg(make_camera: Callable[..., Camera]) -> None:
    camera = make_camera(resolution="640x480")
    data = camera.snapshot()
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))
    with Image.open(io.BytesIO(camera.snapshot(max_width=200))) as image:
        assert image.size == (200, 150)
    with Image.open(io.BytesIO(camera.snapshot(max_width=1000))) as image:
        assert image.size == (640, 480)
    with pytest.raises(BadValue, match="max_width"):
        camera.snapshot(max_width=0)


def test_frames_stream_jpegs_until_the_camera_closes(make_camera: Callable[..., Camera]) -> None:
    camera = make_camera()
    stream = camera.frames(max_width=80)
    pictures = list(itertools.islice(stream, 3))
    assert len(pictures) == 3
    for picture in pictures:
        with Image.open(io.BytesIO(picture)) as image:
            assert (image.format, image.size) == ("JPEG", (80, 60))
    camera.close()
    assert next(stream, None) is None
    with pytest.raises(DeviceClosed):
        next(camera.frames())


# -- time-lapse -------------------------------------------------------------------------
def test_timelapse_numbers_on_and_reports_progress(kit: Kit, tmp_path: Path) -> None:
    log = io.StringIO()
    first = kit.camera.timelapse(tmp_path / "plant", every=0, count=3, progress=log)
    assert [p.name for p in first] == ["photo_0001.jpg", "photo_0002.jpg", "photo_0003.jpg"]
    assert all(p.is_file() for p in first)
    assert log.getvalue().splitlines()[-1] == f"timelapse {tmp_path / 'plant'}: 3/3 photo_0003.jpg"
    second = kit.camera.timelapse(tmp_path / "plant", every=0, count=2, progress=False)
    assert [p.name for p in second] == ["photo_0004.jpg", "photo_0005.jpg"]


def test_timelapse_redraws_one_line_on_a_terminal(kit: Kit, tmp_path: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    kit.camera.timelapse(tmp_path, every=0, count=2, progress=terminal)
    text = terminal.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
    assert "[########################] 2/2 photo_0002.jpg" in text


def test_closing_the_camera_ends_a_timelapse_wait_at_once(make_camera: Callable[..., Camera],
                                                         tmp_path: Path) -> None:
    camera = make_camera()
    first_photo = threading.Event()

    class Progress(io.StringIO):
        def write(self, text: str) -> int:
            first_photo.set()
            return super().write(text)

    errors: list[BaseException] = []

    def run() -> None:
        try:
            camera.timelapse(tmp_path, every=3600, count=5, progress=Progress())
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert first_photo.wait(10)
    started = time.monotonic()
    camera.close()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - started < 5
    assert len(errors) == 1 and isinstance(errors[0], DeviceClosed)
    assert "after 1 of 5 photos" in str(errors[0])
    assert [p.name for p in tmp_path.iterdir()] == ["photo_0001.jpg"]


@pytest.mark.parametrize(("every", "count"), [(-1, 3), (1, 0), (1, 2.5), ("1", 3)])
def test_timelapse_rejects_bad_timing(kit: Kit, tmp_path: Path, every: object,
                                      count: object) -> None:
    with pytest.raises(BadValue):
        kit.camera.timelapse(tmp_path, every=every, count=count)  # type: ignore[arg-type]


# -- lessons ----------------------------------------------------------------------------
@pytest.mark.parametrize("colour", list(COLOURS))
def test_a_colour_card_is_the_dominant_colour(make_camera: Callable[..., Camera],
                                              colour: str) -> None:
    camera = make_camera(sim_scene=colour)
    assert camera.dominant_colour() == COLOURS[colour]
    assert camera.dominant_colour().name == colour
    assert camera.colour_at(80, 60).name == colour


def test_colour_at_names_the_patches(make_camera: Callable[..., Camera]) -> None:
    camera = make_camera(sim_scene="patches", resolution="300x200")
    names = [camera.colour_at(x, y).name for y in (50, 150) for x in (50, 150, 250)]
    assert names == ["red", "green", "blue", "yellow", "white", "black"]
    assert camera.color_at(50, 50) == (220, 30, 30)
    assert Camera.color_at is Camera.colour_at and Camera.dominant_color is Camera.dominant_colour


def test_the_test_card_has_bars_over_a_ramp(make_camera: Callable[..., Camera]) -> None:
    camera = make_camera(resolution="640x480")
    bars = [camera.colour_at(x, 100).name for x in range(40, 640, 80)]
    assert bars == ["white", "yellow", "cyan", "green", "purple", "red", "blue", "black"]
    assert camera.colour_at(2, 470).name == "black" and camera.colour_at(637, 470).name == "white"


@pytest.mark.parametrize(("x", "y"), [(-1, 0), (160, 0), (0, 120), (True, 0), ("1", 2)])
def test_colour_at_outside_the_picture_says_where_it_ends(make_camera: Callable[..., Camera],
                                                          x: object, y: object) -> None:
    with pytest.raises(BadValue, match="outside the 160x120 picture") as error:
        make_camera(resolution="160x120").colour_at(x, y)  # type: ignore[arg-type]
    assert error.value.hint == "x goes from 0 (left) to 159, y from 0 (top) to 119"


def test_a_colour_unpacks_compares_and_prints_its_name() -> None:
    colour = Colour(220, 30, 30)
    r, g, b = colour
    assert (r, g, b) == colour == (220, 30, 30)
    assert repr(colour) == "Colour(r=220, g=30, b=30, name='red')"


def test_brightness_follows_the_simulated_light(kit: Kit) -> None:
    as_drawn = kit.camera.brightness()
    kit.sim.set("light", 0.9)
    bright = kit.camera.brightness()
    kit.sim.set("light", 0.1)
    dim = kit.camera.brightness()
    kit.sim.set("light", 0.0)
    assert dim < as_drawn < bright <= 1
    assert not kit.camera.capture_array().any()
    kit.sim.set("light", 0.5)
    assert kit.camera.brightness() == pytest.approx(as_drawn)


def test_a_kit_without_a_light_shows_the_scene_as_drawn(
        make_camera: Callable[..., Camera]) -> None:
    frame = make_camera(sim_scene="white").capture_array()
    assert tuple(frame[60, 80]) == COLOURS["white"]


def test_motion_sees_the_ball_and_not_the_test_card(make_camera: Callable[..., Camera]) -> None:
    ball, card = make_camera(sim_scene="ball"), make_camera()
    assert ball.motion() and ball.motion_level > 0.01
    assert ball.motion(threshold=0.005)
    assert not card.motion() and card.motion_level == 0
    assert not ball.motion(threshold=0.5)
    with pytest.raises(BadValue, match="0 to 1"):
        ball.motion(threshold=5)


def test_read_gives_the_brightness_channel(kit: Kit) -> None:
    reading = kit.camera.read()["brightness"]
    assert isinstance(reading, Reading) and 0 < reading.value < 1  # type: ignore[operator]
    assert "camera" in kit.read() and kit.channels()["camera"] == Camera.channels


# -- scenes -----------------------------------------------------------------------------
def test_the_scene_is_chosen_in_the_profile_and_changed_in_code(
        kit_with: Callable[..., Kit]) -> None:
    kit = kit_with(sim_scene="blue")
    assert kit.camera.sim_scene == "blue"
    assert kit.camera.dominant_colour().name == "blue"
    kit.camera.sim_scene = "red"
    assert (kit.camera.sim_scene, kit.camera.dominant_colour().name) == ("red", "red")


def test_a_misspelt_scene_gets_a_suggestion(make_camera: Callable[..., Camera]) -> None:
    camera = make_camera()
    with pytest.raises(BadValue, match="did you mean 'ball'") as error:
        camera.sim_scene = "bal"
    assert "test_card, ball, patches" in error.value.hint
    assert camera.sim_scene == "test_card"


def test_a_folder_scene_shows_its_pictures_in_turn(make_camera: Callable[..., Camera],
                                                   tmp_path: Path) -> None:
    Image.new("RGB", (64, 48), COLOURS["red"]).save(tmp_path / "a.png")
    Image.new("RGB", (32, 32), COLOURS["blue"]).save(tmp_path / "b.jpg", quality=95)
    (tmp_path / "notes.txt").write_text("not a picture")
    camera = make_camera(sim_scene=str(tmp_path), resolution="160x120")
    assert [camera.dominant_colour().name for _ in range(4)] == ["red", "blue", "red", "blue"]
    assert camera.capture_array().shape == (120, 160, 3)


def test_an_empty_folder_or_a_broken_picture_is_named(make_camera: Callable[..., Camera],
                                                      tmp_path: Path) -> None:
    with pytest.raises(BadValue, match="has no pictures"):
        make_camera(sim_scene=str(tmp_path))
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    camera = make_camera(sim_scene=str(tmp_path))
    with pytest.raises(BadValue, match="broken.jpg is not a picture"):
        camera.capture_array()


def test_a_kit_maker_can_add_a_scene(make_camera: Callable[..., Camera]) -> None:
    class Stripes:
        name = "stripes"

        def render(self, index: int, width: int, height: int) -> np.ndarray:
            frame = np.zeros((height, width, 3), np.uint8)
            frame[:, index % width] = 255
            return frame

    camera = make_camera(sim_scene=Stripes(), resolution="160x120")
    assert camera.sim_scene == "stripes"
    assert camera.capture_array()[:, 0].all() and camera.capture_array()[:, 1].all()

    class Flat(Stripes):
        def render(self, index: int, width: int, height: int) -> np.ndarray:
            return np.zeros((height, width), np.uint8)

    camera.sim_scene = Flat()
    with pytest.raises(BadValue, match=r"drew a uint8 picture of shape \(120, 160\)"):
        camera.capture_array()


def test_a_paced_camera_keeps_to_its_framerate(make_camera: Callable[..., Camera]) -> None:
    camera = make_camera(sim_realtime=True, framerate=50)
    start = time.monotonic()
    for _ in range(4):
        camera.capture_array()
    assert time.monotonic() - start >= 3 / 50 * 0.9


# -- settings and lifecycle -------------------------------------------------------------
@pytest.mark.parametrize(("resolution", "words"), [
    ("640", "not a size like '640x480'"),
    ("640x481", "odd number"),
    ("8x8", "outside what a Pi camera takes"),
    ("99999x480", "outside what a Pi camera takes"),
])
def test_a_bad_resolution_names_the_device(kit_with: Callable[..., Kit], resolution: str,
                                           words: str) -> None:
    with pytest.raises(BadValue, match=words) as error:
        kit_with(resolution=resolution)
    assert str(error.value).startswith("Camera 'camera': resolution")


@pytest.mark.parametrize(("key", "value"), [("rotation", 90), ("framerate", 500),
                                            ("hflip", "yes"), ("resolution", 640)])
def test_the_profile_loader_checks_the_other_keys(kit_with: Callable[..., Kit], key: str,
                                                  value: object) -> None:
    with pytest.raises(BadProfile, match=f"key '{key}'"):
        kit_with(**{key: value})


def test_a_hand_built_camera_gets_the_same_checks(make_camera: Callable[..., Camera]) -> None:
    with pytest.raises(BadValue, match="rotation must be one of 0, 180, got 90"):
        make_camera(rotation=90)
    with pytest.raises(BadValue, match="backend must be 'sim' or 'real'"):
        make_camera(backend="laptop")


def test_a_closed_camera_says_so(make_camera: Callable[..., Camera]) -> None:
    camera = make_camera()
    camera.close()
    camera.close()
    assert camera.closed and repr(camera) == "<Camera 'camera' (closed)>"
    with pytest.raises(DeviceClosed, match="Camera 'camera' is closed"):
        camera.capture_array()
    with pytest.raises(DeviceClosed):
        camera.sim_scene = "ball"


def test_with_closes_the_camera() -> None:
    with Camera(backend="sim", name="eye") as camera:
        assert repr(camera) == "<Camera 'eye' 640x480, simulated, scene 'test_card'>"
    assert camera.closed


def test_importing_the_drivers_loads_no_picture_libraries() -> None:
    code = ("import sys, kitsdk.devices, kitsdk.devices.camera; "
            "print(sorted({'numpy', 'PIL', 'picamera2'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"
