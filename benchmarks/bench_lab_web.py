"""The lab server's web side under a classroom's load: printed figures, not a timed test.

    python benchmarks/bench_lab_web.py                 # about a minute
    python benchmarks/bench_lab_web.py --hold 300      # streams held for 5 minutes

1. **Streams**: 100 live streams (SSE, raw sockets) held for ``--hold`` seconds while request
   workers load pages, the JSON API and commands; reports request p50/p99 and whether any
   stream was cut (each must still be open and have received data or a heartbeat within
   the last heartbeat interval).
2. **Latency**: 40 simulated kits at 20 Hz; for each telemetry update a stream receives,
   now minus the sample's ``ts`` (one clock: everything runs here), p50 and p99.
3. **Stop all**: a Stop to every kit (``_all``), timed until all 40 acks have arrived on a
   live stream; repeated ``--rounds`` times, p50 and p99.

With the backend (``lab_server.services``) the kits are MQTT clients of the lab's own broker,
so the latency covers broker, ingest, store, hub and web. Without it, the kits publish
straight into the real ``LiveHub`` behind the real web app (web side only), which the output
says. Everything talks to 127.0.0.1 only, and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import itertools
import json
import selectors
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.security import generate_password_hash

LAB = "bench"
REAL = importlib.util.find_spec("lab_server.services") is not None


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- a lab to measure ------------------------------------------------------------------------

class HubKit:
    """A kit without MQTT: its messages go straight to the stand-in's hub (web side only)."""

    def __init__(self, services: Any, kit: str) -> None:
        self.services, self.id = services, kit

    def telemetry(self, seq: int, cm: float) -> None:
        from lab_server.hub import Update

        now = time.time()
        values = {"distance": {"cm": cm}, "drive": {"left": 0.5, "right": 0.5}}
        self.services.store.latest_values[self.id] = values
        self.services.hub.publish(Update("telemetry", self.id, {"values": values, "ts": now},
                                         now))

    def ack(self, command_id: str) -> None:
        from lab_server.hub import Update

        self.services.hub.publish(Update("ack", self.id, {"id": command_id, "outcome": "ok"}))

    def close(self) -> None:
        pass


class StandIn:
    """The real LiveHub with a minimal store and ingest, when the backend is not there."""

    def __init__(self, data_dir: Path) -> None:
        from lab_server.hub import LiveHub

        self.config = argparse.Namespace(lab=LAB, data_dir=data_dir, web={})
        self.hub = LiveHub(window=0.05)
        self.broker = argparse.Namespace(kind="none", url="mqtt://127.0.0.1:1", limits={})
        self.store = StandInStore()
        self.ingest = self
        self.kits: list[HubKit] = []
        self._ids = itertools.count(1)

    def send_command(self, kit: str, name: str, args: Any, issuer: str) -> Any:
        command = argparse.Namespace(id=f"c-{next(self._ids)}", name=name)
        for target in self.kits:
            if kit in ("_all", target.id):
                target.ack(command.id)
        return {"id": command.id, "name": name}

    def health(self) -> dict[str, Any]:
        return {"broker": {"kind": "none"}}

    def close(self) -> None:
        self.hub.close()


class StandInStore:
    def __init__(self) -> None:
        self.users_: dict[str, Any] = {}
        self.tokens: dict[str, str] = {}
        self.kit_ids: list[str] = []
        self.latest_values: dict[str, Any] = {}

    def add_user(self, name: str, role: str, password_hash: str) -> None:
        self.users_[name] = argparse.Namespace(name=name, role=role, password_hash=password_hash)

    def user(self, name: str) -> Any:
        return self.users_.get(name)

    def set_token(self, name: str, token_hash: str) -> None:
        self.tokens[token_hash] = name

    def user_by_token(self, token_hash: str) -> Any:
        return self.users_.get(self.tokens.get(token_hash, ""))

    def add_kit(self, kit: str, team: str | None = None) -> Any:
        self.kit_ids.append(kit)
        return argparse.Namespace(kit=kit, username=kit, password="x")

    def kits(self) -> list[Any]:
        return [argparse.Namespace(id=k, team=None, state="online", last_seen=time.time(),
                                   profile="rover", running=None, lesson=None, channels={})
                for k in self.kit_ids]

    def kit(self, kit: str) -> Any:
        return next((k for k in self.kits() if k.id == kit), None)

    def latest(self, kit: str) -> Any:
        return self.latest_values.get(kit, {})

    def events(self, kit: str | None = None, since: float | None = None, limit: int = 200
               ) -> list[Any]:
        return []


