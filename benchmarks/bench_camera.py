"""Simulated camera throughput at 640x480, against plain numpy and Pillow in the same run.

    python benchmarks/bench_camera.py [N]

Pinned to one core. Prints frames per second (best of five runs of N frames) for:
``capture_array`` on the still test card and on the moving ball (reference: copying a frame
with numpy), JPEG encoding (reference: Pillow's own encode of the same frame, quality 85),
the ``frames()`` stream (capture and encode, the MJPEG path; goal 30 fps or more), and the
time of one ``snapshot()`` (reference: Pillow shrinking to 320 wide and encoding).
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable

import numpy as np
from PIL import Image

from kitsdk.camera import jpeg
from kitsdk.devices.camera import Camera

GOAL_FPS = 30.0


def best_rate(n: int, step: Callable[[], object], repeats: int = 5) -> float:
    """Calls per second of ``step``: the best of ``repeats`` runs of ``n`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            step()
        best = min(best, time.perf_counter() - start)
    return n / best


def pillow_jpeg(frame: np.ndarray, quality: int = 85, size: tuple[int, int] | None = None) -> bytes:
    image = Image.fromarray(frame)
    if size is not None:
        image = image.resize(size, Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def row(what: str, rate: float, reference: float | None = None, unit: str = "fps") -> None:
    ratio = f"{rate / reference:6.2f}x" if reference else ""
    print(f"  {what:<44} {rate:10.1f} {unit:<4} {ratio}")


def main(n: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    card = Camera(backend="sim", sim_realtime=False)
    ball = Camera(backend="sim", sim_realtime=False, sim_scene="ball")
    frame = card.capture_array()
    copy_rate = best_rate(n, frame.copy)
    print(f"camera benchmark, 640x480, {n} frames per run, one core")
    print("  capture (reference: numpy copy of a frame)")
    row("numpy frame.copy()", copy_rate)
    row("capture_array(), test card", best_rate(n, card.capture_array), copy_rate)
    row("capture_array(), moving ball", best_rate(n, ball.capture_array), copy_rate)

    print("  JPEG, quality 85 (reference: Pillow encode of the same frame)")
    pillow_rate = best_rate(n, lambda: pillow_jpeg(frame))
    row("Pillow Image.fromarray().save()", pillow_rate)
    row("kitsdk.camera.jpeg.encode()", best_rate(n, lambda: jpeg.encode(frame)), pillow_rate)
    stream = ball.frames(quality=85)
    stream_rate = best_rate(n, lambda: next(stream))
    row("frames(): capture + encode, moving ball", stream_rate, pillow_rate)

    print("  snapshot, 320 wide, quality 70 (reference: Pillow resize + encode), per second")
    small_rate = best_rate(n, lambda: pillow_jpeg(frame, 70, (320, 240)))
    row("Pillow resize((320, 240)) + save()", small_rate)
    snapshot_rate = best_rate(n, card.snapshot)
    row("snapshot() incl. capture", snapshot_rate, small_rate)
    print(f"  snapshot() takes {1000 / snapshot_rate:.2f} ms; "
          f"{len(card.snapshot())} bytes of test card")

    verdict = "meets" if stream_rate >= GOAL_FPS else "MISSES"
    print(f"goal: 640x480 JPEG stream at {GOAL_FPS:.0f} fps or more: {verdict} "
          f"({stream_rate:.0f} fps)")
    card.close()
    ball.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
