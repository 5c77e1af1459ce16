"""In a real headless Chromium: while the lab's broker is down the room says its readings are
stale, instead of showing every kit "online" from before the outage. The lab is the real
services (their private Mosquitto, SQLite) behind waitress, with a simulated kit; Chromium is
Debian's, driven by Playwright (as in ``test_e2e_browser.py``); a missing one is a skip, and
under ``CI=true`` a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser import WAIT_MS

from lab_server.app import create_app
from lab_server.web.server import WebServer

BANNER = "lab broker down: readings are stale"


@pytest.fixture
def page(browser: Any, services: Any, lab: Any, passwords: dict[str, str]) -> Iterator[Any]:
    """The room page of a lab with one kit online, logged in as the teacher."""
    lab.kit("kit-1", team="red")
    server = WebServer(create_app({"TESTING": True}, services), "127.0.0.1", 0).start()
    tab = browser.new_page()
    tab.set_default_timeout(WAIT_MS)
    tab.goto(server.url + "/")
    tab.fill('input[name="username"]', "teacher")
    tab.fill('input[name="password"]', passwords["teacher"])
    tab.click('button[type="submit"]')
    tab.wait_for_url(server.url + "/")
    yield tab
    tab.close()
    server.close()


def test_the_room_says_readings_are_stale_while_the_broker_is_down(page: Any,
                                                                   services: Any) -> None:
    tile = '.tile[data-kit="kit-1"]'
    page.wait_for_selector(f'{tile} [data-field="state"]:has-text("online")', state="visible")
    assert page.locator("#lab-stale").count() == 0
    # Stopped by hand (the supervisor would restart a broker that died at once, sooner
    # than a page polls); the banner must show while it is down, and go when it is back.
    port = services.broker_process.port
    services.broker_process.stop()
    page.wait_for_selector(f'#lab-stale:has-text("{BANNER}")', state="visible")
    assert page.locator(f'{tile} [data-field="state"]').is_hidden()
    assert page.locator(f"{tile} .state-stale").is_visible()
    assert page.locator(".online-count").is_hidden()
    page.click(tile)  # the kit's own page says so too, from its first paint
    page.wait_for_selector(f'#lab-stale:has-text("{BANNER}")', state="visible")
    assert page.locator('#kit [data-field="state"]').is_hidden()
    services.broker_process.start()
    assert services.broker_process.port == port  # the port kits were given
    page.wait_for_selector("#lab-stale", state="detached")
    assert page.locator('#kit [data-field="state"]').is_visible()
