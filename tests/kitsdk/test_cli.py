"""The ``kit`` command, run as a student or a kit maker runs it: in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kitsdk.backend import pi_model


def kit(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kitsdk.cli", *args], capture_output=True, text=True,
        timeout=60, cwd=cwd, env={**os.environ, "KITSDK_BACKEND": "sim", **env},
    )


def test_info_shows_backend_profile_and_pins() -> None:
    result = kit("info", "--profile", "rover")
    assert result.returncode == 0, result.stderr
    assert "backend:  simulated" in result.stdout
    assert "rover" in result.stdout
    assert "distance    distance_sensor  trigger         GPIO17  11" in result.stdout


def test_info_reads_the_profile_from_the_environment() -> None:
    result = kit("info", KITSDK_PROFILE="starter")
    assert result.returncode == 0, result.stderr
    assert "profile:  starter" in result.stdout


def test_profiles_lists_the_built_ins() -> None:
    result = kit("profiles")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()[2:]]
    assert {"starter", "rover"} <= set(names)


def test_drivers_lists_every_built_in_driver() -> None:
    result = kit("drivers")
    assert result.returncode == 0
    for driver in ("led", "button", "motor", "drive_base", "distance_sensor", "ds18b20"):
        assert f"\n{driver} " in result.stdout


def test_check_prints_the_wiring_table(tmp_path: Path) -> None:
    profile = tmp_path / "lights.toml"
    profile.write_text('[kit]\nname = "lights"\n[devices.red]\ndriver = "led"\npin = "BOARD11"\n')
    result = kit("check", str(profile))
    assert result.returncode == 0, result.stderr
    assert f"{profile}: OK, 1 devices" in result.stdout
    assert "red     led     pin   GPIO17  11" in result.stdout


def test_check_explains_a_bad_profile(tmp_path: Path) -> None:
    profile = tmp_path / "bad.toml"
    profile.write_text('[devices.front]\ndriver = "distnce"\n')
    result = kit("check", str(profile))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "device 'front'" in result.stderr
    assert "unknown driver 'distnce'" in result.stderr
    assert "did you mean 'distance_sensor'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_doctor_passes_in_simulation() -> None:
    result = kit("doctor", "--profile", "starter")
    assert result.returncode == 0, result.stderr
    assert "all devices answered" in result.stdout
    assert result.stdout.count("  ok  ") == 7


def test_run_explains_a_kit_error_with_a_hint(tmp_path: Path) -> None:
    script = tmp_path / "oops.py"
    script.write_text("from kitsdk import Kit\nkit = Kit('starter')\nkit.rde.on()\n")
    result = kit("run", str(script))
    assert result.returncode == 1
    assert "no device 'rde' in profile 'starter': did you mean 'red'?" in result.stderr
    assert "hint: devices: red, amber" in result.stderr
    assert f"at: {script}, line 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_uses_the_profile_option_and_passes_arguments(tmp_path: Path) -> None:
    script = tmp_path / "show.py"
    script.write_text("import sys\nfrom kitsdk import Kit\nkit = Kit()\n"
                      "kit.drive.forward(float(sys.argv[1]))\nprint(kit.drive.value)\n")
    result = kit("run", str(script), "--profile", "rover", "0.5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DriveBaseValue(left_motor=0.5, right_motor=0.5)"


def test_run_keeps_other_errors_as_tracebacks(tmp_path: Path) -> None:
    script = tmp_path / "bug.py"
    script.write_text("1 / 0\n")
    result = kit("run", str(script))
    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr


@pytest.mark.parametrize("code, expected", [("raise SystemExit(3)", 3), ("pass", 0)])
def test_run_returns_the_script_exit_status(tmp_path: Path, code: str, expected: int) -> None:
    script = tmp_path / "exit.py"
    script.write_text(code + "\n")
    assert kit("run", str(script)).returncode == expected


def test_run_refuses_a_missing_script(tmp_path: Path) -> None:
    result = kit("run", str(tmp_path / "nope.py"))
    assert result.returncode == 2
    assert "there is no script" in result.stderr


def console_script(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed ``kit`` command, as a student types it: no KITSDK_* set, a fresh home."""
    kit_command = Path(sys.executable).parent / "kit"
    assert kit_command.is_file(), f"the kit console script is not installed: {kit_command}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KITSDK_")}
    return subprocess.run([str(kit_command), *args], capture_output=True, text=True,
                          timeout=60, cwd=home, env={**clean, "HOME": str(home), **env})


