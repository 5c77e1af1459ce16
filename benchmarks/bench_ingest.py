"""Ingest into the SQLite store at QoS 1 against ``mosquitto_sub`` reading the same stream.

    python benchmarks/bench_ingest.py [--messages 50000] [--kits 40]

One run, a private Mosquitto (the lab's limits, anonymous, on a free port), two readers of
the same QoS 1 stream of telemetry: the lab's ``Ingest`` (SQLite store, live hub, PUBACK
after commit) and ``mosquitto_sub``.

A. Live: both connected while a paho publisher sends N messages from K kits as fast as it
   can; each reader's rate from the first publish to its last message (for the ingest: its
   last batch committed and acknowledged). The goal, 0.6 or more, is this ratio.
B. Backlog: both sessions go away, N messages are queued for them, both come back at the
   same moment and drain it: each one's top speed, C against Python.

Then the ingest's cost per message is split into its parts, measured alone on this machine
(decode and check, store write, hub publish), to say what limits it.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from kitsdk.telemetry import Kind, Telemetry, encode, topic_for
from lab_server.hub import LiveHub, Update
from lab_server.ingest import Ingest
from lab_server.intake import decode_inbound
from lab_server.store import Inbound, open_store

LAB = "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_mosquitto(directory: Path, port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    conf = directory / "mosquitto.conf"
    conf.write_text(f"""\
