"""The simulated rover: its motors move it, and its distance and line sensors follow."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import pytest
from helpers import wait_until

from kitsdk import BadValue, Kit, UnknownDevice
from kitsdk.sim.rover import NOSE, TOP_SPEED, TRACK, Arena, SimRover


def test_driving_forward_moves_it_at_the_motors_speed(rover: Kit) -> None:
    sim_rover = SimRover.attach(rover, Arena())
    start = time.monotonic()
    rover.drive.forward(0.5)
    wait_until(lambda: sim_rover.report()["x"] >= 0.05, what="the rover 5 cm on")
    rover.drive.stop()
    took = time.monotonic() - start
    report = sim_rover.report()
    # 0.5 of top speed: x grows by 0.2 m/s (the clock ticks every 5 ms, later when busy).
    assert report["x"] == pytest.approx(0.5 * TOP_SPEED * took, abs=0.02)
    assert report["y"] == pytest.approx(0, abs=1e-9)
    assert report["heading"] == 0
    assert (report["left"], report["right"]) == (0, 0)
    stopped_at = report["x"]
    rover.drive.backward(0.5)
    wait_until(lambda: sim_rover.report()["x"] < stopped_at - 0.02, what="backing up")


def test_opposite_wheels_spin_it_on_the_spot(rover: Kit) -> None:
    sim_rover = SimRover.attach(rover)
    rover.drive.left(0.5)  # left wheel backward, right forward: anticlockwise
    wait_until(lambda: sim_rover.report()["heading"] > 45, what="a turn to the left")
    rover.drive.stop()
    report = sim_rover.report()
    assert math.hypot(report["x"], report["y"]) < 1e-6
    # Turn rate is the wheels' difference over the track: 0.4 m/s / 0.12 m, 191 degrees/s.
    assert math.degrees(TOP_SPEED / TRACK) == pytest.approx(191, abs=1)


def test_the_distance_sensor_sees_the_wall_come_closer(rover: Kit) -> None:
    sim_rover = SimRover.attach(rover, Arena(wall=0.5))
    wait_until(lambda: rover.distance.distance == pytest.approx(0.5, abs=0.01),
               what="the sensor at 50 cm")
    rover.drive.forward(1)
    wait_until(lambda: rover.distance.distance < 0.3, what="the wall 30 cm ahead")
    rover.drive.stop()
    report = sim_rover.report()
    # The sensor's median filter lags a little behind the truth, never ahead of it.
    assert report["gap"] <= 0.3 + 1e-9
    assert report["gap"] == pytest.approx(0.5 - report["x"])
    wait_until(lambda: rover.distance.distance == pytest.approx(report["gap"], abs=0.01),
               what="the reading settling on the gap")


def test_the_wall_stops_the_rover_and_says_when(rover: Kit) -> None:
    sim_rover = SimRover.attach(rover, Arena(wall=0.05))
    rover.drive.forward(1)
    wait_until(lambda: sim_rover.report()["bumped_after"] is not None, what="a bump")
    wait_until(lambda: sim_rover.report()["gap"] < 0.005, what="the nose at the wall")
    report = sim_rover.report()
    assert report["gap"] >= 0
    assert report["bump_speed"] == pytest.approx(TOP_SPEED)
    assert report["bumped_after"] == pytest.approx(0.05 / TOP_SPEED, abs=0.05)
    # Turned away, the sensor sees nothing, and the rover can drive off.
    sim_rover.place(turn=180)
    assert sim_rover.distance() == 4.0
    wait_until(lambda: sim_rover.report()["x"] < -0.02, what="driving away from the wall")


def test_a_distance_measured_at_an_angle(rover: Kit) -> None:
    sim_rover = SimRover.attach(rover, Arena(wall=1.0))
    sim_rover.place(turn=60)
    # The nose turned with the rover, so the ray to the wall is longer: (1 + NOSE - nose x) / cos.
    nose_x = NOSE * math.cos(math.radians(60))
    assert sim_rover.distance() == pytest.approx((1.0 + NOSE - nose_x) / 0.5)


def test_line_sensors_straddle_the_line_and_see_it_when_the_rover_drifts(rover: Kit) -> None:
    sim_rover = SimRover.attach(rover, Arena(line=0.4))
    assert not sim_rover.sees_line(0.025) and not sim_rover.sees_line(-0.025)
    assert sim_rover.sees_line(0.0)  # the tape runs under the middle
    rover.drive.forward(0.5)  # straight on, while the line curves left
    wait_until(lambda: rover.line_left.line_detected, what="the left sensor over the line")
    rover.drive.stop()
    assert not rover.line_right.line_detected
    report = sim_rover.report()
    assert 0 < report["along_line"] < 0.3
    assert report["max_off_line"] >= report["off_line"] > 0


def test_kit_sim_set_takes_a_sensor_back(rover: Kit) -> None:
    SimRover.attach(rover, Arena(wall=2.0))
    rover.sim.set("distance", 0.15)
    wait_until(lambda: rover.distance.distance == pytest.approx(0.15, abs=0.01))


def test_the_rover_clock_stops_with_the_kit(make_kit: Callable[..., Kit]) -> None:
    kit = make_kit("rover")
    SimRover.attach(kit)
    clocks = [t for t in threading.enumerate() if t.name == "kitsdk-sim-rover"]
    assert clocks
    kit.close()
    assert not any(t.is_alive() for t in clocks)


def test_a_kit_without_a_drive_base_has_no_rover(starter: Kit) -> None:
    with pytest.raises(UnknownDevice, match="kit 'starter' has no drive base"):
        SimRover.attach(starter)


@pytest.mark.parametrize("arena", [{"wall": 0}, {"line": -1}, {"wall": True}, {"wall": "far"}])
def test_an_arena_needs_distances_above_zero(arena: dict[str, object]) -> None:
    with pytest.raises(BadValue, match="in metres above 0"):
        Arena(**arena)  # type: ignore[arg-type]
