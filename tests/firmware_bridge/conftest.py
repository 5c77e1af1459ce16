"""Fixtures: an emulated Uno, served over a real pty, a TCP socket or in process."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from firmware_bridge import Board, Emulator, serve_pty, serve_socket, serve_url

#: Generous bounds for waits on another thread; a passing test never waits this long.
WAIT = 5.0


@pytest.fixture(autouse=True)
def _quiet_firmware_bridge(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="firmware_bridge")


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(boot_delay=0.02)


@pytest.fixture(params=["pty", "socket", "inprocess"])
def url(request: pytest.FixtureRequest, emulator: Emulator) -> Iterator[str]:
    """Where the emulator is served, over each transport in turn."""
    serve = {"pty": serve_pty, "socket": serve_socket, "inprocess": serve_url}[request.param]
    with serve(emulator) as where:
        yield where


@pytest.fixture
def pty_port(emulator: Emulator) -> Iterator[str]:
    with serve_pty(emulator) as port:
        yield port


@pytest.fixture
def board(url: str) -> Iterator[Board]:
    with Board.connect(url, timeout=WAIT) as connected:
        yield connected
