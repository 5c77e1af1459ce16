"""Every built-in lesson: its solution passes, a plausible wrong one fails with a useful hint,
and its starter code fails step 1 with a hint rather than a crash.

The checks run each script on a simulated kit in a process of its own and mostly wait on the
script's own timing, so they run three at a time.
"""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from kitsdk.lessons import Report, check, find, installed

#: Lesson -> (a wrong solution a student might write, the step it fails, words of the hint).
WRONG = {
    "blink": ("""\
        from time import sleep
        from kitsdk import Kit

        kit = Kit("starter")
        for i in range(5):
            kit.red.on()
            sleep(0.3)
            kit.red.off()
    """, 2, "sleep(0.3) after kit.red.off()"),
    "traffic-lights": ("""\
        from time import sleep
        from kitsdk import Kit

        kit = Kit("starter")
        kit.red.on()
        sleep(1)
        kit.red.off()
        kit.green.on()
        sleep(1)
        kit.green.off()
        kit.amber.on()
        sleep(0.5)
        kit.amber.off()
        kit.red.on()
    """, 2, "after red comes red and amber: kit.amber.on()"),
    "reaction-game": ("""\
        from random import uniform
        from time import sleep, time
        from kitsdk import Kit

        kit = Kit("starter")
        start = time()
        sleep(uniform(1, 2))
        kit.green.on()
        kit.button.wait_for_press()
        kit.green.off()
        print("You took", time() - start, "seconds")
    """, 3, "start timing when the LED turns on"),
    "buzzer-tunes": ("""\
        from time import sleep
        from kitsdk import Kit

        kit = Kit("starter")
        for letter in range(3):
            for beep in range(3):
                kit.buzzer.on()
                sleep(0.1)
                kit.buzzer.off()
                sleep(0.1)
            sleep(0.2)
    """, 3, "letter 2 should be O: 3 long beeps of 0.3 s"),
    "light-meter": ("""\
        import csv
        from time import sleep, time
        from kitsdk import Kit

        kit = Kit("starter")
        level = kit.light.value
        print(level)
        with open("light.csv", "w", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(["time", "light"])
            for i in range(10):
                writer.writerow([time(), level])
                sleep(0.2)
    """, 3, "kit.light.value inside the loop"),
    "distance-alarm": ("""\
        from time import sleep
        from kitsdk import Kit

        kit = Kit("alarm.toml")
        print(kit.distance.distance)
        while True:
            if kit.distance.distance > 0.2:
                kit.buzzer.on()
            else:
                kit.buzzer.off()
            sleep(0.1)
    """, 2, "if kit.distance.distance < 0.2:"),
    "rover-walls": ("""\
        from time import sleep
        from kitsdk import Kit

        kit = Kit("rover")
        kit.drive.forward(0.5)
        sleep(4)
        kit.drive.stop()
    """, 2, "stop when it is less than 0.2"),
    "line-follower": ("""\
        from kitsdk import Kit

        kit = Kit("rover")
        while True:
            if kit.line_left.line_detected:
                kit.drive.right(0.3)
            elif kit.line_right.line_detected:
                kit.drive.left(0.3)
            else:
                kit.drive.forward(0.3)
    """, 2, "the line is on the left: turn left"),
    "colour-rover": ("""\
        from time import sleep
        from kitsdk import Kit

        kit = Kit("rover")
        colour = kit.camera.dominant_colour().name
        print(colour)
        while True:
            if colour == "green":
                kit.drive.forward(0.5)
            else:
                kit.drive.stop()
            sleep(0.1)
    """, 2, "look at the camera again each time round a while True: loop"),
    "arduino-light": ("""\
        from time import sleep
        from kitsdk import Kit

        kit = Kit("weather-station")
        while True:
            print(kit.light.value)
            if kit.light.value < 0.3:
                kit.status_led.on()
            sleep(0.2)
    """, 2, "else: kit.status_led.off()"),
}

LESSONS = sorted(installed())


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Report]:
    """Every lesson checked against its solution, its starter and the wrong solution above."""
    folder = tmp_path_factory.mktemp("scripts")
    jobs = {}
    for lesson_id, lesson in installed().items():
        jobs[lesson_id, "solution"] = lesson.solution
        jobs[lesson_id, "starter"] = lesson.starter
        if lesson_id in WRONG:
            jobs[lesson_id, "wrong"] = textwrap.dedent(WRONG[lesson_id][0])

    def run(job: tuple[str, str]) -> tuple[tuple[str, str], Report]:
        path = folder / f"{job[0]}-{job[1]}.py"
        path.write_text(jobs[job], encoding="utf-8")
        return job, check(find(job[0]), path)

    with ThreadPoolExecutor(3) as pool:
        return dict(pool.map(run, jobs))


def described(report: Report) -> str:
    return "\n".join(f"step {r.number} {r.passed}: {r.saw} / {r.hint}" for r in report.results)


def test_the_curriculum_has_at_least_eight_lessons_each_with_a_wrong_solution() -> None:
    assert len(LESSONS) >= 8
    assert set(LESSONS) == set(WRONG)


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_the_reference_solution_passes(reports: dict[tuple[str, str], Report],
                                       lesson_id: str) -> None:
    report = reports[lesson_id, "solution"]
    assert report.complete, described(report)


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_a_wrong_solution_fails_with_a_useful_hint(reports: dict[tuple[str, str], Report],
                                                   lesson_id: str) -> None:
    report = reports[lesson_id, "wrong"]
    _, step, hint = WRONG[lesson_id]
    assert [r.passed for r in report.results][:step] == [True] * (step - 1) + [False], \
        described(report)
    failed = report.results[step - 1]
    assert hint in failed.hint, described(report)
    assert failed.saw and "Traceback" not in failed.saw


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_the_starter_code_runs_and_points_at_step_one(reports: dict[tuple[str, str], Report],
                                                      lesson_id: str) -> None:
    report = reports[lesson_id, "starter"]
    first = report.results[0]
    assert first.passed is False, described(report)
    assert first.saw and first.hint
    assert "error" not in first.saw, "the starter code itself must not crash"


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_every_lesson_reads_as_a_lesson(lesson_id: str) -> None:
    lesson = find(lesson_id)
    assert len(lesson.steps) >= 2
    compile(lesson.starter, lesson.starter_file, "exec")
    compile(lesson.solution, lesson.starter_file, "exec")
    assert f'Kit("{lesson.profile}")' in lesson.starter, "the starter names its kit"
    assert lesson.load_profile().name == lesson.kit
    for step in lesson.steps:
        assert step.title[0].isupper() and not step.title.endswith(".")
