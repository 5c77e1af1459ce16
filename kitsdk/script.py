"""Running a student's script the way ``kit run`` does: friendly errors, an exit status."""

from __future__ import annotations

import runpy
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from .exc import KitError


def run_script(script: str | Path, args: Sequence[str] = ()) -> int:
    """Run ``script`` as ``__main__``; return its exit status.

    A ``KitError`` becomes a short explanation with a hint and the line of the student's
    file it came from, instead of a traceback. Other errors are reported as Python reports
    them (with its "Did you mean" suggestions), minus the frames of kitsdk and runpy that
    ran the script: what is left is the student's own lines.
    """
    path = Path(script)
    if not path.is_file():
        print(f"kit: there is no script {path}", file=sys.stderr)
        return 2
    sys.argv = [str(path), *args]
    sys.path.insert(0, str(path.resolve().parent))
    try:
        runpy.run_path(str(path), run_name="__main__")
    except KitError as exc:
        print(f"kit: {exc.explain()}{_where(exc, path)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kit: stopped (Ctrl+C); the kit's outputs are safe", file=sys.stderr)
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:
        _report(exc)
        return 1
    return 0


def _report(exc: BaseException) -> None:
    """Report ``exc`` through ``sys.excepthook``, as Python would have without ``kit run``.

    Python 3.11's ``traceback`` module leaves out "Did you mean: 'on'?" (the interpreter's
    own hook adds it), so the hook prints; the runner's frames are cut from the error and
    every error chained to it first.
    """
    chain: list[BaseException] = [exc]
    seen: set[int] = set()
    while chain:
        error = chain.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        error.__traceback__ = _students_frames(error.__traceback__)
        chain += [e for e in (error.__cause__, error.__context__) if e is not None]
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _students_frames(tb: TracebackType | None) -> TracebackType | None:
    """The traceback ``tb`` without kitsdk's and runpy's frames."""
    kept: list[TracebackType] = []
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if module not in ("runpy", "kitsdk") and not module.startswith("kitsdk."):
            kept.append(tb)
        tb = tb.tb_next
    students: TracebackType | None = None
    for entry in reversed(kept):
        students = TracebackType(students, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return students


def _where(exc: BaseException, script: Path) -> str:
    """Where in the student's own file the error came from."""
    target = script.resolve()
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if Path(frame.f_code.co_filename).resolve() == target:
            line = lineno
    return f"\n  at: {script}, line {line}" if line else ""
