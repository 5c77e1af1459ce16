"""The kit view's cost and speed, with a real page open in headless Chromium: printed figures.

    python benchmarks/bench_view.py                # about a minute
    python benchmarks/bench_view.py --toggles 100000 --rounds 5

1. **Latency**: a kit and its view in this process, the page open; the LED is switched every
   ``--every`` seconds, and the page notes (``Date.now()``, one clock
   with ``time.time()`` on one machine) when its ``data-state`` follows. p50 and p99 of
   page time minus switch time. Goal: p99 under 50 ms.
2. **Script speed**: ``kit run`` of a script that toggles an LED ``--toggles`` times and
   prints how long its loop took, without the view and with ``--view`` and a page open,
   alternately ``--rounds`` times; the ratio of the medians. Goal: at most 1.1.
3. **Memory**: the same runs' peak resident memory (``ru_maxrss``, printed by the script at
   its end): with the view minus without. Goal: under 30 MB.

Everything stays on 127.0.0.1; Chromium is Debian's (``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]

TOGGLER = """\
import resource, sys, time
from kitsdk import Kit
kit = Kit("starter")
count = int(sys.argv[1])
time.sleep(2)  # the page has drawn the kit: its first load is not what is measured
started = time.perf_counter()
for _ in range(count):
    kit.red.toggle()
elapsed = time.perf_counter() - started
print(f"loop {elapsed:.4f} rss_kb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}",
      flush=True)
"""

# Records, for every change of the LED's data-state, when the page saw it.
WATCH_LED = """() => {
  window.__seen = [];
  const led = document.querySelector('[data-device="red"]');
  new MutationObserver(() => window.__seen.push(
      [led.dataset.state, Date.now()]))
    .observe(led, {attributes: true, attributeFilter: ["data-state"]});
}"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def latency(browser: Any, switches: int, every: float) -> list[float]:
    os.environ["KITSDK_BACKEND"] = "sim"
    from kitsdk import Kit
    from kitsdk.view import KitView

    with KitView() as view, Kit("starter") as kit:
        view.watch(kit)
        page = browser.new_page()
        page.goto(view.url)
        page.wait_for_selector('[data-device="red"][data-state="off"]')
        page.evaluate(WATCH_LED)
        sent: list[tuple[str, float]] = []
        for i in range(switches):
            state = "on" if i % 2 == 0 else "off"
            sent.append((state, time.time()))
            kit.red.value = state == "on"
            time.sleep(every)
        page.wait_for_function(f"() => window.__seen.length >= {switches}", timeout=10_000)
        seen = page.evaluate("() => window.__seen")
        page.close()
    delays = []
    for (state, at), (shown, when) in zip(sent, seen, strict=True):
        assert state == shown, f"the page showed {shown} for {state}"
        delays.append(when / 1000 - at)
    return delays


def run_toggler(browser: Any, script: Path, toggles: int, view: bool) -> tuple[float, int]:
    env = {**os.environ, "KITSDK_BACKEND": "sim"}
    env.pop("KITSDK_SIM_TRACE", None)
    argv = [sys.executable, "-m", "kitsdk.cli", "run"]
    argv += ["--view", "--no-open", "--wait", "30"] if view else []
    proc = subprocess.Popen([*argv, str(script), str(toggles)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    page = None
    if view:
        url = proc.stdout.readline().removeprefix("view: ").strip()
        page = browser.new_page()
        page.goto(url)  # the script starts once the page watches
    line = proc.stdout.readline().split()
    proc.wait(timeout=120)
    if page is not None:
        page.close()
    return float(line[1]), int(line[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switches", type=int, default=200)
    parser.add_argument("--every", type=float, default=0.1)
    parser.add_argument("--toggles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        delays = latency(browser, args.switches, args.every)
        print(f"pin change to page: p50 {pct(delays, 0.5) * 1000:.1f} ms, "
              f"p99 {pct(delays, 0.99) * 1000:.1f} ms, max {max(delays) * 1000:.1f} ms "
              f"over {len(delays)} switches (goal: p99 under 50 ms)")
        script = Path(tmp) / "toggle.py"
        script.write_text(TOGGLER)
        runs: dict[bool, list[tuple[float, int]]] = {False: [], True: []}
        for _ in range(args.rounds):
            for view in (False, True):
                runs[view].append(run_toggler(browser, script, args.toggles, view))
        browser.close()
    plain = statistics.median(t for t, _ in runs[False])
    viewed = statistics.median(t for t, _ in runs[True])
    print(f"{args.toggles:,} toggles: {plain:.3f} s without the view, {viewed:.3f} s with it "
          f"open: ratio {viewed / plain:.3f} (goal: at most 1.1)")
    memory = (max(kb for _, kb in runs[True]) - max(kb for _, kb in runs[False])) / 1024
    print(f"memory: peak RSS {max(kb for _, kb in runs[False]) / 1024:.1f} MB without the "
          f"view, {memory:+.1f} MB with it (goal: under 30 MB more)")


if __name__ == "__main__":
    main()
