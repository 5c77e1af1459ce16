"""The packages' layers, read from the source (every import, lazy ones in functions too; not
those under ``TYPE_CHECKING``), as ``../shared/DESIGN.md`` draws them:

- ``firmware_bridge`` imports neither kitsdk nor lab_server;
- ``kitsdk`` never imports lab_server, and ``kitsdk.agent`` never imports ``kitsdk.cli``;
- ``lab_server`` takes from kitsdk only the shared message schema, ``kitsdk.telemetry``, and
  the kit drawing it serves, ``kitsdk.drawing``;
- inside kitsdk, its modules and subpackages (``kitsdk.cli``, ``kitsdk.agent``,
  ``kitsdk.lessons``, ``kitsdk.devices``...) import each other without a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGES = ("kitsdk", "firmware_bridge", "lab_server")

#: What lab_server may take from kitsdk: the message schema, and the kit drawing's browser
#: files, which it serves to the kit page (one drawing for the student's view and the lab).
LAB_SERVER_MAY_IMPORT = ("kitsdk.telemetry", "kitsdk.drawing")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, relative imports resolved; ``from m import n`` gives
    ``m`` and ``m.n`` (n may be a submodule)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {id(node) for branch in ast.walk(tree)
                 if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
                 for node in ast.walk(branch)}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


IMPORTS = {module_name(path): sorted(set(imported(path)))
           for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def offenders(source: str, forbidden: str, allowed: tuple[str, ...] = ()) -> list[str]:
    def inside(module: str, prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    return [f"{module} imports {target}" for module, targets in IMPORTS.items()
            if inside(module, source) for target in targets
            if inside(target, forbidden) and not any(inside(target, a) for a in allowed)]


@pytest.mark.parametrize(("source", "forbidden"), [
    ("firmware_bridge", "kitsdk"), ("firmware_bridge", "lab_server"),
    ("kitsdk", "lab_server"), ("kitsdk.agent", "kitsdk.cli"),
])
def test_a_lower_layer_never_imports_a_higher_one(source: str, forbidden: str) -> None:
    assert offenders(source, forbidden) == []


def test_lab_server_takes_only_the_schema_from_kitsdk() -> None:
    assert offenders("lab_server", "kitsdk", LAB_SERVER_MAY_IMPORT) == []


def kitsdk_units() -> dict[str, set[str]]:
    """kitsdk's modules and subpackages (``kitsdk.X``) and which of the others each imports.
    The package root is left out: it only re-exports."""
    def unit(module: str) -> str:
        return ".".join(module.split(".")[:2])

    graph: dict[str, set[str]] = {}
    for module, targets in IMPORTS.items():
        if module.startswith("kitsdk."):
            graph.setdefault(unit(module), set()).update(
                unit(t) for t in targets if t.startswith("kitsdk.") and unit(t) != unit(module))
    return graph


def a_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as the path that closes it, or [] when there is none."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return []
        for target in sorted(graph.get(node, ())):
            if found := visit(target, [*path, node]):
                return found
        done.add(node)
        return []

    for start in sorted(graph):
        if found := visit(start, []):
            return found
    return []


def test_kitsdk_has_no_import_cycle() -> None:
    assert a_cycle(kitsdk_units()) == []


def test_the_checks_see_a_planted_cycle_and_a_planted_import() -> None:
    assert a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert a_cycle({"a": {"b"}, "b": set()}) == []
    assert "kitsdk.agent.runner" in IMPORTS and "kitsdk.telemetry" in IMPORTS
