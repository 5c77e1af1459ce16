"""The real camera is released however a script ends: the end, an error, SIGTERM.

A camera left busy by a crashed script is picamera2 users' most reported problem. Each test
runs a student script in a subprocess against a fake ``picamera2`` package (put first on
``PYTHONPATH``) that writes what was done to the camera into a log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FAKE_PICAMERA2 = '''
import os
import numpy as np

def log(word):
    with open(os.environ["FAKE_CAMERA_LOG"], "a") as handle:
        handle.write(word + "\\n")

class Picamera2:
    @staticmethod
    def global_camera_info():
        return [{"Model": "fake", "Num": 0}]

    def __init__(self):
        log("open")

    def create_video_configuration(self, **kwargs):
        return kwargs

    def configure(self, config):
        self.config = config

    def camera_configuration(self):
        return {"main": self.config["main"]}

    def start(self):
        log("start")

    def capture_array(self, name="main"):
        width, height = self.config["main"]["size"]
        return np.zeros((height, width, 3), np.uint8)

    def stop(self):
        log("stop")

    def close(self):
        log("close")
'''

FAKE_LIBCAMERA = '''
class Transform:
    def __init__(self, hflip=False, vflip=False):
        self.hflip, self.vflip = hflip, vflip
'''

#: Starts a student script; gives the process (it has printed "ready") and the camera log.
Start = Callable[[str], tuple[subprocess.Popen[str], Path]]

START = """
from kitsdk import Kit
from kitsdk.devices.camera import Camera
camera = Camera(backend="real")
camera.capture_array()
print("ready", flush=True)
"""


@pytest.fixture
def run_script(tmp_path: Path) -> Iterator[Start]:
    """Start ``script`` against the fake picamera2; returns the process and the camera log."""
    for package, text in (("picamera2", FAKE_PICAMERA2), ("libcamera", FAKE_LIBCAMERA)):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text(text)
    log = tmp_path / "camera.log"
    processes: list[subprocess.Popen[str]] = []

    def start(script: str) -> tuple[subprocess.Popen[str], Path]:
        path = tmp_path / "student.py"
        path.write_text(script)
        env = {**os.environ, "FAKE_CAMERA_LOG": str(log), "KITSDK_BACKEND": "sim",
               "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
        proc = subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        processes.append(proc)
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first == "ready", proc.communicate(timeout=10)
        return proc, log

    yield start
    for proc in processes:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


def test_released_at_the_end_of_a_script_that_never_closes_it(run_script: Start) -> None:
    proc, log = run_script(START)
    assert proc.wait(timeout=20) == 0
    assert log.read_text().split() == ["open", "start", "stop", "close"]


def test_released_after_an_error(run_script: Start) -> None:
    proc, log = run_script(START + "raise ZeroDivisionError('oops')\n")
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 1 and "ZeroDivisionError" in stderr
    assert log.read_text().split() == ["open", "start", "stop", "close"]


def test_released_on_sigterm_under_the_kit_safety_net(run_script: Start) -> None:
    proc, log = run_script(START + "kit = Kit('starter')\nprint('kit', flush=True)\n"
                           "import threading\nthreading.Event().wait()\n")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "kit"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    assert log.read_text().split() == ["open", "start", "stop", "close"]
