"""Draw the package's layers, as ``pyproject.toml`` declares them for import-linter, into
``docs/images/layers.svg``: one row per layer, from the top down, the wings of a row side
by side, each with the first line of its docstring.

Run from the repository's root:

    python docs/layers.py

``tests/test_layers.py`` checks that the picture in the docs is the one this draws.
"""

from __future__ import annotations

import ast
import html
import re
import sys
import textwrap
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PICTURE = ROOT / "docs" / "images" / "layers.svg"

_WIDTH = 960
_ROW = 84
_GAP = 26
_MARGIN = 20


def layers(pyproject: Path = ROOT / "pyproject.toml") -> list[list[str]]:
    """The layers contract's rows, top first, each a list of its wings' module names."""
    config = tomllib.loads(pyproject.read_text("utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    declared = next(c for c in contracts if c["type"] == "layers")["layers"]
    return [[name.strip() for name in row.split("|")] for row in declared]


def summary(module: str) -> str:
    """The first sentence of *module*'s docstring (a package's or a file's), unrendered."""
    relative = Path(*module.split("."))
    source = ROOT / relative / "__init__.py"
    if not source.exists():
        source = (ROOT / relative).with_suffix(".py")
    doc = ast.get_docstring(ast.parse(source.read_text("utf-8"))) or ""
    first = " ".join(doc.split("\n\n")[0].split())
    first = first.split(". ")[0].rstrip(".")
    return re.sub(r":\w+:|`", "", first)


def _box(x: float, y: float, width: float, module: str) -> list[str]:
    lines = textwrap.wrap(summary(module), width=max(20, int(width / 6.6)))[:3]
    parts = [
        f'<rect x="{x:.0f}" y="{y}" width="{width:.0f}" height="{_ROW}" rx="8" '
        'fill="#eef3fa" stroke="#3b5b8c" stroke-width="1.5"/>',
        f'<text x="{x + 10:.0f}" y="{y + 24}" font-size="15" font-weight="bold" '
        f'fill="#1d2f4d">{html.escape(module)}</text>',
    ]
    for number, line in enumerate(lines):
        parts.append(
            f'<text x="{x + 10:.0f}" y="{y + 46 + 17 * number}" font-size="12" '
            f'fill="#333">{html.escape(line)}</text>'
        )
    return parts


def draw(rows: list[list[str]]) -> str:
    """The SVG: each row's wings side by side, an arrow from each row to the next."""
    height = 2 * _MARGIN + len(rows) * _ROW + (len(rows) - 1) * _GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">',
        "<title>The layers of the contract package: each imports only those below it</title>",
        '<defs><marker id="down" markerWidth="10" markerHeight="10" refX="9" refY="5" '
        'orient="auto"><path d="M0,0 L9,5 L0,10 z" fill="#3b5b8c"/></marker></defs>',
    ]
    inner = _WIDTH - 2 * _MARGIN
    for number, row in enumerate(rows):
        y = _MARGIN + number * (_ROW + _GAP)
        width = (inner - 12 * (len(row) - 1)) / len(row)
        for place, module in enumerate(row):
            parts += _box(_MARGIN + place * (width + 12), y, width, module)
        if number < len(rows) - 1:
            parts.append(
                f'<line x1="{_WIDTH / 2:.0f}" y1="{y + _ROW + 2}" x2="{_WIDTH / 2:.0f}" '
                f'y2="{y + _ROW + _GAP - 4}" stroke="#3b5b8c" stroke-width="2" '
                'marker-end="url(#down)"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    PICTURE.write_text(draw(layers()), "utf-8")
    print(f"wrote {PICTURE.relative_to(ROOT)}")
