"""The drone: the simulated Tello speaks the real SDK (djitellopy flies it unchanged), the
kit's ``tello`` driver checks every command before it is sent, and the drone lands whichever
way a script ends, as the simulated drone's own record shows."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from drone_kits import drone_profile
from helpers import wait_until

from kitsdk import BadValue, DroneError, Kit
from kitsdk.sim.tello import SimTello
from kitsdk.tello import Pose, Space

#: Simulated drones fly ten times faster than real ones here: a take-off takes 0.4 s.
FAST = 10.0


@pytest.fixture
def sim() -> Iterator[SimTello]:
    """A simulated Tello of the test's own at 127.0.0.2, ten times real time."""
    with SimTello("127.0.0.2", time_scale=FAST) as drone:
        yield drone


@pytest.fixture
def kit(tmp_path: Path, sim: SimTello) -> Iterator[Kit]:
    """A kit flying the test's simulated drone."""
    kit = Kit(drone_profile(tmp_path, sim.host), backend="sim")
    yield kit
    kit.close()


class Raw:
    """A bare UDP client of a (simulated) Tello: what any other program would send."""

    def __init__(self, drone: SimTello) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(3)
        self.sock.connect(drone.address)

    def close(self) -> None:
        self.sock.close()

    def ask(self, command: str) -> str:
        self.sock.send(command.encode())
        return self.sock.recv(1024).decode()

    def silent(self, command: str) -> bool:
        """True if the drone does not answer ``command`` within 0.3 s."""
        self.sock.settimeout(0.3)
        self.sock.send(command.encode())
        try:
            self.sock.recv(1024)
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(3)
        return False


@pytest.fixture
def raw() -> Iterator[Callable[[SimTello], Raw]]:
    """Bare clients, closed after the test."""
    made: list[Raw] = []

    def connect(drone: SimTello) -> Raw:
        made.append(Raw(drone))
        return made[-1]

    yield connect
    for client in made:
        client.close()


# -- the simulated Tello speaks the SDK ------------------------------------------------------

def test_djitellopy_flies_the_simulated_tello_unchanged(sim: SimTello,
                                                         narrow_wildcard_binds: None) -> None:
    from djitellopy import Tello

    tello = Tello(sim.host)
    tello.connect()
    assert 90 <= tello.get_battery() <= 100
    tello.takeoff()
    assert tello.get_height() == 80
    tello.move_forward(50)
    tello.rotate_clockwise(90)
    tello.move_left(30)
    with pytest.raises(Exception, match="out of range"):
        tello.move_forward(600)
    wait_until(lambda: tello.get_yaw() == 90, 2, "djitellopy reads the state's heading")
    assert tello.get_temperature() > 0 and tello.get_barometer() > 0
    tello.land()
    assert sim.landings == ["land"] and not sim.flying
    # the drone's own record: where djitellopy flew it (forward 50, then 30 to its left
    # after turning right, which is forward again from the start's point of view)
    assert sim.pose.x == pytest.approx(80) and sim.pose.y == pytest.approx(0, abs=1e-6)
    assert [c for c in sim.commands if c.split()[0] in ("takeoff", "forward", "cw", "left",
                                                         "land")] == [
        "takeoff", "forward 50", "cw 90", "left 30", *["forward 600"] * 3, "land"]  # it retries


def test_the_simulated_tello_keeps_the_sdks_rules(raw: Callable[[SimTello], Raw]) -> None:
    with SimTello("127.0.0.2", time_scale=20, battery=100) as drone:
        client = raw(drone)
        assert client.silent("takeoff"), "a Tello not in SDK mode stays silent"
        assert client.ask("command") == "ok"
        assert client.ask("forward 50") == "error Motor stop"
        assert client.ask("forward 501") == "out of range"
        assert client.ask("cw 0") == "out of range"
        assert client.ask("fly away") == "error"
        assert client.ask("takeoff") == "ok"
        assert drone.flying and drone.height == 80
        # no command for 15 s (0.75 s at 20x): it lands by itself, and says why
        wait_until(lambda: not drone.flying, 5, "the idle drone never landed by itself")
        assert drone.landings == ["no command for 15 s"]
        assert "landed by itself: no command for 15 s" in drone.events


def test_a_low_battery_refuses_to_take_off(raw: Callable[[SimTello], Raw]) -> None:
    with SimTello("127.0.0.2", battery=8) as drone:
        client = raw(drone)
        client.ask("command")
        assert client.ask("takeoff") == "error battery low (8%)"
        assert not drone.flying


def test_the_battery_drains_with_flight_time(raw: Callable[[SimTello], Raw]) -> None:
    with SimTello("127.0.0.2", time_scale=50) as drone:
        client = raw(drone)
        client.ask("command")
        client.ask("takeoff")
        client.ask("speed 10")
        for _ in range(6):  # 10 s each at 10 cm/s: two minutes of flight at 50x
            assert client.ask("forward 100") == "ok" and client.ask("back 100") == "ok"
        client.ask("land")
        assert drone.flight_time > 120
        # about 13 minutes in the air from full; on the ground it drains far slower
        assert drone.battery == pytest.approx(100 - drone.flight_time * 100 / 780, abs=1)
        assert int(client.ask("battery?")) == round(drone.battery)


