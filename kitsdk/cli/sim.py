"""``kit sim``: a simulated part that runs as a process of its own, until Ctrl+C.

::

    kit sim tello [--host 127.0.0.1] [--port 8889] [--space 4x3x2] [--battery 100]
                  [--time-scale 1]

``kit sim tello`` runs a :class:`~kitsdk.sim.tello.SimTello`: a simulated Tello that speaks
the real SDK over UDP, so that a kit (``sim_host`` in its profile) or any other Tello
program can fly it. It says where it answers and how to fly it, then prints what the drone
does as it happens (take-off, landings, a crash, a landing of its own) and, on Ctrl+C or
SIGTERM, closes its socket and exits 0. A bad argument is one line and exit status 2; an
address it cannot answer at (taken, not this computer's) is one line and exit status 1.

djitellopy binds port 8889 on every address of the computer it runs on, so it cannot run
beside a simulated drone on port 8889 of the same computer (the tests narrow its bind to
one loopback address): it flies ``kit sim tello --host ADDRESS`` from another computer.

``kitsdk.cli`` adds these with :func:`add_commands`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import re
import signal
import socket
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sim.tello import SimTello
    from ..tello.space import Space

#: Where ``kit sim tello`` answers unless told: where a simulated kit looks for its drone
#: (the ``tello`` driver's ``sim_host``), so that ``kit run`` in another terminal flies it
#: with nothing to set.
DEFAULT_HOST = "127.0.0.1"
#: How many loopback addresses after a taken one are tried for the hint.
_HINT_TRIES = 16
_SPACE = re.compile(r"\s*([^x×\s]+)\s*[x×]\s*([^x×\s]+)\s*[x×]\s*([^x×\s]+)\s*", re.IGNORECASE)


def add_commands(commands: Any) -> None:
    """Add ``kit sim ...`` to the ``kit`` command's subparsers."""
    sim = commands.add_parser("sim", help="run a simulated part on its own: a Tello drone",
                              description="Run a simulated part as a process of its own, "
                              "until Ctrl+C.")
    parts = sim.add_subparsers(required=True, metavar="PART")
    tello = parts.add_parser(
        "tello", help="a simulated Tello drone that any Tello program can fly",
        description="A simulated Tello that speaks the Tello SDK over UDP: a kit (sim_host "
        "in its profile) or any Tello program flies it. It prints what the drone does, "
        "until Ctrl+C.")
    tello.set_defaults(command=_tello)
    tello.add_argument("--host", type=_host, default=DEFAULT_HOST,
                       help=f"the address it answers at (default {DEFAULT_HOST}; any "
                       "127.0.0.x is this computer alone)")
    tello.add_argument("--port", type=_port, default=8889,
                       help="the UDP port for commands (default 8889, as a Tello; 0: a free "
                       "one)")
    tello.add_argument("--space", type=_space, default="4x3x2", metavar="LxWxH",
                       help="the room's box in metres: length along the first heading, "
                       "width, height (default 4x3x2)")
    tello.add_argument("--battery", type=_battery, default=100.0, metavar="PERCENT",
                       help="the charge it starts with, 0 to 100 (default 100)")
    tello.add_argument("--time-scale", type=_time_scale, default=1.0, metavar="TIMES",
                       help="how much faster than real time it flies, 0.1 to 100 (default 1)")


# -- the arguments: each a one-line error of argparse's (exit status 2) ----------------------

def _host(text: str) -> str:
    try:
        address = ipaddress.IPv4Address(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IPv4 address: give one such as 127.0.0.2") from None
    if address.is_unspecified or address.is_multicast or address == ipaddress.IPv4Address(
            "255.255.255.255"):
        raise argparse.ArgumentTypeError(
            f"{text} is not one address of this computer: give one such as 127.0.0.2")
    return str(address)


def _port(text: str) -> int:
    port = _number(text, "a port number", whole=True)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {text} is not 0 to 65535")
    return int(port)


def _space(text: str) -> Space:
    from ..devices.drone import FlightSpace
    from ..tello.space import Space

    match = _SPACE.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a box: give length x width x height in metres, such as 4x3x2")
    metres = []
    for (name, option), given in zip(FlightSpace.options.items(), match.groups(), strict=True):
        value = _number(given, f"a {name} in metres")
        low, high = option.min or 0.0, option.max or float("inf")  # the profile's own limits
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"a {name} of {given} m is out of range: {low:g} to {high:g} m")
        metres.append(value)
    return Space(*(m * 100 for m in metres))


def _battery(text: str) -> float:
    percent = _number(text, "a battery charge in percent")
    if not 0 <= percent <= 100:
        raise argparse.ArgumentTypeError(f"a battery of {text}% is not 0 to 100")
    return percent


def _time_scale(text: str) -> float:
    scale = _number(text, "a time scale")
    if not 0.1 <= scale <= 100:
        raise argparse.ArgumentTypeError(
            f"a time scale of {text} is out of range: 0.1 (slower) to 100 (faster)")
    return scale


def _number(text: str, what: str, *, whole: bool = False) -> float:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


# -- the command -----------------------------------------------------------------------------

