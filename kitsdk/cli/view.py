"""``kit run --view`` and ``kit view``: a live page of the kit while it runs.

::

    kit run --view blink.py            view: http://127.0.0.1:PORT/ , then the script
    kit view [--profile P]             the kit with no script, until Ctrl+C
    kit lesson check ID FILE --view    each try of the script, one after another

The script starts once a page is watching (or after ``--wait`` seconds), so a short script
is not over before the browser has opened; when it ends the page says how, and the command
exits once the open pages have heard it. Closing the page never stops the script; Ctrl+C
stops both, and the safety net stops the motors as it always does.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exc import KitError

if TYPE_CHECKING:
    from ..view import KitView

#: Seconds ``--view`` waits for a page before it starts the script anyway.
WAIT = 10.0
#: Where a simulated rover drives when the script puts it on no floor of its own.
FLOOR_WALL = 1.0


def add_options(parser: argparse.ArgumentParser, *, run: bool) -> None:
    """The view's options, for ``kit run`` (with ``--view``) and ``kit view``."""
    if run:
        parser.add_argument("--view", action="store_true",
                            help="show the kit live in a browser while the script runs")
    parser.add_argument("--port", type=int, default=0,
                        help="the view's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--no-open", action="store_true",
                        help="print the view's address without opening a browser")
    if run:
        parser.add_argument("--wait", type=float, default=WAIT, metavar="SECONDS",
                            help=f"start the script once a page watches, or after this many "
                                 f"seconds (default {WAIT:g})")


def run_with_view(args: argparse.Namespace, script: str, rest: Sequence[str]) -> int:
    """``kit run --view``: serve the view, run the script, say how it ended."""
    from .. import safety
    from ..script import run_script

    view = _open_view(args)
    if view is None:
        return 2
    with view:
        view.session.script_name = Path(script).name
        safety.on_kit(view.watch)
        view.wait_for_page(max(0.0, args.wait))
        failure: list[str] = []
        code = run_script(script, rest, on_error=lambda exc, line: failure.append(
            _in_words(exc, line)))
        if code == 0:
            view.ended("finished", "the script finished")
        elif code == 130:
            view.ended("stopped", "stopped with Ctrl+C")
        else:
            view.ended("error", failure[0] if failure else f"the script ended with status {code}")
    return code


def view_kit(args: argparse.Namespace, profile: Any) -> int:
    """``kit view``: the kit with no script, until Ctrl+C."""
    from ..kit import Kit

    view = _open_view(args)
    if view is None:
        return 2
    with view, Kit(profile) as kit:
        view.session.say("idle", "no script is running: this is the kit as it is")
        view.watch(kit)
        print("kit: showing the kit until Ctrl+C", file=sys.stderr)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("kit: stopped (Ctrl+C); the kit's outputs are safe", file=sys.stderr)
    return 0


def announce_view(args: argparse.Namespace) -> bool:
    """``kit lesson check --view``: choose the port every try of the script serves its view
    on (``$KITSDK_VIEW_PORT``), and say where; False if that port is taken."""
    from ..view import PORT_VARIABLE

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", args.port))
        except (OSError, OverflowError) as exc:
            _cannot_serve(args.port, exc)
            return False
        port = probe.getsockname()[1]
    os.environ[PORT_VARIABLE] = str(port)
    url = f"http://127.0.0.1:{port}/"
    print(f"view: {url}", flush=True)
    if not args.no_open:  # once the first try serves it: a page opened sooner finds nothing
        threading.Thread(target=_open_when_served, args=(port, url), daemon=True).start()
    return True


def _open_when_served(port: int, url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                _open_browser(url)
                return
        time.sleep(0.1)  # a poll of our own port while the first try starts


def _open_view(args: argparse.Namespace) -> KitView | None:
    from ..sim.rover import Arena
    from ..view import KitView

    try:
        view = KitView(port=args.port, floor=Arena(wall=FLOOR_WALL))
    except (OSError, OverflowError) as exc:
        _cannot_serve(args.port, exc)
        return None
    print(f"view: {view.url}", flush=True)
    if not args.no_open:
        _open_browser(view.url)
    return view


def _cannot_serve(port: int, exc: Exception) -> None:
    if isinstance(exc, OverflowError):
        print(f"kit: --port {port} is not a port: use 1 to 65535", file=sys.stderr)
        return
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    print(f"kit: cannot show the view on port {port}: {reason}; choose another with --port, "
          "or leave --port out for a free one", file=sys.stderr)


def _open_browser(url: str) -> None:
    """Open ``url`` where there is a desktop to show it; a console browser would take the
    terminal the script prints to, so none is tried without one."""
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return
    threading.Thread(target=webbrowser.open, args=(url,), name="kitsdk-open-view",
                     daemon=True).start()


def _in_words(exc: BaseException, line: int | None) -> str:
    """How the page says the error that ended the script: a KitError's own explanation,
    anything else as ``ZeroDivisionError on line 3: division by zero``."""
    from ..agent.runner import Crash

    if isinstance(exc, KitError):
        return exc.explain()
    return str(Crash(type(exc).__name__, str(exc), line))
