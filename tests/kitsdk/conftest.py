"""Fixtures of the kit agent tests (``tests/support/agent_lab.py`` holds their parts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from agent_lab import LAB, Agents, Lab

from kitsdk.agent.supervisor import Agent


@pytest.fixture
def agents(tmp_path: Path, mosquitto: Any) -> Iterator[Callable[..., Agent]]:
    """Start in-process agents of the simulated rover on a private broker: ``agents()``."""
    with Agents(tmp_path, mosquitto.url) as make:
        yield make


@pytest.fixture
def lab(mosquitto: Any, mqtt_subscriber: Any) -> Lab:
    """The lab's side of that broker: commands to the kit, and all it published."""
    return Lab(mqtt_subscriber(mosquitto.url, [f"kitsdk/v1/{LAB}/#"]))
