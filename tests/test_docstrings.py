"""The Python examples in the packages' docstrings stay true: each ``::`` block that imports
something parses, and each of its import lines runs (the rest needs a kit, a board or a lab,
which the examples assume). Blocks without an import are shell sessions, wire formats or
exception trees, and are left alone.

A docstring that shows ``from lab_server import start_services`` must not raise
``ImportError`` for the reader who copies it.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import textwrap
from collections.abc import Iterator

import pytest

PACKAGES = ("kitsdk", "firmware_bridge", "lab_server")


def modules() -> Iterator[str]:
    for package in PACKAGES:
        yield package
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if not info.name.endswith("__main__"):
                yield info.name


IMPORT = re.compile(r"^(from \S+ import |import \S)", re.MULTILINE)


def examples(docstring: str) -> Iterator[str]:
    """The Python blocks of a reStructuredText docstring: the indented lines after ``::``
    that import something."""
    lines = docstring.splitlines()
    for number, line in enumerate(lines):
        if not line.rstrip().endswith("::"):
            continue
        block: list[str] = []
        for following in lines[number + 1:]:
            if following.strip() and not following.startswith((" ", "\t")):
                break
            block.append(following)
        code = textwrap.dedent("\n".join(block)).strip()
        if IMPORT.search(code):
            yield code


def docstring_of(name: str) -> str:
    """The module's docstring, read from its source so that nothing runs but the imports."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    with open(spec.origin, encoding="utf-8") as source:
        return ast.get_docstring(ast.parse(source.read())) or ""


CASES = [(name, code) for name in modules() for code in examples(docstring_of(name))]


def test_there_are_examples_to_check() -> None:
    assert {name.split(".")[0] for name, _ in CASES} == set(PACKAGES)


@pytest.mark.parametrize(("module", "code"), CASES,
                         ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_a_docstring_example_parses_and_its_imports_run(module: str, code: str) -> None:
    tree = ast.parse(code, filename=f"<docstring of {module}>")
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    for node in imports:
        exec(compile(ast.Module([node], type_ignores=[]), module, "exec"), {})
