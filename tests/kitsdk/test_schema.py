"""The MQTT v1 schema: topics, round trips, and a named BadMessage for every bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kitsdk.telemetry as telemetry
from kitsdk.exc import BadMessage
from kitsdk.telemetry import (
    ALL_KITS,
    MAX_PAYLOAD,
    THUMBNAIL_MAX,
    Command,
    CommandAck,
    Event,
    Kind,
    Message,
    Running,
    Status,
    Telemetry,
    Topic,
    command_id,
    decode,
    encode,
    kit_filters,
    lab_filters,
    new_id,
    parse_topic,
    shared,
    topic_for,
)

SESSION = "3f9a1c0d2b7e"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4

STATUS = Status(
    state="online",
    session=SESSION,
    profile="rover",
    sdk="0.1.0",
    running=Running(kind="lesson", name="traffic-lights"),
    channels={"distance": {"cm": "cm"}, "button": {"pressed": ""}},
    ts=1_700_000_000.25,
)
TELEMETRY = Telemetry(
    session=SESSION,
    seq=42,
    ts=1_700_000_000.5,
    values={
        "distance": {"cm": 17.5},
        "motors": {"left": 0.5, "right": -1},
        "button": {"pressed": True},
        "light": {"lux": None},
    },
)
EVENTS = [
    Event(session=SESSION, seq=7, ts=1.5, kind="lesson.started", data={"lesson": "l1", "steps": 3}),
    Event(
        session=SESSION,
        seq=8,
        kind="lesson.step_failed",
        data={"lesson": "l1", "step": 2, "title": "Blink", "hint": "Is the LED on pin 17?"},
    ),
    Event(
        session=SESSION,
        seq=9,
        kind="script.crashed",
        data={"script": "drive.py", "error": "ZeroDivisionError", "output": ["a", "b"]},
    ),
    Event(session=SESSION, seq=10, kind="outbox.dropped", data={"count": 12}),
]
COMMANDS = [
    Command(name="stop", issuer="mrs-khan"),
    Command(name="lock", issuer="mrs-khan", args={"message": "Eyes on the board"}, id="c-1"),
    Command(name="identify", issuer="mrs-khan", args={"seconds": 5}),
]
ACKS = [
    CommandAck(id="c-1", outcome="ok"),
    CommandAck(id="c-2", outcome="refused", message="locked"),
    CommandAck(id="c-3", outcome="ok", thumbnail=JPEG),
]
ALL_MESSAGES: list[Message] = [STATUS, STATUS.offline(), TELEMETRY, *EVENTS, *COMMANDS, *ACKS]


def topic_of(msg: Message) -> str:
    return topic_for("room-4", "kit-07", msg.KIND)


def wire(msg: Message) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(encode(msg))
    return obj


def decode_obj(msg: Message, obj: object) -> Message:
    return decode(topic_of(msg), json.dumps(obj).encode())


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("msg", ALL_MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips(msg: Message) -> None:
    payload = encode(msg)
    assert payload.startswith(b'{"v":1,')
    assert decode(topic_of(msg), payload) == msg


def test_commands_round_trip_on_the_lab_wide_topic() -> None:
    topic = topic_for("room-4", ALL_KITS, Kind.CMD)
    assert topic == "kitsdk/v1/room-4/_all/cmd"
    assert decode(topic, encode(COMMANDS[0])) == COMMANDS[0]


def test_the_thumbnail_is_base64_on_the_wire() -> None:
    assert wire(ACKS[2])["thumbnail"].startswith("/9j/")
    assert wire(ACKS[0])["thumbnail"] is None


def test_the_last_will_keeps_the_session() -> None:
    will = STATUS.offline()
    assert (will.state, will.session, will.running) == ("offline", SESSION, None)
    assert will.channels == STATUS.channels


def test_readers_ignore_fields_they_do_not_know() -> None:
    obj = wire(EVENTS[0]) | {"added_in_v1_3": [1, 2]}
    obj["data"]["colour"] = "red"
    assert decode_obj(EVENTS[0], obj) == EVENTS[0]


def test_defaults_fill_ids_and_times() -> None:
    before = time.time()
    cmd = Command(name="reset", issuer="mrs-khan")
    assert before <= cmd.ts <= time.time()
    assert len(cmd.id) == 12
    assert cmd.id != Command(name="reset", issuer="mrs-khan").id
    assert telemetry.check_id(new_id(), "id")


# -- topics --------------------------------------------------------------------------------


def test_parse_topic() -> None:
    assert parse_topic("kitsdk/v1/room-4/kit-07/cmd/ack") == Topic("room-4", "kit-07", Kind.ACK)
    assert parse_topic("kitsdk/v1/room-4/_all/cmd") == Topic("room-4", ALL_KITS, Kind.CMD)
    assert str(Topic("a", "b", Kind.STATUS)) == "kitsdk/v1/a/b/status"


@pytest.mark.parametrize(
    ("topic", "field"),
    [
        ("other/v1/room-4/kit-07/status", "topic"),
        ("kitsdk/v2/room-4/kit-07/status", "topic"),
        ("kitsdk/v1/room-4/kit-07", "topic"),
        ("kitsdk/v1/room-4/kit-07/cmd/ack/x", "topic.kind"),
        ("kitsdk/v1/room-4/kit-07/gossip", "topic.kind"),
        ("kitsdk/v1/Room-4/kit-07/status", "topic.lab"),
        ("kitsdk/v1/room-4/-kit/status", "topic.kit"),
        ("kitsdk/v1/room-4/+/status", "topic.kit"),
        ("kitsdk/v1/room-4//status", "topic.kit"),
        ("kitsdk/v1/room-4/" + "k" * 33 + "/status", "topic.kit"),
        ("kitsdk/v1/room-4/_all/telemetry", "topic.kit"),
    ],
)
def test_foreign_and_malformed_topics_are_refused(topic: str, field: str) -> None:
    with pytest.raises(BadMessage) as caught:
        parse_topic(topic)
    assert caught.value.field == field
    with pytest.raises(BadMessage):
        decode(topic, encode(STATUS))


def test_topic_for_refuses_bad_ids() -> None:
    with pytest.raises(BadMessage, match="topic.kit"):
        topic_for("room-4", "kit_07", Kind.STATUS)


def test_subscription_filters() -> None:
    assert lab_filters("room-4") == [
        "kitsdk/v1/room-4/+/status",
        "kitsdk/v1/room-4/+/telemetry",
        "kitsdk/v1/room-4/+/event",
        "kitsdk/v1/room-4/+/cmd/ack",
    ]
    assert lab_filters(None, (Kind.TELEMETRY,)) == ["kitsdk/v1/+/+/telemetry"]
    assert kit_filters("room-4", "kit-07") == [
        "kitsdk/v1/room-4/kit-07/cmd",
        "kitsdk/v1/room-4/_all/cmd",
    ]
    assert shared("ingest", "kitsdk/v1/+/+/telemetry") == "$share/ingest/kitsdk/v1/+/+/telemetry"
    with pytest.raises(BadMessage, match="group"):
        shared("in/gest", "#")


def test_a_locked_status_carries_the_teachers_words_and_its_will_does_not() -> None:
    locked = replace(STATUS, state="locked", running=None, message="eyes on me")
    wire = encode(locked)
    assert b'"message":"eyes on me"' in wire
    assert decode(topic_for("lab", "kit-1", Kind.STATUS), wire) == locked
    assert b'"message"' not in encode(STATUS)  # optional: an older lab reads the same status
    assert locked.offline().message is None


def test_only_status_is_retained() -> None:
    assert [kind for kind in Kind if kind.retain] == [Kind.STATUS]
    assert telemetry.QOS == 1


# -- bad payloads --------------------------------------------------------------------------


def test_the_error_names_the_field_and_the_value() -> None:
    obj = wire(TELEMETRY)
    obj["values"]["distance"]["cm"] = "abc"
    with pytest.raises(BadMessage) as caught:
        decode_obj(TELEMETRY, obj)
    assert caught.value.field == "telemetry.values.distance.cm"
    assert str(caught.value) == (
        "telemetry.values.distance.cm: expected a finite number, true, false or null, got 'abc'"
    )
    assert isinstance(caught.value, ValueError)


def _set(path: str, value: object) -> Any:
    """A change to a wire object: set the value at a dotted path (``...`` deletes it)."""

    def change(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            obj = obj[key]
        if value is ...:
            del obj[last]
        else:
            obj[last] = value

    return change


BAD = [
    (STATUS, _set("state", "asleep"), "status.state"),
    (STATUS, _set("session", "ABC"), "status.session"),
    (STATUS, _set("profile", ""), "status.profile"),
    (STATUS, _set("sdk", ...), "status.sdk"),
    (STATUS, _set("running", {"kind": "game", "name": "x"}), "status.running.kind"),
    (STATUS, _set("running", {"kind": "script"}), "status.running.name"),
    (STATUS, _set("running", "drive.py"), "status.running"),
    (STATUS, _set("channels.distance.cm", 3), "status.channels.distance.cm"),
    (STATUS, _set("channels.distance", ["cm"]), "status.channels.distance"),
    (STATUS, _set("ts", -1), "status.ts"),
    (TELEMETRY, _set("seq", -1), "telemetry.seq"),
    (TELEMETRY, _set("seq", True), "telemetry.seq"),
    (TELEMETRY, _set("seq", 2.0), "telemetry.seq"),
    (TELEMETRY, _set("seq", 2**63), "telemetry.seq"),
    (TELEMETRY, _set("ts", "now"), "telemetry.ts"),
    (TELEMETRY, _set("historical", 0), "telemetry.historical"),
    (TELEMETRY, _set("values", []), "telemetry.values"),
    (TELEMETRY, _set("values.motors.left", [0.5]), "telemetry.values.motors.left"),
    (TELEMETRY, _set("values.motors.", 1), "telemetry.values.motors key"),
    (TELEMETRY, _set("values.light", 3), "telemetry.values.light"),
    (TELEMETRY, _set("session", ...), "telemetry.session"),
    (EVENTS[0], _set("kind", "party"), "event.kind"),
    (EVENTS[0], _set("data.steps", "three"), "event.data.steps"),
    (EVENTS[0], _set("data.lesson", ...), "event.data.lesson"),
    (EVENTS[0], _set("data", None), "event.data"),
    (EVENTS[2], _set("data.output", ["ok", 3]), "event.data.output[1]"),
    (EVENTS[2], _set("data.output", ["line"] * 51), "event.data.output"),
    (EVENTS[2], _set("data.error", "x" * 2001), "event.data.error"),
    (COMMANDS[0], _set("name", "self-destruct"), "cmd.name"),
    (COMMANDS[0], _set("id", "Has Spaces"), "cmd.id"),
    (COMMANDS[0], _set("issuer", 7), "cmd.issuer"),
    (COMMANDS[1], _set("args.message", ...), "cmd.args.message"),
    (COMMANDS[2], _set("args.seconds", 3600), "cmd.args.seconds"),
    (COMMANDS[2], _set("args", "5"), "cmd.args"),
    (ACKS[0], _set("outcome", "maybe"), "ack.outcome"),
    (ACKS[0], _set("message", None), "ack.message"),
    (ACKS[0], _set("thumbnail", "not base64!"), "ack.thumbnail"),
    (ACKS[0], _set("thumbnail", "iVBORw0KGgo="), "ack.thumbnail"),  # a PNG, not a JPEG
    (ACKS[0], _set("thumbnail", 12), "ack.thumbnail"),
    (ACKS[0], _set("v", 2), "ack.v"),
    (ACKS[0], _set("v", "1"), "ack.v"),
    (ACKS[0], _set("v", ...), "ack.v"),
]


@pytest.mark.parametrize(("msg", "change", "field"), BAD, ids=[b[2] for b in BAD])
def test_every_bad_field_is_named(msg: Message, change: Any, field: str) -> None:
    obj = wire(msg)
    change(obj)
    with pytest.raises(BadMessage) as caught:
        decode_obj(msg, obj)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        (b"\xff\xfe{}", "telemetry", "not UTF-8"),
        (b'{"v":1,', "telemetry", "not JSON"),
        (b"", "telemetry", "not JSON"),
        (b'{"v":1,"seq":NaN}', "telemetry", "NaN"),
        (b"[" * 60_000, "telemetry", "not JSON"),
        (b'{"v":1,"seq":' + b"9" * 5000 + b"}", "telemetry", "not JSON"),
        (b"[1, 2]", "telemetry", "a JSON object"),
        (b"\xef\xbb\xbf{}", "telemetry", "not JSON"),
        (b" " * (MAX_PAYLOAD + 1), "telemetry", "over the limit"),
    ],
)
def test_bad_bytes_are_named(payload: bytes, field: str, words: str) -> None:
    with pytest.raises(BadMessage, match=words) as caught:
        decode(topic_for("room-4", "kit-07", Kind.TELEMETRY), payload)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("before", "after", "field"),
    [
        (b'"ts":1700000000.5', b'"ts":1e400', "telemetry.ts"),
        (b'"left":0.5', b'"left":-1e400', "telemetry.values.motors.left"),
    ],
)
def test_numbers_too_large_for_a_float_are_refused(before: bytes, after: bytes, field: str) -> None:
    payload = encode(TELEMETRY)
    assert before in payload
    with pytest.raises(BadMessage) as caught:
        decode(topic_of(TELEMETRY), payload.replace(before, after))
    assert caught.value.field == field


def test_acks_may_be_larger_for_a_snapshot() -> None:
    big = CommandAck(id="c-9", outcome="ok", thumbnail=JPEG[:4] + bytes(THUMBNAIL_MAX - 4))
    payload = encode(big)
    assert len(payload) > MAX_PAYLOAD
    assert decode(topic_of(big), payload) == big
    with pytest.raises(BadMessage, match="ack.thumbnail"):
        CommandAck(id="c-9", outcome="ok", thumbnail=JPEG[:4] + bytes(THUMBNAIL_MAX))


def test_encode_refuses_oversized_payloads() -> None:
    values = {f"device-{i}": {f"channel-{j}": 1.5 for j in range(64)} for i in range(64)}
    with pytest.raises(BadMessage, match="over the limit"):
        encode(Telemetry(session=SESSION, seq=1, values=values))


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Telemetry(session=SESSION, seq=1, values={"d": {"c": float("nan")}}), "d.c"),
        (lambda: Event(session=SESSION, seq=1, kind="error", data={"source": "x"}), "message"),
        (
            lambda: Event(
                session=SESSION, seq=1, kind="button.pressed", data={"device": "b", "x": 1}
            ),
            "event.data.x",
        ),
        (lambda: Command(name="fly", issuer="t"), "cmd.name"),  # type: ignore[arg-type]
        (lambda: Command(name="stop", issuer="t", args={"force": True}), "cmd.args.force"),
        (lambda: CommandAck(id="c", outcome="ok", thumbnail=b"GIF89a"), "ack.thumbnail"),
        (lambda: Status(**{**STATUS.to_json(), "running": "x"}), "status.running"),
        (lambda: replace(STATUS, running=None, message="eyes on me"), "status.message"),
        (lambda: replace(STATUS, state="locked", message=7), "status.message"),
    ],
)
def test_building_a_bad_message_fails_where_it_is_built(build: Any, field: str) -> None:
    with pytest.raises(BadMessage) as caught:
        build()
    assert caught.value.field.endswith(field)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b'{"v":1,"id":"c-81b0","name":"fly","args":{},"ts":1,"issuer":"t"}', "c-81b0"),
        (b'{"id":"c-81b0"}', "c-81b0"),
        (b'{"id":"Not An Id"}', None),
        (b'{"id":7}', None),
        (b'["c-81b0"]', None),
        (b"\xff", None),
        (b'{"id":"c-1","pad":"' + b"x" * MAX_PAYLOAD + b'"}', None),
    ],
)
def test_command_id_reads_the_id_of_a_refused_command(payload: bytes, expected: str | None) -> None:
    assert command_id(payload) == expected


# -- the reference ---------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "mqtt.md"
EXAMPLE = re.compile(r"`(kitsdk/v1/[^`\s]+)`:\n\n```json\n(.*?)\n```", re.DOTALL)


def test_every_example_in_the_reference_decodes() -> None:
    examples = EXAMPLE.findall(DOCS.read_text(encoding="utf-8"))
    kinds = set()
    for topic, body in examples:
        msg = decode(topic, body.encode())
        assert json.loads(encode(msg)) == json.loads(body)  # nothing in the example was ignored
        kinds.add(msg.KIND)
    assert kinds == set(Kind)
    assert len(examples) >= 10


# -- fuzz ----------------------------------------------------------------------------------

KIND_TOPICS = st.sampled_from([topic_for("room-4", "kit-07", kind) for kind in Kind])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@given(topic=KIND_TOPICS, payload=st.binary(max_size=512))
def test_random_bytes_raise_only_bad_message(topic: str, payload: bytes) -> None:
    try:
        decode(topic, payload)
    except BadMessage:
        return


@given(
    msg=st.sampled_from(ALL_MESSAGES),
    cut=st.integers(0, 10_000),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
)
def test_damaged_payloads_raise_only_bad_message(
    msg: Message, cut: int, edits: list[tuple[int, int]]
) -> None:
    payload = bytearray(encode(msg))
    for at, byte in edits:
        payload[at % len(payload)] = byte
    try:
        decode(topic_of(msg), bytes(payload[: max(cut, len(payload) // 2)]))
    except BadMessage as exc:
        assert exc.field


@given(
    msg=st.sampled_from(ALL_MESSAGES),
    key=st.sampled_from(
        [
            "v",
            "session",
            "seq",
            "ts",
            "values",
            "data",
            "args",
            "kind",
            "name",
            "state",
            "running",
            "channels",
            "id",
            "outcome",
            "thumbnail",
            "x",
        ]
    ),
    value=JSON,
)
def test_random_field_values_raise_only_bad_message(msg: Message, key: str, value: object) -> None:
    obj = wire(msg) | {key: value}
    try:
        assert decode_obj(msg, obj) is not None
    except BadMessage as exc:
        assert exc.field


@given(
    values=st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.dictionaries(
            st.text(min_size=1, max_size=10),
            st.none()
            | st.booleans()
            | st.integers(-(2**53), 2**53)
            | st.floats(allow_nan=False, allow_infinity=False),
            max_size=4,
        ),
        max_size=4,
    ),
    seq=st.integers(0, 2**63 - 1),
    historical=st.booleans(),
)
def test_any_valid_telemetry_round_trips(
    values: dict[str, dict[str, Any]], seq: int, historical: bool
) -> None:
    msg = Telemetry(session=SESSION, seq=seq, values=values, historical=historical)
    assert decode(topic_of(msg), encode(msg)) == msg


# -- the package ---------------------------------------------------------------------------


def test_public_api_is_exported() -> None:
    public = {name for name in vars(telemetry) if not name.startswith("_")}
    modules = {"codec", "fields", "messages", "parts", "topics"}
    assert set(telemetry.__all__) == public - modules
    assert sorted(telemetry.__all__) == sorted(set(telemetry.__all__))


def test_importing_the_schema_loads_no_hardware_or_network_library() -> None:
    code = (
        "import sys, kitsdk.telemetry; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'gpiozero', 'serial', 'paho', 'flask', 'picamera2', 'sqlite3'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
