"""``kit sim tello``, run as a person runs it: a process of its own that says where the
simulated drone answers, is flown over UDP by djitellopy, by a kit and by kitsdk's own link,
prints what the drone does, and ends cleanly on Ctrl+C and SIGTERM with its port free again.

Each test flies at a loopback address of its own in 127.0.0.2x, which no other test uses.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from drone_kits import drone_profile
from helpers import wait_until

from kitsdk import DroneError, Kit
from kitsdk.tello.link import TelloLink

#: How long the command may take to start (Python, kitsdk and the simulator) on a busy machine.
START = 30.0
#: How long a flown event may take to be printed, at ten times real time.
EVENT = 15.0
READY = re.compile(r"^A simulated Tello answers at ([\d.]+):(\d+) \(UDP\)")


class SimCommand:
    """``kit sim tello ARGS`` in a process of its own; its output read as it comes."""

    def __init__(self, *args: str) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-m", "kitsdk.cli", "sim", "tello", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.errors = ""

    def _read(self) -> None:
        assert self.child.stdout is not None
        for line in self.child.stdout:
            self.lines.append(line.rstrip("\n"))

    def expect(self, text: str, timeout: float = EVENT) -> str:
        """The first line with ``text`` in it, waiting up to ``timeout`` s for it."""
        def seen() -> str | None:
            return next((line for line in list(self.lines) if text in line), None)

        wait_until(lambda: seen() is not None or self.child.poll() is not None, timeout,
                   f"printed {text!r} (so far: {self.lines})")
        if (line := seen()) is None:
            self._reader.join(timeout=5)  # it ended: its last lines may still be in the pipe
            line = seen()
        assert line is not None, (f"it ended ({self.child.returncode}) without {text!r}: "
                                  f"{self.lines} {self.stderr()}")
        return line

    def ready(self) -> tuple[str, int]:
        """Where it answers, once it says so."""
        match = READY.match(self.expect("A simulated Tello answers at", START))
        assert match is not None
        return match[1], int(match[2])

    def stop(self, signum: int) -> int:
        """Send ``signum``; the exit status once it has ended (within 15 s)."""
        self.child.send_signal(signum)
        status = self.child.wait(timeout=15)
        self._reader.join(timeout=5)
        return status

    def stderr(self) -> str:
        if self.child.poll() is not None and self.child.stderr is not None and not self.errors:
            self.errors = self.child.stderr.read()
        return self.errors

    def kill(self) -> None:
        if self.child.poll() is None:
            self.child.kill()
            self.child.wait(timeout=10)
        for pipe in (self.child.stdout, self.child.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def run() -> Iterator[type[SimCommand]]:
    """Start ``kit sim tello`` processes; each is killed after the test if still running."""
    started: list[SimCommand] = []

    class Started(SimCommand):
        def __init__(self, *args: str) -> None:
            super().__init__(*args)
            started.append(self)

    yield Started
    for command in started:
        command.kill()


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# -- flown over UDP ----------------------------------------------------------------------------

def test_djitellopy_flies_it_and_sigterm_ends_it_cleanly(
        run: type[SimCommand], narrow_wildcard_binds: None) -> None:
    from djitellopy import Tello

    sim = run("--host", "127.0.0.21", "--battery", "50", "--time-scale", "10")
    assert sim.ready() == ("127.0.0.21", 8889)
    assert 'a kit: sim_host = "127.0.0.21"' in sim.expect("a kit:")
    assert "4 m x 3 m x 2 m flight space, battery 50%, 10 times real time" in sim.lines[0]
    tello = Tello("127.0.0.21")  # its own sockets at 127.0.0.9 (narrowed): see loopback_only
    tello.connect()
    assert 45 <= tello.get_battery() <= 50
    sim.expect("took control (it sent 'command')")
    tello.takeoff()
    sim.expect("took off to 80 cm")
    tello.move_forward(50)
    tello.land()
    assert re.fullmatch(r"\d\d:\d\d:\d\d landed", sim.expect("landed"))

    assert sim.stop(signal.SIGTERM) == 0
    assert re.fullmatch(r"stopped \(SIGTERM\): \d+ commands, \d+ s in the air, battery \d+%",
                        sim.lines[-1])
    assert sim.stderr() == ""
    assert port_is_free("127.0.0.21", 8889)


def test_a_kit_flies_it_by_sim_host_and_its_crash_is_printed(
        run: type[SimCommand], tmp_path: Path) -> None:
    # the simulated room (2 m long) is smaller than the one the kit believes in (4 m): the
    # kit lets a move through that the simulated drone crashes on
    sim = run("--host", "127.0.0.22", "--space", "2x2x2", "--time-scale", "10")
    host, port = sim.ready()
    kit = Kit(drone_profile(tmp_path, host), backend="sim")
    try:
        assert kit.drone.sim is None  # the process's drone, not one of the kit's own
        kit.drone.takeoff()
        with pytest.raises(DroneError, match="the drone crashed"):
            kit.drone.forward(150)
    finally:
        kit.close()
    sim.expect("took off to 80 cm")
    assert sim.expect("crashed into").endswith(
        "crashed into the front wall at x=100 cm, y=0 cm, 80 cm up")
    sim.expect("a crashed drone flies no more: start kit sim tello again")

    assert sim.stop(signal.SIGINT) == 0
    assert sim.lines[-1].startswith("stopped (Ctrl+C): ")
    assert "Traceback" not in sim.stderr()
    assert port_is_free(host, port)


def test_a_free_port_its_own_landing_and_ctrl_c_in_the_air(run: type[SimCommand]) -> None:
    sim = run("--host", "127.0.0.23", "--port", "0", "--time-scale", "5")
    host, port = sim.ready()
    assert port not in (0, 8889)
    assert f'TelloLink("{host}", {port})' in sim.expect("any Tello program:")
    assert not any(line.lstrip().startswith(("a kit:", "djitellopy:")) for line in sim.lines)
    link = TelloLink(host, port, state_port=0)
    try:
        assert link.ask("command", 5) == "ok"
        assert link.ask(f"port {link.state_port} 11111", 5) == "ok"
        assert link.ask("takeoff", 5) == "ok"
        # no command for 15 s (3 s at five times): it lands by itself, and it is printed
        sim.expect("landed by itself: no command for 15 s")
        assert link.ask("takeoff", 5) == "ok"
        sim.expect("took off to 80 cm")
        # stopped while it flies (the last command 3 s before it would land by itself): it
        # says so, and goes with the process
        assert link.ask("battery?", 5).isdigit()
        assert sim.stop(signal.SIGINT) == 0
    finally:
        link.close()
    assert sim.lines[-1].endswith("it was still flying, 80 cm up, and is gone with this process")
    assert port_is_free(host, port)


# -- what it refuses ---------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "error"), [
    (["--space", "4x3"], "argument --space: '4x3' is not a box: give length x width x height "
     "in metres, such as 4x3x2"),
    (["--space", "4x-3x2"], "argument --space: a width of -3 m is out of range: 1 to 50 m"),
    (["--space", "4xthreex2"], "argument --space: 'three' is not a width in metres"),
    (["--host", "drone.local"], "argument --host: 'drone.local' is not an IPv4 address: give "
     "one such as 127.0.0.2"),
    (["--host", "0.0.0.0"], "argument --host: 0.0.0.0 is not one address of this computer"),
    (["--port", "70000"], "argument --port: port 70000 is not 0 to 65535"),
    (["--battery", "-5"], "argument --battery: a battery of -5% is not 0 to 100"),
    (["--time-scale", "0"], "argument --time-scale: a time scale of 0 is out of range"),
])
def test_a_bad_argument_is_one_line_and_exit_status_2(args: list[str], error: str) -> None:
    result = subprocess.run([sys.executable, "-m", "kitsdk.cli", "sim", "tello", *args],
                            capture_output=True, text=True, timeout=START)
    assert result.returncode == 2
    assert result.stdout == ""
    *usage, said = result.stderr.splitlines()
    assert said.startswith(f"kit sim tello: error: {error}")
    assert all(line.startswith(("usage:", " ")) for line in usage)  # argparse's usage only


def test_a_taken_address_is_said_with_one_to_try(run: type[SimCommand]) -> None:
    first = run("--host", "127.0.0.24")
    assert first.ready() == ("127.0.0.24", 8889)
    result = subprocess.run([sys.executable, "-m", "kitsdk.cli", "sim", "tello", "--host",
                             "127.0.0.24"], capture_output=True, text=True, timeout=START)
    assert result.returncode == 1
    assert result.stdout == ""
    assert re.fullmatch(r"kit: 127\.0\.0\.24:8889 is taken: is another simulated drone "
                        r"running\? try --host 127\.0\.0\.(\d+)\n", result.stderr)
    assert first.child.poll() is None  # the first one flies on, untouched
    assert first.stop(signal.SIGTERM) == 0


def test_an_address_of_another_computer_is_refused() -> None:
    # 192.0.2.1 is a documentation address no computer has: binding it fails at once, and
    # nothing is ever sent to it (the process only tries to listen there)
    result = subprocess.run([sys.executable, "-m", "kitsdk.cli", "sim", "tello", "--host",
                             "192.0.2.1"], capture_output=True, text=True, timeout=START)
    assert result.returncode == 1
    assert result.stderr == ("kit: 192.0.2.1 is not an address of this computer: give one of "
                             "its own (127.0.0.x answers on this computer alone)\n")


def test_the_docs_show_what_it_prints() -> None:
    from kitsdk.cli.sim import _how_to_fly
    from kitsdk.sim.tello import SimTello

    docs = (Path(__file__).parents[2] / "docs" / "drones.md").read_text()
    shown = docs.split("$ kit sim tello\n", 1)[1].split("```", 1)[0].splitlines()
    printed = _how_to_fly(SimTello("127.0.0.1"))  # not started: nothing is bound
    assert shown[:len(printed)] == printed
