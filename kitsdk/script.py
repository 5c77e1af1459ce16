"""Running a student's script the way ``kit run`` does: friendly errors, an exit status."""

from __future__ import annotations

import runpy
import sys
import sysconfig
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import TextIO

from . import safety
from .exc import KitError


def run_script(script: str | Path, args: Sequence[str] = (), *,
               on_error: Callable[[BaseException, int | None], None] | None = None) -> int:
    """Run ``script`` as ``__main__``; return its exit status.

    A ``KitError`` becomes a short explanation with a hint and the student's line it came
    from, instead of a traceback. Other errors are reported as Python reports them (with its
    "Did you mean" suggestions), with only the student's own lines: not the frames of kitsdk
    and runpy that ran the script, nor those of the libraries it called. A warning is said
    at the student's line too, not at the library line that issued it.
    ``on_error(exc, line)`` hears first of the error that ended the script, with the
    student's line (the kit agent tells the teacher: "ZeroDivisionError on line 12").
    """
    path = Path(script)
    if not path.is_file():
        near = path.with_name(path.name + ".py")
        print(f"kit: there is no script {path}"
              + (f": did you mean {near}?" if near.is_file() else ""), file=sys.stderr)
        return 2
    sys.argv = [str(path), *args]
    sys.path.insert(0, str(path.resolve().parent))
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            runpy.run_path(str(path), run_name="__main__")
    except KitError as exc:
        safety.script_ended(safety.ending_of(exc))
        if on_error is not None:
            on_error(exc, student_line(exc))
        print(f"kit: {exc.explain()}{_where(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        safety.script_ended(safety.ending_of(exc))
        print("kit: stopped (Ctrl+C); the kit's outputs are safe", file=sys.stderr)
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:
        safety.script_ended(safety.ending_of(exc))
        if on_error is not None:
            on_error(exc, student_line(exc))
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
        if _is_frame_students(tb.tb_frame):
            kept.append(tb)
        tb = tb.tb_next
    students: TracebackType | None = None
    for entry in reversed(kept):
        students = TracebackType(students, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return students


def _is_frame_students(frame: FrameType) -> bool:
    filename = frame.f_code.co_filename
    module = str(frame.f_globals.get("__name__", ""))
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


def _students_place(exc: BaseException) -> tuple[str, int] | None:
    """The student's file and line the error came from: the innermost of the student's
    frames, or, for a syntax error in their file (no frame of theirs ran), its line."""
    for frame, line in reversed(list(traceback.walk_tb(exc.__traceback__))):
        if _is_frame_students(frame):
            return frame.f_code.co_filename, line
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return exc.filename, exc.lineno
    return None


def student_line(exc: BaseException) -> int | None:
    """The student's line the error came from, if any (see ``_students_place``)."""
    place = _students_place(exc)
    return place[1] if place else None


def _where(exc: BaseException) -> str:
    """The student's line the error came from, as ``kit run`` says it."""
    place = _students_place(exc)
    return f"\n  at: {place[0]}, line {place[1]}" if place else ""


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """``warnings.showwarning`` while a script runs: a warning is said at the student's line
    that set it off (gpiozero's "callback was set to None" is issued deep inside gpiozero)."""
    for frame, number in traceback.walk_stack(None):
        if _is_frame_students(frame):
            print(f"kit: warning: {message}\n  at: {frame.f_code.co_filename}, line {number}",
                  file=sys.stderr)
            return
    print(warnings.formatwarning(message, category, filename, lineno, line), end="",
          file=file or sys.stderr)
