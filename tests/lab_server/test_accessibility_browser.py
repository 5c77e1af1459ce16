"""Every page of the dashboard against axe-core (WCAG 2.1 AA): no serious or critical
violation, in the light theme, the system's dark mode and high contrast; and every control
reachable by keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from accessibility import violations
from browser import WAIT_MS
from room_lab import MENTOR, TEACHER, RoomLab

PAGES = ["/", "/kits/kit-2", "/export", "/health", "/kits/new", "/lessons"]


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoomLab]:
    lab = RoomLab(tmp_path_factory.mktemp("a11y") / "lab", 6, rate=5)
    lab.send_telemetry()
    crashed = lab.kit("kit-2")
    crashed.event("script.started", script="drive.py")
    crashed.event("script.crashed", script="drive.py", error="NameError on line 3: name 'x'",
                  output=["Traceback (most recent call last):", "NameError: name 'x'"])
    lab.kit("kit-3").status("locked", message="eyes on me")
    yield lab
    lab.close()


@contextmanager
def logged_in(browser: Any, room: RoomLab, who: tuple[str, str] = TEACHER,
              scheme: str = "light") -> Iterator[Any]:
    """A page at 1366x768 in the system colour ``scheme``, logged in as ``who``."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        room.login(page, who)
        yield page
    finally:
        context.close()


def assert_passes(page: Any, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")  # the kit page's charts are drawn
    found = violations(page)
    assert found == [], f"{path}: " + "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark", "contrast"])
def test_every_page_passes_axe(browser: Any, room: RoomLab, scheme: str) -> None:
    with logged_in(browser, room, scheme="dark" if scheme == "dark" else "light") as page:
        if scheme == "contrast":
            page.click("#theme-contrast")
            assert page.evaluate("document.documentElement.dataset.theme") == "contrast"
        for path in PAGES:
            assert_passes(page, room.url + path)


def test_the_login_page_passes_axe(browser: Any, room: RoomLab) -> None:
    context = browser.new_context(viewport={"width": 768, "height": 1024})
    try:
        assert_passes(context.new_page(), room.url + "/login")
    finally:
        context.close()


def test_the_room_by_keyboard_alone(browser: Any, room: RoomLab) -> None:
    """Tab reaches the filter, the commands and every kit's tile; Enter opens a kit."""
    with logged_in(browser, room) as page:
        reached = []
        for _ in range(40):
            page.keyboard.press("Tab")
            reached.append(page.evaluate(
                "() => document.activeElement.id || document.activeElement.dataset.kit || "
                "document.activeElement.textContent.trim().slice(0, 20)"))
        for wanted in ("theme-contrast", "team-filter", "group-teams", "stop-all",
                       "lock-all-message", "lock-all", "unlock-all", "kit-1", "kit-6"):
            assert wanted in reached, (wanted, reached)
        page.focus('.tile[data-kit="kit-2"]')
        page.keyboard.press("Enter")
        page.wait_for_url(room.url + "/kits/kit-2")
        page.keyboard.press("Tab")  # the first stop is the skip link
        assert page.evaluate("document.activeElement.textContent") == "Skip to the page"


def test_mentors_pages_pass_axe_too(browser: Any, room: RoomLab) -> None:
    with logged_in(browser, room, MENTOR) as page:
        for path in ("/", "/kits/kit-3"):
            assert_passes(page, room.url + path)
