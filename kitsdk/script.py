"""Running a student's script the way ``kit run`` does: friendly errors, an exit status."""

from __future__ import annotations

import runpy
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from .exc import KitError


def run_script(script: str | Path, args: Sequence[str] = ()) -> int:
    """Run ``script`` as ``__main__``; return its exit status.

    A ``KitError`` becomes a short explanation with a hint and the line of the student's
    file it came from, instead of a traceback; other errors keep their traceback.
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
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def _where(exc: BaseException, script: Path) -> str:
    """Where in the student's own file the error came from."""
    target = script.resolve()
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if Path(frame.f_code.co_filename).resolve() == target:
            line = lineno
    return f"\n  at: {script}, line {line}" if line else ""
