"""The kit view's browser side in a real headless Chromium: the drawing (kitview.js, with its
controls.js and world.js) against the kit view contract, and the standalone page's wiring
(page.js, index.html).

Pages are served by Playwright's routing from ``kitsdk/view/static`` (and the drawing's files,
``kitsdk.drawing.SERVED``, from ``kitsdk/drawing``, as the view server does) under a strict CSP
(``script-src 'self'``, no inline styles), so an inline script or a ``style`` attribute would
show as a console error, and every test fails on a console error or an uncaught exception.
Chromium is Debian's (``/usr/bin/chromium``), never ``playwright install``; under ``CI=true`` a
missing browser fails instead of skipping.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kitsdk.drawing import SERVED

STATIC = Path(__file__).parents[2] / "kitsdk" / "view" / "static"
DRAWING = Path(__file__).parents[2] / "kitsdk" / "drawing"


def static(name: str) -> Path:
    """A file the view serves under /static/: the page's own, or the shared drawing's."""
    return DRAWING / name if name in SERVED else STATIC / name


HARNESS = Path(__file__).with_name("view_harness.html")
ORIGIN = "http://kit.test"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'")
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
#: The browser's own line for an answer of 400: the refusals these tests fake, not a bug.
REFUSED = "Failed to load resource: the server responded with a status of 400"


def channel(name: str, unit: str = "", low: float | None = None,
            high: float | None = None) -> dict[str, Any]:
    return {"name": name, "unit": unit, "low": low, "high": high, "description": ""}


def part(name: str, kind: str, channels: list[dict[str, Any]], look: dict[str, Any] | None = None,
         label: str = "") -> dict[str, Any]:
    return {"name": name, "kind": kind, "label": label or f"{kind} '{name}'",
            "look": look or {}, "channels": channels}


# Every kind in the contract, and one it does not know.
PARTS = [
    part("red", "led", [channel("on")], {"color": "red"}, label="LED 'red'"),
    part("dim", "led", [channel("brightness", "", 0, 1)], {"color": "#ffaa00"}),
    part("rgb", "rgb_led", [channel("red"), channel("green"), channel("blue")]),
    part("button", "button", [channel("pressed")]),
    part("buzzer", "buzzer", [channel("on")], {"tonal": False}),
    part("tune", "buzzer", [channel("pitch", "Hz")], {"tonal": True}),
    part("left", "motor", [channel("speed", "", -1, 1)]),
    part("drive", "drive_base", [channel("left"), channel("right")]),
    part("arm", "servo", [channel("position")], {"min_angle": 0, "max_angle": 180}),
    part("dial", "servo", [channel("angle", "°")], {"min_angle": -90, "max_angle": 90}),
    part("distance", "distance", [channel("distance", "m", 0, 4)], {"max_distance": 4.0}),
    part("light", "light", [channel("level", "", 0, 1)]),
    part("line_left", "line", [channel("line")]),
    part("temp", "temperature", [channel("temperature", "°C")]),
    part("camera", "camera", [channel("brightness")], {"resolution": [640, 480]}),
    part("uno", "board", [channel("connected"), channel("reconnects"), channel("A0", "", 0, 1)],
         {"board": "uno", "pins": {"D13": "output", "A0": "analog"}}),
    part("pot", "analog", [channel("value", "", 0, 1), channel("voltage", "V", 0, 3.3)]),
    part("gizmo", "weather_vane", [channel("direction", "°"), channel("gust", "m/s")]),
]
WORLD = {"wall": 0.5, "line": 0.3, "nose": 0.08, "track": 0.12, "sensors_ahead": 0.06,
         "sensor_spread": 0.05, "tape": 0.02, "far": 4.0, "drive": "drive", "distance": "distance"}
INPUTS = [
    {"name": "button", "kind": "bool", "button": True, "unit": "", "low": None, "high": None},
    {"name": "light", "kind": "number", "button": False, "unit": "", "low": 0, "high": 1},
    {"name": "distance", "kind": "number", "button": False, "unit": "m", "low": 0, "high": 4},
    {"name": "line_left", "kind": "bool", "button": False, "unit": "", "low": None, "high": None},
]
KIT = {"kit": "everything", "simulated": True, "parts": PARTS, "inputs": INPUTS, "world": WORLD}

# Two rounds of readings for every part: (values, data-state, what its aria-label says).
READINGS: list[dict[str, tuple[dict[str, Any], str, str]]] = [
    {
        "red": ({"on": True}, "on", "LED 'red': on"),
        "dim": ({"brightness": 0.25}, "0.25", "brightness 0.25"),
        "rgb": ({"red": 1, "green": 0.5, "blue": 0}, "#ff8000", "#ff8000"),
        "button": ({"pressed": True}, "pressed", "pressed"),
        "buzzer": ({"on": True}, "on", "beeping"),
        "tune": ({"pitch": 440}, "440", "440 Hz"),
        "left": ({"speed": 0.5}, "0.5", "speed 0.5"),
        "drive": ({"left": 0.5, "right": -0.5}, "0.5,-0.5", "left 0.5, right -0.5"),
        "arm": ({"position": 0.5}, "135", "135°"),
        "dial": ({"angle": 30}, "30", "30°"),
        "distance": ({"distance": 0.42}, "0.42", "0.42 m"),
        "light": ({"level": 0.8}, "0.8", "0.8"),
        "line_left": ({"line": True}, "line", ": line"),
        "temp": ({"temperature": 21.5}, "21.5", "21.5 °C"),
        "camera": ({"brightness": 0.6}, "0.6", "brightness 0.6"),
        "uno": ({"connected": True, "reconnects": 0, "A0": 0.5}, "connected", ": connected"),
        "pot": ({"value": 0.5, "voltage": 1.65}, "0.5", "0.5, 1.65 V"),
        "gizmo": ({"direction": 90, "gust": 3.5}, "direction=90; gust=3.5", "gust 3.5 m/s"),
    },
    {
        "red": ({"on": False}, "off", "LED 'red': off"),
        "dim": ({"brightness": 1}, "1", "brightness 1"),
        "rgb": ({"red": 0, "green": 0, "blue": 1}, "#0000ff", "#0000ff"),
        "button": ({"pressed": False}, "released", "released"),
        "buzzer": ({"on": False}, "off", "quiet"),
        "tune": ({"pitch": 0}, "0", "quiet"),
        "left": ({"speed": -1}, "-1", "speed -1"),
        "drive": ({"left": 0, "right": 1}, "0,1", "left 0, right 1"),
        "arm": ({"position": -1}, "0", "0°"),
        "dial": ({"angle": None}, "relaxed", "relaxed"),
        "distance": ({"distance": 1.5}, "1.5", "1.5 m"),
        "light": ({"level": 0.1}, "0.1", "0.1"),
        "line_left": ({"line": False}, "no line", "no line"),
        "temp": ({"temperature": -3}, "-3", "-3 °C"),
        "camera": ({"brightness": 0}, "0", "brightness 0"),
        "uno": ({"connected": False, "reconnects": 2, "A0": None}, "disconnected", "not connected"),
        "pot": ({"value": 1, "voltage": None}, "1", ": 1"),
        "gizmo": ({"direction": None, "gust": 0}, "direction=–; gust=0", "gust 0 m/s"),
    },
]


@dataclass
class Site:
    """What the routed "server" answers, and what the page sent it."""

    events: list[tuple[str, Any]] = field(default_factory=list)
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    posts: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def serve(self, route: Any) -> None:
        request = route.request
        path = urlsplit(request.url).path
        html = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CSP}
        if request.method == "POST":
            self.posts.append((path, request.headers, json.loads(request.post_data or "null")))
            status, answer = self.answers.get(path, (200, {"ok": True}))
            route.fulfill(status=status, json=answer)
        elif path.startswith("/static/") and static(path[len("/static/"):]).is_file():
            route.fulfill(path=static(path[len("/static/"):]))
        elif path == "/harness":
            route.fulfill(headers=html, body=HARNESS.read_text(encoding="utf-8"))
        elif path == "/":
            route.fulfill(headers=html, body=(STATIC / "index.html").read_text(encoding="utf-8"))
        elif path.startswith("/frame/"):
            route.fulfill(content_type="image/gif", body=PIXEL)
        elif path == "/events":
            # The whole stream at once; when it ends the browser reconnects, slowly.
            body = "retry: 60000\n\n" + "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n"
                                                 for name, data in self.events)
            route.fulfill(content_type="text/event-stream", body=body)
        else:
            route.fulfill(status=404, body="not here")


@pytest.fixture
def site(browser: Any) -> Iterator[tuple[Site, Any]]:
    site = Site()
    context = browser.new_context()
    page = context.new_page()
    def console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith(REFUSED):
            site.errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: site.errors.append(str(error)))
    page.route(f"{ORIGIN}/**", site.serve)
    yield site, page
    context.close()
    assert site.errors == []


class Drawing:
    """KitDrawing in the harness page; its callbacks are recorded in ``window.calls``."""

    def __init__(self, page: Any, description: dict[str, Any], interactive: bool) -> None:
        self.page = page
        page.goto(f"{ORIGIN}/harness")
        page.evaluate("""([description, interactive]) => {
            window.calls = [];
            window.refuse = null;  // set it to an error message to have the callbacks refuse
            const record = kind => (...args) => {
                window.calls.push([kind, ...args]);
                return window.refuse ? Promise.reject(new Error(window.refuse)) : Promise.resolve();
            };
            window.drawing = KitDrawing.create(document.getElementById("drawing"), description, {
                interactive, onPress: record("press"), onInput: record("input"),
                onPlace: record("place"), onSound: record("sound"), cameraUrl: n => "/frame/" + n});
        }""", [description, interactive])

    def update(self, state: Any) -> None:
        self.page.evaluate("state => window.drawing.update(state)", state)

    def part(self, name: str) -> Any:
        return self.page.locator(f'[data-device="{name}"]')

    def state(self, name: str) -> str:
        return str(self.part(name).get_attribute("data-state"))

    def calls(self, kind: str) -> list[list[Any]]:
        return [c[1:] for c in self.page.evaluate("window.calls") if c[0] == kind]

    def frames(self, count: int = 5) -> None:
        """Let the browser draw ``count`` frames (the wheels' animation runs on frames)."""
        self.page.evaluate("""count => new Promise(done => {
            const next = () => (--count > 0 ? requestAnimationFrame(next) : done());
            requestAnimationFrame(next); })""", count)


def test_every_part_is_drawn_and_follows_its_readings(site: tuple[Site, Any]) -> None:
    _, page = site
    drawing = Drawing(page, {"kit": "everything", "parts": PARTS}, interactive=False)
    for p in PARTS:
        card = drawing.part(p["name"])
        assert card.count() == 1, p["name"]
        assert card.locator("svg").count() >= 1, p["name"]
        assert p["name"] in card.inner_text(), "the name shows under the picture"
    assert page.locator("#drawing").get_attribute("class") == "kitview"
    for readings in READINGS:
        drawing.update({"values": {name: values for name, (values, _, _) in readings.items()}})
        for name, (_, state, said) in readings.items():
            assert drawing.state(name) == state, name
            label = str(drawing.part(name).get_attribute("aria-label"))
            assert said in label, (name, label)
            assert label.startswith(next(p["label"] for p in PARTS if p["name"] == name) + ": ")
    # The readings show as text with their units, the board's pins and a kit maker's channels.
    drawing.update({"values": {"distance": {"distance": 0.42}, "temp": {"temperature": 21.5},
                               "uno": {"connected": True, "A0": 0.5}, "gizmo": {"gust": 3.5}}})
    assert "0.42 m" in drawing.part("distance").inner_text()
    assert "21.5 °C" in drawing.part("temp").inner_text()
    assert "D13 (output)" in drawing.part("uno").inner_text()
    assert "A0 (analog)\n0.5" in drawing.part("uno").inner_text()
    assert "3.5 m/s" in drawing.part("gizmo").inner_text()
    # Read-only: not one control, and the rover cannot be picked up.
    assert page.locator("#drawing input, #drawing button, #drawing [tabindex]").count() == 0


def test_pictures_follow_the_readings(site: tuple[Site, Any]) -> None:
    _, page = site
    drawing = Drawing(page, {"parts": PARTS}, interactive=False)

    def glow(name: str) -> float:
        return float(drawing.part(name).locator(".kv-glow").get_attribute("opacity") or 0)

    drawing.update({"values": {"dim": {"brightness": 0.25}, "red": {"on": False},
                               "rgb": {"red": 0, "green": 1, "blue": 0}}})
    assert glow("red") == 0 and 0 < glow("dim") < 0.5
    assert drawing.part("rgb").locator(".kv-glow").get_attribute("fill") == "#00ff00"
    drawing.update({"values": {"dim": {"brightness": 1}, "red": {"on": True}}})
    assert glow("red") == glow("dim") > 0.5

    cap = drawing.part("button").locator(".kv-cap")
    up = cap.evaluate("n => getComputedStyle(n).transform")
    drawing.update({"values": {"button": {"pressed": True}}})
    page.wait_for_function("n => getComputedStyle(n).transform !== 'none'",
                           arg=cap.element_handle())
    assert up == "none"

    waves = drawing.part("buzzer").locator(".kv-waves")
    assert waves.evaluate("n => getComputedStyle(n).visibility") == "hidden"
    drawing.update({"values": {"buzzer": {"on": True}}})
    assert waves.evaluate("n => getComputedStyle(n).visibility") == "visible"

    drawing.update({"values": {"arm": {"position": 0}, "dial": {"angle": 45}}})
    horn = ".kv-horn"
    assert drawing.part("arm").locator(horn).get_attribute("transform") == "rotate(-90 50 48)"
    assert drawing.part("dial").locator(horn).get_attribute("transform") == "rotate(-45 50 48)"

    drawing.update({"values": {"temp": {"temperature": 50}, "pot": {"value": 1}}})
    assert drawing.part("temp").locator(".kv-mercury").first.get_attribute("height") == "60"
    needle = drawing.part("pot").locator(".kv-needle")
    assert needle.get_attribute("transform") == "rotate(90 50 70)"

    frame = drawing.part("camera").locator("img")
    assert frame.is_hidden()
    drawing.update({"camera": 3})
    assert frame.get_attribute("src") == "/frame/3"
    page.wait_for_function("img => img.complete && img.naturalWidth === 1",
                           arg=frame.element_handle())


def test_wheels_turn_with_the_speed_and_show_the_direction(site: tuple[Site, Any]) -> None:
    _, page = site
    drawing = Drawing(page, {"parts": PARTS}, interactive=False)
    spokes = drawing.part("left").locator(".kv-spokes")
    arrow = drawing.part("left").locator(".kv-arrow")
    assert arrow.get_attribute("visibility") == "hidden"
    drawing.update({"values": {"left": {"speed": 1}}})
    assert arrow.get_attribute("visibility") == "visible"
    assert "scale(-1 1)" not in str(arrow.get_attribute("transform"))
    page.wait_for_function("n => n.getAttribute('transform')", arg=spokes.element_handle())
    turned = spokes.get_attribute("transform")
    page.wait_for_function("([n, was]) => n.getAttribute('transform') !== was",
                           arg=[spokes.element_handle(), turned])
    drawing.update({"values": {"left": {"speed": -0.5}}})
    assert "scale(-1 1)" in str(arrow.get_attribute("transform"))
    drawing.update({"values": {"left": {"speed": 0}}})
    stopped = spokes.get_attribute("transform")
    drawing.frames()
    assert spokes.get_attribute("transform") == stopped
    assert arrow.get_attribute("visibility") == "hidden"

    page.emulate_media(reduced_motion="reduce")
    drawing = Drawing(page, {"parts": PARTS}, interactive=False)
    drawing.update({"values": {"left": {"speed": 1}, "drive": {"left": -1, "right": 1}}})
    drawing.frames()
    assert drawing.part("left").locator(".kv-spokes").get_attribute("transform") is None
    assert drawing.part("left").locator(".kv-arrow").get_attribute("visibility") == "visible"


def test_missing_and_null_values_do_not_throw(site: tuple[Site, Any]) -> None:
    _, page = site
    bare = [{"name": "odd", "kind": "led"}, {"name": "thing", "kind": "constructor"}]
    drawing = Drawing(page, {"parts": PARTS + bare, "world": WORLD}, interactive=False)
    states: list[Any] = [
        None, {}, {"values": None}, {"values": {}}, {"rover": None, "camera": None},
        {"values": {p["name"]: None for p in PARTS + bare}},
        {"values": {p["name"]: {c["name"]: None for c in p["channels"]} for p in PARTS}},
        {"values": {"odd": {"on": "yes"}, "rgb": {"red": None, "green": 1}}},
        {"inputs": {"light": None}, "rover": {"x": None, "y": 0}},
    ]
    for state in states:
        drawing.update(state)
    assert drawing.state("red") == "unknown"
    assert drawing.state("dial") == "relaxed"
    assert drawing.state("rgb") == "#00ff00"
    assert page.locator('[data-world="rover"]').get_attribute("data-state") == "0,0,0"
    page.evaluate("window.drawing.destroy(); window.drawing.destroy()")
    assert page.locator("#drawing").inner_html() == ""


def test_controls_or_a_world_without_their_file_are_refused(site: tuple[Site, Any]) -> None:
    """A page that loads kitview.js alone (the lab's) draws read-only kits; asked for controls
    or a floor, the drawing names the file it lacks and draws nothing, not a kit without them."""
    _, page = site
    page.goto(f"{ORIGIN}/harness")
    said = page.evaluate("""([parts, world]) => {
        KitDrawing.Control = KitDrawing.World = null;  // as if neither file were loaded
        const box = document.getElementById("drawing");
        const tries = [[{parts}, true], [{parts, world}, false]].map(([kit, interactive]) => {
            try { KitDrawing.create(box, kit, {interactive}); } catch (e) { return e.message; }
            return "drawn";
        });
        return [tries, box.innerHTML, box.className];
    }""", [PARTS, WORLD])
    assert said == [["KitDrawing.create: an interactive drawing needs controls.js, loaded after "
                     "kitview.js",
                     "KitDrawing.create: a description with a world needs world.js, loaded after "
                     "kitview.js"], "", ""]
    page.evaluate("""parts => { window.drawing = KitDrawing.create(
        document.getElementById("drawing"), {parts}, {interactive: false}); }""", PARTS)
    assert page.locator("[data-device]").count() == len(PARTS)


def test_buzzers_sound_through_the_hook(site: tuple[Site, Any]) -> None:
    _, page = site
    drawing = Drawing(page, {"parts": PARTS}, interactive=False)
    drawing.update({"values": {"buzzer": {"on": True}, "tune": {"pitch": 440}}})
    drawing.update({"values": {"buzzer": {"on": True}, "tune": {"pitch": 440}}})
    drawing.update({"values": {"tune": {"pitch": 0}}})
    assert drawing.calls("sound") == [["buzzer", 2000], ["tune", 440], ["tune", 0]]
    page.evaluate("() => { window.drawing.destroy(); window.drawing.destroy(); }")
    assert drawing.calls("sound")[3:] == [["buzzer", 0]], "a drawing taken down goes quiet, once"
    drawing.update({"values": {"buzzer": {"on": True}}})
    assert len(drawing.calls("sound")) == 4, "and stays quiet"


def test_controls_send_inputs_and_show_refusals(site: tuple[Site, Any]) -> None:
    _, page = site
    drawing = Drawing(page, KIT, interactive=True)
    for control in page.locator("#drawing input").all():
        assert page.locator(f'label[for="{control.get_attribute("id")}"]').count() == 1

    press = drawing.part("button").get_by_role("button", name="Press button")
    press.scroll_into_view_if_needed()  # the mouse below reaches only what is on screen
    box = press.bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    page.wait_for_function("() => window.calls.length === 1")
    assert drawing.calls("press") == [["button", True]], "held down, not yet released"
    page.mouse.up()
    page.keyboard.down(" ")
    page.keyboard.down(" ")  # the key repeating while held: still one press
    page.keyboard.up(" ")
    assert drawing.calls("press") == [["button", True], ["button", False]] * 2

    light = drawing.part("light")
    slider = light.get_by_role("slider")
    assert (slider.get_attribute("min"), slider.get_attribute("max")) == ("0", "1")
    assert "allowed 0 to 1" in light.inner_text()
    drawing.update({"inputs": {"light": {"value": 0.2, "driven": False}}})
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => window.calls.some(c => c[0] === 'input')")
    assert drawing.calls("input") == [["light", 0.21]]
    number = light.get_by_role("spinbutton")
    assert number.input_value() == "0.21"

    page.evaluate("window.refuse = 'light must be between 0 and 1, got 5'")
    number.fill("5")
    number.press("Enter")
    error = light.locator(".kv-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "light must be between 0 and 1, got 5"
    assert number.input_value() == "0.21", "a refused value goes back to the last good one"
    assert drawing.calls("input")[-1] == ["light", 5]
    page.evaluate("window.refuse = null")
    number.fill("0.5")
    number.press("Enter")
    error.wait_for(state="hidden")

    distance = drawing.part("distance")
    assert "allowed 0 to 4 m" in distance.inner_text()
    distance.get_by_role("spinbutton").fill("1.5")
    distance.get_by_role("spinbutton").press("Tab")
    page.wait_for_function("() => window.calls.some(c => c[1] === 'distance')")
    assert drawing.calls("input")[-1] == ["distance", 1.5]
    drawing.part("line_left").get_by_role("checkbox").check()
    page.wait_for_function("() => window.calls.some(c => c[1] === 'line_left')")
    assert drawing.calls("input")[-1] == ["line_left", True]

    drawing.update({"inputs": {"distance": {"value": 0.3, "driven": True},
                               "line_left": {"value": False, "driven": True},
                               "light": {"value": 0.7, "driven": True}}})
    assert distance.get_by_role("spinbutton").is_disabled()
    assert distance.get_by_role("spinbutton").input_value() == "0.3"
    assert "set by the rover" in distance.inner_text()
    assert "set by the rover" in drawing.part("line_left").inner_text()
    assert drawing.part("line_left").get_by_role("checkbox").is_disabled()
    assert "follows a source" in light.inner_text()
    assert slider.is_disabled() and slider.input_value() == "0.7"


def test_the_rover_on_its_floor(site: tuple[Site, Any]) -> None:
    _, page = site
    drawing = Drawing(page, KIT, interactive=True)
    rover = page.locator('[data-world="rover"]')
    assert rover.get_attribute("data-state") == "0,0,0"
    wall = page.locator('[data-world="wall"]')
    assert float(wall.get_attribute("x") or 0) == pytest.approx(0.58), "nose + wall"
    line = page.locator('[data-world="line"]')
    assert [line.get_attribute(a) for a in ("cx", "cy", "r")] == ["0", "-0.3", "0.3"]
    beam = page.locator('[data-world="beam"]')
    assert beam.get_attribute("visibility") == "hidden"
    drawing.update({"values": {"distance": {"distance": 0.42}}})
    assert beam.get_attribute("visibility") == "visible"
    ray = beam.locator("line")
    assert (ray.get_attribute("x1"), ray.get_attribute("x2")) == ("0.08", "0.5"), "from the nose"

    drawing.update({"rover": {"x": 0.1, "y": 0.05, "heading": 30, "bumped": True}})
    assert rover.get_attribute("data-state") == "0.1,0.05,30"
    assert rover.get_attribute("transform") == "translate(0.1 -0.05) rotate(-30)"
    assert "kv-bumped" in str(rover.get_attribute("class"))
    assert "heading 30°" in str(rover.get_attribute("aria-label"))

    # Drag it 80 px right and 40 px up: x grows by 80 px in metres, y by 40; the heading stays.
    scale = page.evaluate("() => document.querySelector('.kv-map').getScreenCTM().a")
    page.locator(".kv-body").scroll_into_view_if_needed()
    body = page.locator(".kv-body").bounding_box()
    middle = (body["x"] + body["width"] / 2, body["y"] + body["height"] / 2)
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] + 80, middle[1] - 40, steps=4)
    page.mouse.up()
    page.wait_for_function("() => window.calls.some(c => c[0] === 'place')")
    [[x, y, heading]] = drawing.calls("place")
    assert x == pytest.approx(0.1 + 80 / scale, abs=0.005)
    assert y == pytest.approx(0.05 + 40 / scale, abs=0.005) and heading == 30

    page.get_by_role("button", name="Turn left 15°").click()
    assert drawing.calls("place")[-1] == [x, y, 45]
    page.get_by_role("button", name="Turn right 15°").click()
    assert drawing.calls("place")[-1] == [x, y, 30]
    rover.focus()
    page.keyboard.press("ArrowUp")
    assert drawing.calls("place")[-1] == [x, pytest.approx(y + 0.05), 30]

    page.evaluate("window.refuse = 'the rover cannot stand inside the wall'")
    page.get_by_role("button", name="Back to the start").click()
    assert drawing.calls("place")[-1] == [0, 0, 0]
    page.get_by_role("alert").filter(has_text="inside the wall").wait_for()
    drawing.update({"rover": {"x": 0.2, "y": 0, "heading": 0}})
    assert rover.get_attribute("data-state") == "0.2,0,0", "back where the kit says it is"


