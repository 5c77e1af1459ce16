"""``kit run --view`` and ``kit view`` in a real headless Chromium, as a student uses them.

The command runs for real (a subprocess on a simulated kit whose pins are journalled); the
page is the one it serves. The drawing's own contract, part by part, is tested in
``test_view_drawing.py``; here: every built-in profile is drawn, the page follows the pins
(blink, in step with the journal), and the page's controls reach the script.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from accessibility import violations
from browser import WAIT_MS
from student_runs import journal
from view_runs import ViewRun

from kitsdk.profile import builtin_profiles, load_profile

# Records when the page's red LED changes, in the browser's clock (the machine's clock).
WATCH_RED = """() => {
  window.__red = [];
  const led = document.querySelector('[data-device="red"]');
  // Date.now(), the wall clock the journal's time.time() reads: timeOrigin + now() is fixed
  // at page load and drifts from it while the system clock is slewed (ms a second here).
  new MutationObserver(() => window.__red.push([led.dataset.state, Date.now() / 1000]))
    .observe(led, {attributes: true, attributeFilter: ["data-state"]});
}"""

# Records every x the page draws the rover at.
WATCH_ROVER = """() => {
  window.__x = [];
  const rover = document.querySelector('[data-world="rover"]');
  new MutationObserver(() => window.__x.push(parseFloat(rover.dataset.state)))
    .observe(rover, {attributes: true, attributeFilter: ["data-state"]});
}"""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A tab whose console errors fail the test (``tab.expected``: those a test causes)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    tab.errors, tab.expected = [], []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    tab.on("console", lambda msg: tab.errors.append(msg.text) if msg.type == "error" else None)
    yield tab
    context.close()
    assert tab.errors == tab.expected


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "student.py"
    path.write_text(body)
    return path


@pytest.mark.parametrize("profile", builtin_profiles())
def test_kit_view_draws_every_device_of_every_built_in_profile(
        page: Any, tmp_path: Path, profile: str) -> None:
    devices = list(load_profile(profile).devices)
    with ViewRun(tmp_path, tmp_path, command="view", options=["--profile", profile]) as run:
        page.goto(run.url)
        for name in devices:  # each drawn, with the reading the kit gave it
            part = page.locator(f'[data-device="{name}"]')
            page.wait_for_function("n => { const el = document.querySelector("
                                   "`[data-device=\"${n}\"]`); return el && el.dataset.state "
                                   "&& el.dataset.state !== 'unknown'; }", arg=name)
            assert name in (part.get_attribute("aria-label") or "")
        page.wait_for_function(
            "() => document.getElementById('script-state').dataset.state === 'idle'")
        page.screenshot(path=str(tmp_path / f"{profile}.png"), full_page=True)
        assert violations(page) == [], profile  # WCAG 2.1 AA by axe-core, with its controls
        page.goto("about:blank")  # leave before the view goes: no reconnecting to nothing


def test_the_led_goes_on_and_off_in_step_with_the_pins(page: Any, tmp_path: Path) -> None:
    go = tmp_path / "go"  # the script blinks once the page watches (a slow page missed an "on")
    body = ("from pathlib import Path\nfrom time import sleep\nfrom kitsdk import Kit\n"
            f"kit = Kit('starter')\nwhile not Path({str(go)!r}).exists():\n    sleep(0.01)\n"
            "for _ in range(4):\n    kit.red.on()\n    sleep(0.3)\n    kit.red.off()\n"
            "    sleep(0.3)\n")
    with ViewRun(script(tmp_path, body), tmp_path, wait=30) as run:
        page.goto(run.url)
        page.wait_for_selector('[data-device="red"][data-state="off"]')
        page.evaluate(WATCH_RED)
        go.touch()
        page.wait_for_function(
            "() => document.getElementById('script-state').dataset.state === 'finished'")
        seen = page.evaluate("() => window.__red")
        assert run.wait()[0] == 0
    switched = [("on" if entry["state"] else "off", entry["t"])
                for entry in journal(run.trace, times=True)
                if entry["pin"] == "GPIO17" and "function" not in entry]  # not the set-up
    assert [state for state, _ in seen] == [state for state, _ in switched] == ["on", "off"] * 4
    delays = [shown - pinned for (_, shown), (_, pinned) in zip(seen, switched, strict=True)]
    assert all(0 <= delay < 0.25 for delay in delays), delays


def test_a_click_on_the_button_ends_wait_for_press(page: Any, tmp_path: Path) -> None:
    body = ("from kitsdk import Kit\nkit = Kit('starter')\nprint('waiting', flush=True)\n"
            "kit.button.wait_for_press()\nprint('pressed', flush=True)\n"
            "kit.button.wait_for_release()\nprint('released', flush=True)\n"
            "import time\ntime.sleep(30)\n")
    with ViewRun(script(tmp_path, body), tmp_path, wait=30) as run:
        page.goto(run.url)
        press = page.locator('[data-device="button"]').get_by_role("button", name="Press button")
        press.scroll_into_view_if_needed()
        box = press.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()  # held: pressed, not yet released
        page.wait_for_selector('[data-device="button"][data-state="pressed"]')
        assert wait_for_output(run, "pressed") and "released" not in run.output
        page.mouse.up()
        page.wait_for_selector('[data-device="button"][data-state="released"]')
        assert wait_for_output(run, "released")


def test_the_light_control_changes_what_the_script_reads(page: Any, tmp_path: Path) -> None:
    body = ("import time\nfrom kitsdk import Kit\nkit = Kit('starter')\n"
            "while kit.light.value < 0.7:\n    time.sleep(0.02)\n"
            "print(f'bright {kit.light.value:.2f}', flush=True)\n")
    with ViewRun(script(tmp_path, body), tmp_path, wait=30) as run:
        page.goto(run.url)
        number = page.locator('[data-device="light"]').get_by_role("spinbutton")
        number.fill("1.5")  # out of range: refused with the range shown, never passed on
        number.press("Enter")
        page.expected.append("Failed to load resource: the server responded with a status "
                             "of 400 (Bad Request)")
        page.wait_for_selector('#messages :text("must be a number from 0 to 1, got 1.5")')
        assert "bright" not in " ".join(run.output)
        number.fill("0.8")
        number.press("Enter")
        page.wait_for_function(
            "() => document.getElementById('script-state').dataset.state === 'finished'")
        assert run.wait()[0] == 0
    assert run.output == ["bright 0.80"]


def test_the_rover_drawn_drives_to_the_wall_and_stops_there(page: Any, tmp_path: Path) -> None:
    body = ("import time\nfrom kitsdk import Kit\nkit = Kit('rover')\nkit.drive.forward(1)\n"
            "time.sleep(60)\n")
    with ViewRun(script(tmp_path, body), tmp_path, wait=30) as run:
        page.goto(run.url)
        page.locator('[data-world="rover"]').wait_for()
        page.evaluate(WATCH_ROVER)
        page.wait_for_function("() => window.__x.some(x => x > 0.3)")  # it moves ...
        page.wait_for_function(  # ... up to the wall, 1 m from its nose at the start
            "() => parseFloat(document.querySelector('[data-device=distance]').dataset.state)"
            " < 0.05")
        page.wait_for_selector('[data-device="drive"][data-state="1,1"]')  # motors still on
        xs = page.evaluate("() => window.__x")
        assert xs == sorted(xs) and 0.99 < xs[-1] <= 1.0 + 1e-6  # and no further
        page.goto("about:blank")  # leave before the view goes: no reconnecting to nothing


def wait_for_output(run: ViewRun, line: str, timeout: float = 10) -> bool:
    from helpers import wait_until

    wait_until(lambda: line in run.output, timeout, f"the script printing {line!r}")
    return True


def test_real_parts_are_shown_as_they_are_and_read_only(page: Any, tmp_path: Path) -> None:
    """On real parts (gpiozero's mock pins: the GPIO chip is the boundary) the page shows
    the pins' states and readings, and has no control: nothing real can be set from it."""
    from gpiozero.pins.mock import MockFactory

    from kitsdk import Kit
    from kitsdk.view import KitView

    profile = tmp_path / "desk.toml"
    profile.write_text('[kit]\nname = "desk"\n[devices.lamp]\ndriver = "led"\npin = 17\n'
                       '[devices.button]\ndriver = "button"\npin = 26\n')
    factory = MockFactory()
    with KitView() as view, Kit(profile, pin_factory=factory) as kit:
        view.watch(kit)
        page.goto(view.url)
        page.wait_for_selector('[data-device="lamp"][data-state="off"]')
        kit.lamp.on()
        page.wait_for_selector('[data-device="lamp"][data-state="on"]')
        factory.pin(26).drive_low()  # someone presses the real button
        page.wait_for_selector('[data-device="button"][data-state="pressed"]')
        assert page.locator("#drawing input, #drawing button:not([data-world])").count() == 0
        refused = page.evaluate("""() => fetch('/press', {method: 'POST', headers:
            {'Content-Type': 'application/json', 'X-Kit-View': '1'},
            body: JSON.stringify({name: 'button', down: false})}).then(r => r.json())""")
        assert refused == {"error": "this kit has real parts: the view only shows them"}
        page.expected.append("Failed to load resource: the server responded with a status "
                             "of 400 (Bad Request)")
        page.goto("about:blank")


# Records the tones the page plays: every oscillator started, its frequency, and stopped.
RECORD_TONES = """
window.__tones = [];
const Context = window.AudioContext;
window.AudioContext = function () {
  const context = new Context();
  const create = context.createOscillator.bind(context);
  context.createOscillator = () => {
    const osc = create(), tone = {hz: null, stopped: false};
    window.__tones.push(tone);
    const set = osc.frequency.setValueAtTime.bind(osc.frequency);
    osc.frequency.setValueAtTime = (hz, t) => { tone.hz = hz; return set(hz, t); };
    const stop = osc.stop.bind(osc);
    osc.stop = (...args) => { tone.stopped = true; return stop(...args); };
    return osc;
  };
  return context;
};
"""


def test_a_buzzer_sounds_after_a_click_and_the_sound_switch_mutes_it(
        page: Any, tmp_path: Path) -> None:
    profile = tmp_path / "noisy.toml"
    profile.write_text('[kit]\nname = "noisy"\n[devices.button]\ndriver = "button"\npin = 26\n'
                       '[devices.buzzer]\ndriver = "buzzer"\npin = 19\n'
                       '[devices.speaker]\ndriver = "tonal_buzzer"\npin = 18\n')
    body = ("import time\nfrom kitsdk import Kit\nkit = Kit()\nkit.buzzer.on()\n"
            "kit.speaker.play(440)\nkit.button.wait_for_press()\nkit.buzzer.off()\n"
            "time.sleep(30)\n")
    page.add_init_script(RECORD_TONES)
    with ViewRun(script(tmp_path, body), tmp_path, wait=30,
                 options=["--profile", str(profile)]) as run:
        page.goto(run.url)
        page.wait_for_selector('[data-device="buzzer"][data-state="on"]')
        assert page.evaluate("() => window.__tones") == []  # no sound before a click
        page.locator('[data-device="button"]').get_by_role("button", name="Press button").click()
        page.wait_for_selector('[data-device="buzzer"][data-state="off"]')
        tones = page.evaluate("() => window.__tones")
        assert {"hz": 440, "stopped": False} in tones  # the tonal one plays its note
        assert {"hz": 2000, "stopped": True} in tones  # the plain one beeped, then stopped
        page.uncheck("#sound")
        page.wait_for_function("() => window.__tones.every(t => t.stopped)")
