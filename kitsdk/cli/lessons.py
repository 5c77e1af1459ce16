"""``kit lesson``: list, show, start and check lessons.

::

    kit lesson list
    kit lesson show ID
    kit lesson start ID [--force]       writes the starter code (never over a file silently)
    kit lesson check ID SCRIPT.py       exit status 0 only when every step passes

``kitsdk.cli`` adds these with :func:`add_commands`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

from ..lessons.lesson import LEVELS
from .view import add_options as add_view_options


def add_commands(commands: Any) -> None:
    """Add ``kit lesson ...`` to the ``kit`` command's subparsers."""
    lesson = commands.add_parser("lesson", help="lessons: list, show, start, check",
                                 description="Lessons with steps that check your script.")
    sub = lesson.add_subparsers(required=True, metavar="ACTION")

    def action(name: str, func: Any, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
        parser.set_defaults(command=func)
        return parser

    action("list", _list, "list every lesson")
    action("show", _show, "show a lesson's steps").add_argument("id", help="the lesson's id")
    start = action("start", _start, "write a lesson's starter code into this folder")
    start.add_argument("id", help="the lesson's id")
    start.add_argument("--force", action="store_true",
                       help="replace the file if it is there (the old one is kept as .bak)")
    check = action("check", _check, "try a script out on a simulated kit, step by step")
    check.add_argument("id", help="the lesson's id")
    check.add_argument("script", help="your Python file")
    check.add_argument("--view", action="store_true",
                       help="watch each try of your script on the kit in a browser")
    add_view_options(check, run=False)


def _list(args: argparse.Namespace) -> int:
    from ..lessons.catalogue import installed
    from . import table

    rows = [(lesson.id, lesson.level, f"{lesson.minutes} min", lesson.kit, lesson.title)
            for lesson in installed().values()]
    print(table(rows, ("lesson", "level", "time", "kit", "title")))
    print("\nkit lesson show ID tells you what to build.")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ..lessons.catalogue import find

    lesson = find(args.id)
    print(f"# {lesson.title}")
    print(f"\nLevel {lesson.level} ({LEVELS[lesson.level]}), about {lesson.minutes} minutes, "
          f"on the '{lesson.kit}' kit.\n")
    print(lesson.intro)
    for number, step in enumerate(lesson.steps, 1):
        print(f"\n## Step {number}: {step.title}\n")
        print(step.text)
    print(f"\nStart with: kit lesson start {lesson.id}")
    return 0


def _start(args: argparse.Namespace) -> int:
    from ..lessons.catalogue import find

    lesson = find(args.id)
    files = [(lesson.starter_file, lesson.starter)]
    if lesson.profile_text:
        files.append((lesson.profile, lesson.profile_text))
    kept = [name for name, text in files if not _write(Path(name), text, args.force)]
    if kept:
        print(f"Nothing was overwritten: {', '.join(kept)} "
              f"{'is' if len(kept) == 1 else 'are'} already here and kept as it was.\n"
              f"To start again from the lesson's code: kit lesson start {lesson.id} --force "
              "(your old file is kept as .bak)")
    print(f"\nOpen {lesson.starter_file} and follow step 1 of: kit lesson show {lesson.id}")
    print(f"When you want to try it: kit lesson check {lesson.id} {lesson.starter_file}")
    return 1 if kept else 0


def _write(path: Path, text: str, force: bool) -> bool:
    """Write ``text`` to ``path``, saying what was done; False if the file was kept."""
    if path.exists():
        if path.read_text(encoding="utf-8", errors="replace") == text:
            print(f"{path} is already here, just as the lesson starts it.")
            return True
        if not force:
            return False
        shutil.copyfile(path, path.with_name(path.name + ".bak"))
        print(f"Replaced {path}; your old version is in {path.name}.bak")
    else:
        print(f"Wrote {path}")
    path.write_text(text, encoding="utf-8")
    return True


def _check(args: argparse.Namespace) -> int:
    from ..lessons.catalogue import find
    from ..lessons.checker import StepResult, check
    from .view import announce_view

    lesson = find(args.id)
    if not Path(args.script).is_file():
        print(f"kit: there is no script {args.script}", file=sys.stderr)
        return 2
    from ..agent.control import hand_over, reach_agent

    agent = reach_agent()
    if agent is not None:  # on a kit: the agent runs the check, and the lab sees the steps
        if args.view:
            print("kit: --view is ignored: the kit agent runs the check, and the lab's kit "
                  "page shows the kit", file=sys.stderr)

        runner = Path(__file__).with_name("__main__.py")
        return hand_over(agent, str(runner),
                         ["lesson", "check", args.id, str(Path(args.script).resolve())])
    if args.view and not announce_view(args):
        return 2
    print(f"Checking {args.script} against '{lesson.title}' on a simulated "
          f"'{lesson.kit}' kit...\n", flush=True)

    def show(result: StepResult) -> None:
        mark = {True: "pass", False: "FAIL", None: " -- "}[result.passed]
        print(f"[{mark}] Step {result.number}: {result.step.title}")
        if result.passed is False:
            print(_indented(f"I saw: {result.saw}"))
            print(_indented(f"Try this: {result.hint}"))
        elif result.passed is None:
            print(_indented("not checked yet: get the step before it working first"))
        sys.stdout.flush()

    try:
        report = check(lesson, args.script, on_step=show)
    except KeyboardInterrupt:
        print("\nkit: the check was stopped (Ctrl+C), and so was your script", file=sys.stderr)
        return 130
    total = len(lesson.steps)
    if report.complete:
        print(f"\nAll {total} steps pass. Well done!")
        return 0
    print(f"\n{report.passed} of {total} steps pass. Change your script and check it again.")
    return 1


def _indented(text: str) -> str:
    return textwrap.fill(text, width=92, initial_indent="       ", subsequent_indent="         ")
