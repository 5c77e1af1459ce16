"""Every built-in lesson: its solution passes, and its starter code fails step 1 with a hint
rather than a crash. (Wrong programs, several per lesson, are in test_lessons_wrong.py.)

The checks run each script on a simulated kit in a process of its own and mostly wait on the
script's own timing, so they run three at a time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from lesson_programs import described

from kitsdk.lessons import Report, check, find, installed

pytestmark = pytest.mark.slow  # minutes: CI runs it, and pytest --slow

LESSONS = sorted(installed())


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Report]:
    """Every lesson checked against its solution and its starter."""
    folder = tmp_path_factory.mktemp("scripts")
    jobs = {}
    for lesson_id, lesson in installed().items():
        jobs[lesson_id, "solution"] = lesson.solution
        jobs[lesson_id, "starter"] = lesson.starter

    def run(job: tuple[str, str]) -> tuple[tuple[str, str], Report]:
        path = folder / f"{job[0]}-{job[1]}.py"
        path.write_text(jobs[job], encoding="utf-8")
        return job, check(find(job[0]), path)

    with ThreadPoolExecutor(3) as pool:
        return dict(pool.map(run, jobs))


def test_the_curriculum_has_at_least_eight_lessons() -> None:
    assert len(LESSONS) >= 8


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_the_reference_solution_passes(reports: dict[tuple[str, str], Report],
                                       lesson_id: str) -> None:
    report = reports[lesson_id, "solution"]
    assert report.complete, described(report)


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