class MqttKit:
    """A kit over MQTT with its own credentials; answers every command with an ok ack."""

    def __init__(self, services: Any, kit: str, credentials: Any) -> None:
        from paho.mqtt.client import Client
        from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

        from kitsdk.telemetry import Kind, kit_filters, new_id, topic_for

        self.id = kit
        self.session = new_id()
        self.topics = {str(kind): topic_for(LAB, kit, kind) for kind in Kind}
        subscribed = threading.Event()
        self.client = Client(CallbackAPIVersion.VERSION2, client_id=credentials.username,
                             protocol=MQTTProtocolVersion.MQTTv5)
        self.client.username_pw_set(credentials.username, credentials.password)
        self.client.on_connect = lambda c, *a: c.subscribe([(f, 1) for f in
                                                            kit_filters(LAB, kit)])
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.on_message = self._on_command
        host, port = str(services.broker.url).removeprefix("mqtt://").split(":")
        self.client.connect(host, int(port), keepalive=30)
        self.client.loop_start()
        if not subscribed.wait(10):
            raise RuntimeError(f"bench kit {kit} could not subscribe")
        self._status()

    def _status(self) -> None:
        from kitsdk.telemetry import Status, encode

        status = Status(state="online", session=self.session, ts=time.time(), profile="rover",
                        sdk="bench", running=None,
                        channels={"distance": {"cm": "cm"}, "drive": {"left": "", "right": ""}})
        self.client.publish(self.topics["status"], encode(status), qos=1, retain=True)

    def telemetry(self, seq: int, cm: float) -> None:
        from kitsdk.telemetry import Telemetry, encode

        message = Telemetry(session=self.session, seq=seq, ts=time.time(),
                            values={"distance": {"cm": cm}, "drive": {"left": 0.5,
                                                                      "right": 0.5}})
        self.client.publish(self.topics["telemetry"], encode(message), qos=1)

    def _on_command(self, client: Any, userdata: Any, message: Any) -> None:
        from kitsdk.telemetry import CommandAck, decode, encode

        command = decode(message.topic, bytes(message.payload))
        ack = CommandAck(id=command.id, outcome="ok", message="", ts=time.time())
        client.publish(self.topics["cmd/ack"], encode(ack), qos=1)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


# --- SSE clients on raw sockets, one reader thread for all of them ------------------------

class Streams:
    def __init__(self, port: int, token: str, count: int, path: str = "/live") -> None:
        self.selector = selectors.DefaultSelector()
        self.socks: list[socket.socket] = []
        self.last_data: dict[int, float] = {}
        self.closed: set[int] = set()
        self.latencies: list[float] = []
        self.acks: dict[str, set[str]] = {}
        self.ack_times: dict[str, float] = {}
        self.ack_goal = 0
        self.stop = threading.Event()
        self._buffers: dict[int, bytes] = {}
        for number in range(count):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream"
                         f"\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ, number)
            self.socks.append(sock)
            self._buffers[number] = b""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            for key, _ in self.selector.select(timeout=0.2):
                number = key.data
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                now = time.time()
                if not data:
                    self.closed.add(number)
                    self.selector.unregister(key.fileobj)
                    continue
                self.last_data[number] = now
                buffer = self._buffers[number] + data
                *lines, self._buffers[number] = buffer.split(b"\n")
                for line in lines if number < 10 else ():
                    if line.startswith(b"data: ["):
                        self._batch(json.loads(line[6:]), now, number)

    def _batch(self, updates: list[dict[str, Any]], now: float, number: int) -> None:
        """Only 10 streams are parsed (a browser parses in its own process, not ours)."""
        for update in updates:
            if update["kind"] == "telemetry":
                ts = update["data"].get("ts", update["ts"])
                self.latencies.append(now - ts)
            elif update["kind"] == "ack" and number == 0:
                command = update["data"].get("id") or update["data"].get("command_id")
                kits = self.acks.setdefault(command, set())
                kits.add(update["kit"])
                if len(kits) == self.ack_goal:
                    self.ack_times[command] = now

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for sock in self.socks:
            sock.close()


# --- the run -----------------------------------------------------------------------------

