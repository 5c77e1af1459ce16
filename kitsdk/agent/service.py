"""``kit agent``: the long-running service on each kit (systemd runs it on a Pi).

It reads its config, builds the agent and its control socket, turns SIGTERM and SIGINT into
an orderly shutdown (script ended, motors stopped, offline status published), and logs to
stderr, which journald keeps.
"""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path
from typing import Any

from .config import AgentConfig

log = logging.getLogger("kitsdk.agent")


def config_from_args(args: argparse.Namespace) -> AgentConfig:
    """The config file, then the flags; ``--sim`` keeps its state in the user's cache."""
    overrides: dict[str, Any] = {key: getattr(args, key, None) for key in
                                 ("broker", "lab", "kit", "username", "rate", "profile",
                                  "mqtt_version")}
    config = AgentConfig.load(args.config, **overrides)
    if args.sim:
        state = Path("~/.cache/kitsdk").expanduser() / f"{config.lab}-{config.kit}"
        config = config.with_changes(outbox=str(state / "outbox.db"),
                                     control_socket=str(state / "agent.sock"))
    return config


def run_agent(args: argparse.Namespace) -> int:
    from .control import ControlServer
    from .supervisor import Agent

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    config = config_from_args(args)
    agents: list[Agent] = []

    def shut_down(signum: int, frame: Any) -> None:
        log.info("signal %d: shutting down", signum)
        for agent in agents:
            agent.shutdown()

    # Before the kit is built, so the kit's own SIGTERM handler stays out of the way.
    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    agent = Agent(config, backend="sim" if args.sim else None)
    agents.append(agent)
    control = ControlServer(agent, config.control_socket)
    log.info("kit %s of lab %s: broker %s, %s kit '%s', control socket %s", config.kit,
             config.lab, config.broker, "simulated" if args.sim else "real",
             agent.kit.name if agent.kit else "?", config.control_socket)
    try:
        agent.serve()
    finally:
        control.close()
    return 0
