"""The drone in a real headless Chromium: its flight space from above, as the student's kit
view draws it (``kitview.js``) and, still, as the room's tiles do (``tile_drawing.js``).

The flight is real: the kit view on a kit flying the simulated Tello at 127.0.0.3 (this
module's own address), twenty times faster than real time. What is checked is what a
student sees: where the drone is drawn on the page, which way its nose points, the height
it reads, and whether its rotors turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import drone_kits
import pytest
from accessibility import violations
from browser import WAIT_MS

from kitsdk import Kit
from kitsdk.devices.drone import Drone
from kitsdk.view import KitView

HOST = "127.0.0.3"
FAST = 20.0  # a take-off in 0.2 s
ROOT = Path(__file__).parents[2]
DRONE = '[data-device="drone"]'

# Where things are drawn, in page pixels: the centres of the drone's hull, its nose and its
# shadow, the room's floor plan, and how many animations run in the drone's card.
GEOMETRY = """() => {
  const card = document.querySelector('[data-device="drone"]');
  const centre = sel => { const r = card.querySelector(sel).getBoundingClientRect();
                          return [r.x + r.width / 2, r.y + r.height / 2]; };
  const room = card.querySelector('.kv-room').getBoundingClientRect();
  return {hull: centre('.kv-drone .kv-hull'), nose: centre('.kv-drone .kv-nose'),
          shadow: centre('.kv-drone-shadow'), room: [room.x, room.y, room.width, room.height],
          spinning: card.getAnimations({subtree: true}).length};
}"""


def drone_profile(folder: Path) -> Path:
    """The built-in drone's flight space, flown by this module's own simulated Tello."""
    return drone_kits.drone_profile(folder, HOST, scale=FAST)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A tab whose console errors fail the test."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    tab.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    yield tab
    context.close()
    assert tab.errors == []


def wait_for_pose(page: Any, pose: str) -> None:
    """Until the drone is drawn at ``pose`` ("x,y,yaw": cm, cm, degrees clockwise)."""
    page.wait_for_function(
        "pose => document.querySelector('[data-drone=\"drone\"]').dataset.pose === pose", arg=pose)


def reads(page: Any, height: str) -> None:
    page.wait_for_function(
        "h => document.querySelector('[data-drone=\"height\"]').textContent === h", arg=height)


def test_the_drone_drawn_takes_off_flies_turns_and_lands(page: Any, tmp_path: Path) -> None:
    with KitView() as view, Kit(drone_profile(tmp_path)) as kit:
        drone = kit.drone
        assert isinstance(drone, Drone)
        view.watch(kit)
        page.goto(view.url)
        page.wait_for_selector(f'{DRONE}[data-state="landed"]')
        reads(page, "0 cm")
        assert re.fullmatch(r"Drone 'drone': battery \d+ %, landed, on the take-off spot",
                            page.locator(DRONE).get_attribute("aria-label") or "")
        # read-only: nothing to set or press; the drone is flown by the script alone
        assert page.locator("#drawing input, #drawing button, #drawing [tabindex]").count() == 0
        start = page.evaluate(GEOMETRY)
        x0, y0, width, height = start["room"]
        per_cm = width / 400  # the 4 m x 3 m floor, to scale
        assert height == pytest.approx(300 * per_cm, abs=0.5)
        assert start["hull"] == pytest.approx([x0 + width / 2, y0 + height / 2], abs=0.5)
        assert start["nose"][0] > start["hull"][0]  # facing forward: right on the page
        assert start["spinning"] == 0  # landed: the rotors stand still

        drone.takeoff()
        page.wait_for_selector(f'{DRONE}[data-state="flying"]')
        reads(page, "80 cm")
        assert "flying 80 cm up" in page.locator(f"{DRONE} .kv-reading").inner_text()
        up = page.evaluate(GEOMETRY)
        assert up["spinning"] == 4  # one rotor each
        off = [s - h for s, h in zip(up["shadow"], up["hull"], strict=True)]
        assert off[0] > 2 and off[1] == pytest.approx(off[0], abs=0.5)  # the shadow falls away

        drone.forward(100)
        wait_for_pose(page, "100,0,0")
        ahead = page.evaluate(GEOMETRY)
        assert ahead["hull"] == pytest.approx([start["hull"][0] + 100 * per_cm, start["hull"][1]],
                                              abs=0.5)

        drone.turn_right(90)
        wait_for_pose(page, "100,0,90")
        turned = page.evaluate(GEOMETRY)
        assert turned["hull"] == pytest.approx(ahead["hull"], abs=0.5)
        assert turned["nose"][1] - turned["hull"][1] > 3  # the nose points down the page
        assert turned["nose"][0] == pytest.approx(turned["hull"][0], abs=0.5)
        assert "100 cm forward of the take-off spot, turned 90° right" in (
            page.locator(DRONE).get_attribute("aria-label") or "")

        drone.forward(50)  # which is to its right from the take-off spot's point of view
        wait_for_pose(page, "100,-50,90")
        moved = page.evaluate(GEOMETRY)
        assert moved["hull"] == pytest.approx([ahead["hull"][0], ahead["hull"][1] + 50 * per_cm],
                                              abs=0.5)
        page.locator(DRONE).screenshot(path=str(tmp_path / "flying.png"))
        assert violations(page) == []  # WCAG 2.1 AA by axe-core

        drone.land()
        page.wait_for_selector(f'{DRONE}[data-state="landed"]')
        reads(page, "0 cm")
        assert page.evaluate(GEOMETRY)["spinning"] == 0
        page.goto("about:blank")  # leave before the view goes: no reconnecting to nothing


def harness(page: Any, *scripts: Path) -> None:
    """A blank page with the drawing's stylesheet and ``scripts`` loaded."""
    page.set_content('<!doctype html><html lang="en"><head><title>drone</title></head>'
                     '<body><div id="drawing"></div><div id="tile"></div></body></html>')
    page.add_style_tag(path=str(ROOT / "kitsdk" / "drawing" / "kitview.css"))
    for script in scripts:
        page.add_script_tag(path=str(script))


