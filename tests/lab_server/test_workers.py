"""``kitlab ingest --workers N`` against the machine's PostgreSQL and a real Mosquitto: the
workers split a load generator's run on one shared subscription and the store holds every
message once, also when a worker is killed with SIGKILL mid-run (it comes back under its own
session, and the broker sends it again what it had not acknowledged)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until
from postgres_schema import fresh_schema

from lab_server.config import LabConfig
from lab_server.exc import ConfigError
from lab_server.loadgen import LoadGenerator, LoadReport, kit_ids
from lab_server.store import open_store
from lab_server.workers import worker_configs

LAB = "district-1"
KITS = kit_ids("load", 20)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with fresh_schema("kitlab_workers") as url:
        with open_store(url) as store:
            for kit in KITS:
                store.add_kit(kit)
        yield url


def telemetry_rows(url: str) -> tuple[int, int]:
    """Rows of telemetry, and distinct ``(kit, session, seq)`` among them."""
    import psycopg

    with psycopg.connect(url) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT (kit, session, seq)) FROM telemetry").fetchone()
        return int(total), int(distinct)


class Workers:
    """``kitlab ingest --workers N`` in a process of its own; its stderr, line by line."""

    def __init__(self, config: Path, count: int) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from lab_server.cli import main; main()", "--config",
             str(config), "ingest", "--workers", str(count)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def said(self, pattern: str) -> list[re.Match[str]]:
        return [m for line in list(self.lines) if (m := re.search(pattern, line))]

    def connected(self, worker: int, times: int = 1) -> bool:
        return len(self.said(rf"worker {worker} \(pid \d+\) .*ingest: connected")) >= times

    def pid(self, worker: int) -> int:
        return int(self.said(rf"worker {worker} \(pid (\d+)\)")[-1].group(1))

    def stop(self) -> dict[int, int]:
        """SIGTERM; what each worker said it stored as it ended."""
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(30)
        self._reader.join(10)  # to the end of its stderr
        assert self.process.stderr is not None
        self.process.stderr.close()
        assert status == 0, "\n".join(self.lines)
        return {int(m.group(1)): int(m.group(2))
                for m in self.said(r"kitlab ingest: worker (\d+) .* stored (\d+)")}


def lab_toml(tmp_path: Path, broker: str, store: str) -> Path:
    path = tmp_path / "lab.toml"
    path.write_text(f'lab = "{LAB}"\ndata_dir = "{tmp_path}"\nbroker_url = "{broker}"\n'
                    f'store_url = "{store}"\nclient_id = "ingest-{os.getpid()}"\n',
                    encoding="utf-8")
    return path


def load(broker: str, seconds: float) -> LoadReport:
    report = LoadGenerator(broker, LAB, KITS, rate=20).run(seconds)
    assert report.acked == report.sent
    return report


def test_two_workers_split_the_stream_and_store_every_message_once(
        mosquitto: Any, pg_url: str, tmp_path: Path) -> None:
    before = telemetry_rows(pg_url)[0]
    workers = Workers(lab_toml(tmp_path, mosquitto.url, pg_url), 2)
    try:
        wait_until(lambda: workers.connected(1) and workers.connected(2), 30, "both connected")
        report = load(mosquitto.url, 2.0)
        sent = report.live + report.historical
        wait_until(lambda: telemetry_rows(pg_url)[0] - before == sent, 30, "all stored")
    finally:
        stored = workers.stop()
    total, distinct = telemetry_rows(pg_url)
    assert total == distinct
    assert sorted(stored) == [1, 2]
    assert all(count > 0 for count in stored.values()), stored  # both took a share
    # every status reaches both (never shared): what they stored beyond telemetry is those
    assert sum(stored.values()) == sent + 2 * report.statuses


def test_a_worker_killed_mid_run_comes_back_and_nothing_is_lost(
        mosquitto: Any, pg_url: str, tmp_path: Path) -> None:
    before = telemetry_rows(pg_url)[0]
    workers = Workers(lab_toml(tmp_path, mosquitto.url, pg_url), 2)
    try:
        wait_until(lambda: workers.connected(1) and workers.connected(2), 30, "both connected")
        reports: list[LoadReport] = []
        running = threading.Thread(target=lambda: reports.append(load(mosquitto.url, 3.0)))
        running.start()
        wait_until(lambda: telemetry_rows(pg_url)[0] > before + 100, 10, "the run under way")
        os.kill(workers.pid(1), signal.SIGKILL)
        wait_until(lambda: workers.connected(1, times=2), 30, "worker 1 back")
        running.join(30)
        sent = reports[0].live + reports[0].historical
        wait_until(lambda: telemetry_rows(pg_url)[0] - before == sent, 30, "all stored")
        assert workers.said(r"worker 1 ended \(signal SIGKILL\)")
    finally:
        workers.stop()
    total, distinct = telemetry_rows(pg_url)
    assert total == distinct


def test_workers_need_a_broker_of_their_own_and_mqtt_5() -> None:
    with pytest.raises(ConfigError, match="broker_url"):
        worker_configs(LabConfig(lab=LAB), 2)
    with pytest.raises(ConfigError, match="MQTT 5"):
        worker_configs(LabConfig(lab=LAB, broker_url="mqtt://127.0.0.1:1", mqtt_version=3), 2)
    configs = worker_configs(LabConfig(lab=LAB, broker_url="mqtt://127.0.0.1:1"), 3)
    assert [c.client_id for c in configs] == [f"kitlab-{LAB}-{n}" for n in (1, 2, 3)]
    assert {c.shared_group for c in configs} == {"kitlab"}
