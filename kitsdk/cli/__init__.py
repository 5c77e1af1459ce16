"""The ``kit`` command: look at a kit, check a profile, run a script with the safety net.

::

    kit info [--profile P]      backend, profile, devices and pins
    kit profiles                the built-in profiles
    kit drivers                 the installed drivers
    kit check FILE              check a profile and print its wiring table
    kit doctor [--profile P]    build the kit and exercise every device
    kit run SCRIPT [--profile P]   (handed to the kit agent when one runs)
    kit run --view SCRIPT       ... and show the kit live in a browser
    kit view [--profile P]      show the kit in a browser, with no script
    kit agent [--config FILE] [--sim]
    kit sim tello [--host H] [--port P]   a simulated Tello drone, until Ctrl+C
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..exc import KitError

if TYPE_CHECKING:
    from ..profile import Profile

#: The kit ``kit info`` and ``kit doctor`` show on a simulated machine with no profile set up.
SIMULATED_KIT = "starter"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        status = int(args.command(args) or 0)
        sys.stdout.flush()  # here, where a closed pipe can still be caught
        return status
    except KitError as exc:
        print(f"kit: {exc.explain(shell=True)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `kit drivers | head`: the reader has what it wanted. Point stdout at nothing, so
        # that flushing it at exit cannot raise again, and end quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    from .view import add_options as add_view_options

    parser = argparse.ArgumentParser(prog="kit", description="Look after a kitsdk kit.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, func: object, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(command=func)
        return sub

    def with_profile(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--profile", "-p", help="a built-in profile name or a TOML file "
                         "(default: $KITSDK_PROFILE, then ~/.config/kitsdk/kit.toml)")

    with_profile(command("info", _info, "show the backend, profile, devices and pins"))
    command("profiles", _profiles, "list the built-in profiles")
    command("drivers", _drivers, "list the installed drivers")
    check = command("check", _check, "check a profile file and print its wiring table")
    check.add_argument("file", help="the profile: a TOML file or a built-in name")
    with_profile(command("doctor", _doctor, "build the kit and exercise every device"))
    run = command("run", _run, "run a script with the safety net: motors stop when it ends")
    run.add_argument("script", help="the Python file to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script")
    with_profile(run)
    add_view_options(run, run=True)
    view = command("view", _view, "show the kit live in a browser, with no script")
    with_profile(view)
    add_view_options(view, run=False)
    agent = command("agent", _agent, "run the kit agent: telemetry, teacher commands, safety")
    agent.add_argument("--config", "-c", help="the agent's TOML file (default "
                       "/etc/kitsdk/agent.toml if it exists)")
    agent.add_argument("--sim", action="store_true",
                       help="run a whole simulated kit (state in ~/.cache/kitsdk/LAB-KIT)")
    for flag, help_text in (("broker", "the lab's broker URL, mqtt://HOST:PORT"),
                            ("lab", "the lab id"), ("kit", "this kit's id"),
                            ("username", "the kit's MQTT user name"),
                            ("rate", "telemetry samples per second, 1 to 50"),
                            ("mqtt-version", "5, or 3 for a broker without MQTT 5")):
        kind = {"rate": float, "mqtt-version": int}.get(flag, str)
        agent.add_argument(f"--{flag}", help=help_text, type=kind)
    with_profile(agent)
    from .lessons import add_commands as add_lesson_commands
    add_lesson_commands(commands)
    from .sim import add_commands as add_sim_commands
    add_sim_commands(commands)
    return parser


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """Rows as a plain-text table with a header line, as every ``kit`` listing prints."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _wiring(profile: Profile) -> str:
    rows = [(device, driver, role, pin.name, pin.physical)
            for device, driver, role, pin in profile.wiring()]
    return table(rows, ("device", "driver", "role", "pin", "header pin"))