def test_the_simulated_drone_that_hits_a_wall_crashes_and_says_so(
        raw: Callable[[SimTello], Raw]) -> None:
    with SimTello("127.0.0.2", time_scale=FAST, space=Space(400, 300, 200)) as drone:
        client = raw(drone)
        client.ask("command")
        client.ask("takeoff")
        assert client.ask("forward 300") == "error crashed"  # the wall is 200 cm ahead
        assert drone.crashed and not drone.flying
        assert drone.events[-1] == "crashed into the front wall at x=200 cm, y=0 cm, 80 cm up"
        assert client.ask("takeoff").startswith("error crashed")


def test_land_and_emergency_cut_a_move_short(raw: Callable[[SimTello], Raw]) -> None:
    with SimTello("127.0.0.2", time_scale=1) as drone:
        client = raw(drone)
        client.ask("command")
        drone.flying, drone.pose = True, Pose(z=80)  # already up: no 4 s take-off here
        client.sock.send(b"forward 200")  # 2 s at 100 cm/s
        wait_until(lambda: drone.pose.x > 10, 3, "the move never started")
        # answers keep the commands' order: the cut move's first, then the emergency's
        assert client.ask("emergency") == "error interrupted"
        assert client.sock.recv(1024) == b"ok"
        assert drone.landings == ["emergency"] and drone.pose.x < 100
        assert drone.events[-1].startswith("emergency: motors stopped at 80 cm")


# -- the kit's drone -------------------------------------------------------------------------

def test_the_kit_flies_a_square_and_lands_where_it_started(kit: Kit, sim: SimTello) -> None:
    drone = kit.drone
    assert drone.read()["flying"].value is False and drone.read()["battery"].value >= 99
    drone.takeoff()
    assert drone.flying
    wait_until(lambda: drone.height == 80, 2, "the state never said 80 cm")
    for _ in range(4):
        drone.forward(100)
        drone.turn_right(90)
    drone.land()
    assert sim.landings == ["land"]
    assert Pose().distance_to(sim.pose) < 1 and sim.pose.yaw == pytest.approx(0)
    readings = drone.read()
    assert set(readings) == {"flying", "height", "battery", "speed", "pitch", "roll", "yaw",
                             "temperature", "x", "y"}
    assert abs(readings["x"].value) < 1 and abs(readings["y"].value) < 1
    assert readings["flying"].value is False and readings["height"].unit == "cm"


@pytest.mark.parametrize("hover", ["one long hover", "hover(1) in a loop"])
def test_a_hovering_drone_never_lands_by_itself(kit: Kit, sim: SimTello, hover: str) -> None:
    """A Tello lands by itself 15 s after its last command: hover keeps it awake, timed
    from the last command sent, so `while True: hover(1)` keeps it up as well as hover(60)."""
    kit.drone.takeoff()
    if hover == "one long hover":
        kit.drone.hover(20)  # 20 simulated seconds: 2 s here
    else:
        for _ in range(20):
            kit.drone.hover(1)
    assert sim.flying and sim.report()["self_landings"] == [], sim.events
    assert sim.landings == []
    kit.drone.land()
    assert sim.landings == ["land"]


def test_kits_told_to_fly_their_own_simulated_drones_never_share_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lesson checker's way: each kit starts a simulated drone of its own on a free port,
    even where another already answers at sim_host:8889, and its record is that kit's alone."""
    monkeypatch.setenv("KITSDK_SIM_DRONE", "own")
    monkeypatch.setenv("KITSDK_SIM_TIME_SCALE", "20")
    profile = drone_profile(tmp_path, "127.0.0.3", scale=1)
    with SimTello("127.0.0.3") as theirs:
        first = Kit(profile, backend="sim")
        second = Kit(profile, backend="sim")
        try:
            first.drone.takeoff()
            first.drone.forward(50)
            first.drone.turn_left(90)
            first.drone.land()
            mine, other = first.sim.drone, second.sim.drone
            assert mine is not None and other is not None and mine is not other
            assert {mine.port, other.port}.isdisjoint({8889}) and mine.port != other.port
            assert mine.time_scale == 20
            report = mine.report()
            assert report["landings"] == [{"why": "land", "at": pytest.approx(
                report["takeoffs"][0] + 50 / 50 + 0.3 + 90 / 90 + 0.3, abs=0.5),
                "x": 50, "y": 0, "z": 80, "yaw": -90}]
            assert report["self_landings"] == [] and not report["flying"]
            assert "takeoff" not in other.report()["commands"] and theirs.commands == []
        finally:
            first.close()
            second.close()
    assert mine.closed and other.closed, "a kit's own simulated drone closes with it"


