"""A poison message from a kit with valid credentials, through the lab's own Mosquitto, the
ingest and the store, seen on ``/health``: refused, counted, acknowledged, and never in the
way of another kit's stream. And ``/health`` says so when the ingest stops storing."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from flask.testing import FlaskClient
from helpers import wait_until
from ingest_lab import FaultyStore

from kitsdk.telemetry import Kind, topic_for
from lab_server.exc import StoreUnavailable


def _poison(session: str) -> bytes:
    """Valid JSON, valid schema, but a device name that is a lone surrogate: ``json.dumps``
    writes it as the escape ``"\\udc80bad"``, which no UTF-8 store can hold."""
    return json.dumps({"v": 1, "session": session, "seq": 1, "ts": time.time(),
                       "historical": False, "values": {"\udc80bad": {"x": 1.0}}}).encode()


def _health(client: FlaskClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/health", headers={"Accept": "application/json"})
    return response.status_code, response.get_json()


def test_a_lone_surrogate_is_refused_and_another_kits_stream_is_stored_complete(
        services: Any, lab: Any, client: FlaskClient) -> None:
    good, poisoner = lab.kit("kit-1"), lab.kit("kit-2")
    poisoner.client.publish(topic_for(services.config.lab, "kit-2", Kind.TELEMETRY),
                            _poison(poisoner.session), qos=1).wait_for_publish(10)
    for _ in range(1000):
        good.telemetry(cm=1.0)
    wait_until(lambda: len(services.store.series("kit-1", 0)) == 1000, 30,
               "every one of kit-1's 1,000 samples stored")
    wait_until(lambda: _health(client)[1]["ingest"]["pending"] == 0, 10,
               "every message written or refused, and acknowledged")
    status, health = _health(client)
    assert status == 200 and health["ok"] is True
    assert health["errors"] == {"bad_text": 1}
    assert "lone surrogate" in health["last_errors"]["bad_text"]
    assert services.store.series("kit-2", 0) == []


def test_health_is_not_ok_while_messages_arrive_and_nothing_is_stored(
        services: Any, lab: Any, teacher: FlaskClient) -> None:
    client = teacher
    kit = lab.kit("kit-1")
    assert _health(client)[0] == 200
    ingest = services.ingest
    down = threading.Event()
    down.set()
    ingest.store = FaultyStore(ingest.store, lambda _: StoreUnavailable(
        "PostgreSQL at db: connection refused") if down.is_set() else None)
    ingest.stall_after = 0.5
    kit.telemetry(cm=3.0)
    wait_until(lambda: _health(client)[0] == 503, 10, "/health not ok while nothing is stored")
    status, health = _health(client)
    assert health["ok"] is False and health["ingest"]["pending"] == 1
    assert "stored nothing" in " ".join(health["problems"])
    html = client.get("/health", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "stored nothing" in html
    for page in ("/", "/kits/kit-1", "/lab-state"):  # the teacher's pages say so too
        assert "stopped storing readings" in client.get(page).get_data(as_text=True), page
    down.clear()  # the database is back
    wait_until(lambda: services.store.latest("kit-1") == {
        "distance": {"cm": 3.0}, "motors": {"left": 0.0, "right": 0.0}}, 10, "stored after")
    wait_until(lambda: _health(client)[0] == 200, 10, "/health ok again")
    assert "stopped storing" not in client.get("/lab-state").get_data(as_text=True)


def test_health_names_a_broker_that_is_down(services: Any, client: FlaskClient) -> None:
    assert _health(client)[0] == 200
    services.broker_process.stop()  # for good: a broker that restarts itself comes back later
    # /health goes 503 as soon as the broker process is gone; the ingest notices the lost
    # connection a moment later (the socket's close), and only then knows since when
    wait_until(lambda: _health(client)[1]["broker"]["down_since"] is not None, 10,
               "the ingest never noticed its broker is gone")
    status, health = _health(client)
    assert status == 503 and health["ok"] is False
    assert any("not connected to its broker" in p for p in health["problems"])
