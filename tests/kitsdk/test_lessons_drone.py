"""The drone lessons' checks cannot be fooled: each wrong program of ``drone_programs`` fails
at the step where it goes wrong, saying what the simulated drone itself recorded, and each
right one (and each lesson's solution) passes.

Every check flies a simulated drone of its own on a free loopback port, ten times faster
than real time, so the programs run several at once, each mostly waiting on its drone.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from drone_programs import RIGHT, WRONG
from lesson_programs import KINDS, Right, Wrong, assert_fails_where_it_goes_wrong, described

from kitsdk.lessons import Report, check
from kitsdk.lessons.curriculum.drone_hover import LESSON as HOVER
from kitsdk.lessons.curriculum.drone_square import LESSON as SQUARE

#: Checks at once: each mostly waits for its script's drone, which mostly waits on its clock.
AT_ONCE = 6
LESSONS = {lesson.id: lesson for lesson in (HOVER, SQUARE)}
#: The whole catalogue runs in the fixture of the first test that asks for it.
pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]  # CI runs it, and pytest --slow


def _key(entry: Wrong | Right) -> str:
    return f"{entry.lesson}: {entry.name}"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Every drone program, and each lesson's solution, checked against its lesson."""
    folder = tmp_path_factory.mktemp("drone-programs")
    jobs = {_key(entry): (entry.lesson, entry.program) for entry in (*WRONG, *RIGHT)}
    jobs.update({f"{id_}: the solution": (id_, lesson.solution)
                 for id_, lesson in LESSONS.items()})

    def run(index: int, key: str) -> tuple[str, Report]:
        lesson, text = jobs[key]
        path = folder / f"program{index}.py"
        path.write_text(text, encoding="utf-8")
        return key, check(LESSONS[lesson], path)

    with ThreadPoolExecutor(AT_ONCE) as pool:
        return dict(pool.map(run, range(len(jobs)), jobs))


def test_each_drone_lesson_has_eight_wrong_programs_of_several_kinds() -> None:
    for lesson_id, lesson in LESSONS.items():
        wrong = [w for w in WRONG if w.lesson == lesson_id]
        assert len(wrong) >= 8, f"lesson '{lesson_id}' has only {len(wrong)} wrong programs"
        assert len({w.kind for w in wrong}) >= 4
        assert {w.step for w in wrong} == set(range(1, len(lesson.steps) + 1)), \
            "some step of the lesson is never failed"
        for entry in wrong:
            assert entry.kind in KINDS and entry.program != lesson.solution, _key(entry)
            compile(entry.program, _key(entry), "exec")


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_the_solution_passes(reports: dict[str, Report], lesson_id: str) -> None:
    report = reports[f"{lesson_id}: the solution"]
    assert report.complete and report.ended and report.exit_code == 0, described(report)


@pytest.mark.parametrize("wrong", WRONG, ids=_key)
def test_a_wrong_flight_fails_where_it_goes_wrong(reports: dict[str, Report],
                                                  wrong: Wrong) -> None:
    assert_fails_where_it_goes_wrong(reports[_key(wrong)], wrong)


@pytest.mark.parametrize("right", RIGHT, ids=_key)
def test_another_right_flight_passes(reports: dict[str, Report], right: Right) -> None:
    report = reports[_key(right)]
    assert report.complete, described(report)
