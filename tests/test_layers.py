"""The package's layers: enforced by import-linter, drawn in the docs, and no circles."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))

import layers  # noqa: E402  (docs/layers.py, a script beside the pages it draws for)


def _circles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Groups of modules that import one another, found as strongly connected parts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            part = set()
            while True:
                member = stack.pop()
                part.add(member)
                if member == module:
                    break
            if len(part) > 1:
                found.append(part)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = grimp.build_graph("contract")
    # The package's face names its public API for type checkers only (see pyproject's
    # ignore_imports); every other import counts, annotations' too.
    for module in graph.find_modules_directly_imported_by("contract"):
        graph.remove_import(importer="contract", imported=module)
    assert _circles(graph) == []


def test_the_layers_hold() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.fail("lint-imports is missing: install the project with its dev extra")
    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 kept, 0 broken" in result.stdout


def test_every_wing_of_the_package_is_in_a_layer() -> None:
    placed = {module for row in layers.layers() for module in row}
    wings = {
        f"contract.{path.stem if path.suffix else path.name}"
        for path in (ROOT / "contract").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert wings == placed


def test_the_picture_in_the_docs_is_the_one_the_layers_draw() -> None:
    drawn = layers.draw(layers.layers())
    assert layers.PICTURE.read_text("utf-8") == drawn, "run: python docs/layers.py"
    assert "images/layers.svg" in (ROOT / "docs" / "development.md").read_text("utf-8")