def _kit_profile(args: argparse.Namespace) -> Profile:
    """``--profile``, else the machine's own; on a simulated machine with none set up (a
    laptop), the simulated starter kit, so that ``kit info`` and ``kit doctor`` show a kit."""
    from ..backend import wanted
    from ..exc import NoProfile
    from ..profile import load_profile

    try:
        return load_profile(args.profile)
    except NoProfile:
        if args.profile or os.environ.get("KITSDK_PROFILE") or wanted() != "sim":
            raise
    print(f"kit: no kit profile is set up on this machine, so this is the built-in "
          f"'{SIMULATED_KIT}' kit; --profile NAME shows another ('kit profiles' lists them)",
          file=sys.stderr)
    return load_profile(SIMULATED_KIT)


def _info(args: argparse.Namespace) -> int:
    from ..backend import pi_model, wanted

    profile = _kit_profile(args)
    mode = "simulated" if wanted() == "sim" else "real parts"
    print(f"machine:  {pi_model() or 'not a Raspberry Pi'}")
    print(f"backend:  {mode} (KITSDK_BACKEND={os.environ.get('KITSDK_BACKEND') or 'auto'})")
    print(f"profile:  {profile.name}: {profile.description} [{profile.source}]")
    print()
    print(_wiring(profile))
    return 0


def _profiles(args: argparse.Namespace) -> int:
    from ..profile import builtin_profiles, load_profile

    rows = []
    for name in builtin_profiles():
        profile = load_profile(name)
        rows.append((name, len(profile.devices), profile.description))
    print(table(rows, ("profile", "devices", "description")))
    return 0


def _drivers(args: argparse.Namespace) -> int:
    from ..registry import default_registry

    rows = []
    for name, driver in default_registry().load_all().items():
        summary = (driver.__doc__ or "").strip().splitlines()[0] if driver.__doc__ else ""
        rows.append((name, f"{driver.__module__}.{driver.__qualname__}", summary))
    print(table(rows, ("driver", "class", "what it is")))
    return 0


def _check(args: argparse.Namespace) -> int:
    from ..profile import load_profile

    profile = load_profile(args.file)
    print(f"{profile.source}: OK, {len(profile.devices)} devices")
    print()
    print(_wiring(profile))
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from ..kit import Kit

    failures = 0
    with Kit(_kit_profile(args)) as kit:
        print(f"kit '{kit.name}' ({'simulated' if kit.simulated else 'real parts'})")
        for device in kit:
            try:
                readings = device.check()
            except KitError as exc:
                failures += 1
                print(f"  FAIL  {device.describe()}: {exc.explain(shell=True)}")
                continue
            shown = ", ".join(f"{k}={v!r}" for k, v in readings.items())
            print(f"  ok    {device.describe()}" + (f": {shown}" if shown else ""))
    print("all devices answered" if not failures else f"{failures} device(s) failed")
    return 1 if failures else 0


def _run(args: argparse.Namespace) -> int:
    from ..script import run_script

    # `kit run script.py --profile rover 0.5`: options straight after the script are
    # kit's, as the usage line has it; the rest (or all after `--`) is the script's.
    rest = list(args.args)
    while len(rest) >= 2 and rest[0] in ("--profile", "-p"):
        args.profile, rest = rest[1], rest[2:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    from ..agent.control import hand_over, reach_agent

    agent = reach_agent()
    if agent is not None:
        if args.profile:
            print("kit: --profile is ignored: the kit agent runs scripts on its own kit",
                  file=sys.stderr)
        if args.view:
            print("kit: --view is ignored: the kit agent runs scripts, and the lab's kit page "
                  "shows the kit", file=sys.stderr)
        return hand_over(agent, args.script, rest)
    if args.profile:
        os.environ["KITSDK_PROFILE"] = args.profile
    if args.view:
        from .view import run_with_view

        return run_with_view(args, args.script, rest)
    return run_script(args.script, rest)


def _view(args: argparse.Namespace) -> int:
    from .view import view_kit

    return view_kit(args, _kit_profile(args))


def _agent(args: argparse.Namespace) -> int:
    from ..agent.service import run_agent

    return run_agent(args)

