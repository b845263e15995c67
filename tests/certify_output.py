"""Reading what ``contract certify`` printed: its start line, progress lines, summary table,
verdict line, one-line reasons and failure reports; and pasting a failure's reproduction."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass

from contract.core.requirements import CATALOGUE
from tests.conftest import clean_environment

REQUIREMENTS = [requirement.id for requirement in CATALOGUE]
CERTIFYING = re.compile(r"certifying (\S+) \(seed (\d+)\)")
PROGRESS = re.compile(
    r"(UC-[A-Z0-9]+)\s+(passed|failed|error|not verifiable|not run)\s+"
    r"(\d+) cases\s+(\d+) requests"
)
TABLE_HEADER = re.compile(r"requirement\s+verdict\s+cases\s+requests\s+note")
TABLE_ROW = re.compile(r"(UC-[A-Z0-9]+)\s+(PASS|FAIL|ERROR|N/V|-)\s+(\d+)\s+(\d+)\b.*")


@dataclass
class Printed:
    """What a run printed on stdout, taken apart."""

    target: str
    seed: int
    progress: list[tuple[str, str]]
    table: list[tuple[str, str]]
    verdict_line: str
    progress_before_table: bool


def parse(stdout: str) -> Printed:
    """Find the start line, the progress lines, the summary table and the verdict line."""
    lines = stdout.splitlines()
    start = next((CERTIFYING.fullmatch(line) for line in lines if CERTIFYING.match(line)), None)
    assert start, f"no `certifying URL (seed N)` line:\n{stdout}"
    header = next((i for i, line in enumerate(lines) if TABLE_HEADER.match(line)), None)
    assert header is not None, f"no summary table:\n{stdout}"
    progress_at = [i for i, line in enumerate(lines) if PROGRESS.fullmatch(line.rstrip())]
    progress = [PROGRESS.fullmatch(lines[i].rstrip()) for i in progress_at]
    rows = [
        TABLE_ROW.fullmatch(line) for line in lines[header + 1 : header + 1 + len(REQUIREMENTS)]
    ]
    after = lines[header + 1 + len(REQUIREMENTS) :]
    return Printed(
        target=start.group(1),
        seed=int(start.group(2)),
        progress=[(m.group(1), m.group(2)) for m in progress if m],
        table=[(m.group(1), m.group(2)) if m else ("?", "?") for m in rows],
        verdict_line=after[0] if after else "",
        progress_before_table=all(i < header for i in progress_at),
    )


def is_progress(line: str) -> bool:
    """Whether *line*, as read (its newline too), is a progress line."""
    return PROGRESS.fullmatch(line.rstrip()) is not None


def one_line_reason(result: subprocess.CompletedProcess[str]) -> str:
    """Exit 2, no traceback, and exactly one line on stderr, which is returned."""
    shown = f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 2, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"not one line of reason on stderr\n{shown}"
    return lines[0]


def failure_block(stdout: str, requirement: str) -> list[str]:
    """The lines of the failure report of *requirement*, from its heading to ``replay:``."""
    lines = stdout.splitlines()
    start = next(
        (i for i, line in enumerate(lines) if line.startswith(f"{requirement} over ")), None
    )
    assert start is not None, f"no `{requirement} over TRANSPORT` failure report:\n{stdout}"
    end = next(
        (i for i in range(start, len(lines)) if lines[i].strip().startswith("replay:")), None
    )
    assert end is not None, f"no `replay:` line after `{lines[start]}`:\n{stdout}"
    return lines[start : end + 1]


def reproduction_in(block: list[str]) -> str:
    """The pasted reproduction: the indented lines between ``reproduce:`` and ``replay:``."""
    at = next((i for i, line in enumerate(block) if line.strip() == "reproduce:"), None)
    assert at is not None, "no `reproduce:` line in\n" + "\n".join(block)
    return textwrap.dedent("\n".join(block[at + 1 : -1])).strip()


def field_of(block: list[str], name: str) -> str:
    """The value of the ``name:`` line of a failure report."""
    line = next((line for line in block if line.strip().startswith(f"{name}:")), None)
    assert line is not None, f"no `{name}:` line in\n" + "\n".join(block)
    return line.strip().removeprefix(f"{name}:").strip()


def paste_into_bash(reproduction: str, key: str) -> subprocess.CompletedProcess[str]:
    """Run a reproduction (a curl command) pasted into a shell where only the key is set."""
    env = {"PATH": os.environ["PATH"], "CONTRACT_API_KEY": key}
    return _pasted(["bash", "-c", reproduction], env)


def paste_into_python(reproduction: str, key: str) -> subprocess.CompletedProcess[str]:
    """Run a reproduction (a Python snippet) where only the key is set."""
    return _pasted([sys.executable, "-c", reproduction], clean_environment(CONTRACT_API_KEY=key))


def _pasted(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30, check=False)
