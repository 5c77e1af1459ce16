"""A running ``kitlab serve`` has the threads its config sizes, and no more: kits add none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import tomllib
from pathlib import Path
from typing import Any

from helpers import wait_until
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from kitsdk.telemetry import Kind, Telemetry, encode, topic_for
from lab_server.store import open_store

BACKEND_THREADS = 3
"""The ingest's MQTT network thread, its store writer, and the broker's supervisor."""


def kit_client(toml: str) -> Client:
    """A kit connected with its printed agent.toml."""
    agent = tomllib.loads(toml)
    client = Client(CallbackAPIVersion.VERSION2, client_id=agent["username"],
                    protocol=MQTTProtocolVersion.MQTTv5)
    client.username_pw_set(agent["username"], agent["password"])
    connected = threading.Event()

    def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if not reason.is_failure:
            connected.set()

    client.on_connect = on_connect
    host, port = agent["broker"].removeprefix("mqtt://").split(":")
    client.connect(host, int(port))
    client.loop_start()
    assert connected.wait(10), f"{agent['kit']} could not connect"
    return client


def test_a_lab_with_two_kits_runs_the_threads_its_config_sizes(
        tmp_path: Path, mosquitto_executable: str) -> None:
    streams, requests = 12, 4
    config = tmp_path / "lab.toml"
    config.write_text(f'lab = "room-4"\ndata_dir = "{tmp_path / "lab"}"\nclass_size = {streams}\n'
                      f'[web]\nweb_request_threads = {requests}\n', encoding="utf-8")
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from lab_server.cli import main; main()", "--config",
             str(config), "serve", "--host", "127.0.0.1", "--port", "0"],
            stdout=out, stderr=out)
    clients: list[Any] = []
    try:
        wait_until(lambda: "serving on" in log.read_text(), 30, "the lab serving")
        expected = 1 + streams + requests + BACKEND_THREADS  # + the main thread's web loop
        assert len(os.listdir(f"/proc/{server.pid}/task")) == expected, log.read_text()
        with open_store(f"sqlite:///{tmp_path / 'lab' / 'lab.db'}") as store:
            for kit in ("kit-1", "kit-2"):
                added = subprocess.run(
                    [sys.executable, "-c", "from lab_server.cli import main; main()",
                     "--config", str(config), "kits", "add", kit], capture_output=True,
                    text=True, timeout=60, check=True)
                clients.append(kit_client(added.stdout))
                clients[-1].publish(topic_for("room-4", kit, Kind.TELEMETRY), encode(Telemetry(
                    session="aaaa11112222", seq=1, ts=1.0, values={"light": {"lux": 1.0}})), 1)
            assert len(os.listdir(f"/proc/{server.pid}/task")) == expected  # kits add none
            wait_until(lambda: all(store.latest(kit) for kit in ("kit-1", "kit-2")), 15,
                       "both kits' telemetry stored")
    finally:
        for client in clients:
            client.disconnect()
            client.loop_stop()
        server.send_signal(signal.SIGTERM)
        server.wait(30)