listener {port} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {directory}/
autosave_interval 1
max_queued_messages 5000000
max_inflight_messages 1000
set_tcp_nodelay true
log_dest file {directory}/mosquitto.log
user {pwd.getpwuid(os.geteuid()).pw_name}
""")
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            process.poll()
            if process.returncode is not None:
                break
            threading.Event().wait(0.02)
    raise SystemExit("mosquitto did not start")


def payloads(kits: int, messages: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(messages):
        kit = f"kit-{i % kits:02d}"
        out.append((topic_for(LAB, kit, Kind.TELEMETRY), encode(Telemetry(
            session="3f9a1c0d2b7e", seq=i // kits, ts=1_764_000_000.0 + i / 2000,
            values={"distance": {"cm": 23.4 + i % 7}, "line": {"left": True, "right": False},
                    "motors": {"left": 0.6, "right": 0.4}, "button": {"pressed": False}}))))
    return out


def publish_all(port: int, messages: list[tuple[str, bytes]]) -> None:
    client = Client(CallbackAPIVersion.VERSION2, client_id="bench-pub",
                    protocol=MQTTProtocolVersion.MQTTv311)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    info = None
    for topic, payload in messages:
        info = client.publish(topic, payload, qos=1)
    assert info is not None
    info.wait_for_publish(300)
    client.disconnect()
    client.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--kits", type=int, default=40)
    args = parser.parse_args()
    n = args.messages
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    port = free_port()
    broker = start_mosquitto(work, port)
    store = open_store(f"sqlite:///{work / 'lab.db'}")
    for k in range(args.kits):
        store.add_kit(f"kit-{k:02d}")
    url = f"mqtt://127.0.0.1:{port}"
    topic_filter = f"kitsdk/v1/{LAB}/+/telemetry"
    sub_cmd = ["mosquitto_sub", "-p", str(port), "-q", "1", "-c", "-i", "bench-sub", "-V",
               "mqttv5", "-x", "3600", "-t", topic_filter]
    try:
        messages = payloads(args.kits, n)
        # A. live: both connected while a publisher sends as fast as it can
        hub = LiveHub()
        live = Ingest(store, hub, lab=LAB, url=url, client_id="bench-live")
        live.start()
        assert live.wait_connected(10)
        live_cmd = [("bench-live-sub" if part == "bench-sub" else part) for part in sub_cmd]
        live_sub = subprocess.Popen([*live_cmd, "-C", str(n)], stdout=subprocess.DEVNULL)
        threading.Event().wait(0.5)  # let mosquitto_sub subscribe (it cannot tell us when)
        t0 = time.perf_counter()
        publish_all(port, messages)
        pub_time = time.perf_counter() - t0
        try:
            live_sub.wait(120)
        except subprocess.TimeoutExpired:
            live_sub.kill()
            print("  mosquitto_sub did not get every message within 120 s (it subscribed late?)")
        sub_time = time.perf_counter() - t0
        while live.stored + live.duplicates < n and time.perf_counter() - t0 < 600:
            threading.Event().wait(0.005)
        ingest_time = time.perf_counter() - t0
        live.close()
        print(f"live stream of {n:,} messages from {args.kits} kits (publisher: "
              f"{n / pub_time:,.0f} msg/s):")
        print(f"  mosquitto_sub {n / sub_time:,.0f} msg/s, lab ingest "
              f"{n / ingest_time:,.0f} msg/s: ratio {sub_time / ingest_time:.2f} (goal >= 0.6)")
        store.close()
        (work / "lab.db").unlink()
        store = open_store(f"sqlite:///{work / 'lab2.db'}")
        for k in range(args.kits):
            store.add_kit(f"kit-{k:02d}")
        # B. backlog: both sessions subscribe, then go away
        subprocess.run([*sub_cmd, "-E"], check=True)
        ingest = Ingest(store, LiveHub(), lab=LAB, url=url, client_id="bench-ingest")
        ingest.start()
        assert ingest.wait_connected(10)
        ingest.close()
        # the stream is queued for both
        started = time.perf_counter()
        publish_all(port, messages)
        print(f"queued {n:,} telemetry messages from {args.kits} kits in "
              f"{time.perf_counter() - started:.1f} s")
        # both come back at once and drain the same stream
        hub = LiveHub()
        watcher = hub.subscribe()
        ingest = Ingest(store, hub, lab=LAB, url=url, client_id="bench-ingest")
        t0 = time.perf_counter()
        sub = subprocess.Popen([*sub_cmd, "-C", str(n)], stdout=subprocess.DEVNULL)
        ingest.start()
        sub.wait(600)
        sub_time = time.perf_counter() - t0
        done = threading.Event()
        while ingest.stored + ingest.duplicates < n and not done.wait(0.005):
            if time.perf_counter() - t0 > 600:
                break
        ingest_time = time.perf_counter() - t0
        stats = ingest.stats()
        ingest.close()
        watcher.close()
        sub_rate, ingest_rate = n / sub_time, (stats["stored"] + stats["duplicates"]) / ingest_time
        print("backlog drained by both at once:")
        print(f"  mosquitto_sub: {n:,} messages in {sub_time:.2f} s = {sub_rate:,.0f} msg/s")
        print(f"  lab ingest:    {stats['stored']:,} stored ({stats['duplicates']} duplicates) "
              f"in {ingest_time:.2f} s = {ingest_rate:,.0f} msg/s "
              f"(errors {stats['errors'] or 'none'})")
        print(f"  ratio ingest / mosquitto_sub: {ingest_rate / sub_rate:.2f}")
        rows = len(store.series("kit-00", 0, limit=10**9))
        print(f"check: kit-00 has {rows:,} rows in the store (expected {n // args.kits:,})")
    finally:
        store.close()
        broker.terminate()
        broker.wait(10)
    # C. where an ingested message's time goes, each part alone
    sample = messages[: min(n, 20_000)]
    t = time.perf_counter()
    decoded = [decode_inbound(topic, payload, LAB) for topic, payload in sample]
    decode_us = (time.perf_counter() - t) / len(sample) * 1e6
    with open_store(f"sqlite:///{work / 'parts.db'}") as parts:
        now = time.time()
        inbound = [Inbound(kit, msg, now) for kit, msg in decoded]
        t = time.perf_counter()
        for i in range(0, len(inbound), 500):
            parts.write(inbound[i:i + 500])
        write_us = (time.perf_counter() - t) / len(sample) * 1e6
    hub = LiveHub()
    t = time.perf_counter()
    for kit, msg in decoded:
        hub.publish(Update("telemetry", kit, {"values": msg.values}, now))  # type: ignore[union-attr]
    hub_us = (time.perf_counter() - t) / len(sample) * 1e6
    print(f"per message, alone: decode+check {decode_us:.1f} us, SQLite write (batches of "
          f"500) {write_us:.1f} us, hub publish {hub_us:.1f} us; the rest is paho (packet "
          f"parsing, PUBACKs) and sharing {os.cpu_count()} cores with the broker and "
          f"mosquitto_sub")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
