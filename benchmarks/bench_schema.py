"""What decoding and validating one telemetry message costs, against ``json.loads`` alone.

    python benchmarks/bench_schema.py [N]

``decode`` parses the JSON and checks every field against the schema; the ratio to plain
``json.loads`` of the same bytes, measured in the same run, is what the validation adds.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from kitsdk.telemetry import Kind, Telemetry, decode, encode, topic_for

TOPIC = topic_for("room-4", "kit-07", Kind.TELEMETRY)
PAYLOAD = encode(Telemetry(
    session="3f9a1c0d2b7e", seq=42, ts=1_700_000_000.5,
    values={"distance": {"cm": 17.5}, "motors": {"left": 0.5, "right": -1.0},
            "button": {"pressed": True}, "light": {"lux": None}}))


def per_call(work: Callable[[], object], n: int) -> float:
    """Best of three runs of ``n`` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            work()
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def main(n: int = 50_000) -> None:
    plain = per_call(lambda: json.loads(PAYLOAD), n)
    full = per_call(lambda: decode(TOPIC, PAYLOAD), n)
    print(f"telemetry message of {len(PAYLOAD)} bytes, {n} decodes, best of 3")
    print(f"json.loads          {plain:6.2f} us")
    print(f"decode + validate   {full:6.2f} us   ({full / plain:.1f}x json.loads)")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]))
