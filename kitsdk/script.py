"""Running a student's script the way ``kit run`` does: friendly errors, an exit status."""

from __future__ import annotations

import runpy
import sys
import sysconfig
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from .exc import KitError


def run_script(script: str | Path, args: Sequence[str] = ()) -> int:
    """Run ``script`` as ``__main__``; return its exit status.

    A ``KitError`` becomes a short explanation with a hint and the line of the student's
    file it came from, instead of a traceback. Other errors are reported as Python reports
    them (with its "Did you mean" suggestions), with only the student's own lines: not the
    frames of kitsdk and runpy that ran the script, nor those of the libraries it called.
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
    """The traceback ``tb`` with only the student's own frames: without the runner's
    (kitsdk, runpy), kitsdk's and the libraries' (the standard library, site-packages),
    none of which a student can change."""
    kept: list[TracebackType] = []
    while tb is not None:
        if _is_students(tb.tb_frame.f_code.co_filename,
                        str(tb.tb_frame.f_globals.get("__name__", ""))):
            kept.append(tb)
        tb = tb.tb_next
    students: TracebackType | None = None
    for entry in reversed(kept):
        students = TracebackType(students, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return students


def _is_students(filename: str, module: str) -> bool:
    if module.partition(".")[0] in _NOT_THE_STUDENTS or filename.startswith("<frozen "):
        return False
    path = Path(filename)
    if not _INSTALLED.isdisjoint(path.parts):
        return False
    return not any(path.is_relative_to(folder) for folder in _STDLIB)


#: Packages whose frames are never the student's: this distribution's, and the runner's.
_NOT_THE_STUDENTS = frozenset({"kitsdk", "firmware_bridge", "runpy"})
#: Folders that hold installed packages (pip's and Debian's).
_INSTALLED = frozenset({"site-packages", "dist-packages"})
_STDLIB = tuple({Path(sysconfig.get_paths()[key]) for key in ("stdlib", "platstdlib")})


def _where(exc: BaseException, script: Path) -> str:
    """Where in the student's own file the error came from."""
    target = script.resolve()
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if Path(frame.f_code.co_filename).resolve() == target:
            line = lineno
    return f"\n  at: {script}, line {line}" if line else ""