def request_worker(port: int, token: str, kit: str, until: float, times: list[float],
                   errors: list[str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    requests = [("GET", "/", None), ("GET", "/api/kits", None),
                ("GET", f"/kits/{kit}", None), ("GET", "/health", None),
                ("POST", f"/api/kits/{kit}/commands", json.dumps({"name": "identify",
                                                                  "args": {"seconds": 1}}))]
    pause = threading.Event()
    for method, path, body in itertools.cycle(requests):
        if time.monotonic() > until:
            break
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                errors.append(f"{method} {path}: {response.status}")
        except OSError as exc:
            errors.append(f"{method} {path}: {exc}")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        times.append(time.perf_counter() - start)
        pause.wait(0.02)  # a teacher's clicks, not a flood: about 50 requests/s per worker


def serve(args: argparse.Namespace) -> int:
    """The server process: services, web server, and (without the backend) the kits."""
    from lab_server.app import create_app
    from lab_server.web.access import new_token, token_hash
    from lab_server.web.server import WebServer

    data_dir = Path(tempfile.mkdtemp(prefix="bench-lab-web-"))
    if REAL:
        from lab_server.config import LabConfig
        from lab_server.services import start_services

        services: Any = start_services(LabConfig(lab=LAB, data_dir=data_dir))
    else:
        services = StandIn(data_dir)
    services.store.add_user("bench", "teacher", generate_password_hash("bench-password"))
    token = new_token()
    services.store.set_token("bench", token_hash(token))
    credentials = {}
    for number in range(1, args.kits + 1):
        made = services.store.add_kit(f"kit-{number}")
        credentials[f"kit-{number}"] = [made.username, made.password]
        if not REAL:
            services.kits.append(HubKit(services, f"kit-{number}"))
    app = create_app({"LIVE_MAX_STREAMS": max(200, args.streams + 10)}, services)
    server = WebServer(app, "127.0.0.1", 0).start()
    stop = threading.Event()
    feeder = None
    if not REAL:
        feeder = threading.Thread(target=run_kits, args=(services.kits, args.rate, stop),
                                  daemon=True)
        feeder.start()
    print(json.dumps({"port": server.port, "token": token, "threads": server.threads,
                      "broker": str(services.broker.url), "kits": credentials,
                      "heartbeat": app.config["LIVE_HEARTBEAT"]}), flush=True)
    sys.stdin.read()  # until the measuring process closes our stdin
    stop.set()
    if feeder is not None:
        feeder.join(5)
    server.close()
    services.close()
    return 0


def run_kits(kits: list[Any], rate: float, stop: threading.Event) -> None:
    period = 1.0 / rate
    next_tick = time.monotonic()
    for seq in itertools.count(1):
        if stop.is_set():
            return
        for kit in kits:
            kit.telemetry(seq, 20.0 + seq % 50)
        next_tick += period
        stop.wait(max(0.0, next_tick - time.monotonic()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--hold", type=float, default=20.0, help="seconds (300: 5 minutes)")
    parser.add_argument("--kits", type=int, default=40)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args)

    import subprocess

    server = subprocess.Popen([sys.executable, __file__, "--serve", *sys.argv[1:]],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    info = json.loads(server.stdout.readline())
    port, token = info["port"], info["token"]
    path = ("full path (kits over MQTT, broker, ingest, store, hub, web)" if REAL else
            "web side only (kits publish straight into the LiveHub; no backend yet)")
    print(f"lab server web bench: {path}; server in its own process, waitress "
          f"{info['threads']} threads; {args.streams} streams, {args.kits} kits at "
          f"{args.rate:g} Hz, {args.workers} request workers for {args.hold:g} s")
    stop_kits = threading.Event()
    kits: list[Any] = []
    if REAL:
        services = argparse.Namespace(broker=argparse.Namespace(url=info["broker"]))
        for kit, (username, password) in info["kits"].items():
            kits.append(MqttKit(services, kit, argparse.Namespace(username=username,
                                                                  password=password)))
        threading.Thread(target=run_kits, args=(kits, args.rate, stop_kits),
                         daemon=True).start()

    streams = Streams(port, token, args.streams)
    streams.ack_goal = args.kits
    times: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + args.hold
    workers = [threading.Thread(target=request_worker, daemon=True,
                                args=(port, token, f"kit-{n % args.kits + 1}", until,
                                      times, errors)) for n in range(args.workers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(args.hold + 30)
    now = time.time()
    heartbeat = float(info["heartbeat"])
    stale = [n for n in range(args.streams) if now - streams.last_data.get(n, 0) > heartbeat]
    print(f"1. streams held: {args.streams - len(streams.closed)} of {args.streams} open after "
          f"{args.hold:g} s, cut: {len(streams.closed)}, silent > {heartbeat:g} s: {len(stale)}")
    print(f"   requests meanwhile: {len(times)}, p50 {pct(times, .5) * 1000:.1f} ms, "
          f"p99 {pct(times, .99) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms, "
          f"errors {len(errors)} {errors[:3]}")
    lat = streams.latencies
    print(f"2. sensor-to-browser latency over {len(lat)} updates: p50 {pct(lat, .5) * 1000:.1f} "
          f"ms, p99 {pct(lat, .99) * 1000:.1f} ms")

    rounds: list[float] = []
    pause = threading.Event()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for _ in range(args.rounds):
        start = time.time()
        connection.request("POST", "/api/commands", body='{"name": "stop"}', headers=headers)
        response = connection.getresponse()
        command_id = json.loads(response.read())["id"]
        deadline = time.monotonic() + 10
        while command_id not in streams.ack_times and time.monotonic() < deadline:
            pause.wait(0.002)
        done = streams.ack_times.get(command_id)
        rounds.append((done - start) if done else float("inf"))
    print(f"3. Stop all to {args.kits} kits (POST /api/commands until every ack is on a live "
          f"stream): p50 {pct(rounds, .5) * 1000:.1f} ms, p99 {pct(rounds, .99) * 1000:.1f} ms "
          f"({sum(r == float('inf') for r in rounds)} of {len(rounds)} rounds incomplete)")

    stop_kits.set()
    streams.close()
    for kit in kits:
        kit.close()
    server.stdin.close()
    server.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
