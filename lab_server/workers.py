"""``kitlab ingest --workers N``: N ingest processes sharing one MQTT 5 shared subscription.

::

    kitlab --config /etc/kitlab/lab.toml ingest --workers 4

A district's broker hands each telemetry, event and ack message of the lab to one member of
the group ``$share/{shared_group}/...`` (``"kitlab"`` when the config names none); every
worker is an :class:`~lab_server.ingest.Ingest` of its own, with the store and none of the
web, so N of them use N cores. Statuses are never shared: each worker sees every kit's.

Worker ``i`` connects as ``{client_id}-{i}``, a persistent session: the supervisor restarts a
worker that dies (SIGKILL, the OOM killer) under the same id, so the messages the broker had
sent it and it had not acknowledged (it acknowledges only after its commit) come back to it
and nothing is lost (Mosquitto keeps a shared subscriber's unacknowledged messages in its own
session). SIGTERM or Ctrl+C: each worker writes and acknowledges what it holds, says what it
stored, and ends. The web side (``kitlab serve``) keeps its own non-shared subscription, so
its live view sees every kit; see docs/deploy.md.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
import time
from dataclasses import replace
from multiprocessing.process import BaseProcess
from typing import Any

from .config import LabConfig
from .exc import ConfigError

log = logging.getLogger(__name__)

DEFAULT_GROUP = "kitlab"
RESTART_AFTER = 0.5
"""Seconds before a dead worker is started again (doubling, up to ``RESTART_MAX``, while it
keeps dying within a minute)."""
RESTART_MAX = 30.0


def worker_configs(config: LabConfig, count: int) -> list[LabConfig]:
    """The config of each of ``count`` workers: a broker of the school's or district's, one
    shared group, a client id each. Raises ``ConfigError`` for a config that cannot share."""
    if config.broker_url is None:
        raise ConfigError("ingest workers need the lab's broker_url (a district or system "
                          "broker; the lab's own broker serves one kitlab serve): see "
                          "docs/deploy.md")
    if count < 1:
        raise ConfigError(f"--workers must be 1 or more, not {count}")
    if count == 1:
        return [config]
    if config.mqtt_version != 5:
        raise ConfigError("several ingest workers need MQTT 5 (shared subscriptions): set "
                          "mqtt_version = 5")
    group = config.shared_group or DEFAULT_GROUP
    return [replace(config, shared_group=group, client_id=f"{config.client_id}-{number}")
            for number in range(1, count + 1)]


def run_worker(config: LabConfig, number: int) -> None:
    """One worker's process: ingest until SIGTERM or SIGINT, then say what it stored."""
    from .ingest import Ingest
    from .store import open_store

    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s worker {number} (pid %(process)d) %(name)s: "
                               "%(message)s")
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    store = open_store(config.store_url, retention_days=config.retention_days)
    ingest = Ingest(store, None, lab=config.lab, url=str(config.broker_url),
                    username=config.broker_username, password=config.broker_password,
                    client_id=config.client_id, protocol=config.mqtt_version,
                    shared_group=config.shared_group, ca_file=config.broker_ca_file,
                    batch_size=config.batch_size, batch_interval=config.batch_interval,
                    queue_size=config.queue_size)
    try:
        ingest.start()
        stopping.wait()
    finally:
        ingest.close()
        store.close()
    print(f"kitlab ingest: worker {number} ({config.client_id}) stored {ingest.stored}, "
          f"{ingest.duplicates} duplicates, {sum(ingest.errors.values())} refused",
          file=sys.stderr, flush=True)


class IngestWorkers:
    """Starts the workers, restarts any that dies, and stops them all on ``stop()``."""

    def __init__(self, config: LabConfig, count: int) -> None:
        self.configs = worker_configs(config, count)
        self.restarts = 0
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess | None] = [None] * len(self.configs)
        self._stopping = threading.Event()

    def _start(self, index: int) -> None:
        process = self._context.Process(target=run_worker,
                                        args=(self.configs[index], index + 1),
                                        name=f"kitlab-ingest-{index + 1}")
        process.start()
        self._processes[index] = process

    def pids(self) -> list[int | None]:
        return [p.pid if p is not None and p.is_alive() else None for p in self._processes]

    def run(self) -> None:
        """Run the workers until ``stop()``, restarting any that dies."""
        for index in range(len(self.configs)):
            self._start(index)
        log.info("ingest: %d worker(s) on %s, shared group %s", len(self.configs),
                 self.configs[0].broker_url, self.configs[0].shared_group or "(none)")
        backoff = [RESTART_AFTER] * len(self.configs)
        started = [time.monotonic()] * len(self.configs)
        while not self._stopping.wait(0.1):
            for index, process in enumerate(self._processes):
                if process is None or process.is_alive():
                    continue
                if time.monotonic() - started[index] > 60:
                    backoff[index] = RESTART_AFTER
                log.warning("ingest: worker %d ended (%s); starting it again in %.1f s",
                            index + 1, _how(process.exitcode), backoff[index])
                if self._stopping.wait(backoff[index]):
                    break
                backoff[index] = min(backoff[index] * 2, RESTART_MAX)
                started[index] = time.monotonic()
                self.restarts += 1
                self._start(index)
        self._stop_all()

    def stop(self) -> None:
        self._stopping.set()

    def _stop_all(self, timeout: float = 30.0) -> None:
        running = [p for p in self._processes if p is not None and p.is_alive()]
        for process in running:
            process.terminate()  # SIGTERM: each writes and acknowledges what it holds
        deadline = time.monotonic() + timeout
        for process in running:
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()


def _how(exitcode: Any) -> str:
    if isinstance(exitcode, int) and exitcode < 0:
        return f"signal {signal.Signals(-exitcode).name}"
    return f"exit status {exitcode}"
