"""``GPIOZERO_PIN_FACTORY=kitsdk``: a plain gpiozero script runs on the simulated kit."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import warnings
from gpiozero import Device, DistanceSensor, LED
from gpiozero.exc import PWMSoftwareFallback
warnings.simplefilter("ignore", PWMSoftwareFallback)  # gpiozero's advice to use pigpio
led = LED(26)
led.on()
print(type(Device.pin_factory).__name__, led.is_lit)
{extra}
"""


def run(extra: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "KITSDK_PROFILE"}
    return subprocess.run([sys.executable, "-c", SCRIPT.format(extra=extra)], timeout=60,
                          capture_output=True, text=True,
                          env={**environ, "GPIOZERO_PIN_FACTORY": "kitsdk", **env})


def test_the_profile_sensors_answer_a_plain_gpiozero_script() -> None:
    # The rover's HC-SR04 is on trigger 17 / echo 18; simulated, nothing is within 1 m.
    result = run("d = DistanceSensor(echo=18, trigger=17, max_distance=2)\nprint(d.distance)",
                 KITSDK_PROFILE="rover")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert lines[:2] == ["SimFactory", "True"]
    assert abs(float(lines[2]) - 1.0) < 1e-6


def test_without_a_profile_the_pins_are_plain_simulated_pins(tmp_path: object) -> None:
    result = run(HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["SimFactory", "True"]
