"""Lessons: the format, finding installed lessons, the checker's run of a script, progress."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until

import kitsdk.cli
import kitsdk.lessons
from kitsdk import BadMessage
from kitsdk.ipc import Channel
from kitsdk.lessons import (
    BadLesson,
    Lesson,
    LessonWarning,
    Step,
    StepFailed,
    Trial,
    UnknownLesson,
    check,
    find,
    installed,
    progress,
)
from kitsdk.lessons.checks import expect, printed_number, pulses
from kitsdk.profile import Profile
from kitsdk.script import run_script
from kitsdk.telemetry import Event, new_id
from kitsdk.telemetry.fields import TEXT_MAX

# -- a small lesson, quick to check ----------------------------------------------------------------


def red_on(trial: Trial) -> None:
    expect(trial, lambda: pulses(trial, "red"), 2.0, saw="the red LED stayed off",
           hint="switch it on: kit.red.on()")


def amber_on(trial: Trial) -> None:
    expect(trial, lambda: pulses(trial, "amber"), 1.0, saw="the amber LED stayed off",
           hint="switch it on: kit.amber.on()")


def lesson(**changes: Any) -> Lesson:
    fields: dict[str, Any] = dict(
        id="two-lights", title="Two lights", level=1, minutes=5, profile="starter",
        intro="Red, then amber.",
        steps=(Step("Red", "Switch red on.", check=red_on),
               Step("Amber", "Switch amber on.", check=amber_on)),
        starter='from kitsdk import Kit\n\nkit = Kit("starter")\n',
        solution='from kitsdk import Kit\n\nkit = Kit("starter")\nkit.red.on()\nkit.amber.on()\n',
    )
    return Lesson(**{**fields, **changes})


TWO_LIGHTS = lesson()


def script(tmp_path: Path, code: str, name: str = "student.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path


RED_ONLY = """\
from kitsdk import Kit

