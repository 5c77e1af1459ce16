"""Properties of the parser on arbitrary input: it never raises, its buffer stays bounded,
and the first whole message after any garbage is decoded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.protocol import FirmataConnection, Role
from firmware_bridge.protocol.constants import BOARD_MAX_SYSEX_PAYLOAD, HOST_MAX_SYSEX_PAYLOAD

from .messages import COMMANDS, EVENTS

chunks = st.lists(st.binary(max_size=64), max_size=40)


@settings(max_examples=300, deadline=None)
@given(chunks)
def test_random_bytes_never_raise_and_stay_bounded(data: list[bytes]) -> None:
    for role, bound in ((Role.HOST, HOST_MAX_SYSEX_PAYLOAD), (Role.BOARD, BOARD_MAX_SYSEX_PAYLOAD)):
        conn = FirmataConnection(role)
        for chunk in data:
            conn.receive_data(chunk)
            assert conn.buffered <= bound + 2
        list(conn.events())


@settings(max_examples=300, deadline=None)
@given(
    garbage=st.binary(max_size=200),
    index=st.integers(min_value=0, max_value=len(EVENTS) - 1),
    split=st.integers(min_value=1, max_value=16),
)
def test_sync_is_regained_at_the_first_message_after_garbage(
    garbage: bytes, index: int, split: int
) -> None:
    message = EVENTS[index]
    data = garbage + FirmataConnection(Role.BOARD).send(message)
    host = FirmataConnection(Role.HOST)
    for i in range(0, len(data), split):
        host.receive_data(data[i : i + split])
    decoded = list(host.events())
    assert decoded and decoded[-1] == message
    assert host.buffered == 0


@settings(max_examples=200, deadline=None)
@given(garbage=st.binary(max_size=100), index=st.integers(0, len(COMMANDS) - 1))
def test_the_board_side_regains_sync_too(garbage: bytes, index: int) -> None:
    message = COMMANDS[index]
    board = FirmataConnection(Role.BOARD)
    board.receive_data(garbage + FirmataConnection(Role.HOST).send(message))
    assert list(board.events())[-1] == message
