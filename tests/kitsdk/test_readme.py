"""The README's newcomer path, walked as a student walks it: the first script under
``kit run`` in a terminal, and the mistakes it shows, printed as the README says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect

README = (Path(__file__).parents[2] / "README.md").read_text()
KIT = Path(sys.executable).parent / "kit"


def student_env(home: Path, **extra: str) -> dict[str, str]:
    """A student's shell: no KITSDK_* settings, a home with no kit profile in it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KITSDK_")}
    return {**clean, "HOME": str(home), **extra}


def code_blocks() -> list[str]:
    """The README's fenced blocks, in order, without their fences."""
    return [block.split("\n", 1)[1] for block in README.split("```")[1::2]]


def test_the_first_script_runs_under_kit_run_in_a_terminal(tmp_path: Path) -> None:
    first = README.split("## A first script\n", 1)[1]
    (tmp_path / "first.py").write_text(first.split("```python\n", 1)[1].split("```", 1)[0])
    assert KIT.is_file(), f"the kit console script is not installed: {KIT}"
    child = pexpect.spawn(str(KIT), ["run", "first.py"], cwd=str(tmp_path), encoding="utf-8",
                          timeout=60, env=student_env(tmp_path))
    try:
        child.expect_exact("kitsdk: no Raspberry Pi here, so this kit is simulated")
        prompt = "kitsdk: Button 'button' is simulated: press Enter to press it"
        assert f"`{prompt}`" in README.replace("\n", " ")
        child.expect_exact(prompt)
        child.sendline("")
        child.expect_exact("'buzzer': {'on': False}")  # the three beeps are over
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


def test_the_mistakes_read_as_the_readme_shows_them(tmp_path: Path) -> None:
    shown = [b for b in code_blocks() if b.startswith("$ kit run oops.py\n")]
    assert len(shown) == 2
    for block, mistake in zip(shown, ("kit.rde.on()", "kit.red.onn()"), strict=True):
        (tmp_path / "oops.py").write_text(f'from kitsdk import Kit\nkit = Kit("starter")\n'
                                          f"{mistake}\n")
        result = subprocess.run([str(KIT), "run", "oops.py"], cwd=tmp_path, text=True,
                                capture_output=True, timeout=60,
                                env=student_env(tmp_path, KITSDK_BACKEND="sim"))
        assert result.returncode == 1
        printed = [line for line in result.stderr.splitlines() if line.strip("^ ")]
        expected = block.splitlines()[1:]
        assert printed[:len(expected)] == expected  # what may follow is not the README's
