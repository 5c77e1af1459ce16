"""A small sliding-window throttle for failed logins, kept per app (no globals, no storage).

Each key (an address, a user name) may fail ``failures`` times within ``window`` seconds;
after that every attempt under that key is refused until the oldest failure ages out, even
with the right password, so guessing costs the guesser time rather than the server. A
success forgets the name's failures. Memory is bounded: at most ``max_keys`` keys are kept,
the stalest dropped first. One process only: several server processes each keep their own.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable


class LoginThrottle:
    def __init__(self, failures: int, window: float, *, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures
        self.window = window
        self.max_keys = max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, keys: Iterable[str]) -> float:
        """Seconds until an attempt under all ``keys`` is allowed again (0: allowed now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if times is not None and len(times) >= self.failures:
                    wait = max(wait, times[0] + self.window - now)
        return wait

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if times is None:
                    times = self._seen[key] = deque(maxlen=self.failures)
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
