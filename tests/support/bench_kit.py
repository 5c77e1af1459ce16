"""A bench kit's profile, for the tests that need a part of every kind."""

from __future__ import annotations

#: One of each driver that the starter and rover kits do not have.
BENCH = """
[kit]
name = "bench"

[devices.lamp]
driver = "pwm_led"
pin = 12
frequency = 200

[devices.speaker]
driver = "tonal_buzzer"
pin = 13

[devices.fan]
driver = "motor"
forward = 20
backward = 21

[devices.arm]
driver = "angular_servo"
pin = 16

[devices.ldr]
driver = "light_sensor"
pin = 5

[devices.probe]
driver = "ds18b20"
max_age = 0

[devices.pot]
driver = "mcp3008"
channel = 3
"""
