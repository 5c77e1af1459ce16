"""Fixtures shared by every test: simulated kits that are always closed again."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kitsdk import Kit


@pytest.fixture(autouse=True)
def _simulated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never touch a real Pi's pins, and never read the developer's own profile."""
    monkeypatch.setenv("KITSDK_BACKEND", "sim")
    monkeypatch.delenv("KITSDK_PROFILE", raising=False)
    monkeypatch.delenv("KITSDK_SIM_TRACE", raising=False)


@pytest.fixture
def make_kit() -> Iterator[Callable[..., Kit]]:
    """Build simulated kits (``make_kit("rover")``); each is closed after the test."""
    kits: list[Kit] = []

    def make(profile: object = "starter", **kwargs: object) -> Kit:
        kit = Kit(profile, backend="sim", **kwargs)  # type: ignore[arg-type]
        kits.append(kit)
        return kit

    yield make
    for kit in kits:
        kit.close()


@pytest.fixture
def starter(make_kit: Callable[..., Kit]) -> Kit:
    return make_kit("starter")


@pytest.fixture
def rover(make_kit: Callable[..., Kit]) -> Kit:
    return make_kit("rover")