def test_the_standalone_page(site: tuple[Site, Any]) -> None:
    server, page = site
    server.events = [("kit", {"kit": None}), ("script", {"state": "waiting", "message": ""})]
    page.goto(f"{ORIGIN}/")
    assert page.title() == "Kit view"
    page.get_by_text("Waiting for the script to build its kit").wait_for()
    page.wait_for_selector('#connection[data-state="reconnecting"]')  # the stream ended

    server.events = [
        ("kit", KIT),
        ("state", {"values": {"red": {"on": True}},
                   "inputs": {"light": {"value": 0.2, "driven": False}},
                   "rover": {"x": 0.3, "y": 0, "heading": 0, "bumped": False}, "camera": None}),
        ("script", {"state": "error", "message": "NameError: name 'lde' is not defined"}),
        ("notice", {"message": "distance is set by the rover"}),
    ]
    server.answers["/input"] = (400, {"error": "light must be between 0 and 1, got 5"})
    page.reload()
    page.wait_for_selector('[data-device="red"][data-state="on"]')
    assert page.locator("#kit-name").inner_text() == "everything"
    assert page.locator('[data-world="rover"]').get_attribute("data-state") == "0.3,0,0"
    script = page.locator('#script-state[data-state="error"]')
    script.filter(has_text="NameError: name 'lde' is not defined").wait_for()
    page.locator("#messages").filter(has_text="distance is set by the rover").wait_for()
    assert page.get_by_text("Waiting for the script").count() == 0
    sound = page.get_by_label("Sound")
    assert not sound.is_checked(), "no sound before the student's first gesture"
    page.locator("h1").click()
    assert sound.is_checked(), "on by default once the browser allows it"
    sound.uncheck()

    number = page.locator('[data-device="light"]').get_by_role("spinbutton")
    number.fill("5")
    number.press("Enter")
    page.locator('[data-device="light"] .kv-error').filter(has_text="got 5").wait_for()
    page.locator("#messages").filter(has_text="light must be between 0 and 1, got 5").wait_for()
    assert number.input_value() == "0.2"
    path, headers, body = server.posts[-1]
    assert (path, body) == ("/input", {"name": "light", "value": 5})
    assert headers["x-kit-view"] == "1" and headers["content-type"] == "application/json"

    page.get_by_role("button", name="Turn left 15°").click()
    page.locator('[data-world="rover"][data-state="0.3,0,15"]').wait_for()
    assert server.posts[-1][0::2] == ("/rover", {"x": 0.3, "y": 0, "heading": 15})

