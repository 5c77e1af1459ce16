"""Run an emulated board from the command line, for trying a client or benchmarking one::

    python -m firmware_bridge.emulator                    # an Uno on a new pty
    python -m firmware_bridge.emulator --link /tmp/ttyUNO # ... reachable at a stable path
    python -m firmware_bridge.emulator --tcp 127.0.0.1:5333 --board mega

It prints ``ready URL`` once serving, and serves until its standard input closes (or Ctrl-C),
then prints the board's counters as JSON. ``--counting`` makes every analog input count up
by one per report (wrapping at 1023), so a client can spot lost or corrupted reports.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Callable

from ..boards import BOARDS
from .emulator import Emulator
from .server import EmulatorServer, serve_pty, serve_socket


def _counter() -> Callable[[float], int]:
    count = itertools.count()
    return lambda _: next(count) % 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m firmware_bridge.emulator")
    parser.add_argument("--board", choices=sorted(BOARDS), default="uno")
    parser.add_argument("--link", help="keep a symlink to the pty at this path")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="serve on TCP instead of a pty")
    parser.add_argument("--boot-delay", type=float, default=0.05, help="seconds (Uno: 1.6)")
    parser.add_argument("--counting", action="store_true", help="analog inputs count up")
    args = parser.parse_args(argv)

    emulator = Emulator(BOARDS[args.board], boot_delay=args.boot_delay)
    if args.counting:
        for pin in emulator.board.layout().analog_pins:
            emulator.set_analog(pin, _counter())
    server: EmulatorServer
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        server = serve_socket(emulator, host or "127.0.0.1", int(port))
    else:
        server = serve_pty(emulator, link=args.link)
    print("ready", server.url, flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        print("interrupted: stopping", file=sys.stderr)
    finally:
        server.stop()
    stats = emulator.stats
    print(
        json.dumps(
            {
                "analog_reports": stats.analog_reports,
                "skipped_samples": stats.skipped_samples,
                "commands": stats.commands,
                "boots": stats.boots,
                "input_errors": emulator.input_errors,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
