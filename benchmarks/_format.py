"""How figures are written in the Markdown report."""

from __future__ import annotations

from pathlib import Path

TIMES = "\N{MULTIPLICATION SIGN}"


def times(ratio: float) -> str:
    """A factor: one decimal from 1 up, two significant digits below it."""
    return f"{ratio:.1f}{TIMES}" if ratio >= 1 else f"{ratio:.2g}{TIMES}"


def share(ratio: float) -> str:
    """A ratio of throughputs or rates, two decimals."""
    return f"{ratio:.2f}{TIMES}"


def micro(seconds: float) -> str:
    """Seconds as microseconds, three significant digits below a millisecond."""
    value = seconds * 1e6
    return f"{value:.3g} µs" if value < 1000 else f"{value:,.0f} µs"


README = Path(__file__).with_name("README.md")


def replace_section(name: str, markdown: str) -> None:
    """Put *markdown* between the ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``
    markers of the benchmarks' README."""
    begin, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = README.read_text(encoding="utf-8")
    start, stop = text.index(begin) + len(begin), text.index(end)
    README.write_text(text[:start] + "\n" + markdown + "\n" + text[stop:], encoding="utf-8")
