"""The lab's own broker: the generated files, the ACL enforced by a private Mosquitto running
them, persistence through ``kill -9``, and the amqtt fallback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until
from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from kitsdk.telemetry import Kind, Status, Telemetry, decode, encode, topic_for
from lab_server.broker import PrivateMosquitto
from lab_server.broker.acl import SERVER_USER, acl_file, allowed, filter_within, password_file
from lab_server.broker.mosquitto import restart_delay
from lab_server.config import LabConfig
from lab_server.ingest import Ingest
from lab_server.passwords import hash_password, verify_password
from lab_server.services import LabServices, start_services

LAB = "room-4"
SESSION = "aaaa11112222"


def topic(kit: str, kind: Kind) -> str:
    return topic_for(LAB, kit, kind)


def sample(seq: int) -> bytes:
    return encode(Telemetry(session=SESSION, seq=seq, ts=1000.0 + seq,
                            values={"distance": {"cm": float(seq)}}))


class KitClient:
    """A kit's MQTT connection with its own login; records commands and broker answers."""

    def __init__(self, url: str, username: str, password: str, *, client_id: str | None = None,
                 v5: bool = True) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.subacks: list[list[Any]] = []
        self.pubacks: dict[int, Any] = {}
        self.refused: list[Any] = []
        self._cond = threading.Condition()
        self.client = Client(CallbackAPIVersion.VERSION2, client_id=client_id or username,
                             protocol=MQTTProtocolVersion.MQTTv5 if v5
                             else MQTTProtocolVersion.MQTTv311)
        if username:
            self.client.username_pw_set(username, password)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self.connected = False
        host, port = url.removeprefix("mqtt://").split(":")
        self.client.connect_async(host, int(port), keepalive=10)
        self.client.loop_start()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
                    ) -> None:
        with self._cond:
            if reason.is_failure:
                self.refused.append(reason)
                client.disconnect()
            else:
                self.connected = True
            self._cond.notify_all()

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, props: Any
                      ) -> None:
        with self._cond:
            self.subacks.append(list(reasons))
            self._cond.notify_all()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        with self._cond:
            self.messages.append((message.topic, bytes(message.payload)))
            self._cond.notify_all()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, props: Any
                    ) -> None:
        with self._cond:
            self.pubacks[mid] = reason
            self._cond.notify_all()

    def wait(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def subscribe(self, topic_filter: str) -> list[Any]:
        count = len(self.subacks)
        self.client.subscribe(topic_filter, 1)
        assert self.wait(lambda: len(self.subacks) > count), "no SUBACK"
        return self.subacks[-1]

    def publish(self, topic_name: str, payload: bytes, qos: int = 1) -> Any:
        """Publish and return the broker's PUBACK reason (None at QoS 0)."""
        info = self.client.publish(topic_name, payload, qos)
        if qos == 0:
            info.wait_for_publish(10)
            return None
        assert self.wait(lambda: info.mid in self.pubacks), "no PUBACK"
        return self.pubacks[info.mid]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def clients() -> Iterator[Callable[..., KitClient]]:
    made: list[KitClient] = []

    def make(*args: Any, **kwargs: Any) -> KitClient:
        client = KitClient(*args, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def lab(mosquitto_executable: str, tmp_path: Path) -> Iterator[LabServices]:
    services = start_services(LabConfig(lab=LAB, data_dir=tmp_path / "lab",
                                        broker_kind="mosquitto"))
    yield services
    services.close()


# -- the files and the rules, pure ------------------------------------------------------------

def test_the_acl_file_gives_each_kit_its_own_topics() -> None:
    text = acl_file(LAB, ["kit-2", "kit-1"])
    assert text.index("user _kitlab") < text.index("user kit-1") < text.index("user kit-2")
    kit_1 = text.split("user kit-1\n")[1].split("\n\n")[0].splitlines()
    assert kit_1 == [
        "topic write kitsdk/v1/room-4/kit-1/status",
        "topic write kitsdk/v1/room-4/kit-1/telemetry",
        "topic write kitsdk/v1/room-4/kit-1/event",
        "topic write kitsdk/v1/room-4/kit-1/cmd/ack",
        "topic read kitsdk/v1/room-4/kit-1/cmd",
        "topic read kitsdk/v1/room-4/_all/cmd",
    ]
    assert "topic write kitsdk/v1/room-4/+/cmd" in text.split("user kit-1")[0]


def test_the_password_file_holds_hashes_mosquitto_passwd_would_write(tmp_path: Path) -> None:
    hashed = hash_password("s3cret")
    assert password_file([("kit-1", hashed)]) == f"kit-1:{hashed}\n"
    tool = subprocess.run(["mosquitto_passwd", "-c", "-b", str(tmp_path / "p"), "kit-1",
                           "s3cret"], capture_output=True, check=False)
    if tool.returncode == 0:  # where the tool exists, its hashes and ours check alike
        theirs = (tmp_path / "p").read_text().strip().split(":", 1)[1]
        if theirs.startswith("$7$"):
            assert verify_password("s3cret", theirs) and not verify_password("wrong", theirs)
    assert not verify_password("s3cret", "$7$x$y$z")


def test_the_rules_as_a_function() -> None:
    kit_topics = [topic("kit-1", k) for k in (Kind.STATUS, Kind.TELEMETRY, Kind.EVENT, Kind.ACK)]
    assert all(allowed("kit-1", LAB, "publish", t) for t in kit_topics)
    assert not allowed("kit-1", LAB, "publish", topic("kit-2", Kind.TELEMETRY))
    assert not allowed("kit-1", LAB, "publish", topic("kit-1", Kind.CMD))
    assert not allowed("kit-1", LAB, "publish", topic("_all", Kind.CMD))
    assert allowed("kit-1", LAB, "subscribe", topic("_all", Kind.CMD))
    assert not allowed("kit-1", LAB, "subscribe", "kitsdk/v1/room-4/+/cmd")
    assert not allowed("kit-1", LAB, "subscribe", "#")
    assert allowed(SERVER_USER, LAB, "publish", topic("_all", Kind.CMD))
    assert allowed(SERVER_USER, LAB, "subscribe", "$share/g/kitsdk/v1/room-4/+/telemetry")
    assert not allowed(SERVER_USER, "room-5", "subscribe", "kitsdk/v1/room-4/+/telemetry")
    assert not allowed(None, LAB, "subscribe", topic("_all", Kind.CMD))
    assert not allowed("kit-1", LAB, "publish", topic("kit-1", Kind.STATUS), kits={"kit-2"})
    assert filter_within("a/b/c", "a/+/c") and not filter_within("a/#", "a/+")


# -- a private Mosquitto running the generated files -----------------------------------------

def test_a_kit_writes_only_its_own_topics(lab: LabServices,
                                          clients: Callable[..., KitClient]) -> None:
    creds = lab.add_kit("kit-1")
    lab.add_kit("kit-2")
    url = lab.kit_broker_url
    kit = clients(url, "kit-1", creds.password)
    assert kit.wait(lambda: kit.connected), kit.refused
    assert kit.publish(topic("kit-2", Kind.TELEMETRY), sample(1)).is_failure
    assert kit.publish(topic("kit-2", Kind.STATUS), sample(1)).is_failure
    assert kit.publish(topic("kit-2", Kind.CMD), b"{}").is_failure
    assert kit.publish(topic("_all", Kind.CMD), b"{}").is_failure
    assert not kit.publish(topic("kit-1", Kind.TELEMETRY), sample(2)).is_failure
    wait_until(lambda: lab.store.latest("kit-1"), 10, "kit-1's own sample stored")
    assert lab.store.latest("kit-2") == {} and len(lab.store.series("kit-1", 0)) == 1


def test_a_kit_reads_only_its_own_and_the_labs_commands(
        lab: LabServices, clients: Callable[..., KitClient]) -> None:
    creds = lab.add_kit("kit-1")
    lab.add_kit("kit-2")
    kit = clients(lab.kit_broker_url, "kit-1", creds.password)
    assert kit.wait(lambda: kit.connected)
    # Mosquitto 2.0 grants any subscription and checks "read" at delivery
    for topic_filter in (topic("kit-2", Kind.CMD), "kitsdk/v1/room-4/+/telemetry",
                         topic("kit-1", Kind.CMD), topic("_all", Kind.CMD)):
        kit.subscribe(topic_filter)
    other = clients(lab.kit_broker_url, "kit-2", lab.store.reset_password("kit-2").password)
    assert other.wait(lambda: other.connected)
    other.publish(topic("kit-2", Kind.TELEMETRY), sample(1))
    lab.ingest.send_command("kit-2", "stop", {}, "mrs-khan")
    mine = lab.ingest.send_command("kit-1", "identify", {"seconds": 1}, "mrs-khan")
    everyone = lab.ingest.send_command("_all", "stop", {}, "mrs-khan")
    assert kit.wait(lambda: len(kit.messages) == 2)
    assert [decode(t, p) for t, p in kit.messages] == [mine, everyone]


def test_logins_are_checked(lab: LabServices, clients: Callable[..., KitClient]) -> None:
    creds = lab.add_kit("kit-1")
    url = lab.kit_broker_url
    wrong = clients(url, "kit-1", "not-the-password")
    nobody = clients(url, "", "")
    stranger = clients(url, "kit-9", creds.password)
    server = clients(url, SERVER_USER, "guess")
    for client in (wrong, nobody, stranger, server):
        assert client.wait(lambda c=client: bool(c.refused)), "a bad login was let in"
    # the client id is the login: claiming another kit's id gives nothing of that kit's
    sneaky = clients(url, "kit-1", creds.password, client_id="kit-2")
    assert sneaky.wait(lambda: sneaky.connected)
    assert sneaky.publish(topic("kit-2", Kind.TELEMETRY), sample(1)).is_failure


def test_a_kit_added_while_the_broker_runs_can_log_in_at_once(
        lab: LabServices, clients: Callable[..., KitClient]) -> None:
    lab.add_kit("kit-1")
    later = lab.store.add_kit("kit-2")  # through the store, as the web side does
    kit = clients(lab.kit_broker_url, "kit-2", later.password)
    assert kit.wait(lambda: kit.connected or bool(kit.refused)) and kit.connected
    assert "user kit-2" in (lab.config.data_dir / "mosquitto" / "acl").read_text()


def test_queued_messages_survive_kill_9(lab: LabServices,
                                        clients: Callable[..., KitClient]) -> None:
    creds = lab.add_kit("kit-1")
    broker = lab.broker_process
    assert broker is not None
    lab.ingest.close()  # the lab server is away; its session queues for it
    kit = clients(lab.kit_broker_url, "kit-1", creds.password)
    assert kit.wait(lambda: kit.connected)
    for seq in range(1, 21):
        assert not kit.publish(topic("kit-1", Kind.TELEMETRY), sample(seq)).is_failure
    db = lab.config.data_dir / "mosquitto" / "mosquitto.db"
    saved_after = db.stat().st_mtime if db.exists() else 0.0
    wait_until(lambda: db.exists() and db.stat().st_mtime > saved_after, 5,
               "the broker's next autosave")
    broker.stop(kill=True)
    broker.start()
    ingest = Ingest(lab.store, None, lab=LAB, url=broker.url, username=SERVER_USER,
                    password=broker.server_password, client_id=SERVER_USER)
    try:
        ingest.start()
        wait_until(lambda: len(lab.store.series("kit-1", 0)) == 20, 10,
                   "the 20 queued samples after kill -9")
    finally:
        ingest.close()


def test_a_killed_broker_is_back_within_5_s_and_no_telemetry_is_lost(
        lab: LabServices, clients: Callable[..., KitClient],
        caplog: pytest.LogCaptureFixture) -> None:
    """kill -9 of the private Mosquitto while a kit publishes: the supervisor starts it again
    on the same port, the kit and the ingest reconnect, and every sample reaches the store."""
    creds = lab.add_kit("kit-1")
    broker = lab.broker_process
    assert isinstance(broker, PrivateMosquitto) and broker.process is not None
    kit = clients(lab.kit_broker_url, "kit-1", creds.password)
    assert kit.wait(lambda: kit.connected)
    sent: list[Any] = []
    stop = threading.Event()

    def publish() -> None:  # a kit at 100 Hz, QoS 1; paho resends what was not acknowledged
        while not stop.wait(0.01):
            sent.append(kit.client.publish(topic("kit-1", Kind.TELEMETRY),
                                           sample(len(sent) + 1), 1))

    def stored() -> int:
        return len(lab.store.series("kit-1", 0))

    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    try:
        wait_until(lambda: stored() >= 50, 15, "samples flowing before the kill")
        # A lab up for more than a second: its ingest's session is in the broker's last save
        # (a broker killed within a second of the ingest's first subscription forgets it).
        db = lab.config.data_dir / "mosquitto" / "mosquitto.db"
        saved = db.stat().st_mtime if db.exists() else 0.0
        wait_until(lambda: db.exists() and db.stat().st_mtime > saved, 5, "an autosave")
        killed = broker.process.pid
        os.kill(killed, signal.SIGKILL)
        wait_until(lambda: broker.process is not None and broker.process.pid != killed
                   and broker.running, 5, "the broker restarted within 5 s")
        wait_until(lambda: accepts(lab.kit_broker_url), 5, "the broker listening again")
        health = lab.health()["broker"]
        assert (health["restarts"], health["last_exit"]) == (1, "signal SIGKILL")
        assert health["running"] and "restarted" in caplog.text
        at_restart = stored()
        wait_until(lambda: stored() >= at_restart + 50, 20, "samples flowing after it")
    finally:
        stop.set()
        publisher.join(10)
    # (paho keeps what is published while it is away, and sends it after reconnecting)
    wait_until(lambda: stored() >= len(sent), 20, f"all {len(sent)} samples stored")
    seqs = sorted(int(values["distance"]["cm"]) for _, values in lab.store.series("kit-1", 0))
    assert seqs == list(range(1, len(sent) + 1))
    assert lab.health()["ok"]


def accepts(url: str) -> bool:
    host, port = url.removeprefix("mqtt://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


def test_a_broker_that_keeps_dying_backs_off_and_health_says_so(lab: LabServices) -> None:
    from lab_server.app import create_app

    broker = lab.broker_process
    assert isinstance(broker, PrivateMosquitto) and broker.process is not None
    client = create_app({"TESTING": True}, lab).test_client()
    for restarts in (1, 2):
        os.kill(broker.process.pid, signal.SIGKILL)
        if restarts == 2:  # died again at once: the next start waits restart_delay(1) s
            wait_until(lambda: lab.health()["broker"]["restart_in"] is not None, 5,
                       "a restart announced")
            down = client.get("/health")
            assert down.status_code == 503
            assert 0 < down.get_json()["broker"]["restart_in"] <= restart_delay(1)
        wait_until(lambda n=restarts: broker.restarts == n and broker.running, 10,
                   f"restart {restarts}")
    wait_until(lambda: client.get("/health").status_code == 200, 15, "healthy again")
    assert client.get("/health").get_json()["broker"]["restarts"] == 2


def test_restarts_back_off_to_a_bound() -> None:
    delays = [restart_delay(failures) for failures in range(20)]
    assert delays[0] == 0 and delays == sorted(delays)
    assert max(delays) == delays[-1] <= 30


def test_health_says_which_broker_runs_and_its_limits(lab: LabServices) -> None:
    health = lab.health()
    assert health["ok"] and health["broker"]["kind"] == "mosquitto"
    assert health["broker"]["connected"] and health["broker"]["running"]
    assert "queues" in health["broker"]["limits"]
    assert {"rate", "queue_depth"} <= set(health["ingest"]) and health["errors"] == {}


# -- the amqtt fallback -----------------------------------------------------------------------

def test_amqtt_serves_a_lab_with_mqtt_3_1_1_at_qos_0_and_1(
        tmp_path: Path, clients: Callable[..., KitClient]) -> None:
    with start_services(LabConfig(lab=LAB, data_dir=tmp_path, broker_kind="amqtt")) as lab:
        assert lab.broker is not None and lab.broker.kind == "amqtt"
        health = lab.health()
        assert health["ok"] and health["ingest"]["protocol"] == "3.1.1"
        assert "3.1.1" in health["broker"]["limits"]
        creds = lab.add_kit("kit-1")
        lab.add_kit("kit-2")
        kit = clients(lab.kit_broker_url, "kit-1", creds.password, v5=False)
        assert kit.wait(lambda: kit.connected), kit.refused
        kit.publish(topic("kit-1", Kind.STATUS), encode(Status(
            state="online", session=SESSION, profile="rover", sdk="0.1.0", channels={})))
        kit.publish(topic("kit-2", Kind.TELEMETRY), sample(1))  # refused by the ACL
        kit.publish(topic("kit-1", Kind.TELEMETRY), sample(2), qos=0)
        kit.publish(topic("kit-1", Kind.TELEMETRY), sample(3), qos=1)
        wait_until(lambda: len(lab.store.series("kit-1", 0)) == 2, 10, "QoS 0 and 1 stored")
        assert lab.store.kit("kit-1").state == "online"  # type: ignore[union-attr]
        assert lab.store.series("kit-2", 0) == []
        kit.subscribe(topic("_all", Kind.CMD))
        command = lab.ingest.send_command("_all", "stop", {}, "mrs-khan")
        assert kit.wait(lambda: len(kit.messages) == 1)
        assert decode(*kit.messages[0]) == command
        wrong = clients(lab.kit_broker_url, "kit-1", "wrong", v5=False)
        assert wrong.wait(lambda: bool(wrong.refused))


def test_a_kit_agent_speaking_mqtt_3_1_1_feeds_an_amqtt_lab(tmp_path: Path) -> None:
    """A machine without Mosquitto: the lab falls back to amqtt, and a kit agent set to
    ``mqtt_version = 3`` (as ``kitlab demo`` sets its kits) reaches it."""
    import threading

    from helpers import wait_until

    from kitsdk.agent.config import AgentConfig
    from kitsdk.agent.supervisor import Agent

    with start_services(LabConfig(lab=LAB, data_dir=tmp_path, broker_kind="amqtt")) as lab:
        creds = lab.add_kit("kit-1")
        config = AgentConfig(broker=lab.kit_broker_url, lab=LAB, kit="kit-1",
                             username="kit-1", password=creds.password, mqtt_version=3,
                             profile="starter", rate=20, outbox=str(tmp_path / "outbox.db"),
                             control_socket=str(tmp_path / "agent.sock"))
        agent = Agent(config, backend="sim")
        thread = threading.Thread(target=agent.serve, daemon=True)
        thread.start()
        try:
            assert agent.link.wait_connected(15)
            wait_until(lambda: "light" in lab.store.latest("kit-1"), 15,
                       "the kit's telemetry in the store")
            # Every channel arrives as a plain number, the RGB LED's colorzero values too.
            assert lab.store.latest("kit-1")["rgb"] == {"red": 0.0, "green": 0.0, "blue": 0.0}
            record = lab.store.kit("kit-1")
            assert record is not None and record.state == "online"
        finally:
            agent.shutdown()
            thread.join(timeout=10)


def test_a_port_left_in_time_wait_is_still_free_for_the_broker() -> None:
    """A broker stopped a moment ago leaves its port's connections in TIME_WAIT; its next
    start must take the same port back (the kits' agent.toml names it)."""
    import socket

    from lab_server.broker.mosquitto import free_port

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server's side closes first: its port enters TIME_WAIT
        client.close()
    assert free_port("127.0.0.1", preferred=port) == port
