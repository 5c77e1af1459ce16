"""The live stream: SSE framing, batching, filtering, limits and clean-up."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import wait_until

from lab_server.app import create_app
from lab_server.app import lab as web_lab


class Stream:
    """Reads an SSE response chunk by chunk on a thread, so a test can wait on what came."""

    def __init__(self, client: FlaskClient, url: str = "/live", **kwargs: Any) -> None:
        self.gone = threading.Event()  # what waitress.client_disconnected would say
        kwargs.setdefault("environ_base", {"waitress.client_disconnected": self.gone.is_set})
        self.response = client.get(url, buffered=False, **kwargs)
        self.chunks: list[str] = []
        self.ended = threading.Event()
        if self.response.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for chunk in self.response.response:
                self.chunks.append(chunk.decode())
        finally:
            self.ended.set()

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def batches(self) -> list[list[dict[str, Any]]]:
        found = []
        for block in self.text.split("\n\n"):
            lines = dict(line.split(": ", 1) for line in block.splitlines()
                         if not line.startswith(":") and ": " in line)
            if lines.get("event") == "updates":
                found.append(json.loads(lines["data"]))
        return found

    def updates(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [u for batch in self.batches() for u in batch if kind in (None, u["kind"])]

    def close(self) -> None:
        """As the server would: the client goes, the stream notices, then it is closed."""
        self.gone.set()
        self.ended.wait(5)
        self.response.close()


@pytest.fixture
def streams() -> Iterator[list[Stream]]:
    opened: list[Stream] = []
    yield opened
    for stream in opened:
        stream.close()


def open_stream(streams: list[Stream], client: FlaskClient, url: str = "/live",
                **kwargs: Any) -> Stream:
    stream = Stream(client, url, **kwargs)
    streams.append(stream)
    return stream


def values_of(update: dict[str, Any]) -> dict[str, Any]:
    data = update["data"]
    return data.get("values", data)  # type: ignore[no-any-return]


def test_sse_framing(teacher: FlaskClient, lab: Any, streams: list[Stream]) -> None:
    sim = lab.kit("kit-1")
    stream = open_stream(streams, teacher)
    assert stream.response.status_code == 200
    assert stream.response.mimetype == "text/event-stream"
    assert stream.response.headers["Cache-Control"].startswith("no-cache")
    wait_until(lambda: stream.chunks, 5, "the stream's first chunk")
    assert stream.chunks[0].startswith("retry: 2000\n")
    sim.telemetry(cm=42.0)
    wait_until(lambda: stream.updates("telemetry"), 10, "a telemetry update")
    event = next(c for c in stream.chunks if "event: updates" in c)
    lines = event.split("\n")
    assert lines[0] == "id: 1" and lines[1] == "event: updates"
    assert lines[2].startswith("data: [") and lines[3:] == ["", ""]
    update = stream.updates("telemetry")[0]
    assert update["kit"] == "kit-1" and values_of(update)["distance"]["cm"] == 42.0
    assert update["ts"] > 0


def test_status_events_and_acks_arrive(teacher: FlaskClient, lab: Any, post: Any,
                                       streams: list[Stream]) -> None:
    sim = lab.kit("kit-1")
    stream = open_stream(streams, teacher)
    wait_until(lambda: stream.chunks, 5, "the stream open")
    sim.event("script.started", script="drive.py")
    sent = post(teacher, "/api/kits/kit-1/commands", json={"name": "lock",
                                                           "args": {"message": "hands off"}})
    command_id = sent.get_json()["id"]
    wait_until(lambda: stream.updates("ack") and any(
        u["data"].get("state") == "locked" for u in stream.updates("status")), 10,
        "the ack and the locked status")
    ack = stream.updates("ack")[0]
    assert ack["kit"] == "kit-1"
    assert command_id in (ack["data"].get("id"), ack["data"].get("command_id"))
    assert ack["data"]["outcome"] == "ok"
    assert stream.updates("event")[0]["data"]["kind"] == "script.started"


def test_a_snapshot_ack_carries_the_jpeg_as_base64(teacher: FlaskClient, lab: Any, post: Any,
                                                    streams: list[Stream]) -> None:
    lab.kit("kit-1")
    stream = open_stream(streams, teacher, "/live?kits=kit-1")
    wait_until(lambda: stream.chunks, 5, "the stream open")
    command_id = post(teacher, "/api/kits/kit-1/commands", json={"name": "snapshot"}
                      ).get_json()["id"]
    wait_until(lambda: stream.updates("ack"), 10, "the snapshot's ack")
    import base64

    data = stream.updates("ack")[0]["data"]
    thumbnail = data.get("thumbnail")
    if thumbnail is None:  # the live update says there is one; the acks API has it
        assert data["has_thumbnail"] is True
        acks = teacher.get(f"/api/commands/{command_id}/acks").get_json()["acks"]
        thumbnail = acks[0]["thumbnail"]
    assert base64.b64decode(thumbnail).startswith(b"\xff\xd8\xff")


def test_updates_are_batched_and_coalesced(teacher: FlaskClient, lab: Any,
                                           streams: list[Stream]) -> None:
    sim = lab.kit("kit-1")
    stream = open_stream(streams, teacher)
    wait_until(lambda: stream.chunks, 5, "the stream open")
    for cm in range(1, 51):
        sim.telemetry(cm=float(cm))
    wait_until(lambda: any(values_of(u)["distance"]["cm"] == 50.0
                           for u in stream.updates("telemetry")), 10, "the newest reading")
    telemetry = stream.updates("telemetry")
    assert len(telemetry) < 50  # coalesced: the newest value, not every sample
    for batch in stream.batches():
        kits = [u["kit"] for u in batch if u["kind"] == "telemetry"]
        assert len(kits) == len(set(kits))  # at most one telemetry per kit per batch


def test_a_stream_for_some_kits(teacher: FlaskClient, lab: Any, streams: list[Stream]) -> None:
    one, two = lab.kit("kit-1"), lab.kit("kit-2")
    stream = open_stream(streams, teacher, "/live?kits=kit-2")
    wait_until(lambda: stream.chunks, 5, "the stream open")
    one.telemetry(cm=1.0)
    two.telemetry(cm=2.0)
    wait_until(lambda: stream.updates("telemetry"), 10, "kit-2's reading")
    one.telemetry(cm=3.0)
    two.telemetry(cm=4.0)
    wait_until(lambda: any(values_of(u)["distance"]["cm"] == 4.0
                           for u in stream.updates("telemetry")), 10, "kit-2's second")
    assert {u["kit"] for u in stream.updates()} == {"kit-2"}


@pytest.mark.parametrize("kits", ["Kit 1", "a,b/c", ",".join(f"k{n}" for n in range(201))])
def test_bad_kit_lists_are_refused(teacher: FlaskClient, kits: str) -> None:
    assert teacher.get(f"/live?kits={kits}").status_code == 400


def test_heartbeats_keep_a_quiet_stream_open(teacher: FlaskClient, streams: list[Stream]
                                             ) -> None:
    stream = open_stream(streams, teacher)
    wait_until(lambda: ": keep-alive\n\n" in stream.chunks, 5, "a heartbeat")


def test_the_stream_limit(services: Any, login: Any, streams: list[Stream]) -> None:
    app = create_app({"TESTING": True, "LIVE_MAX_STREAMS": 2, "LIVE_POLL": 0.05}, services)
    client = app.test_client()
    login(client, "mentor")
    first, _second = open_stream(streams, client), open_stream(streams, client)
    third = client.get("/live")
    assert third.status_code == 503 and third.headers["Retry-After"] == "5"
    assert client.get("/health").get_json()["web"]["live_streams"] == 2
    first.close()
    fourth = open_stream(streams, client)
    assert fourth.response.status_code == 200


def test_closing_a_stream_frees_its_subscription(app: Flask, teacher: FlaskClient,
                                                 services: Any) -> None:
    before = services.hub.subscriptions
    stream = Stream(teacher)
    wait_until(lambda: stream.chunks, 5, "the stream open")
    assert services.hub.subscriptions == before + 1
    stream.close()
    assert services.hub.subscriptions == before
    assert web_lab(app).state["live_gate"].open == 0


def test_a_stream_closed_before_its_first_chunk_is_cleaned_up(app: Flask, teacher: FlaskClient,
                                                              services: Any) -> None:
    before = services.hub.subscriptions
    response = teacher.get("/live", buffered=False)
    response.close()
    assert services.hub.subscriptions == before
    assert web_lab(app).state["live_gate"].open == 0


def test_a_gone_client_ends_its_stream(teacher: FlaskClient, app: Flask) -> None:
    stream = Stream(teacher)
    wait_until(lambda: stream.chunks, 5, "the stream open")
    stream.gone.set()
    assert stream.ended.wait(5)
    stream.close()
    assert web_lab(app).state["live_gate"].open == 0


def test_stopping_the_server_ends_every_stream(teacher: FlaskClient, app: Flask) -> None:
    stream = Stream(teacher)
    wait_until(lambda: stream.chunks, 5, "the stream open")
    web_lab(app).state["live_gate"].stopping.set()
    assert stream.ended.wait(5)
    stream.close()
    assert teacher.get("/live").status_code == 503


def test_an_update_is_encoded_once_for_every_stream() -> None:
    from lab_server.hub import Update
    from lab_server.web.live import EncodedUpdates, frame

    encode = EncodedUpdates(size=2)
    update = Update("telemetry", "kit-1", {"values": {"d": {"cm": 1.5}}}, 10.0)
    first = encode(update)
    assert encode(update) is first  # the second stream reuses the bytes
    assert json.loads(first) == {"kind": "telemetry", "kit": "kit-1", "ts": 10.0,
                                 "data": {"values": {"d": {"cm": 1.5}}}}
    for n in range(3):
        encode(Update("status", f"kit-{n}", {}, 1.0))
    assert encode(update) is not first and encode(update) == first  # evicted, re-encoded
    assert frame(7, [update], encode) == (b"id: 7\nevent: updates\ndata: [" + first
                                          + b"]\n\n")