kit = Kit("starter")
kit.red.on()
"""

# -- the format -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "message"), [
    ({"id": "Blink"}, "lesson id 'Blink' must be 1 to 48 lowercase letters"),
    ({"id": "2-lights"}, "starting with a letter"),
    ({"id": "a" * 49}, "1 to 48"),
    ({"title": " "}, "lesson 'two-lights': title must be some text"),
    ({"level": 4}, "level must be 1, 2 or 3, got 4"),
    ({"minutes": True}, "minutes must be a whole number from 1 to 600, got True"),
    ({"steps": ()}, "steps must be a tuple of at least one Step"),
    ({"steps": [Step("Red", "Red on.", check=red_on)]}, "steps must be a tuple"),
    ({"steps": (Step("", "Red on.", check=red_on),)}, "step 1: expected Step"),
    ({"steps": (Step("Red", "Red on.", check="red_on"),)}, "step 1: expected Step"),  # type: ignore[arg-type]
    ({"profile_text": "[kit]\n"}, "names the file it goes in, e.g. profile=\"alarm.toml\""),
    ({"sim_time_scale": 1000}, "sim_time_scale must be a number from 0.1 to 100, got 1000"),
    ({"sim_time_scale": True}, "sim_time_scale must be a number from 0.1 to 100, got True"),
])
def test_a_lesson_that_breaks_the_format_says_where(changes: dict[str, Any],
                                                     message: str) -> None:
    with pytest.raises(BadLesson, match=message.replace("(", r"\(").replace(")", r"\)")):
        lesson(**changes)


def test_a_lesson_names_its_starter_file_and_loads_its_kit() -> None:
    assert lesson(id="traffic-lights").starter_file == "traffic_lights.py"
    assert TWO_LIGHTS.load_profile().name == "starter"
    own = lesson(profile="mine.toml", profile_text='[kit]\nname = "mine"\n'
                 '[devices.red]\ndriver = "led"\npin = 5\n')
    profile = own.load_profile()
    assert isinstance(profile, Profile)
    assert (profile.name, list(profile.devices)) == ("mine", ["red"])
    assert profile.source == "mine.toml (lesson 'two-lights')"
    assert (own.kit, TWO_LIGHTS.kit) == ("mine", "starter")


def test_a_failed_step_always_says_what_it_saw_and_what_to_try() -> None:
    with pytest.raises(ValueError, match="says what it saw and gives a hint"):
        StepFailed("wrong", "")
    failed = StepFailed("the LED stayed off", "kit.red.on()")
    assert str(failed) == "the LED stayed off (hint: kit.red.on())"

# -- the catalogue --------------------------------------------------------------------------------


def test_the_built_in_lessons_are_registered_as_entry_points() -> None:
    registered = {ep.name: ep.value for ep in entry_points(group="kitsdk.lessons")}
    lessons = installed()
    assert len(lessons) >= 8
    for lesson_id, found in lessons.items():
        assert found.id == lesson_id
        assert registered[lesson_id].startswith("kitsdk.lessons.curriculum.")
    levels = [found.level for found in lessons.values()]
    assert levels == sorted(levels), "easiest first"


def test_an_unknown_lesson_suggests_the_nearest() -> None:
    with pytest.raises(UnknownLesson, match="there is no lesson 'blnk': did you mean 'blink'?"):
        find("blnk")
    assert find("blink") is installed()["blink"]


PLUG_IN = '''
from kitsdk.lessons import Lesson, Step

def red_on(trial):
    pass

LESSON = Lesson(id="plant-watering", title="Water a plant", level=2, minutes=40,
                profile="starter", intro="Plants.", steps=(Step("Red", "Red.", check=red_on),),
                starter="print(1)\\n", solution="print(1)\\n")
NOT_A_LESSON = 42
'''


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on ``sys.path`` where plug-ins are installed the way pip leaves them; the
    catalogue is read afresh with them, and again without them afterwards."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    installed.cache_clear()
    before = set(sys.modules)
    yield folder
    installed.cache_clear()
    for name in set(sys.modules) - before:
        if str(folder) in str(getattr(sys.modules[name], "__file__", "")):
            del sys.modules[name]


def install(site: Path, dist: str, modules: dict[str, str], lessons: dict[str, str]) -> None:
    for name, source in modules.items():
        (site / f"{name}.py").write_text(source, encoding="utf-8")
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in lessons.items())
    (info / "entry_points.txt").write_text(f"[kitsdk.lessons]\n{lines}")


def test_a_plug_in_lesson_is_found_like_a_built_in_one(site: Path) -> None:
    install(site, "plant_lessons", {"plant_lessons": PLUG_IN},
            {"plant-watering": "plant_lessons:LESSON"})
    assert installed()["plant-watering"].title == "Water a plant"
    assert "blink" in installed()


@pytest.mark.parametrize(("target", "warning"), [
    ("no_such_module:LESSON", "lesson plug-in 'broken' \\(no_such_module:LESSON\\) could not be "
                              "loaded: ModuleNotFoundError"),
    ("crashing:LESSON", "could not be loaded: RuntimeError: no watering can"),
    ("plant_lessons:NOT_A_LESSON", "is 42, not a Lesson"),
    ("plant_lessons:LESSON", "holds lesson 'plant-watering': the entry point's name must be "
                             "the lesson's id"),
])
def test_a_broken_plug_in_is_skipped_with_a_warning_naming_it(site: Path, target: str,
                                                                warning: str) -> None:
    install(site, "plant_lessons", {"plant_lessons": PLUG_IN,
                                    "crashing": "raise RuntimeError('no watering can')\n"},
            {"broken": target})
    with pytest.warns(LessonWarning, match=warning):
        lessons = installed()
    assert "broken" not in lessons and "blink" in lessons


def test_two_plug_ins_with_one_id_keep_the_first(site: Path) -> None:
    install(site, "plant_lessons", {"plant_lessons": PLUG_IN},
            {"plant-watering": "plant_lessons:LESSON"})
    install(site, "more_plants", {}, {"plant-watering": "plant_lessons:LESSON"})
    with pytest.warns(LessonWarning, match="two packages provide lesson 'plant-watering'"):
        assert "plant-watering" in installed()

# -- checking a script ----------------------------------------------------------------------------


def test_steps_are_checked_in_order_until_one_fails(tmp_path: Path) -> None:
    seen: list[tuple[int, bool | None]] = []
    report = check(TWO_LIGHTS, script(tmp_path, RED_ONLY),
                   on_step=lambda result: seen.append((result.number, result.passed)))
    assert seen == [(1, True), (2, False)]
    assert (report.passed, report.complete) == (1, False)
    failed = report.results[1]
    # The check gave up early because the script had ended, and says so.
    assert failed.saw.startswith("the amber LED stayed off (your script ended ")
    assert failed.hint == "switch it on: kit.amber.on()"
    assert report.ended and report.exit_code == 0


def test_a_step_after_a_failure_is_not_checked(tmp_path: Path) -> None:
    report = check(TWO_LIGHTS, script(tmp_path, 'from kitsdk import Kit\nkit = Kit("starter")\n'))
    assert [r.passed for r in report.results] == [False, None]
    assert report.results[0].saw.startswith("the red LED stayed off (your script ended ")


def test_a_script_that_builds_no_kit_is_told_how(tmp_path: Path) -> None:
    report = check(TWO_LIGHTS, script(tmp_path, 'print("hello")\n'))
    first = report.results[0]
    assert first.saw == "your script stopped without building a kit"
    assert first.hint == 'start it with: kit = Kit("starter")'


def test_a_script_that_builds_the_wrong_kit_is_told_which(tmp_path: Path) -> None:
    report = check(TWO_LIGHTS, script(tmp_path, 'from kitsdk import Kit\nkit = Kit("rover")\n'))
    assert report.results[0].saw == ("your script built the 'rover' kit, but this lesson uses "
                                     "the 'starter' kit")


def test_a_crash_is_shown_with_its_line(tmp_path: Path) -> None:
    report = check(TWO_LIGHTS, script(tmp_path, RED_ONLY + "print(amber)\n"))
    failed = report.results[1]
    assert failed.saw == ("the amber LED stayed off. Your script stopped with an error "
                          "(line 5): NameError: name 'amber' is not defined. "
                          "Did you mean: 'aiter'?")  # Python's own suggestion, kept
    assert failed.hint == "fix that error first; then switch it on: kit.amber.on()"


def test_a_kit_error_is_shown_in_the_kits_own_words(tmp_path: Path) -> None:
    code = 'from kitsdk import Kit\nkit = Kit("starter")\nkit.rde.on()\n'
    report = check(TWO_LIGHTS, script(tmp_path, code))
    assert report.results[0].saw == (
        "the red LED stayed off. Your script stopped with an error (line 3): kit: no device "
        "'rde' in profile 'starter': did you mean 'red'?")


def test_a_bug_in_a_check_is_not_blamed_on_the_student(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    def broken(trial: Trial) -> None:
        raise KeyError("oops")

    buggy = lesson(steps=(Step("Red", "Red on.", check=broken),))
    failed = check(buggy, script(tmp_path, RED_ONLY)).results[0]
    assert failed.saw == "the check of this step itself went wrong (KeyError: 'oops')"
    assert "not your fault" in failed.hint and "'two-lights'" in failed.hint
    assert "KeyError: 'oops'" in capsys.readouterr().err


def test_a_script_that_loops_forever_is_stopped(tmp_path: Path) -> None:
    code = RED_ONLY + "while True:\n    pass\n"
    with Trial(TWO_LIGHTS, script(tmp_path, code), tmp_path) as trial:
        trial.begin()
        with pytest.raises(StepFailed, match="the amber LED stayed off"):
            amber_on(trial)
        assert not trial.ended
    assert trial.ended
    assert trial.exit_code == 128 + signal.SIGTERM  # the safety net's exit


def test_a_report_tells_a_script_that_ended_from_one_still_running(tmp_path: Path) -> None:
    ended = check(TWO_LIGHTS, script(tmp_path, RED_ONLY + "kit.amber.on()\n"))
    assert ended.complete and ended.ended and ended.exit_code == 0
    assert ended.ended_at is not None and 0 <= ended.ended_at < 2
    running = check(TWO_LIGHTS, script(tmp_path, RED_ONLY + "kit.amber.on()\n"
                                       "from time import sleep\nwhile True:\n    sleep(1)\n",
                                       "forever.py"))
    assert running.complete and not running.ended
    assert (running.ended_at, running.exit_code) == (None, None)


def test_a_request_after_the_script_ended_is_the_students_to_fix_not_a_bug(
        tmp_path: Path) -> None:
    code = """\
        import atexit, time
        from kitsdk import Kit

        atexit.register(time.sleep, 2)  # runs last: the process lingers, its kit switched off
        kit = Kit("rover")
        atexit.register(print, "bye")  # runs first, after the script's last line
    """
    with Trial(find("colour-rover"), script(tmp_path, code), tmp_path) as trial:
        trial.begin()
        assert trial.wait(lambda: ("bye" in [line for _, line in trial.printed()]), 5)
        with pytest.raises(StepFailed, match=r"your script had already ended, 0\.\d s after"):
            trial.show("red")
        assert not trial.ended


def test_the_pins_history_stops_where_the_script_ended(tmp_path: Path) -> None:
    # The safety net switches the LED off as the process closes: not the script's doing.
    with Trial(TWO_LIGHTS, script(tmp_path, RED_ONLY), tmp_path) as trial:
        trial.begin()
        assert trial.wait(lambda: trial.ended, 5)
        pin = trial.profile.devices["red"].pins["pin"].name
        assert trial.journal.levels(pin)[-1][1] == 0.0
        assert trial.level("red") == 1.0
        [lit] = pulses(trial, "red")
        assert not lit.over and trial.ended_at is not None
        assert lit.end == pytest.approx(trial.ended_at)


def test_the_history_stops_at_the_scripts_end_however_late_its_channel_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a busy machine the journal may show the kit switched off before the checker has
    read the harness's "ended" message: the journal's own end mark cuts the history."""
    receive = Channel.__iter__

    def without_ended(channel: Channel) -> Iterator[dict[str, Any]]:
        return (message for message in receive(channel) if message["type"] != "ended")

    monkeypatch.setattr(Channel, "__iter__", without_ended)
    with Trial(TWO_LIGHTS, script(tmp_path, RED_ONLY), tmp_path) as trial:
        trial.begin()
        assert trial.wait(lambda: trial.ended, 5)
        pin = trial.profile.devices["red"].pins["pin"].name
        assert trial.journal.levels(pin)[-1][1] == 0.0  # switched off by the safety net
        assert trial.level("red") == 1.0 and not pulses(trial, "red")[0].over


