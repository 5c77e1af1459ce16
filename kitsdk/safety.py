"""The safety net: when a script ends, a drone lands first, then motors stop, then every
output goes safe.

It runs at normal exit, after an uncaught exception, on Ctrl+C and on SIGTERM (gpiozero's
own exit hook does not run on SIGTERM, and a motor must never run on after its script).
SIGKILL cannot be caught by anyone: that is what the kit agent is for.

The net knows why it stops (:func:`reason`): a part that does something a student will
notice says so in words (``drone: landed (the script ended with ZeroDivisionError)``).

The net holds every open kit until it is closed. A kit that only the garbage collector
ends would close its devices in whatever order and on whatever thread dropped the last
reference (``kit run`` drops the script's globals before the exit hook runs; a buzzer's
beep thread that ends then closes its own buzzer, and cannot join itself): held here, every
kit ends in ``shutdown``, motors first, on the main thread.
"""

from __future__ import annotations

import atexit
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .exc import DeviceClosed

if TYPE_CHECKING:
    from .kit import Kit

# Process-wide by nature, like gpiozero's own exit hook: one exit, every open kit.
# A dict keeps the kits in the order they were built (and is an ordered set of them).
_kits: dict[Kit, None] = {}
_hooks: list[Callable[[Kit], None]] = []
_installed = False
# One stop at a time: the agent's orders thread, the SIGTERM handler and the exit hook may
# all stop the same kit at once. Reentrant, for a SIGTERM that lands during the exit hook.
_lock = threading.RLock()
#: Why outputs are being stopped right now, in words; see ``reason``.
_reason = ""
#: How the script ended, as ``kit run`` saw it (it catches the script's errors itself).
_script_ending = ""
#: The exit hook has begun: a SIGTERM then leaves it to finish (see ``_on_sigterm``).
_exiting = False


def on_kit(hook: Callable[[Kit], None]) -> None:
    """Call ``hook(kit)`` for every kit built from now on in this process.

    The kit agent's child runner uses it to report a script's readings and to obey the
    teacher's stop, whatever the script calls its kit.
    """
    _hooks.append(hook)


def kits() -> list[Kit]:
    """The open kits of this process."""
    return list(_kits)


def protect(kit: Kit) -> None:
    """Put ``kit`` under the safety net (``Kit`` does this for itself)."""
    global _installed
    _kits[kit] = None
    for hook in _hooks:
        hook(kit)
    if _installed:
        return
    _installed = True
    atexit.register(shutdown)
    if threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)
    ):
        signal.signal(signal.SIGTERM, _on_sigterm)


def release(kit: Kit) -> None:
    """Take a closed ``kit`` out of the net (``Kit.close`` does this)."""
    _kits.pop(kit, None)


def reason() -> str:
    """Why outputs are being stopped right now (``"the teacher stopped the kit"``), or
    ``""`` when nobody said (a script's own ``kit.stop()``)."""
    return _reason


@contextmanager
def because(why: str) -> Iterator[None]:
    """Stop things inside this block for ``why`` (see ``reason``)."""
    global _reason
    with _lock:
        outer, _reason = _reason, why or _reason
        try:
            yield
        finally:
            _reason = outer


def script_ended(how: str) -> None:
    """Say how the script ended (``"the script ended with ZeroDivisionError"``): the
    exit's stop gives it as its reason."""
    global _script_ending
    _script_ending = how


def stop_all(why: str = "") -> None:
    """Stop every kit's drones and motors, then every other output (``kit.stop()`` for all
    kits), for ``why``."""
    with because(why):
        kits = list(_kits)
        for kit in kits:
            _stop(kit.stop_motors, kit)
        for kit in kits:
            _stop(kit.stop, kit)


def shutdown() -> None:
    """Stop everything, then close every kit (outputs stay driven at their safe level)."""
    global _exiting
    _exiting = True  # a SIGTERM from now on finds the stop underway: see _on_sigterm
    with because(_exit_reason()):
        stop_all()
        for kit in list(_kits):
            kit.close()


def _exit_reason() -> str:
    """How the script ended: as ``kit run`` said, else as Python left it (an uncaught error
    is in ``sys.last_value`` by the time exit hooks run)."""
    if _script_ending:
        return _script_ending
    error = getattr(sys, "last_value", None)
    return ending_of(error) if error is not None else "the script ended"


def ending_of(error: BaseException) -> str:
    """How a script that ``error`` ended ended, in words."""
    if isinstance(error, KeyboardInterrupt):
        return "the script was stopped with Ctrl+C"
    return f"the script ended with {type(error).__name__}"


def _stop(stop: Callable[[], None], kit: Kit) -> None:
    try:
        stop()
    except DeviceClosed:
        # The script closed this kit while we stopped it; closing leaves every output at its
        # safe level, so there is nothing left to stop. Any other kit's error is news.
        if not kit.closed:
            raise


def _on_sigterm(signum: int, frame: Any) -> None:
    if _exiting:  # the exit's own stop and close are underway: let them finish
        return
    # Stop first, inside the handler: a script that swallows SystemExit must not keep a
    # motor turning. Then unwind like any exit so 'finally' and 'with' blocks run.
    stop_all("the script was stopped (SIGTERM)")
    script_ended("the script was stopped (SIGTERM)")
    raise SystemExit(128 + signum)
