"""A script that waits for a button press also works on a laptop.

In a terminal, Enter presses a simulated button. With no terminal (an editor's Run button,
a pipe, a test) the wait says once how to press instead of waiting silently. Every press
goes through ``kit.sim.press``, so whichever comes first (Enter, a lesson check, the
script's own code) ends the wait.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pexpect
import pytest

from kitsdk import Kit

SCRIPT = """
import signal
from kitsdk import Kit
kit = Kit("starter")
# A press from outside the terminal, as a lesson check's or a view of the kit's would be.
signal.signal(signal.SIGUSR1, lambda *_: kit.sim.press("button"))
kit.button.when_pressed = lambda: print("callback ran")
print("pressed:", kit.button.wait_for_press())
"""

NO_TERMINAL = "there is no terminal to press Enter in"
HOW = 'kit.sim.press("button")'
#: Seconds a subprocess gets to start Python and build a kit on a busy machine.
START = 60


@pytest.mark.parametrize("press", [
    pytest.param(lambda child: child.sendline(""), id="Enter"),
    pytest.param(lambda child: child.kill(signal.SIGUSR1), id="kit.sim.press"),
])
def test_in_a_terminal_enter_or_kit_sim_press_ends_the_wait(
        press: Callable[[pexpect.spawn], object]) -> None:
    child = pexpect.spawn(sys.executable, ["-c", SCRIPT], encoding="utf-8", timeout=30,
                          env={**os.environ, "KITSDK_BACKEND": "sim"})
    try:
        child.expect("Button 'button' is simulated: press Enter to press it")
        press(child)
        child.expect("callback ran")
        child.expect("pressed: True")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_in_a_shell_with_no_file_descriptor_enter_still_presses() -> None:
    """IDLE's shell is a terminal to its user, but its input has no file descriptor."""
    script = ("import io, sys\n"
              "class Shell(io.StringIO):\n"
              "    def isatty(self): return True\n"
              "sys.stdin = Shell('\\n')\n" + SCRIPT)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=START, env={**os.environ, "KITSDK_BACKEND": "sim"},
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "press Enter to press it" in result.stderr
    assert result.stdout == "callback ran\npressed: True\n"


def _lines(stream: object) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:  # type: ignore[attr-defined]
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_with_piped_input_the_run_says_how_to_press_instead_of_waiting_silently(
        tmp_path: Path) -> None:
    """``printf '\\n' | kit run first.py``, as an editor's Run button or a test runs it."""
    script = tmp_path / "first.py"
    script.write_text('from kitsdk import Kit\nkit = Kit("starter")\nkit.red.on()\n'
                      "kit.button.wait_for_press()\nprint('pressed')\n")
    env = {k: v for k, v in os.environ.items() if k != "KITSDK_BACKEND"}
    with subprocess.Popen(
        [sys.executable, "-m", "kitsdk.cli", "run", str(script)], env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as process:
        try:
            assert process.stdin is not None
            process.stdin.write("\n")
            process.stdin.flush()
            errors = _lines(process.stderr)
            said: list[str] = []
            while not any(NO_TERMINAL in line for line in said):
                try:
                    said.append(errors.get(timeout=START))
                except queue.Empty:
                    pytest.fail(f"no word on how to press the button; stderr so far: {said}")
            message = next(line for line in said if NO_TERMINAL in line)
            assert "Button 'button' is simulated" in message
            assert HOW in message
            assert process.poll() is None  # still waiting for a press, as it should
        finally:
            process.kill()


def test_without_a_terminal_the_wait_says_once_how_to_press_and_kit_sim_press_ends_it(
        starter: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    said = ""
    for n in range(3):
        ended = threading.Event()

        def wait(ended: threading.Event = ended) -> None:
            if starter.button.wait_for_press():
                ended.set()

        threading.Thread(target=wait, daemon=True).start()
        deadline = time.monotonic() + 10
        while n == 0 and NO_TERMINAL not in said:  # the first wait speaks before it waits
            assert time.monotonic() < deadline, f"the wait said nothing: {said!r}"
            said += capsys.readouterr().err
        starter.sim.press("button")
        assert ended.wait(10)
        starter.sim.release("button")
    assert starter.button.wait_for_press(timeout=0.01) is False
    said += capsys.readouterr().err
    assert said.count(NO_TERMINAL) == 1, said  # once, not at every wait
    assert HOW in said


def test_without_a_terminal_a_timeout_wait_returns_false(starter: Kit) -> None:
    assert starter.button.wait_for_press(timeout=0.01) is False
    starter.sim.press("button")
    assert starter.button.wait_for_press(timeout=1) is True