def test_a_script_that_will_not_stop_is_killed_with_its_outputs_safe(tmp_path: Path) -> None:
    code = RED_ONLY + textwrap.dedent("""\
        while True:
            try:
                while True:
                    pass
            except BaseException:
                print("I will not stop")
    """)
    trial = Trial(TWO_LIGHTS, script(tmp_path, code), tmp_path)
    with trial:
        trial.begin()
        red_on(trial)
        started = time.monotonic()
    assert time.monotonic() - started < 5
    assert trial.exit_code == -signal.SIGKILL
    assert [line for _, line in trial.printed()] == ["I will not stop"]
    # The SIGTERM handler stops the outputs before it raises, so the LED went off.
    assert trial.history("red")[-1][1] == 0.0
    assert trial.journal.bad_lines == 0


CHECKER_THAT_DIES = """\
import sys, threading
from pathlib import Path
from kitsdk.lessons import Trial, find

trial = Trial(find("blink"), sys.argv[1], Path(sys.argv[2]))
trial.start()
trial.begin()
print(trial.process.pid, flush=True)
threading.Event().wait()
"""


def running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its parent can reap it


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_script_ends_when_its_checker_dies(tmp_path: Path) -> None:
    looping = script(tmp_path, 'from kitsdk import Kit\nkit = Kit("starter")\nwhile True:\n'
                               '    pass\n')
    with subprocess.Popen([sys.executable, "-c", CHECKER_THAT_DIES, str(looping),
                           str(tmp_path)], stdout=subprocess.PIPE, text=True) as checker:
        try:
            assert checker.stdout is not None
            pid = int(checker.stdout.readline())
            assert running(pid)
        finally:
            checker.kill()
    wait_until(lambda: not running(pid), timeout=10, what="the orphaned script gone")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_what_a_script_started_is_stopped_with_it(tmp_path: Path) -> None:
    code = RED_ONLY + textwrap.dedent("""\
        import subprocess, sys
        helper = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        print(helper.pid, flush=True)
    """)
    with Trial(TWO_LIGHTS, script(tmp_path, code), tmp_path) as trial:
        trial.begin()
        assert trial.wait(lambda: trial.printed(), 5.0)
        helper = int(trial.printed()[0][1])
    wait_until(lambda: not running(helper), what="the script's helper process gone")