FLYING = {"flying": True, "height": 120, "battery": 15, "x": -50, "y": 100, "yaw": -45}
LANDED = {"flying": False, "height": 0, "battery": 64, "x": -50, "y": 100, "yaw": -45}


def test_the_rooms_tile_draws_the_drone_still(page: Any, tmp_path: Path) -> None:
    """A tile (``still``) shows flying and landed as the view does, with nothing turning."""
    with Kit(drone_profile(tmp_path)) as kit:
        parts = [part.to_json() for part in kit.parts()]
    harness(page, ROOT / "kitsdk" / "drawing" / "kitview.js",
            ROOT / "lab_server" / "static" / "tile_drawing.js")
    page.evaluate("""([parts, latest]) => {
        window.tile = TileDrawing.create(document.getElementById("tile"), parts, latest);
    }""", [parts, {"drone": FLYING}])
    tile = page.locator('#tile g[data-device="drone"]')
    assert tile.get_attribute("data-state") == "flying"
    assert "kv-active" in (tile.get_attribute("class") or "")
    # the flight space is wider than a part's square: its picture gets the room it needs
    assert page.locator("#tile > svg").get_attribute("viewBox") == "0 0 150 100"
    assert page.evaluate("() => document.getAnimations().length") == 0
    assert page.locator("#tile .kv-disc").first.evaluate(
        "d => getComputedStyle(d).visibility") == "visible"  # blurred rotors, standing still
    assert "kv-low" in (page.locator("#tile .kv-charge").get_attribute("class") or "")
    assert page.locator('#tile [data-drone="drone"]').get_attribute("data-pose") == "-50,100,-45"
    page.evaluate("latest => window.tile.update(latest)", {"drone": LANDED})
    assert tile.get_attribute("data-state") == "landed"
    assert page.locator("#tile .kv-disc").first.evaluate(
        "d => getComputedStyle(d).visibility") == "hidden"
    assert "kv-low" not in (page.locator("#tile .kv-charge").get_attribute("class") or "")

    # The kit view for someone who asked for less motion: flying, and still nothing turns.
    page.emulate_media(reduced_motion="reduce")
    page.evaluate("""parts => {
        window.drawing = KitDrawing.create(document.getElementById("drawing"), {parts});
    }""", parts)
    card = page.locator(f"#drawing {DRONE}")
    assert (card.get_attribute("data-state"), card.get_attribute("aria-label")) == (
        "unknown", "Drone 'drone': –")  # before its first reading
    page.evaluate("values => window.drawing.update({values})", {"drone": FLYING})
    assert card.get_attribute("data-state") == "flying"
    assert card.get_attribute("aria-label") == (
        "Drone 'drone': battery 15 %, flying 120 cm up, 50 cm back and 100 cm left of the "
        "take-off spot, turned 45° left")
    assert page.evaluate("() => document.getAnimations().length") == 0
