"""The room in a real Chromium with a class of 40 kits: it fits the screen, the problems bar
names a kit that dies, and Lock all's message reaches a real kit agent and every page.

One lab serves the whole module (40 MQTT kits and one real agent take seconds to start);
the test that kills a kit runs last, so the others see the whole class online.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser import WAIT_MS
from helpers import wait_until
from room_lab import MENTOR, RoomLab

KITS = 40
AGENT = f"kit-{KITS}"  # the last kit is a real kit agent on the simulated rover

INSIDE = """() => [...document.querySelectorAll('.tile')].filter(t => {
  const r = t.getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
}).length"""


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoomLab]:
    lab = RoomLab(tmp_path_factory.mktemp("room") / "lab", KITS, rate=2, agents=1)
    lab.send_telemetry()
    yield lab
    lab.close()


def _page(browser: Any, room: RoomLab, width: int, height: int, who: Any = None) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  has_touch=width < 1000)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    if who is None:
        room.login(page)
    else:
        room.login(page, who)
    page.wait_for_function("() => document.body.dataset.live === 'open'")
    return page


@pytest.mark.parametrize(("width", "height", "least"), [
    (1920, 1080, 40),  # the projector: the whole class
    (1366, 768, 12),   # the teacher's laptop
    (768, 1024, 6),    # a tablet, upright
])
def test_the_room_fits_the_screen(browser: Any, room: RoomLab, width: int, height: int,
                                  least: int) -> None:
    page = _page(browser, room, width, height)
    try:
        # every kit's key readings arrive live, in words with their units
        page.wait_for_function(
            "() => [...document.querySelectorAll("
            "'.tile [data-reading=\"distance.distance\"] .value')]"
            ".every(v => / m$/.test(v.textContent))")
        assert page.evaluate(INSIDE) >= least
        assert page.locator(".tile").count() == KITS
        # natural order, left to right: kit-2 before kit-10
        ids = page.eval_on_selector_all(".tile", "ts => ts.map(t => t.dataset.kit)")
        assert ids == [f"kit-{i}" for i in range(1, KITS + 1)]
        # booleans are on/off chips, never a chart; a tile's labels are words, not channels
        chips = page.eval_on_selector_all('.tile[data-kit="kit-1"] [data-value] .name',
                                          "els => els.map(e => e.textContent)")
        assert chips == ["line left", "line right"]
        if width < 1000:  # a finger's targets
            for selector in (".tile", "#team-filter", "#stop-all", "#lock-all", "#group-teams"):
                box = page.locator(selector).first.bounding_box()
                target = box if selector != "#group-teams" else \
                    page.locator("label.check").bounding_box()
                assert target["height"] >= 44, selector
        assert page.errors == []
    finally:
        page.context.close()


def test_each_tile_draws_its_kit_live(browser: Any, room: RoomLab) -> None:
    """The small drawing is the kit view's own, its parts in the kit's order, and follows the
    kit: the rover's status LED changes every second."""
    page = _page(browser, room, 1366, 768)
    try:
        led = '.tile[data-kit="kit-1"] .mini g[data-device="status_led"]'
        parts = page.eval_on_selector_all('.tile[data-kit="kit-1"] .mini g[data-device]',
                                          "gs => gs.map(g => g.dataset.device)")
        assert parts == ["drive", "servo", "distance", "line_left", "line_right",
                         "status_led", "camera"]
        first = page.get_attribute(led, "data-state")
        page.wait_for_function("([s, v]) => document.querySelector(s).dataset.state !== v",
                               arg=[led, first])
        assert page.errors == []
    finally:
        page.context.close()


def test_a_team_filter_and_grouping_keep_the_order(browser: Any, room: RoomLab) -> None:
    page = _page(browser, room, 1366, 768)
    try:
        page.select_option("#team-filter", "blue")
        shown = page.eval_on_selector_all(".tile:not([hidden])", "ts => ts.map(t => t.dataset.kit)")
        assert shown == [f"kit-{i}" for i in range(2, KITS + 1, 5)]
        page.select_option("#team-filter", "")
        page.check("#group-teams")
        heads = page.eval_on_selector_all(".team-head", "hs => hs.map(h => h.textContent)")
        assert heads == ["blue", "green", "purple", "red", "yellow"]
        page.reload()  # the choice is remembered by this browser
        page.wait_for_selector(".team-head")
        assert page.is_checked("#group-teams")
        page.uncheck("#group-teams")
    finally:
        page.context.close()


def test_lock_all_with_a_message_reaches_the_kit_and_every_page(browser: Any,
                                                                room: RoomLab) -> None:
    teacher = _page(browser, room, 1920, 1080)
    mentor = _page(browser, room, 1366, 768, MENTOR)
    agent = room.agents[AGENT][0]
    try:
        assert mentor.locator("#lock-all").count() == 0  # mentors watch, they never lock
        teacher.fill("#lock-all-message", "eyes on me")
        teacher.once("dialog", lambda dialog: dialog.accept())
        teacher.click("#lock-all")
        wait_until(lambda: agent.locked == "eyes on me", 15, "the kit agent locked")
        for page in (teacher, mentor):
            page.wait_for_selector(f'.tile[data-kit="{AGENT}"][data-state="locked"] '
                                   '[data-field="lock"]:not([hidden]):has-text("eyes on me")')
        mentor.goto(f"{room.url}/kits/{AGENT}")
        mentor.wait_for_selector('#kit [data-field="lock"]:has-text("eyes on me")')
        teacher.click("#unlock-all")
        wait_until(lambda: agent.locked is None, 15, "the kit agent unlocked")
        teacher.wait_for_selector(f'.tile[data-kit="{AGENT}"][data-state="online"] '
                                  '[data-field="lock"][hidden]', state="attached")
        assert teacher.errors == [] and mentor.errors == []
    finally:
        teacher.context.close()
        mentor.context.close()


def test_a_kit_that_dies_is_named_in_the_problems_bar(browser: Any, room: RoomLab) -> None:
    page = _page(browser, room, 1920, 1080)
    try:
        assert page.locator("[data-problems] > *").count() == 0
        room.kit("kit-7").kill()
        page.wait_for_selector('[data-problems] > [data-kit="kit-7"][data-kind="offline"]',
                               timeout=15_000)
        page.wait_for_selector('.tile[data-kit="kit-7"][data-state="offline"]')
        assert page.locator("[data-problems] > *").count() == 1
        page.click('[data-problems] a:has-text("kit-7")')
        page.wait_for_url(f"{room.url}/kits/kit-7")
    finally:
        page.context.close()
