"""Drone kits for tests: a profile flying a simulated Tello at a loopback address of the
test's own, faster than real time."""

from __future__ import annotations

from pathlib import Path


def drone_profile(folder: Path, host: str, *, scale: float = 10.0,
                  space: str = "{ length = 4.0, width = 3.0, height = 2.0 }",
                  extra: str = "") -> Path:
    """``extra``: more of the drone's options, a TOML line each (``timeout = 1``)."""
    path = folder / "drone.toml"
    path.write_text(f"""
[kit]
name = "drone"
[devices.drone]
driver = "tello"
sim_host = "{host}"
sim_time_scale = {scale}
space = {space}
{extra}
""")
    return path
