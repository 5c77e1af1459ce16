"""Lesson checks that cannot be fooled: every built-in lesson against its catalogue of wrong
programs (each must fail at the step where it goes wrong, saying what the check saw) and of
other right ones (each must pass). The catalogue is data: ``tests/support/lesson_programs.py``.

The checks wait on the scripts' own timing, so the programs run several at a time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import drone_programs
import pytest
from lesson_programs import (
    KINDS,
    RIGHT,
    WRONG,
    Right,
    Wrong,
    assert_fails_where_it_goes_wrong,
    described,
)

from kitsdk.lessons import Report, check, find, installed

#: Checks run at once: each mostly waits for its script, which mostly sleeps.
AT_ONCE = 6
#: The whole catalogue runs in the fixture of the first test that asks for it (under a
#: minute; more on a busy machine): more than pytest's usual timeout for one test.
pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]  # CI runs it, and pytest --slow


def _key(entry: Wrong | Right) -> str:
    return f"{entry.lesson}: {entry.name}"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Every program of the catalogue, checked against its lesson."""
    folder = tmp_path_factory.mktemp("programs")
    entries = [*WRONG, *RIGHT]

    def run(index: int) -> tuple[str, Report]:
        entry = entries[index]
        path = folder / f"program{index}.py"
        path.write_text(entry.program, encoding="utf-8")
        return _key(entry), check(find(entry.lesson), path)

    with ThreadPoolExecutor(AT_ONCE) as pool:
        return dict(pool.map(run, range(len(entries))))


def test_the_catalogue_has_several_wrong_programs_for_every_lesson() -> None:
    """Every installed lesson, the drone lessons too (their programs, in drone_programs.py,
    run in test_lessons_drone.py)."""
    every_wrong = (*WRONG, *drone_programs.WRONG)
    names = [_key(entry) for entry in (*every_wrong, *RIGHT, *drone_programs.RIGHT)]
    assert len(names) == len(set(names)), "each program has a name of its own"
    for lesson_id, lesson in installed().items():
        wrong = [w for w in every_wrong if w.lesson == lesson_id]
        assert len(wrong) >= 5, f"lesson '{lesson_id}' has only {len(wrong)} wrong programs"
        kinds = {w.kind for w in wrong}
        assert len(kinds) >= 3, f"lesson '{lesson_id}' has wrong programs of {kinds} only"
        for entry in wrong:
            assert entry.kind in KINDS, f"{_key(entry)}: kind {entry.kind!r} is not one of KINDS"
            assert 1 <= entry.step <= len(lesson.steps), _key(entry)
            assert entry.saw or entry.hint, f"{_key(entry)}: say what the check must say"
            assert entry.program != lesson.solution, f"{_key(entry)} is the solution"
            compile(entry.program, _key(entry), "exec")


@pytest.mark.parametrize("wrong", WRONG, ids=_key)
def test_a_wrong_program_fails_where_it_goes_wrong(reports: dict[str, Report],
                                                   wrong: Wrong) -> None:
    assert_fails_where_it_goes_wrong(reports[_key(wrong)], wrong)


@pytest.mark.parametrize("right", RIGHT, ids=_key)
def test_another_right_program_passes(reports: dict[str, Report], right: Right) -> None:
    report = reports[_key(right)]
    assert report.complete, described(report)