def test_a_check_holds_buttons_and_sets_sensors(tmp_path: Path) -> None:
    code = """\
from signal import pause
from kitsdk import Kit

kit = Kit("starter")


def measure():
    kit.red.on()
    print("light", round(kit.light.value, 1))


kit.button.when_pressed = measure
kit.button.when_released = kit.red.off
pause()
"""
    with Trial(TWO_LIGHTS, script(tmp_path, code), tmp_path) as trial:
        trial.begin()
        trial.set("light", 0.9)
        pressed = trial.press()
        assert printed_number(trial, 2.0, since=pressed) == 0.9
        trial.run_for(0.2)
        released = trial.release()
        assert trial.wait(lambda: trial.level("red") == 0, 2.0)
        (on, _), (off, _) = trial.history("red")[-2:]
        # Generous bounds: the script's process may wait for a core on a busy machine.
        assert pressed <= on < pressed + 0.25 and released <= off < released + 0.25
        assert off - on == pytest.approx(0.2, abs=0.1)

# -- progress -------------------------------------------------------------------------------------


@pytest.fixture
def events() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    heard: list[tuple[str, dict[str, Any]]] = []
    remove = progress.add_sink(lambda kind, data: heard.append((kind, data)))
    yield heard
    remove()


def test_a_check_reports_progress_in_the_schemas_events(
        tmp_path: Path, events: list[tuple[str, dict[str, Any]]]) -> None:
    check(TWO_LIGHTS, script(tmp_path, RED_ONLY))
    assert [kind for kind, _ in events] == [
        "lesson.started", "lesson.step_passed", "lesson.step_failed", "lesson.finished"]
    session = new_id()
    for seq, (kind, data) in enumerate(events):
        Event(session=session, seq=seq, kind=kind, data=data)  # raises if a field is wrong
    assert events[0][1] == {"lesson": "two-lights", "steps": 2}
    assert events[1][1] == {"lesson": "two-lights", "step": 1, "title": "Red"}
    failed = events[2][1]
    assert {**failed, "hint": ""} == {"lesson": "two-lights", "step": 2, "title": "Amber",
                                      "hint": ""}
    assert failed["hint"].startswith("the amber LED stayed off (your script ended ")
    assert failed["hint"].endswith(". Hint: switch it on: kit.amber.on()")
    assert events[3][1] == {"lesson": "two-lights", "passed": 1, "steps": 2}


