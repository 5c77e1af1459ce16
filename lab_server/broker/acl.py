"""Who may do what on the lab's broker: the rules once, as Mosquitto files and as a function.

A kit (username = client id = kit id) may publish only its own ``status``, ``telemetry``,
``event`` and ``cmd/ack``, and read only its own ``cmd`` and its lab's ``_all/cmd``. The
server's account, ``_kitlab`` (the underscore keeps it out of the space of kit ids, like
``_all``), reads every kit's messages of its lab and is the only one that may publish
commands. Nobody else gets anything: the broker allows no anonymous login.

``acl_file`` and ``password_file`` write the rules for Mosquitto; ``allowed`` applies the
same rules to one request, for the embedded broker (and for tests to compare against).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from kitsdk.telemetry import ALL_KITS, KIT_KINDS, Kind, lab_filters, topic_for

SERVER_USER = "_kitlab"
Action = Literal["publish", "subscribe", "receive"]


def kit_publishes(lab: str, kit: str) -> list[str]:
    """The topics ``kit`` may publish to."""
    return [topic_for(lab, kit, kind) for kind in KIT_KINDS]


def kit_reads(lab: str, kit: str) -> list[str]:
    """The topics ``kit`` may subscribe to and receive."""
    return [topic_for(lab, kit, Kind.CMD), topic_for(lab, ALL_KITS, Kind.CMD)]


def server_reads(lab: str) -> list[str]:
    return lab_filters(lab)


def server_publishes(lab: str) -> list[str]:
    return [f"kitsdk/v1/{lab}/+/{Kind.CMD}"]


def acl_file(lab: str, kits: Iterable[str]) -> str:
    """Mosquitto's ACL file for the lab's kits and the server's account."""
    lines = ["# Written by kitlab from its kit list; rewritten whenever a kit is added.",
             "# No topic lines before the first 'user': anonymous clients get nothing.", "",
             f"user {SERVER_USER}"]
    lines += [f"topic read {topic}" for topic in server_reads(lab)]
    lines += [f"topic write {topic}" for topic in server_publishes(lab)]
    for kit in sorted(kits):
        lines += ["", f"user {kit}"]
        lines += [f"topic write {topic}" for topic in kit_publishes(lab, kit)]
        lines += [f"topic read {topic}" for topic in kit_reads(lab, kit)]
    return "\n".join(lines) + "\n"


def password_file(logins: Iterable[tuple[str, str]]) -> str:
    """Mosquitto's password file: ``user:hash`` lines (hashes from ``lab_server.passwords``)."""
    return "".join(f"{user}:{hashed}\n" for user, hashed in logins)


def filter_within(requested: str, allowed: str) -> bool:
    """Whether every topic matching filter ``requested`` also matches filter ``allowed``
    (a plain topic is a filter that matches itself)."""
    req, allow = requested.split("/"), allowed.split("/")
    for i, level in enumerate(allow):
        if level == "#":
            return True
        if i >= len(req):
            return False
        if level == "+":
            if req[i] == "#":
                return False
            continue
        if req[i] != level:
            return False
    return len(req) == len(allow)


def allowed(username: str | None, lab: str, action: Action, topic: str,
            kits: Iterable[str] | None = None) -> bool:
    """Whether ``username`` may ``action`` on ``topic`` (a filter for ``subscribe``).

    ``kits`` are the lab's kit ids (None: do not check that a kit account still exists).
    Shared subscriptions (``$share/group/filter``) are checked as their filter.
    """
    if not username:
        return False
    if topic.startswith("$share/"):
        parts = topic.split("/", 2)
        if len(parts) < 3:
            return False
        topic = parts[2]
    if username == SERVER_USER:
        rules = server_publishes(lab) if action == "publish" else server_reads(lab)
    elif kits is not None and username not in kits:
        return False
    else:
        rules = kit_publishes(lab, username) if action == "publish" else kit_reads(lab, username)
    if action == "publish" and any(c in topic for c in "+#"):
        return False
    return any(filter_within(topic, rule) for rule in rules)
