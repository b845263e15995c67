"""How fast ``contract certify`` certifies the bundled reference server, and what it sends.

python benchmarks/certify_speed.py               # default settings (25 examples)
python benchmarks/certify_speed.py --examples 10

Runs ``contract certify --report FILE.json`` as a subprocess, times it end to end, and
reads the certificate for the cases run and requests sent per requirement. Results are
printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def certify(
    examples: int,
    workers: int,
    *,
    url: str | None = None,
    user: str | None = None,
    contact_ids: Sequence[int] = (),
    seed: int | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[float, dict[str, Any]]:
    """One certification: wall time and the certificate.

    Without *url*, of the server ``contract certify`` embeds; with it, of the install at
    *url* as *user*, changing *contact_ids*, the API key read from *env*
    (``CONTRACT_API_KEY``: the key never goes on the command line). It runs in *cwd*,
    else in an empty temporary folder, as a first run in CI does. A run that is not
    certified (exit 1, or 3 when the contact was not fully restored) is a result too; one
    that cannot run (exit 2) raises.
    """
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "certificate.json"
        command = [sys.executable, "-m", "contract", "certify", f"--examples={examples}"]
        command += [f"--workers={workers}", f"--report={report}"]
        if url is not None:
            command.append(f"--url={url}")
        if user is not None:
            command.append(f"--user={user}")
        if contact_ids:
            command.append(f"--contact-id={','.join(map(str, contact_ids))}")
        if seed is not None:
            command.append(f"--seed={seed}")
        started = time.perf_counter()
        child = subprocess.run(
            command, check=False, capture_output=True, cwd=cwd or folder, env=env
        )
        elapsed = time.perf_counter() - started
        # 3: a verdict, with the contact not fully restored (a planted fault can do that).
        if child.returncode not in (0, 1, 3) or not report.is_file():
            output = child.stdout + child.stderr
            said = output.decode("utf-8", "replace").strip().splitlines()[-5:]
            raise RuntimeError(f"contract certify exited {child.returncode}: {' / '.join(said)}")
        return elapsed, json.loads(report.read_text(encoding="utf-8"))


def table(elapsed: float, certificate: dict[str, Any], examples: int, workers: int) -> str:
    """The run as Markdown: totals, then cases and requests per requirement."""
    results = certificate["results"]
    cases = sum(result["cases"] for result in results)
    requests = sum(result["requests"] for result in results)
    lines = [
        f"`contract certify --examples {examples} --workers {workers}`: "
        f"{certificate['verdict']} in {elapsed:.1f} s, {cases} cases ({cases / elapsed:.0f}/s), "
        f"{requests} requests ({requests / elapsed:.0f}/s)",
        "",
        "| requirement | verdict | cases | requests | requests per case |",
        "|---|---|---:|---:|---:|",
    ]
    for result in results:
        per_case = result["requests"] / result["cases"] if result["cases"] else 0.0
        lines.append(
            f"| {result['id']} | {result['verdict']} | {result['cases']} "
            f"| {result['requests']} | {per_case:.1f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    elapsed, certificate = certify(args.examples, args.workers)
    print(table(elapsed, certificate, args.examples, args.workers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
