"""The room page with a whole class sending at full rate, in headless Chromium: printed figures.

    python benchmarks/bench_room.py                 # about a minute
    python benchmarks/bench_room.py --kits 40 --rate 20 --seconds 30

A real lab (its broker, SQLite, the web server) with ``--kits`` kits, each a real MQTT
client sending the rover's readings ``--rate`` times a second (``tests/support/room_lab.py``),
and the room page open at 1920x1080. Two windows of ``--seconds`` each, in this one run:

* **reference**: the kits online but silent (the page only ages its times and polls);
* **loaded**: every kit at ``--rate`` Hz (40 x 20 = 800 updates a second).

For each: long tasks (over 50 ms, the browser's ``longtask`` entries) as a share of the
window, the stream batches the page received and the frames it drew, and Chromium's CPU
(all its processes, from ``/proc``: what the page costs the machine, which long tasks on two
shared cores cannot tell apart from waiting for the load generator). Goals: long tasks
under 1% of the loaded window; updates batched per animation frame (frames drawn far fewer
than updates); the page's transfer size (everything it loaded, the live stream aside) under
300 KB. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from browser import chromium
from room_lab import RoomLab

WATCH = """() => {
  window.bench = {long: 0, frames: 0};
  new PerformanceObserver(list => list.getEntries().forEach(e => { bench.long += e.duration; }))
    .observe({type: "longtask"});
  Lab.on("frame", () => { bench.frames += 1; });
}"""

WINDOW = """() => ({long: bench.long, frames: bench.frames,
                   batches: +(document.body.dataset.liveBatches || 0)})"""

TRANSFER = """() => performance.getEntriesByType("navigation").concat(
  performance.getEntriesByType("resource"))
  .filter(e => !e.name.includes("/live"))
  .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0)"""

def chromium_cpu() -> float:
    """CPU seconds used so far by every Chromium process on the machine (Linux ``/proc``)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if b"chromium" not in (stat.parent / "cmdline").read_bytes():
                continue
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def measure(page: Any, seconds: float) -> dict[str, float]:
    start, cpu = page.evaluate(WINDOW), chromium_cpu()
    started = time.monotonic()
    time.sleep(seconds)
    end, cpu = page.evaluate(WINDOW), chromium_cpu() - cpu
    elapsed = time.monotonic() - started
    return {"long_share": (end["long"] - start["long"]) / (elapsed * 1000),
            "frames": (end["frames"] - start["frames"]) / elapsed,
            "batches": (end["batches"] - start["batches"]) / elapsed,
            "cpu": cpu / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kits", type=int, default=40)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        room = RoomLab(Path(folder) / "lab", args.kits, rate=args.rate)
        try:
            with chromium() as browser:
                context = browser.new_context(viewport={"width": 1920, "height": 1080})
                page = context.new_page()
                room.login(page)
                page.wait_for_function("() => document.body.dataset.live === 'open'")
                page.evaluate(WATCH)
                transfer = page.evaluate(TRANSFER)
                reference = measure(page, args.seconds)
                room.send_telemetry()
                time.sleep(2)  # the stream is full before the window opens
                before = room.services.ingest.stats()["stored"]
                loaded = measure(page, args.seconds)
                stored = (room.services.ingest.stats()["stored"] - before) / args.seconds
                context.close()
        finally:
            room.close()
    sent = args.kits * args.rate
    print(f"room page, {args.kits} kits at {args.rate:g} Hz ({sent:g} updates/s), "
          f"1920x1080, {args.seconds:g} s windows")
    print(f"  transfer size         {transfer / 1024:8.1f} KB   (goal < 300 KB)")
    for name, window in (("reference (silent)", reference), ("loaded", loaded)):
        print(f"  {name:20s}  long tasks {100 * window['long_share']:6.2f} % of the time,"
              f" {window['frames']:6.1f} frames/s, {window['batches']:6.1f} stream batches/s,"
              f" Chromium {100 * window['cpu']:5.1f} % of a core")
    print(f"  Chromium's CPU loaded/reference: {loaded['cpu'] / max(reference['cpu'], 1e-3):.1f}x")
    print(f"  the lab stored {stored:.0f} messages/s while loaded")


if __name__ == "__main__":
    main()
