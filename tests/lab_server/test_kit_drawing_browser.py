"""The kit page draws the kit, live and read-only, in a real headless Chromium.

The lab is ``kitlab demo``'s: the real services, their broker, and ``kit agent --sim`` rovers
running the demo script, whose statuses describe their parts and whose motors never stop.
Chromium is Debian's (``/usr/bin/chromium``) driven by Playwright's Python package (never
``playwright install``); a missing one is a skip, and under ``CI=true`` a failure.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import WAIT_MS
from helpers import wait_until

from kitsdk.telemetry import Part, Status
from lab_server.hub import Update

ROVER = Path(__file__).parents[2] / "kitsdk" / "profiles" / "rover.toml"
DRAWING = "#kit-drawing"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One demo lab for the module: its tests change no kit (the first one's statuses go to
    its page's live stream, not to the store)."""
    from lab_server.demo import start_demo

    data_dir = tmp_path_factory.mktemp("kit-drawing") / "demo"
    with start_demo(2, port=0, data_dir=data_dir, rate=10) as lab:
        yield lab


def open_kit_page(browser: Any, demo: Any, who: tuple[str, str], kit: str,
                  errors: list[str]) -> Any:
    """A new browser context logged in as ``who``, on ``kit``'s page; every console error,
    page error and failed response lands in ``errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(demo.url + "/login")
    page.fill('input[name="username"]', who[0])
    page.fill('input[name="password"]', who[1])
    page.click('button[type="submit"]')
    page.wait_for_url(demo.url + "/")
    page.goto(f"{demo.url}/kits/{kit}")
    page.wait_for_function("() => document.body.dataset.live === 'open'")
    return page


def drawn(page: Any) -> list[str]:
    return list(page.eval_on_selector_all(f'{DRAWING} [data-device]',
                                          "cards => cards.map(c => c.dataset.device)"))


def test_the_kit_page_draws_the_kit_live_and_read_only(browser: Any, demo: Any) -> None:
    devices = list(tomllib.loads(ROVER.read_text(encoding="utf-8"))["devices"])
    kit = demo.kits[0].id
    store = demo.services.store
    wait_until(lambda: [p.name for p in store.kit(kit).parts] == devices, 60,
               f"{kit}'s parts in the store")
    errors: list[str] = []
    page = open_kit_page(browser, demo, demo.teacher, kit, errors)
    try:
        # every part of the rover, in profile order, and nothing to press or type in
        page.wait_for_selector(f'{DRAWING} [data-device="{devices[-1]}"]')
        assert drawn(page) == devices
        assert page.locator(f"{DRAWING} input, {DRAWING} button, {DRAWING} select, "
                            f"{DRAWING} [role=button]").count() == 0
        assert page.locator("#kit-drawing-note").is_hidden()

        # the drive base follows the demo script's motors, which never stop changing
        drive = f'{DRAWING} [data-device="drive"]'
        page.wait_for_function("s => /^-?[0-9.]+,-?[0-9.]+$/.test("
                               "document.querySelector(s).dataset.state)", arg=drive)
        first = page.get_attribute(drive, "data-state")
        page.wait_for_function("([s, v]) => document.querySelector(s).dataset.state !== v",
                               arg=[drive, first])
        page.screenshot(path=str(demo.data_dir / "kit-drawing.png"))

        # a status with other parts (a script with another profile) redraws the kit; one
        # without (an older agent) draws each device plainly from its channels, and says so
        red = Part(name="red", kind="led", label="LED 'red'", look={"color": "red"})
        publish_status(demo, kit, parts=(red,), channels={"red": {"on": ""}})
        page.wait_for_function("s => [...document.querySelectorAll(s + ' [data-device]')]"
                               ".map(c => c.dataset.device).join() === 'red'", arg=DRAWING)
        publish_status(demo, kit, parts=(), channels={"sonar": {"cm": "cm"}})
        page.wait_for_selector(f'{DRAWING} [data-device="sonar"][data-kind="part"]')
        assert drawn(page) == ["sonar"] and page.locator("#kit-drawing-note").is_visible()
    finally:
        page.context.close()
    assert errors == []


def test_a_mentor_sees_the_same_drawing_without_controls(browser: Any, demo: Any) -> None:
    kit = demo.kits[0].id
    wait_until(lambda: demo.services.store.kit(kit).parts, 60, f"{kit}'s parts in the store")
    errors: list[str] = []
    page = open_kit_page(browser, demo, demo.mentor, kit, errors)
    try:
        page.wait_for_selector(f'{DRAWING} [data-device="drive"]')
        assert page.locator(f"{DRAWING} input, {DRAWING} button").count() == 0
    finally:
        page.context.close()
    assert errors == []


def publish_status(demo: Any, kit: str, **fields: Any) -> None:
    """Put a status on the live stream as the ingest would (the hub's update of a ``Status``)."""
    status = Status(state="online", session="3f9a1c0d2b7e", profile="other", sdk="0.1.0",
                    **fields)
    demo.services.hub.publish(Update("status", kit, status.to_json()))
