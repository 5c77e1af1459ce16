"""The profile reference documents every installed driver and every key it accepts."""

from __future__ import annotations

from pathlib import Path

from kitsdk.registry import Registry

REFERENCE = (Path(__file__).parents[2] / "docs" / "profiles.md").read_text()


def test_every_driver_and_key_is_documented() -> None:
    drivers = Registry.from_entry_points().load_all()
    assert len(drivers) >= 16
    for name, driver in drivers.items():
        section = REFERENCE.split(f"### `{name}`\n", 1)
        assert len(section) == 2, f"docs/profiles.md has no section for driver '{name}'"
        body = section[1].split("\n### ", 1)[0]
        for key in driver.options:
            assert f"| `{key}` |" in body, f"driver '{name}': key '{key}' is not documented"


def test_the_driver_guide_example_works(tmp_path: Path) -> None:
    guide = (Path(__file__).parents[2] / "docs" / "drivers.md").read_text()
    blocks = [b.split("```", 1)[0] for b in guide.split("```python\n")[1:]]
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/drivers.md", "exec"), namespace)
    namespace["test_pir_sees_motion"](tmp_path)  # type: ignore[operator]