def test_the_agent_can_run_a_check_as_a_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               events: list[tuple[str, dict[str, Any]]]) -> None:
    # The agent's child process runs scripts with run_script, and forwards progress events.
    monkeypatch.setattr(sys, "argv", sys.argv[:])
    monkeypatch.setattr(sys, "path", sys.path[:])
    student = script(tmp_path, find("colour-rover").starter)
    as_script = Path(kitsdk.cli.__file__).with_name("__main__.py")
    assert run_script(as_script, ["lesson", "check", "colour-rover", str(student)]) == 1
    assert [kind for kind, _ in events] == [
        "lesson.started", "lesson.step_failed", "lesson.finished"]
    assert events[1][1]["hint"].startswith(
        "I held up a yellow card, and your script printed nothing")


def test_report_keeps_to_the_schema(events: list[tuple[str, dict[str, Any]]]) -> None:
    with pytest.raises(ValueError, match="'script.started' is not a lesson event"):
        progress.report("script.started", script="a.py")
    with pytest.raises(BadMessage, match=r"lesson.step_passed\).title: missing"):
        progress.report("lesson.step_passed", lesson="blink", step=1)
    with pytest.raises(BadMessage, match=r"\.colour: unknown field"):
        progress.report("lesson.started", lesson="blink", steps=1, colour="red")
    progress.report("lesson.step_failed", lesson="blink", step=2, title="Blink",
                    hint="x" * 5000)
    hint = events[-1][1]["hint"]
    assert len(hint) == TEXT_MAX and hint.endswith("…")
    assert [kind for kind, _ in events] == ["lesson.step_failed"]


def test_a_broken_sink_is_named_and_the_others_still_hear(
        events: list[tuple[str, dict[str, Any]]]) -> None:
    def broken(kind: str, data: dict[str, Any]) -> None:
        raise ConnectionError("the lab is gone")

    remove = progress.add_sink(broken)
    try:
        with pytest.warns(LessonWarning, match="sink .*broken.* failed on lesson.started: "
                                               "ConnectionError: the lab is gone"):
            progress.report("lesson.started", lesson="blink", steps=3)
    finally:
        remove()
    progress.report("lesson.finished", lesson="blink", passed=3, steps=3)
    assert [kind for kind, _ in events] == ["lesson.started", "lesson.finished"]

# -- the guide -------------------------------------------------------------------------------------


def test_the_guides_example_lesson_and_its_tests_work(tmp_path: Path) -> None:
    guide = (Path(__file__).parents[2] / "docs" / "lessons.md").read_text()
    namespace: dict[str, Any] = {}
    exec(compile(guide.split("```python\n")[1].split("```", 1)[0], "docs/lessons.md", "exec"),
         namespace)
    example = namespace["LESSON"]
    assert check(example, script(tmp_path, example.solution)).complete
    once = 'from kitsdk import Kit\nkit = Kit("starter")\nkit.green.on()\n'
    failed = check(example, script(tmp_path, once, "once.py")).results[1]
    assert failed.passed is False and "for i in range(3):" in failed.hint
    assert failed.saw == "the green LED lit 1 time(s)"
