"""The kit view: a live drawing of a kit in a browser, simulated or real, on 127.0.0.1.

``kit run --view script.py`` and ``kit view`` open one; in Python::

    from kitsdk import Kit
    from kitsdk.view import KitView

    with KitView() as view:            # a free port on 127.0.0.1
        print(view.url)
        kit = Kit("starter")
        view.watch(kit)                # or safety.on_kit(view.watch): every kit built
        kit.button.wait_for_press()    # a click on the page presses it

The page is drawn from the kit's description (``Kit.parts()``), by the same files the lab
server's kit page uses (``kitsdk.drawing``), so the teacher sees the drawing the student
sees. Modules: ``describe`` (the kit as JSON), ``sampler`` (reading it at the frame rate),
``session`` (what the pages show and do), ``server`` (HTTP). Reference: ``docs/view.md``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from .sampler import FRAME
from .server import STATIC, ViewServer
from .session import ViewSession

if TYPE_CHECKING:
    from ..kit import Kit
    from ..sim.rover import Arena

#: Where ``kit lesson check --view`` tells each try of the script to serve its view.
PORT_VARIABLE: Final = "KITSDK_VIEW_PORT"


class KitView:
    """A view of the kits this process builds, served until ``close()``.

    :param port: 0 for a free port. A port in use raises ``OSError`` at once.
    :param floor: where a simulated rover drives when the script puts it on no floor of
        its own (None: no floor, its sensors are inputs like any other).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 floor: Arena | None = None, frame: float = FRAME) -> None:
        self.session = ViewSession(floor=floor, frame=frame)
        self.server = ViewServer(self.session, host, port).start()

    @property
    def url(self) -> str:
        return self.server.url

    def watch(self, kit: Kit) -> None:
        """Show ``kit`` (the newest kit watched is the one shown)."""
        self.session.watch(kit)

    def wait_for_page(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a page to open; True if one did."""
        return self.server.watched.wait(timeout)

    def ended(self, state: str, message: str, *, linger: float = 2.0,
              final: bool = True) -> None:
        """Say how the script ended (``finished``, ``error``, ``stopped``) and wait up to
        ``linger`` seconds for the open pages to have heard it. Not ``final``: another
        run follows on the same port (a lesson check's next try), so the pages stay."""
        self.session.script_ended(state, message, final=final)
        self.server.wait_sent(linger)

    def close(self) -> None:
        self.server.close()

    def __enter__(self) -> KitView:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def view_from_environment() -> KitView | None:
    """The view ``$KITSDK_VIEW_PORT`` asks for, if any and if its port is free: a lesson
    check's try serves it so the student watches each try; never a reason to fail one."""
    port = os.environ.get(PORT_VARIABLE, "")
    if not port.isdigit():
        return None
    try:
        return KitView(port=int(port))
    except (OSError, OverflowError):
        return None


__all__ = ["PORT_VARIABLE", "STATIC", "KitView", "ViewServer", "ViewSession",
           "view_from_environment"]