@pytest.mark.parametrize("command", ["info", "doctor"])
def test_info_and_doctor_work_off_a_pi_with_no_profile_set_up(tmp_path: Path,
                                                              command: str) -> None:
    assert pi_model() is None, "this test is about a machine that is not a Raspberry Pi"
    assert not Path("/etc/kitsdk/kit.toml").exists(), "this machine has a kit profile set up"
    result = console_script(command, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "starter" in result.stdout
    assert "simulated" in result.stdout
    assert "--profile" in result.stderr  # how to look at another kit, in shell words
    assert "Kit(" not in result.stderr


def test_info_off_a_pi_keeps_a_profile_that_is_set_up(tmp_path: Path) -> None:
    (tmp_path / ".config" / "kitsdk").mkdir(parents=True)
    (tmp_path / ".config" / "kitsdk" / "kit.toml").write_text(
        '[kit]\nname = "mine"\n[devices.red]\ndriver = "led"\npin = 17\n')
    result = console_script("info", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "profile:  mine" in result.stdout
    assert result.stderr.count("\n") <= 1  # at most the line that says it is simulated


_PYTHON_CALL = re.compile(r"[\w.]\(")


@pytest.mark.parametrize("args, env", [
    (["agent", "--broker", "mqtt://127.0.0.1:9", "--lab", "room1", "--kit", "k1"], {}),
    (["info", "--profile", "startr"], {}),
    (["doctor", "--profile", "nowhere/kit.toml"], {}),
    (["info"], {"KITSDK_PROFILE": "nowhere.toml"}),
    (["info"], {"KITSDK_BACKEND": "real"}),
    (["doctor"], {"KITSDK_BACKEND": "robot"}),
    (["check", "typo.toml"], {}),
])
def test_every_hint_the_cli_prints_is_in_shell_words(tmp_path: Path, args: list[str],
                                                     env: dict[str, str]) -> None:
    (tmp_path / "typo.toml").write_text('[devices.red]\ndriver = "ledd"\npin = 17\n')
    result = console_script(*args, home=tmp_path, **env)
    assert result.returncode != 0
    hints = [line for line in result.stderr.splitlines() if line.strip().startswith("hint:")]
    assert hints, result.stderr
    for hint in hints:
        assert not _PYTHON_CALL.search(hint), f"a Python hint for a shell user: {hint}"


@pytest.mark.parametrize("table, suggestion", [
    ('driver = "ledd"\npin = 17', "did you mean 'led'?"),
    ('driver = "led"\npinn = 17', "did you mean 'pin'?"),
])
def test_a_typo_in_a_profile_is_answered_with_one_suggestion(tmp_path: Path, table: str,
                                                             suggestion: str) -> None:
    (tmp_path / "typo.toml").write_text(f"[devices.red]\n{table}\n")
    result = kit("check", str(tmp_path / "typo.toml"))
    assert result.returncode == 1
    assert result.stderr.count(suggestion) == 1, result.stderr
    assert "hint:" in result.stderr  # a hint still says where to look


def test_a_listing_piped_into_head_ends_without_a_traceback() -> None:
    # `kit drivers | head -0`: the reader has gone before the listing is written.
    with subprocess.Popen([sys.executable, "-m", "kitsdk.cli", "drivers"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as listing:
        assert listing.stdout is not None and listing.stderr is not None
        listing.stdout.close()
        assert listing.wait(timeout=60) in (0, 1)
        assert listing.stderr.read() == b""
