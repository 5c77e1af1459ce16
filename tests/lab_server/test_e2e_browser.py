"""End to end in a real headless Chromium: log in, watch kits live, command them, export.

The lab is ``kitlab demo``'s: the real services, their broker, and ``kit agent --sim`` rovers
running the demo script. The browser is ``tests/support/browser.py``'s (Debian's Chromium).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browser import WAIT_MS
from helpers import wait_until


@dataclass
class LiveLab:
    url: str
    teacher: tuple[str, str]
    kits: list[str]
    motors: list[str]  # the tile/kit-page readings that are a rover's motor speeds
    reading: str  # a reading that changes all the time
    store: Any
    shots: Path
    close_callbacks: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for callback in reversed(self.close_callbacks):
            callback()


def _real_lab(tmp_path: Path) -> LiveLab:
    from lab_server.demo import start_demo

    demo = start_demo(2, port=0, data_dir=tmp_path / "demo", rate=10)
    lab = LiveLab(demo.url, demo.teacher, [k.id for k in demo.kits],
                  ["drive.left", "drive.right"], "drive.left", demo.services.store,
                  tmp_path, [demo.close])
    return lab


@pytest.fixture
def live_lab(tmp_path: Path) -> Iterator[LiveLab]:
    live = _real_lab(tmp_path)
    yield live
    live.close()


def _value(page: Any, selector: str) -> str:
    return str(page.locator(selector).first.inner_text()).strip()


def test_a_teacher_runs_the_lab_from_the_browser(browser: Any, live_lab: LiveLab) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        # log in
        page.goto(live_lab.url + "/")
        page.fill('input[name="username"]', live_lab.teacher[0])
        page.fill('input[name="password"]', live_lab.teacher[1])
        page.click('button[type="submit"]')
        page.wait_for_url(live_lab.url + "/")

        # the kits come online, by themselves, on the live stream
        for kit in live_lab.kits:
            page.wait_for_selector(f'.tile[data-kit="{kit}"].state-online')
        page.screenshot(path=str(live_lab.shots / "room.png"))
        kit = live_lab.kits[0]

        # a reading changes live on the kit page
        page.click(f'.tile[data-kit="{kit}"]')
        page.wait_for_url(f"{live_lab.url}/kits/{kit}")
        page.wait_for_function("() => document.body.dataset.live === 'open'")
        cell = f'tr[data-reading="{live_lab.reading}"] td.value'
        page.wait_for_function(
            "s => { const el = document.querySelector(s); return el && el.textContent.trim(); }",
            arg=cell)
        first = _value(page, cell)
        page.wait_for_function(
            "([s, v]) => document.querySelector(s).textContent.trim() !== v", arg=[cell, first])
        page.wait_for_selector(".chart .u-over")  # uPlot drew the charts

        # motors run, Stop stops them, and the ack shows
        motor = f'tr[data-reading="{live_lab.motors[0]}"] td.value'
        page.wait_for_function(
            "s => { const v = parseFloat(document.querySelector(s).textContent);"
            " return !isNaN(v) && v !== 0; }", arg=motor)
        page.click("#cmd-stop")
        page.wait_for_selector('#acks li[data-outcome="ok"]')
        page.wait_for_selector('#events li:has-text("stopped by the teacher at")')
        for name in live_lab.motors:
            page.wait_for_function(
                "s => parseFloat(document.querySelector(s).textContent) === 0",
                arg=f'tr[data-reading="{name}"] td.value')

        # a camera snapshot comes back with its ack
        page.click("#cmd-snapshot")
        page.wait_for_selector('#snapshot:not([hidden]) img[src^="data:image/jpeg;base64,"]')
        page.screenshot(path=str(live_lab.shots / "kit.png"))

        # lock with a message, then unlock
        page.fill("#lock-message", "Eyes on the board")
        page.click("#cmd-lock")
        page.wait_for_selector('#kit [data-field="state"].state-locked')
        page.click("#cmd-unlock")
        page.wait_for_selector('#kit [data-field="state"].state-online')

        # export the kit's data as CSV
        page.goto(live_lab.url + "/export")
        page.select_option('select[name="kit"]', kit)
        with page.expect_download() as download_info:
            page.click("#export-button")
        download = download_info.value
        path = download.path()
        rows = list(csv.DictReader(io.StringIO(Path(path).read_text())))
        assert rows and {r["kit"] for r in rows} == {kit}
        assert download.suggested_filename == f"{kit}.csv"

        # Stop all, confirmed in the browser's dialog: every kit acks on its tile
        page.goto(live_lab.url + "/")
        page.wait_for_function("() => document.body.dataset.live === 'open'")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#stop-all")
        for other in live_lab.kits:
            page.wait_for_selector(
                f'.tile[data-kit="{other}"] [data-field="ack"][data-outcome="ok"]')
        wait_until(lambda: "kits answered" in page.inner_text("#room-receipt"), 10,
                   "the room's receipt counting acks")
    finally:
        context.close()
    assert errors == []
