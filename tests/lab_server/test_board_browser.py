"""The lesson board stays live in a real headless Chromium (Debian's, through Playwright):
htmx polls its table, a new kit's check shows without a reload, and a hint the teacher
unfolded with the keyboard stays unfolded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser import WAIT_MS
from flask import Flask

from lab_server.web.server import WebServer

HINT = ("the red LED was on for 0.60 s and off for 0.30 s. Hint: the lesson asks for 0.3 s on "
        "and 0.3 s off: sleep(0.3) after kit.red.on() and sleep(0.3) after kit.red.off()")


@pytest.fixture
def server(app: Flask) -> Iterator[WebServer]:
    with WebServer(app, port=0).start() as started:
        yield started


def test_the_board_follows_the_class_and_keeps_an_unfolded_hint_open(
        browser: Any, server: WebServer, lab: Any, passwords: dict[str, str]) -> None:
    first = lab.kit("kit-1")
    first.event("lesson.started", lesson="blink", steps=3)
    first.event("lesson.step_passed", lesson="blink", step=1, title="Switch it on")
    first.event("lesson.step_failed", lesson="blink", step=2, title="Make it blink", hint=HINT)
    page = browser.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(server.url + "/login")
    page.fill('input[name="username"]', "mentor")
    page.fill('input[name="password"]', passwords["mentor"])
    page.click('button[type="submit"]')
    page.wait_for_url(server.url + "/")
    page.goto(server.url + "/lessons/blink")
    page.wait_for_selector('tr[data-kit="kit-1"] td[data-step="2"][data-state="failing"]')

    page.focus('tr[data-kit="kit-1"] details summary')
    page.keyboard.press("Enter")
    assert page.eval_on_selector('tr[data-kit="kit-1"] details', "d => d.open")
    second = lab.kit("kit-2")
    second.event("lesson.started", lesson="blink", steps=3)
    second.event("lesson.step_passed", lesson="blink", step=1, title="Switch it on")
    page.wait_for_selector('tr[data-kit="kit-2"] td[data-step="2"][data-state="current"]')
    assert page.eval_on_selector('tr[data-kit="kit-1"] details', "d => d.open")
    assert "Hint: the lesson asks for 0.3 s on" in page.inner_text('tr[data-kit="kit-1"]')
    assert errors == []