@pytest.mark.parametrize(("call", "amount", "words"), [
    ("forward", 600, "outside the drone's range (20 to 500 cm)"),
    ("up", 10, "outside the drone's range (20 to 500 cm)"),
    ("turn_left", 400, "outside the drone's range (1 to 360 degrees)"),
    ("forward", True, "is not a number of cm"),
])
def test_a_number_outside_the_sdks_range_is_refused_before_anything_is_sent(
        kit: Kit, sim: SimTello, call: str, amount: float, words: str) -> None:
    kit.drone.takeoff()
    sent = list(sim.commands)
    with pytest.raises(BadValue, match=words.replace("(", r"\(").replace(")", r"\)")):
        getattr(kit.drone, call)(amount)
    assert sim.commands == sent


def test_a_move_that_would_leave_the_flight_space_is_refused_before_it_is_sent(
        kit: Kit, sim: SimTello) -> None:
    kit.drone.takeoff()
    kit.drone.turn_left(90)  # facing the left wall, 150 cm away
    sent = list(sim.commands)
    with pytest.raises(BadValue, match="past the left wall of the flight space "
                       r"\(4 m x 3 m x 2 m\); nothing was sent"):
        kit.drone.forward(200)
    with pytest.raises(BadValue, match="past the ceiling"):
        kit.drone.up(150)
    assert sim.commands == sent and sim.flying and not sim.crashed
    kit.drone.forward(100)  # inside: flown
    assert sim.pose.y == pytest.approx(100)


def test_a_move_before_take_off_is_refused_in_words(kit: Kit, sim: SimTello) -> None:
    with pytest.raises(DroneError, match="cannot forward 50: it is not flying"):
        kit.drone.forward(50)


def test_the_drones_refusal_is_said_in_words(kit: Kit, sim: SimTello) -> None:
    kit.drone.takeoff()
    with pytest.raises(DroneError, match="will not go lower than 20 cm"):
        kit.drone.down(70)


def test_a_drone_that_never_answers_is_an_error_in_time_and_counted(tmp_path: Path) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.2", 8889))  # a drone that is there and says nothing
    try:
        profile = drone_profile(tmp_path, "127.0.0.2")
        text = profile.read_text().replace('driver = "tello"', 'driver = "tello"\ntimeout = 1')
        profile.write_text(text)
        with pytest.raises(DroneError, match="no answer to 'command' within 1 s"):
            Kit(profile, backend="sim")
    finally:
        silent.close()


def test_garbled_answers_and_state_are_counted_never_taken(tmp_path: Path) -> None:
    fake = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fake.bind(("127.0.0.2", 8889))
    stop = threading.Event()

    def answer_nonsense() -> None:
        fake.settimeout(0.1)
        while not stop.is_set():
            try:
                data, sender = fake.recvfrom(1024)
            except TimeoutError:
                continue
            text = data.decode()
            if text.startswith("port "):
                state_port = int(text.split()[1])
                fake.sendto(b"ok", sender)
                fake.sendto(b"h:;bat:lots;;\xff\xfe", (sender[0], state_port))  # garbled
            elif text == "battery?":
                fake.sendto(b"\x00\x01", sender)
            else:
                fake.sendto(b"ok", sender)

    thread = threading.Thread(target=answer_nonsense, daemon=True)
    thread.start()
    try:
        kit = Kit(drone_profile(tmp_path, "127.0.0.2"), backend="sim")
        try:
            assert kit.drone.read()["height"].value is None  # never a guessed value
            with pytest.raises(DroneError, match=r"answered 'battery\?' with "
                               r"b'\\x00\\x01', which is not an answer"):
                _ = kit.drone.battery
            assert kit.drone.faults["bad state"] >= 1 and kit.drone.faults["bad answer"] == 1
        finally:
            kit.close()
    finally:
        stop.set()
        thread.join()
        fake.close()


# -- the drone lands whichever way the script ends ------------------------------------------

FLY_THEN = """
import os, signal, sys
from kitsdk import Kit
kit = Kit(sys.argv[1])
kit.drone.takeoff()
kit.drone.forward(50)
{ending}
"""

ENDINGS = {
    "normally": ("pass", None, "the script ended"),
    "error": ("1 / 0", None, "the script ended with ZeroDivisionError"),
    "ctrl_c": ("kit.drone.hover(600)", signal.SIGINT, "the script was stopped with Ctrl+C"),
    "sigterm": ("kit.drone.hover(600)", signal.SIGTERM, "the script was stopped (SIGTERM)"),
}


@pytest.mark.parametrize("runner", ["kit run", "python"])
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_the_drone_lands_whichever_way_the_script_ends(tmp_path: Path, sim: SimTello,
                                                       runner: str, ending: str) -> None:
    code, signum, why = ENDINGS[ending]
    script = tmp_path / "fly.py"
    script.write_text(FLY_THEN.format(ending=code))
    profile = drone_profile(tmp_path, sim.host)
    command = ([sys.executable, "-m", "kitsdk.cli", "run", str(script), str(profile)]
               if runner == "kit run" else [sys.executable, str(script), str(profile)])
    child = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "KITSDK_BACKEND": "sim"})
    try:
        if signum is not None:
            wait_until(lambda: sim.pose.x >= 50 or child.poll() is not None, 20,
                       "the script never flew")
            child.send_signal(signum)
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert sim.landings == ["land"], err
    assert not sim.flying
    assert f"drone: landed ({why})" in err
