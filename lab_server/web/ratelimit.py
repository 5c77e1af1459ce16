"""A small sliding-window throttle for failed logins, kept per app (no globals, no storage).

Each key may fail up to its own limit within ``window`` seconds; past that, every attempt
under that key is refused until its oldest failure ages out, even with the right password,
so guessing costs the guesser time rather than the server. The login page uses three keys
(``auth.login_keys``): the user name *from one address* (so a flood of wrong passwords for
``teacher`` from one address locks out that address, never the teacher at another one), the
address alone (one address trying many names), and everything together (a global ceiling on
guesses from many addresses). A success forgets the name-and-address key's failures.

Memory is bounded: at most ``max_keys`` keys are kept, the stalest dropped first. One process
only: several server processes each keep their own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable

Limit = tuple[str, int]
"""A key and the failures it may have within the window: ``("addr:10.0.0.7", 20)``."""


class LoginThrottle:
    def __init__(self, window: float, *, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, limits: Iterable[Limit]) -> float:
        """Seconds until an attempt under all ``limits`` is allowed again (0: allowed now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key, failures in limits:
                times = self._recent(key, now)
                if times is not None and len(times) >= failures:
                    wait = max(wait, times[-failures] + self.window - now)
        return wait

    def failed(self, limits: Iterable[Limit]) -> None:
        now = self.clock()
        with self._lock:
            for key, failures in limits:
                times = self._recent(key, now)
                if times is None or times.maxlen != failures:
                    times = self._seen[key] = deque(times or (), maxlen=failures)
                times.append(now)
                self._seen.move_to_end(key)
            while len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self._seen.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._seen[key]
            return None
        return times
