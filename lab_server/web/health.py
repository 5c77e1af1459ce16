"""``GET /health``: is the lab working? JSON for monitors, a page in words for a teacher.

The backend's ``LabServices.health()`` (broker connection, which broker runs and its limits,
ingest rate, queue depth, error counts by kind) plus the web's own: open live streams and
refused HTTP parameters. It names no secret, so it needs no login: a school's monitoring can
poll it. 200 while the lab works, 503 when it does not: the broker is not connected, or
messages arrive and the ingest has stored nothing for ``stall_after`` seconds (a database
down, a bug); ``problems`` says which in words. ``budget`` lists each kit's messages dropped
for going over its budget.

A browser (``Accept`` preferring ``text/html``) gets the same report as a page a teacher
reads: each part of the lab (broker, readings, store, refused messages, budgets, dashboard)
in a sentence with its state, ok, warning or bad, said in words as well as in colour, and
what needs attention first. Anything else (``application/json``, ``*/*``, no ``Accept``)
gets the JSON, as does ``/health?format=json`` (the page's "JSON" link), with the same
status code either way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request

from ..app import lab
from .present import jsonable

bp = Blueprint("health", __name__)

OK, WARNING, BAD = "ok", "warning", "bad"
STATES = {OK: "OK", WARNING: "Needs a look", BAD: "Problem"}
"""Each state as the page says it: colour is never the only signal."""

#: Each kind of refused message (``errors``), in words: what it was, what to do.
ERROR_WORDS = {
    "bad_topic": "sent to a topic that is not one of this lab's kits",
    "oversized": "too large to take",
    "wrong_version": "from a kit with another kitsdk version (update the kit or the lab)",
    "malformed": "not following the kitsdk message format",
    "bad_text": "holding text that cannot be stored",
    "unknown_kit": "from a kit this lab does not know (add it: kitlab kits add)",
    "store": "not stored at once: the database could not be reached",
    "store_refused": "refused by the database",
    "connect": "not received: the broker refused the lab's connection",
    "subscribe": "not received: the broker refused the lab's subscription",
}
_DROP_WORDS = {"rate": "for sending too fast", "bytes": "for sending too much today"}
_BROKERS = {"mosquitto": "Mosquitto", "amqtt": "the built-in broker", "external":
            "the school's broker"}


@dataclass(frozen=True)
class Line:
    """One part of the lab on the page: its state and what it means, in a sentence, with
    more to say under it (``details``)."""

    key: str
    part: str
    state: str
    text: str
    details: tuple[str, ...] = ()


def report() -> dict[str, Any]:
    web = lab(current_app)
    try:
        backend = jsonable(web.services.health())
        _ingest_lines(backend, web.services.ingest.stats())
    except Exception as exc:  # a broken backend is exactly what /health must show
        backend = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    gate = web.state.get("live_gate")
    backend["web"] = {
        "live_streams": gate.open if gate else 0,
        "live_streams_max": current_app.config["LIVE_MAX_STREAMS"],
        "live_streams_served": gate.served if gate else 0,
        "bad_requests": dict(web.state.get("bad_requests", {})),
    }
    return backend  # type: ignore[no-any-return]


def _ingest_lines(data: dict[str, Any], ingest: dict[str, Any]) -> None:
    """The ingest's own lines (from its ``stats()``): messages waiting and for how long with
    nothing stored, since when the broker is down, the kits' budget drops; and the problems,
    named."""
    stats = jsonable(ingest)
    data.setdefault("ingest", {}).update(pending=stats["pending"],
                                         stalled_for=round(stats["stalled_for"], 1))
    data.setdefault("broker", {})["down_since"] = stats["down_since"]
    data["budget"] = stats["budget"]
    problems = data.setdefault("problems", [])
    if not stats["connected"]:
        since = stats["down_since"]
        problems.append(f"the lab is not connected to its broker at {stats['url']}"
                        + (f" (since {_clock(since)})" if since else ""))
    if stats["stalled"]:
        problems.append(f"the ingest has stored nothing for {stats['stalled_for']:.0f} s while "
                        f"{stats['pending']} messages wait (see errors)")
    if problems:
        data["ok"] = False


def healthy(data: dict[str, Any]) -> bool:
    if data.get("ok") is False:
        return False
    broker = data.get("broker")
    return not (isinstance(broker, dict) and broker.get("connected") is False)


# -- the report in words ---------------------------------------------------------------------

def _clock(ts: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts))


def _count(value: float) -> str:
    """``1,234``; ``0.5`` for a rate under one."""
    return f"{value:,.0f}" if value >= 1 or value == 0 else f"{value:.1f}"


def _many(count: float, word: str) -> str:
    """``1 kit``, ``3 kits``, ``1,200 messages``."""
    return f"{_count(count)} {word}{'' if count == 1 else 's'}"


def duration(seconds: float) -> str:
    """``40 s``, ``5 min``, ``3 h 12 min``, ``2 days 3 h``."""
    minutes, hours, days = int(seconds // 60), int(seconds // 3600), int(seconds // 86400)
    if days:
        return f"{_many(days, 'day')} {hours % 24} h"
    if hours:
        return f"{hours} h {minutes % 60} min"
    return f"{minutes} min" if minutes else f"{seconds:.0f} s"


def _broker(data: dict[str, Any]) -> Line:
    broker = data.get("broker") or {}
    kind = str(broker.get("kind", "external"))
    name = _BROKERS.get(kind, kind)
    where = (f"Kits connect to {broker['url']}.",) if broker.get("url") else ()
    if broker.get("running") is False:
        restart = broker.get("restart_in")
        return Line("broker", "Broker", BAD, f"The lab's broker ({name}) has stopped: kits' "
                    "readings cannot reach the lab." + (f" It restarts in {restart:.0f} s."
                                                        if restart is not None else ""), where)
    if broker.get("connected") is False:
        since = broker.get("down_since")
        return Line("broker", "Broker", BAD, f"The lab cannot reach its broker ({name})"
                    + (f" since {_clock(since)}" if since else "")
                    + ": kits' readings do not arrive.", where)
    text = f"The lab's broker is connected ({name}, MQTT {broker.get('protocol', '?')})."
    restarts = broker.get("restarts") or 0
    if restarts:
        last = f" (last: {broker['last_exit']})" if broker.get("last_exit") else ""
        return Line("broker", "Broker", WARNING, text + f" It stopped and was restarted "
                    f"{_many(restarts, 'time')} since the lab started{last}.", where)
    return Line("broker", "Broker", OK, text, where)


def _readings(data: dict[str, Any], stall_after: float) -> Line:
    ingest = data.get("ingest") or {}
    rate, pending = ingest.get("rate") or 0.0, ingest.get("pending") or 0
    stalled_for = ingest.get("stalled_for") or 0.0
    totals = (f"{_count(ingest.get('received', 0))} messages received since the lab "
              f"started, {_count(ingest.get('stored', 0))} stored, "
              f"{_count(ingest.get('duplicates', 0))} duplicates dropped.",)
    if pending and stalled_for > stall_after:
        return Line("readings", "Readings", BAD, f"Readings are not being stored: the lab has "
                    f"stored nothing for {stalled_for:.0f} s while {_count(pending)} messages "
                    "wait (see refused messages and the server's log).", totals)
    waiting = f"{_count(pending)} waiting" if pending else "none waiting"
    broker = data.get("broker") or {}
    if False in (broker.get("connected"), broker.get("running")):
        return Line("readings", "Readings", BAD, "No readings can arrive while the lab has no "
                    f"broker; {waiting} to be stored.", totals)
    text = (f"Readings are being stored: {_count(rate)} a second, {waiting}." if rate or pending
            else "No readings are arriving right now (no kit is sending), none waiting.")
    return Line("readings", "Readings", OK, text, totals)


def _store(data: dict[str, Any]) -> Line:
    store = data.get("store") or {}
    kind = {"sqlite": "SQLite database", "postgresql": "PostgreSQL database"}.get(
        str(store.get("kind")), "database")
    days = store.get("retention_days")
    text = f"Readings are kept in the lab's {kind}" + (
        f" for {_many(days, 'day')}." if days else ".")
    errors = data.get("errors") or {}
    failed = errors.get("store", 0) + errors.get("store_refused", 0)
    if failed:
        return Line("store", "Database", WARNING, text + " It failed or refused "
                    f"{_many(failed, 'time')} since the lab started (see refused messages).")
    return Line("store", "Database", OK, text)


def _errors(data: dict[str, Any]) -> Line:
    errors, last = data.get("errors") or {}, data.get("last_errors") or {}
    if not errors:
        return Line("errors", "Refused messages", OK, "No message was refused since the lab "
                    "started.")
    details = tuple(f"{_count(count)} {ERROR_WORDS.get(kind, f'failed in the lab ({kind})')}"
                    + (f". Last: {last[kind]}" if last.get(kind) else ".")
                    for kind, count in sorted(errors.items(), key=lambda item: -item[1]))
    total = sum(errors.values())
    return Line("errors", "Refused messages", WARNING, f"{_many(total, 'message')} "
                f"{'was' if total == 1 else 'were'} refused or failed since the lab started.",
                details)


def _budget(data: dict[str, Any]) -> Line:
    budget = data.get("budget")
    if not budget:
        return Line("budget", "Kits' budgets", OK, "Kits have no budget: none is limited.")
    dropped = budget.get("dropped") or {}
    if not dropped:
        return Line("budget", "Kits' budgets", OK, "No kit went over its budget ("
                    f"{_count(budget['messages_per_second'])} messages a second, "
                    f"{budget['bytes_per_day'] / 2**30:.1f} GiB a day each).")
    details = tuple(f"{kit}: " + ", ".join(f"{_count(count)} dropped {_DROP_WORDS.get(why, why)}"
                                           for why, count in sorted(reasons.items()))
                    for kit, reasons in sorted(dropped.items()))
    kits = len(dropped)
    return Line("budget", "Kits' budgets", WARNING, f"{_many(kits, 'kit')} went over "
                f"{'its' if kits == 1 else 'their'} budget: "
                f"{_many(budget.get('dropped_total', 0), 'message')} dropped (the kit's own "
                "problem: a script that sends too fast; other kits are not held up).", details)


def _dashboard(data: dict[str, Any]) -> Line:
    web = data.get("web") or {}
    open_, most = web.get("live_streams", 0), web.get("live_streams_max", 0)
    refused = web.get("bad_requests") or {}
    details = (f"{_many(sum(refused.values()), 'request')} refused for a bad parameter ("
               + ", ".join(f"{name} {count}" for name, count in sorted(refused.items()))
               + ").",) if refused else ()
    if most and open_ >= most:
        return Line("dashboard", "Dashboard", WARNING, f"The dashboard is full: {open_} live "
                    "pages are open, the most it serves; the next one is refused. Close the "
                    "pages nobody watches.", details)
    now = "No live page is open" if not open_ else \
        f"{_many(open_, 'live page')} {'is' if open_ == 1 else 'are'} open"
    return Line("dashboard", "Dashboard", OK, f"{now} now (at most {most} at once).", details)


def lines(data: dict[str, Any], stall_after: float) -> list[Line]:
    """The report (``report()``) part by part, in words; a report that could not be made,
    or that is not ok for a reason no part names, leads with a line that says so."""
    if "error" in data:
        return [Line("lab", "Lab", BAD, f"The lab could not report its state: {data['error']}"),
                _dashboard(data)]
    found = [_broker(data), _readings(data, stall_after), _store(data), _errors(data),
             _budget(data), _dashboard(data)]
    if not healthy(data) and all(line.state != BAD for line in found):
        problems = "; ".join(data.get("problems") or ["its services are shutting down"])
        found.insert(0, Line("lab", "Lab", BAD, f"The lab is not working: {problems}."))
    return found


def _page(data: dict[str, Any]) -> str:
    parts = lines(data, lab(current_app).services.ingest.stall_after)
    attention = [line for state in (BAD, WARNING) for line in parts if line.state == state]
    overall = attention[0].state if attention else OK
    return render_template("health.html", lines=parts, attention=attention, overall=overall,
                           states=STATES,
                           uptime=duration(data["uptime"]) if "uptime" in data else None)


@bp.get("/health")
def health() -> Any:
    data = report()
    status = 200 if healthy(data) else 503
    # best_match, not best: Chromium's Accept ends with signed-exchange;v=b3, which werkzeug's
    # ``best`` ranks first; JSON listed first wins the ties (``*/*``, no Accept at all)
    wants = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if request.args.get("format") != "json" and wants == "text/html":
        return _page(data), status
    return jsonify(data), status
