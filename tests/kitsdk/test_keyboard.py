"""A script that waits for a button press also works on a laptop: Enter presses it."""

from __future__ import annotations

import os
import sys

import pexpect

SCRIPT = """
from kitsdk import Kit
kit = Kit("starter")
kit.button.when_pressed = lambda: print("callback ran")
print("pressed:", kit.button.wait_for_press())
"""


def test_enter_presses_a_simulated_button_in_a_terminal() -> None:
    child = pexpect.spawn(sys.executable, ["-c", SCRIPT], encoding="utf-8", timeout=30,
                          env={**os.environ, "KITSDK_BACKEND": "sim"})
    try:
        child.expect("Button 'button' is simulated: press Enter to press it")
        child.sendline("")
        child.expect("callback ran")
        child.expect("pressed: True")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_without_a_terminal_a_timeout_wait_returns_false(starter) -> None:  # type: ignore[no-untyped-def]
    assert starter.button.wait_for_press(timeout=0.01) is False
    starter.sim.press("button")
    assert starter.button.wait_for_press(timeout=1) is True
