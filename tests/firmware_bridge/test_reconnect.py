"""Pulling the cable: the server stops, comes back, and the client carries on by itself."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from firmware_bridge import (
    Board,
    ConnectionLost,
    ConnectionState,
    Emulator,
    PinMode,
    StateChange,
)
from firmware_bridge.emulator import PtyServer, SocketServer, serve_pty, serve_socket

from .conftest import WAIT


def configure(board: Board) -> None:
    board.sampling_interval = 5
    board.pin("D13", PinMode.OUTPUT).write(True)
    board.pin("D9", PinMode.PWM)
    board.pin("D2", PinMode.PULLUP)
    board.analog("A1")


def check_restored(board: Board, emulator: Emulator) -> None:
    """Modes, reporting and the sampling interval are back, and values flow again."""
    assert emulator.wait_until(
        lambda e: (
            e.pin_mode("D9") == PinMode.PWM
            and e.pin_mode("D2") == PinMode.PULLUP
            and e.pin_mode("D13") == PinMode.OUTPUT
            and e.sampling_interval_ms == 5
        ),
        WAIT,
    )
    assert not emulator.digital_output("D13")  # outputs come back low: nothing restarts itself
    assert board.pin("D13").written is None
    emulator.set_analog("A1", 901)
    assert board.pin("A1").wait_for(lambda v: v == 901, WAIT) == 901
    emulator.drive_digital("D2", False)
    assert board.pin("D2").wait_for(lambda v: v is False, WAIT) is False
    board.pin("D9").write(1.0)
    assert emulator.wait_until(lambda e: e.pwm_duty("D9") == 1.0, WAIT)


def unplug_and_replug(restart: object, board: Board, emulator: Emulator) -> None:
    changes: list[StateChange] = []
    lost, back = threading.Event(), threading.Event()

    def record(change: StateChange) -> None:
        changes.append(change)
        if change.state is ConnectionState.RECONNECTING:
            lost.set()
        elif change.state is ConnectionState.CONNECTED:
            back.set()

    board.add_state_callback(record)
    assert callable(restart)
    server = restart(None)
    assert lost.wait(WAIT), "the client did not notice the unplug"
    with pytest.raises(ConnectionLost, match="not connected"):
        board.pin("D13").write(True)
    board.pin("D3", PinMode.OUTPUT)  # configuration while away is kept for later
    replugged = restart(server)
    try:
        assert back.wait(WAIT) and board.state is ConnectionState.CONNECTED
        assert [c.state for c in changes] == [
            ConnectionState.RECONNECTING,
            ConnectionState.CONNECTED,
        ]
        assert "reading failed" in changes[0].reason
        assert board.stats.reconnects == 1
        check_restored(board, emulator)
        assert emulator.wait_until(lambda e: e.pin_mode("D3") == PinMode.OUTPUT, WAIT)
    finally:
        board.close()
        replugged.stop()


def test_reconnect_over_a_pty(tmp_path: Path) -> None:
    emulator = Emulator(boot_delay=0.02)
    link = tmp_path / "ttyEMU0"  # a stable name, as udev's /dev/serial/by-id links
    server: PtyServer = serve_pty(emulator, link=link)
    board = Board.connect(str(link), timeout=WAIT, max_backoff=0.2)
    configure(board)
    assert emulator.wait_until(lambda e: e.digital_output("D13"), WAIT)

    def restart(old: PtyServer | None) -> PtyServer:
        if old is None:
            server.stop()  # the cable is pulled: the pty goes away
            return server
        return serve_pty(emulator, link=link)  # plugged back in: a new pty behind the link

    unplug_and_replug(restart, board, emulator)


def test_reconnect_over_a_socket() -> None:
    emulator = Emulator(boot_delay=0.02)
    server: SocketServer = serve_socket(emulator)
    board = Board.connect(server.url, timeout=WAIT, max_backoff=0.2)
    configure(board)

    def restart(old: SocketServer | None) -> SocketServer:
        if old is None:
            server.stop()
            return server
        return serve_socket(emulator, port=server.port)

    unplug_and_replug(restart, board, emulator)


def test_a_board_that_reboots_gets_its_configuration_back(
    pty_port: str, emulator: Emulator
) -> None:
    with Board.connect(pty_port, timeout=WAIT) as board:
        configure(board)
        assert emulator.wait_until(lambda e: e.sampling_interval_ms == 5, WAIT)
        emulator.power_on()  # the reset button: the board reboots without the port closing
        check_restored(board, emulator)
        assert board.stats.board_resets == 1
        assert board.state is ConnectionState.CONNECTED


def test_without_reconnect_a_lost_board_closes(emulator: Emulator) -> None:
    server = serve_socket(emulator)
    board = Board.connect(server.url, timeout=WAIT, reconnect=False)
    server.stop()
    assert board.wait_for_state(ConnectionState.CLOSED, WAIT)
    board.close()
