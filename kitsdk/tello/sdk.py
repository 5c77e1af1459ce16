"""The Tello SDK's text protocol, as plain data and functions (no sockets).

A Tello (and a Tello EDU) is flown by text commands over UDP to port 8889: ``command`` enters
SDK mode, ``takeoff``, ``forward 50``, ``cw 90``, ``land``; each is answered ``ok``, ``error
...`` or, for a question such as ``battery?``, its value. Twice a second or more the drone
sends its state to port 8890 of whoever commanded it, as ``key:value;`` pairs.

The rules live here once, for both ends: the kit's drone checks a command before sending it
(a student's ``forward(1000)`` is refused with the range, nothing is sent), and the
simulated Tello answers ``out of range`` by the same table, as a real one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..exc import BadValue

COMMAND_PORT: Final = 8889
STATE_PORT: Final = 8890
VIDEO_PORT: Final = 11111
#: What a Tello does by itself after this long without a command while flying: it lands.
IDLE_LANDING: Final = 15.0


@dataclass(frozen=True)
class Move:
    """One SDK command that takes a number, and the numbers it accepts."""

    word: str
    low: int
    high: int
    unit: str


#: The commands with a number, by SDK word (SDK 2.0 ranges).
MOVES: Final = {m.word: m for m in (
    Move("up", 20, 500, "cm"), Move("down", 20, 500, "cm"),
    Move("left", 20, 500, "cm"), Move("right", 20, 500, "cm"),
    Move("forward", 20, 500, "cm"), Move("back", 20, 500, "cm"),
    Move("cw", 1, 360, "degrees"), Move("ccw", 1, 360, "degrees"),
    Move("speed", 10, 100, "cm/s"),
)}
#: Commands with no argument that a drone obeys (``stop`` hovers: SDK 3.0, EDU).
PLAIN: Final = frozenset({"command", "takeoff", "land", "emergency", "stop", "keepalive",
                          "streamon", "streamoff", "motoron", "motoroff"})
#: Questions, answered with a value.
QUESTIONS: Final = frozenset({"battery?", "speed?", "time?", "height?", "temp?", "attitude?",
                              "baro?", "tof?", "wifi?", "sdk?", "sn?"})
#: The state fields kitsdk reads, and the type of each (the drone sends more).
STATE_FIELDS: Final = {
    "pitch": int, "roll": int, "yaw": int, "vgx": int, "vgy": int, "vgz": int,
    "templ": int, "temph": int, "tof": int, "h": int, "bat": int, "baro": float,
    "time": int, "agx": float, "agy": float, "agz": float,
}


def move(word: str, amount: float) -> str:
    """The command text for ``word`` by ``amount`` (``move("forward", 50)`` is
    ``"forward 50"``), or ``BadValue`` naming the range: nothing outside it is ever sent."""
    rule = MOVES[word]
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount != amount:
        raise BadValue(f"{word}: {amount!r} is not a number of {rule.unit}",
                       hint=f"use a whole number from {rule.low} to {rule.high}")
    if not rule.low <= amount <= rule.high:
        raise BadValue(f"{word} {amount:g} {rule.unit} is outside the drone's range "
                       f"({rule.low} to {rule.high} {rule.unit})",
                       hint=_split_hint(rule, amount) if amount > rule.high else
                       f"the drone cannot {word} by less than {rule.low} {rule.unit}")
    return f"{word} {round(amount)}"


def _split_hint(rule: Move, amount: float) -> str:
    times = -(-amount // rule.high)
    return f"split it into {times:.0f} moves of at most {rule.high} {rule.unit}"


def check(text: str) -> str | None:
    """Why the drone refuses command ``text`` by the SDK's rules, or None if it is well
    formed (whether it can be obeyed now, flying or not, is the drone's to say)."""
    words = text.split()
    if not words:
        return "error"
    word, args = words[0], words[1:]
    if word in PLAIN or word in QUESTIONS:
        return None if not args else "error"
    if word == "port" and len(args) == 2 and all(a.isdigit() for a in args):
        return None
    rule = MOVES.get(word)
    if rule is None or len(args) != 1:
        return "error"
    try:
        value = int(args[0])
    except ValueError:
        return "error"
    return None if rule.low <= value <= rule.high else "out of range"


def parse_state(text: str) -> dict[str, float]:
    """The fields of a state packet that kitsdk reads; missing or garbled ones are left out
    (a drone's firmware may send fewer), never guessed."""
    state: dict[str, float] = {}
    for field in text.strip().split(";"):
        key, sep, value = field.partition(":")
        kind = STATE_FIELDS.get(key.strip())
        if not sep or kind is None:
            continue
        try:
            state[key.strip()] = kind(value.strip())
        except ValueError:
            continue
    return state


def format_state(state: dict[str, float]) -> str:
    """A state packet as a Tello sends it: ``pitch:0;roll:0;...;agz:-1000.00;\\r\\n``."""
    parts = []
    for key, kind in STATE_FIELDS.items():
        value = state.get(key, 0)
        parts.append(f"{key}:{value:.2f}" if kind is float else f"{key}:{round(value)}")
    return ";".join(parts) + ";\r\n"
