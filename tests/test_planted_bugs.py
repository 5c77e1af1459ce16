"""Planted bugs: the tests of the safety and security code must catch each one.

Each bug is one exact edit of one module (the text must occur once: when the code moves on,
this list is updated with it, never silently skipped). It is planted in a copy of the tree,
never in the working tree (other processes read it), and only the named tests run against
it, stopping at the first failure: a bug is caught when they fail, and survives when they
pass. They must all pass on the copy first, with no bug planted, so that a failure means
the bug. Bytecode is not written, so a planted bug never outlives its own run.

    python -m pytest tests/test_planted_bugs.py                 # all of them
    python -m pytest tests/test_planted_bugs.py -k acl          # some
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # minutes: CI runs it, and pytest --slow

ROOT = Path(__file__).parent.parent
#: What a copy of the tree needs to run the tests.
TREE = ("kitsdk", "firmware_bridge", "lab_server", "tests", "docs", "README.md",
        "pyproject.toml")
#: Seconds the named tests get against one planted bug.
RUN_TIMEOUT = 300


@dataclass(frozen=True)
class Bug:
    """Replace ``original`` (found exactly once) in ``file`` by ``planted``; ``tests`` (pytest
    node ids) must then fail."""

    id: str
    file: str
    original: str
    planted: str
    tests: tuple[str, ...]


SAFETY = "kitsdk/safety.py"
BASE = "kitsdk/devices/base.py"
ACL = "lab_server/broker/acl.py"
ACCESS = "lab_server/web/access.py"
FRAMING = "firmware_bridge/protocol/framing.py"

T_SAFETY = "tests/kitsdk/test_safety.py"
T_EXIT = "tests/kitsdk/test_exit_clean.py"
T_CLOSED = "tests/kitsdk/test_closed_devices.py"
T_ACL = "tests/lab_server/test_acl.py"
T_AUTH = "tests/lab_server/test_auth.py"
T_PROTOCOL = "tests/firmware_bridge/test_protocol.py"
T_PROPERTIES = "tests/firmware_bridge/test_protocol_properties.py"
T_FRAMING = "tests/firmware_bridge/test_framing.py"

BUGS = [
    # -- the safety net: motors stop however a script ends ----------------------------------
    Bug("safety-sigterm-handler-does-not-stop", SAFETY,
        "    # motor turning. Then unwind like any exit so 'finally' and 'with' blocks run.\n"
        '    stop_all("the script was stopped (SIGTERM)")\n',
        "    # motor turning. Then unwind like any exit so 'finally' and 'with' blocks run.\n",
        (f"{T_SAFETY}::test_sigterm_stops_the_motors_of_a_script_that_swallows_the_exit",)),
    Bug("safety-no-sigterm-handler", SAFETY,
        "        signal.signal(signal.SIGTERM, _on_sigterm)\n", "        pass\n",
        (f"{T_SAFETY}::test_sigterm_stops_the_motors_and_ends_the_script",)),
    Bug("safety-no-exit-hook", SAFETY, "    atexit.register(shutdown)\n", "",
        (f"{T_SAFETY}::test_motors_stop_before_any_other_output",)),
    Bug("safety-net-holds-no-kit", SAFETY, "    _kits[kit] = None\n", "",
        (f"{T_SAFETY}::test_sigterm_stops_the_motors_of_a_script_that_swallows_the_exit",)),
    Bug("safety-net-holds-kits-weakly", SAFETY,
        "_kits: dict[Kit, None] = {}",
        "_kits: dict[Kit, None] = __import__('weakref').WeakKeyDictionary()  # type: ignore",
        (f"{T_SAFETY}::test_motors_stop_before_any_other_output",)),
    Bug("safety-stop-all-stops-only-motors", SAFETY,
        "        for kit in kits:\n            _stop(kit.stop, kit)\n", "",
        (f"{T_SAFETY}::test_sigterm_stops_the_motors_of_a_script_that_swallows_the_exit",)),
    Bug("safety-stop-all-stops-motors-last", SAFETY,
        "        for kit in kits:\n            _stop(kit.stop_motors, kit)\n"
        "        for kit in kits:\n            _stop(kit.stop, kit)\n",
        "        for kit in kits:\n            _stop(kit.stop, kit)\n"
        "        for kit in kits:\n            _stop(kit.stop_motors, kit)\n",
        (f"{T_SAFETY}::test_motors_stop_before_any_other_output",)),
    # -- one lifecycle for every device ----------------------------------------------------
    Bug("device-close-does-not-park", BASE,
        "            self.stop()\n            _park(self)\n", "            self.stop()\n",
        (f"{T_SAFETY}::test_the_end_of_a_script_stops_the_motors",)),
    Bug("device-close-does-not-seal", BASE,
        "        super().close()  # type: ignore[misc]\n        _seal(self)\n",
        "        super().close()  # type: ignore[misc]\n", (T_CLOSED,)),
    Bug("device-closed-on-its-own-blink-thread-joins-it", BASE,
        '        if getattr(self, "_blink_thread", None) is threading.current_thread():\n'
        "            self._blink_thread = None\n", "",
        (f"{T_EXIT}::test_parts_built_by_hand_end_clean",)),
    Bug("closed-device-takes-assignments", BASE,
        "        else:\n            raise self._closed_error(name)\n",
        "        else:\n            cls.__setattr__(self, name, value)\n", (T_CLOSED,)),
    Bug("closed-device-still-answers-value", BASE,
        'STILL_ANSWERED = frozenset({"name", ', 'STILL_ANSWERED = frozenset({"value", "name", ',
        (T_CLOSED,)),
    Bug("standalone-close-does-not-seal", BASE,
        "            self._release()\n            _seal(self)\n", "            self._release()\n",
        (T_CLOSED,)),
    # -- the broker's ACL: a kit writes only its own topics, reads only its commands ---------
    Bug("acl-wildcard-publish", ACL,
        '    if action == "publish" and any(c in topic for c in "+#"):\n        return False\n',
        "", (T_ACL,)),
    Bug("acl-anonymous", ACL, "    if not username:\n        return False\n", "", (T_ACL,)),
    Bug("acl-removed-kit-keeps-rights", ACL,
        "    elif kits is not None and username not in kits:\n",
        "    elif False:\n", (T_ACL,)),
    Bug("acl-deeper-topics", ACL, "    return len(req) == len(allow)\n",
        "    return True\n", (T_ACL,)),
    Bug("acl-server-publishes-what-it-reads", ACL,
        '        rules = server_publishes(lab) if action == "publish" else server_reads(lab)\n',
        "        rules = server_publishes(lab) + server_reads(lab)\n", (T_ACL,)),
    Bug("acl-kit-publishes-what-it-reads", ACL,
        "        rules = kit_publishes(lab, username) if action == \"publish\" else "
        "kit_reads(lab, username)\n",
        "        rules = kit_publishes(lab, username) + kit_reads(lab, username)\n", (T_ACL,)),
    Bug("acl-file-kit-writes-its-commands", ACL,
        '        lines += [f"topic read {topic}" for topic in kit_reads(lab, kit)]\n',
        '        lines += [f"topic readwrite {topic}" for topic in kit_reads(lab, kit)]\n',
        (T_ACL,)),
    # -- the dashboard's access: logins, roles, CSRF ----------------------------------------
    Bug("access-csrf-skipped-for-sessions", ACCESS,
        '    if user is not None and user.via == "token":\n', "    if user is not None:\n",
        (f"{T_AUTH}::test_state_changes_without_csrf_are_refused",)),
    Bug("access-post-is-safe", ACCESS,
        'SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})',
        'SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST"})',
        (f"{T_AUTH}::test_form_posts_without_csrf_are_refused",)),
    Bug("access-wrong-csrf-token-accepted", ACCESS,
        "not sent or not hmac.compare_digest(", "not sent or hmac.compare_digest(",
        (f"{T_AUTH}::test_state_changes_without_csrf_are_refused",)),
    Bug("access-mentor-may-command", ACCESS,
        "        if user is not None and not user.is_teacher:\n",
        "        if user is not None and False:\n",
        (f"{T_AUTH}::test_a_mentor_is_refused_every_command_export_and_provisioning",)),
    Bug("access-no-login-needed", ACCESS, "        if current_user() is None:\n",
        "        if False:\n", (f"{T_AUTH}::test_pages_need_a_login",)),
    # -- Firmata framing: a corrupted byte stream is skipped, bounded, resynced -------------
    Bug("framing-unbounded-sysex", FRAMING,
        "            if n - i > self._max_sysex + 2:\n", "            if False:\n",
        (f"{T_PROTOCOL}::test_buffered_input_is_bounded", T_PROPERTIES, T_FRAMING)),
    Bug("framing-message-swallows-a-command-byte", FRAMING,
        "        cut = _COMMAND_BYTE.search(buf, i + 1, min(end, n))\n", "        cut = None\n",
        (T_FRAMING, T_PROTOCOL, T_PROPERTIES)),
    Bug("framing-sysex-cut-short-is-decoded", FRAMING,
        "        if buf[end] != END_SYSEX:\n", "        if False:\n",
        (T_FRAMING, T_PROTOCOL, T_PROPERTIES)),
    Bug("framing-oversized-sysex-is-decoded", FRAMING,
        "        if len(body) > self._max_sysex + 1:\n", "        if False:\n",
        (T_FRAMING, T_PROTOCOL, T_PROPERTIES)),
    Bug("framing-forgets-it-was-skipping", FRAMING,
        "            self._skipping = found is None\n", "            self._skipping = False\n",
        (T_FRAMING, T_PROTOCOL, T_PROPERTIES)),
]


def run_tests(tree: Path, tests: tuple[str, ...], *, first_failure: bool) -> tuple[int, str]:
    """Run ``tests`` in the copy ``tree``: their exit status and the end of their output."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *(["-x"] if first_failure else []), *tests],
        cwd=tree, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    return result.returncode, (result.stdout + result.stderr)[-3000:]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the tree for planting bugs in, one at a time, whose named tests pass as it
    is: so a test that fails with a bug planted fails because of the bug."""
    copy = tmp_path_factory.mktemp("planted")
    for name in TREE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, copy / name)
    named = tuple(dict.fromkeys(test for bug in BUGS for test in bug.tests))
    status, tail = run_tests(copy, named, first_failure=False)
    assert status == 0, f"the named tests fail with no bug planted:\n{tail}"
    yield copy
    shutil.rmtree(copy, ignore_errors=True)


def test_the_bugs_are_planted_in_every_module_the_issue_names() -> None:
    assert {bug.file for bug in BUGS} >= {SAFETY, ACL, ACCESS, FRAMING}
    assert len({bug.id for bug in BUGS}) == len(BUGS)


@pytest.mark.parametrize("bug", BUGS, ids=[bug.id for bug in BUGS])
def test_a_planted_bug_is_caught(tree: Path, bug: Bug) -> None:
    path = tree / bug.file
    original = path.read_text()
    assert original.count(bug.original) == 1, (
        f"{bug.file} no longer holds the text this bug replaces once: update the bug")
    path.write_text(original.replace(bug.original, bug.planted))
    try:
        status, tail = run_tests(tree, bug.tests, first_failure=True)
    finally:
        path.write_text(original)
    assert status != 0, f"the planted bug survived {bug.tests}:\n{tail}"
    assert status == 1, f"the tests did not run (status {status}):\n{tail}"
