"""The whole Firmata path under fuzz: well-framed messages with arbitrary contents, from an
emulated board over a real pty to the real ``Board`` and its reader thread.

``test_protocol_properties.py`` feeds the parser random bytes, which rarely make a whole
message; here every message is framed right (a command byte and 7-bit data, or a sysex with
a known or unknown id and any body), so the client's handlers meet what a confused sketch
or a flipped bit inside a frame sends: readings for pins that do not exist, replies nobody
asked for, a board that says it rebooted, strings that are not UTF-16. The properties,
after every example: the board stays connected and the next true reading arrives.

Found here, not fixed (firmware_bridge is not this change's): a capability or analog-mapping
response that nobody asked for, after the handshake, replaces the client's pin layout, so
the kit's pins vanish (``board.analog("A2")``: "no channel A2 on this board"). Those two
replies are left out of the general fuzz and pinned by a strict xfail below, which fails
once the client ignores them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_bridge import Board, BoardTimeout, Emulator, LocalProtocolError
from firmware_bridge.protocol import constants as c

from .conftest import WAIT

SEVEN = st.integers(0, 0x7F)
CHANNEL = st.builds(lambda command, low, a, b: bytes([command | low, a, b]),
                    st.sampled_from([c.DIGITAL_MESSAGE, c.ANALOG_MESSAGE]),
                    st.integers(0, 15), SEVEN, SEVEN)
VERSION = st.builds(lambda a, b: bytes([c.REPORT_VERSION, a, b]), SEVEN, SEVEN)
LAYOUT_REPLIES = (c.ANALOG_MAPPING_RESPONSE, c.CAPABILITY_RESPONSE)
SYSEX_IDS = st.sampled_from([c.EXTENDED_ID, c.PIN_STATE_RESPONSE, c.EXTENDED_ANALOG,
                             c.STRING_DATA, c.REPORT_FIRMWARE, 0x77]) | SEVEN.filter(
                                 lambda sysex_id: sysex_id not in LAYOUT_REPLIES)
SYSEX = st.builds(lambda sysex_id, body: bytes([c.START_SYSEX, sysex_id, *body, c.END_SYSEX]),
                  SYSEX_IDS, st.lists(SEVEN, max_size=80))
MESSAGES = st.lists(CHANNEL | VERSION | SYSEX, max_size=8)


@pytest.fixture
def board(pty_port: str) -> Iterator[Board]:
    with Board.connect(pty_port, timeout=WAIT) as connected:
        yield connected


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(messages=MESSAGES, value=st.integers(0, 1023))
def test_whatever_a_board_frames_the_reader_survives_and_reads_on(
        board: Board, emulator: Emulator, messages: list[bytes], value: int) -> None:
    # One board for the whole run, as on a kit: what one example leaves must not harm the next.
    knob = board.analog("A2")
    for message in messages:
        emulator.inject(message)
    emulator.set_analog("A2", value)
    assert knob.wait_for(lambda v: v == value, WAIT) == value
    assert board.connected


@pytest.mark.xfail(strict=True, raises=(BoardTimeout, LocalProtocolError),
                   reason="firmware_bridge: an unasked-for capability or analog-mapping "
                          "reply replaces the pin layout after the handshake")
@pytest.mark.parametrize("reply", LAYOUT_REPLIES, ids=["analog_mapping", "capability"])
def test_a_layout_reply_nobody_asked_for_leaves_the_pins_alone(
        board: Board, emulator: Emulator, reply: int) -> None:
    knob = board.analog("A2")
    emulator.inject(bytes([c.START_SYSEX, reply, 0x7F, c.END_SYSEX]))
    emulator.set_analog("A2", 321)
    assert knob.wait_for(lambda v: v == 321, 2.0) == 321  # a report every 19 ms
    assert board.analog("A2") is knob
