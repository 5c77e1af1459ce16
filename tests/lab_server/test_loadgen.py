"""``kitlab loadgen`` against a real Mosquitto and the lab's ingest: what its report says it
sent is what the store holds, every sample once, the outage's replay historical and never
the live value."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until
from ingest_lab import kits_store

from lab_server.ingest import Ingest
from lab_server.loadgen import LoadGenerator, Outage, kit_ids

LAB = "room-4"


def rows(db: Path) -> list[tuple[str, str, int, int]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT kit, session, seq, historical FROM telemetry ORDER BY kit, seq").fetchall()


@pytest.mark.parametrize("outage, replayed", [
    (Outage(0.5, 0.4), range(10, 18)),  # ticks at 0.5 s up to 0.85 s, at 20 Hz
    (Outage(1.0, 5.0), range(20, 30)),  # the run ends in it: replayed at the end
], ids=["outage-in-the-middle", "outage-at-the-end"])
def test_the_store_holds_every_sample_the_report_names_once(
        mosquitto: Any, tmp_path: Path, outage: Outage, replayed: range) -> None:
    kits = kit_ids("load", 12)
    store = kits_store(tmp_path, tuple(kits))
    ingest = Ingest(store, lab=LAB, url=mosquitto.url, reconnect_delays=(1, 1))
    ingest.start()
    try:
        assert ingest.wait_connected(10)
        report = LoadGenerator(mosquitto.url, LAB, kits, rate=20).run(
            1.5, [outage])
        assert report.acked == report.sent
        wait_until(lambda: ingest.stored >= report.sent, 20, "everything stored")
        assert ingest.duplicates == 0 and not ingest.errors
        stored = rows(tmp_path / "lab.db")
        ticks = report.last_seq - report.first_seq + 1
        assert ticks == 30
        assert len(stored) == len(kits) * ticks == report.live + report.historical
        assert {(kit, seq) for kit, _, seq, _ in stored} == \
            {(kit, seq) for kit in kits for seq in range(ticks)}
        assert all(session == report.sessions[kit] for kit, session, _, _ in stored)
        historical = {seq for _, _, seq, flag in stored if flag}
        assert historical == set(replayed)
        assert report.historical == len(kits) * len(historical)
        with sqlite3.connect(tmp_path / "lab.db") as connection:
            live_seq = connection.execute("SELECT live_seq, state FROM kits WHERE id = ?",
                                          (kits[0],)).fetchone()
        # the live value is the last live sample; its status came too, online then offline
        assert live_seq == (max(set(range(ticks)) - historical), "offline")
    finally:
        ingest.close()
        store.close()


def test_outages_are_read_as_start_and_length() -> None:
    assert Outage.parse("60:30") == Outage(60, 30)
    assert Outage(60, 30).covers(60) and Outage(60, 30).covers(89.9)
    assert not Outage(60, 30).covers(90)
    for bad in ("60", "a:b", "-1:5", "5:0", "1:inf"):
        with pytest.raises(ValueError, match="outage"):
            Outage.parse(bad)


def kitlab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from lab_server.cli import main; main()",
                           *args], capture_output=True, text=True, timeout=60, check=False)


def test_kitlab_loadgen_adds_its_kits_and_prints_what_it_sent(mosquitto: Any,
                                                              tmp_path: Path) -> None:
    config = tmp_path / "lab.toml"
    config.write_text(f'lab = "{LAB}"\ndata_dir = "{tmp_path / "lab"}"\n', encoding="utf-8")
    result = kitlab("--config", str(config), "loadgen", "--broker", mosquitto.url,
                    "--kits", "3", "--rate", "10", "--seconds", "0.3", "--add-kits")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["lab"], report["kits"], report["acked"]) == (LAB, 3, report["sent"])
    assert report["sent"] == 3 * 3 + 2 * 3  # three ticks, and online and offline statuses
    assert sorted(report["sessions"]) == ["load-0001", "load-0002", "load-0003"]
    with sqlite3.connect(tmp_path / "lab" / "lab.db") as connection:
        assert [kit for (kit,) in connection.execute("SELECT id FROM kits ORDER BY id")] == \
            ["load-0001", "load-0002", "load-0003"]


@pytest.mark.parametrize("args, said", [
    (["--outage", "soon"], "START:LENGTH"),
    (["--prefix", "a-very-long-prefix-for-kit-names"], "--prefix"),
])
def test_kitlab_loadgen_refuses_bad_options_by_name(args: list[str], said: str,
                                                   tmp_path: Path) -> None:
    result = kitlab("loadgen", "--broker", "mqtt://127.0.0.1:9", *args)
    assert result.returncode == 2
    assert said in result.stderr and "Traceback" not in result.stderr
