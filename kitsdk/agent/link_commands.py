"""Commands from the lab: read (``read_command``, no I/O: bytes in, a ``Command`` or a
``Refusal`` out), then obeyed in order on a thread of their own (``CommandWorker``), so that
paho's network thread never waits for a slow command. The lab link (``link.py``) submits what
paho's ``on_message`` receives and publishes the answers.

A refusal names its *kind*, the key under which the link counts it (``LabLink.errors``):

- ``oversized``: over ``MAX_PAYLOAD``, refused before it is parsed (so its id is not read);
- ``foreign_topic``: not this kit's or its lab's command topic (the broker's ACL should make
  this impossible; a kit never obeys another kit's command);
- ``retained``: a retained command would be obeyed again on every reconnect;
- ``malformed``: not UTF-8, not JSON, or not a JSON object;
- ``version``: another schema version;
- ``unknown_command``: a missing or unknown command name;
- ``invalid``: any other field that breaks the schema (a bad argument, a bad id).

``Refusal.command_id`` is the command's id when ``command_id`` can read one from the payload:
the kit then answers with a ``refused`` ack, so the teacher sees why.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..exc import BadMessage
from ..telemetry import (
    ALL_KITS,
    ONE_KIT_ONLY,
    Command,
    CommandAck,
    Kind,
    command_id,
    decode,
    max_payload,
    parse_topic,
)
from ..telemetry.fields import TEXT_MAX

log = logging.getLogger(__name__)

QUEUE_SIZE = 64
"""Most commands waiting for the worker; past it ``submit`` refuses (the lab is flooding)."""

_KIND_OF_FIELD = {"cmd": "malformed", "cmd.v": "version", "cmd.name": "unknown_command"}
"""``BadMessage.field`` to refusal kind; ``decode`` checks size, then JSON, then fields."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A command the kit will not obey: why, and its id if one could be read."""

    kind: str
    reason: str
    command_id: str | None = None

    def ack(self) -> CommandAck | None:
        """The negative ack to send, or None when the command's id is unreadable."""
        if self.command_id is None:
            return None
        return CommandAck(id=self.command_id, outcome="refused", message=self.reason)


def read_command(
    topic: str, payload: bytes, *, lab: str, kit: str, retained: bool = False
) -> Command | Refusal:
    """The command in ``payload`` received on ``topic`` by kit ``kit`` of lab ``lab``."""

    def refuse(kind: str, reason: str) -> Refusal:
        return Refusal(kind, reason[:TEXT_MAX], command_id(payload))

    limit = max_payload(Kind.CMD)
    if len(payload) > limit:
        return refuse("oversized", f"cmd: payload of {len(payload)} bytes is over the limit "
                                   f"of {limit}")
    try:
        where = parse_topic(topic)
    except BadMessage as exc:
        return refuse("foreign_topic", f"not a command topic: {exc}")
    if where.kind is not Kind.CMD or where.lab != lab or where.kit not in (kit, ALL_KITS):
        return refuse("foreign_topic", f"{topic} is not a command topic of kit {kit} "
                                       f"in lab {lab}")
    if retained:
        return refuse("retained", "a retained command would be obeyed again on every "
                                  "reconnect; publish commands without retain")
    try:
        message = decode(topic, payload)
    except BadMessage as exc:
        return refuse(_KIND_OF_FIELD.get(exc.field, "invalid"), str(exc))
    if not isinstance(message, Command):  # decode reads the kind from the topic: cannot happen
        return refuse("foreign_topic", f"{topic} carried a {message.NAME}, not a command")
    if message.name in ONE_KIT_ONLY and where.kit == ALL_KITS:
        return refuse("invalid", f"{message.name} goes to one kit at a time, never to all")
    return message


class RecentIds:
    """The last ``size`` command ids seen, so a command that QoS 1 delivers twice is obeyed
    once: obeying a redelivered ``lock`` after a later ``unlock`` would lock the kit again.

    Used by the link's one command thread only, so it needs no lock.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, cmd_id: str) -> bool:
        """Whether ``cmd_id`` was seen already; remembers it either way."""
        if cmd_id in self._ids:
            self._ids.move_to_end(cmd_id)
            return True
        self._ids[cmd_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False


class CommandWorker:
    """Obeys commands one at a time, in arrival order, on its own thread.

    ``on_command`` obeys a command and returns its ack (or None to answer later); ``answer``
    publishes an ack; ``report`` tells the lab of bad input that has no readable id; ``count``
    counts (and logs) one survived error by kind.
    """

    def __init__(
        self,
        lab: str,
        kit: str,
        *,
        on_command: Callable[[Command], CommandAck | None],
        answer: Callable[[CommandAck], None],
        report: Callable[[str], None],
        count: Callable[[str, object], None],
    ) -> None:
        self.lab = lab
        self.kit = kit
        self._on_command = on_command
        self._answer = answer
        self._report = report
        self._count = count
        self._recent = RecentIds()
        self._queue: queue.Queue[tuple[str, bytes, bool] | None] = queue.Queue(QUEUE_SIZE)
        self._thread = threading.Thread(target=self._run, name=f"lab-link-cmd-{kit}",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, topic: str, payload: bytes, retained: bool = False) -> bool:
        """Queue a received message without blocking; False (and counted) when full."""
        try:
            self._queue.put_nowait((topic, payload, retained))
        except queue.Full:
            self._count("busy", f"{QUEUE_SIZE} commands are waiting; dropped one on {topic}")
            return False
        return True

    def stop(self, timeout: float) -> None:
        """Finish the queued commands and end the thread (waits at most about ``timeout``)."""
        if not self._thread.is_alive():
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            log.error("lab link: on_command has not returned for %s s; leaving it", timeout)
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self.handle(*item)
            except Exception as exc:  # one bad command never ends the worker
                self._count("command", exc)

    def handle(self, topic: str, payload: bytes, retained: bool = False) -> None:
        """Read, check and obey one command, and answer it: what the thread does per item."""
        command = read_command(topic, payload, lab=self.lab, kit=self.kit, retained=retained)
        if isinstance(command, Refusal):
            self._count(command.kind, f"refused a command on {topic}: {command.reason}")
            ack = command.ack()
            if ack is not None:
                self._answer(ack)
            else:
                self._report(f"refused a command without a readable id: {command.reason}")
            return
        if self._recent.seen(command.id):
            self._count("duplicate", f"command {command.id} came again; obeyed once")
            return
        try:
            answer = self._on_command(command)
        except Exception as exc:
            self._count("on_command", exc)
            answer = CommandAck(id=command.id, outcome="failed",
                                message=f"{command.name} failed: {exc}"[:TEXT_MAX])
        if answer is not None:
            self._answer(answer)
