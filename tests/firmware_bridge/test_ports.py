"""Finding boards among the serial ports, by USB vendor and product id."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from firmware_bridge import BoardNotFound, describe_ports, find_board, list_ports


@dataclass
class FakePort:
    """Shaped like pyserial's ListPortInfo."""

    device: str
    description: str = "n/a"
    vid: int | None = None
    pid: int | None = None


UNO = FakePort("/dev/ttyACM0", "Arduino Uno", 0x2341, 0x0043)
PICO = FakePort("/dev/ttyACM1", "Board CDC", 0x2E8A, 0x000A)
CLONE = FakePort("/dev/ttyUSB0", "USB Serial", 0x1A86, 0x7523)
BUILTIN = FakePort("/dev/ttyAMA0", "ttyAMA0")


def test_boards_are_recognised_and_listed_first() -> None:
    ports = list_ports([BUILTIN, CLONE, UNO])
    assert [p.device for p in ports] == ["/dev/ttyACM0", "/dev/ttyUSB0", "/dev/ttyAMA0"]
    assert ports[0].board == "Arduino Uno" and ports[0].is_board
    assert "CH340" in (ports[1].board or "") and not ports[1].is_board
    assert ports[2].board is None
    assert str(ports[0]) == "/dev/ttyACM0 (Arduino Uno) [2341:0043]"


def test_find_board_prefers_a_genuine_board_over_a_usb_serial_chip() -> None:
    assert find_board(list_ports([CLONE, UNO, BUILTIN])) == "/dev/ttyACM0"
    assert find_board(list_ports([CLONE, BUILTIN])) == "/dev/ttyUSB0"
    assert find_board(list_ports([PICO])) == "/dev/ttyACM1"


def test_find_board_explains_none_and_several() -> None:
    with pytest.raises(BoardNotFound, match=r"No Arduino or Pico.*ttyAMA0"):
        find_board(list_ports([BUILTIN]))
    with pytest.raises(BoardNotFound, match=r"Several boards.*ttyACM0.*ttyACM1"):
        find_board(list_ports([UNO, PICO]))
    with pytest.raises(ConnectionError, match="No serial ports were found"):
        find_board([])


def test_describe_ports_reads_like_a_sentence() -> None:
    assert describe_ports(list_ports([UNO])) == (
        "Serial ports found: /dev/ttyACM0 (Arduino Uno) [2341:0043]."
    )


def test_the_real_machine_can_be_listed() -> None:
    assert isinstance(list_ports(), list)