class _Printer:
    """Lines to stdout from any thread, whole and at once, each with the time of day."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def say(self, text: str, *, timed: bool = False) -> None:
        line = f"{time.strftime('%H:%M:%S')} {text}" if timed else text
        with self._lock, contextlib.suppress(OSError):
            # A terminal or pipe that went away must not stop the drone's threads, which
            # call this: the drone flies on, unwatched, until Ctrl+C or SIGTERM.
            print(line, flush=True)


def _tello(args: argparse.Namespace) -> int:
    out = _Printer()
    stop = threading.Event()
    why: list[str] = []

    def on_signal(signum: int, frame: object) -> None:
        why.append("Ctrl+C" if signum == signal.SIGINT else signal.Signals(signum).name)
        stop.set()

    previous = {signum: signal.signal(signum, on_signal)
                for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        drone = _watched_tello(args, out)
        try:
            drone.start()
        except OSError as exc:
            print(f"kit: {_cannot_answer(args.host, args.port, exc)}", file=sys.stderr)
            return 1
        with drone:
            for line in _how_to_fly(drone):
                out.say(line)
            stop.wait()
            summary = _summary(drone)
        out.say(f"stopped ({why[0]}): {summary}")
        return 0
    finally:
        for signum, handler in previous.items():
            if handler is not None:  # None: not set from Python, nothing to put back
                signal.signal(signum, handler)


def _watched_tello(args: argparse.Namespace, out: _Printer) -> SimTello:
    """The simulated Tello of ``args``, which also says who takes control of it (here, so
    that ``kit --help`` never imports the simulator)."""
    from ..sim.tello import SimTello

    class WatchedTello(SimTello):
        def obey(self, text: str, sender: tuple[str, int]) -> str | None:
            if text == "command" and sender not in controllers:
                controllers.append(sender)
                out.say(f"{sender[0]}:{sender[1]} took control (it sent 'command')",
                        timed=True)
            return super().obey(text, sender)

    controllers: list[tuple[str, int]] = []
    return WatchedTello(args.host, args.port, space=args.space, battery=args.battery,
                        time_scale=args.time_scale,
                        on_event=lambda text: _said(out, text))


def _said(out: _Printer, event: str) -> None:
    out.say(event, timed=True)
    if event.startswith("crashed"):
        out.say("  a crashed drone flies no more: start kit sim tello again", timed=True)


def _how_to_fly(drone: SimTello) -> list[str]:
    """Where it answers, and how a kit, any Tello program and djitellopy fly it."""
    from ..tello import sdk

    host, port = drone.address
    pace = "real time" if drone.time_scale == 1 else f"{drone.time_scale:g} times real time"
    link = f'"{host}"' if port == sdk.COMMAND_PORT else f'"{host}", {port}'
    lines = [f"A simulated Tello answers at {host}:{port} (UDP): a {drone.space.describe()} "
             f"flight space, battery {drone.battery:g}%, {pace}.", "Fly it from"]
    if port == sdk.COMMAND_PORT:
        where = ("any simulated kit with a drone (sim_host is 127.0.0.1 unless its profile "
                 "says otherwise)" if host == DEFAULT_HOST else
                 f'sim_host = "{host}" for its drone in the profile')
        lines.append(f"  a kit: {where}, then kit run")
    lines.append(f"  any Tello program: the SDK's commands to {host}:{port} over UDP "
                 f"(kitsdk.tello.link.TelloLink({link}))")
    if port == sdk.COMMAND_PORT and ipaddress.IPv4Address(host).is_loopback:
        lines.append("  djitellopy: only another computer (on this one it takes port 8889 of "
                     "every address): give --host this computer's address on the network")
    elif port == sdk.COMMAND_PORT:
        lines.append(f'  djitellopy: djitellopy.Tello("{host}") on another computer')
    lines.append("Ctrl+C stops it.")
    return lines


def _summary(drone: SimTello) -> str:
    flying = (f"; it was still flying, {drone.height:.0f} cm up, and is gone with this process"
              if drone.flying else "")
    return (f"{len(drone.commands)} commands, {drone.flight_time:.0f} s in the air, "
            f"battery {drone.battery:.0f}%{flying}")


def _cannot_answer(host: str, port: int, exc: OSError) -> str:
    """Why the simulated drone cannot answer at ``host:port``, in one line."""
    if exc.errno == errno.EADDRINUSE:
        free = _free_host(host, port)
        return (f"{host}:{port} is taken: is another simulated drone running? "
                + (f"try --host {free}" if free else "try another --host or --port"))
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"{host} is not an address of this computer: give one of its own (127.0.0.x "
                "answers on this computer alone)")
    if exc.errno == errno.EACCES:
        return f"port {port} needs an administrator: use a port from 1024 up"
    return f"cannot answer at {host}:{port}: {exc.strerror or exc}"


def _free_host(host: str, port: int) -> str | None:
    """The next loopback address after ``host`` where ``port`` is free, if ``host`` is one."""
    address = ipaddress.IPv4Address(host)
    if not address.is_loopback:
        return None
    for step in range(1, _HINT_TRIES + 1):
        candidate = address + step
        if not candidate.is_loopback or candidate == ipaddress.IPv4Address("127.255.255.255"):
            return None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind((str(candidate), port))
            except OSError:
                continue
        return str(candidate)
    return None
