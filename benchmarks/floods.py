"""Floods of unknown keys: the bound on what one costs the validator and the reference server.

python benchmarks/floods.py          # prints a Markdown table; about half a minute

Each unknown key once got a "did you mean" (a comparison with every property): 50,000
of them took 21 s to answer, and 6.3 MB of answer. Now a report lists the first 100
violations and counts the rest. Measured side by side in one run:

- ``contract.iter_violations`` of 10,000 unknown keys, as bounded by default and in full
  (``limit=None``), against ``json.loads`` of the same payload as JSON text;
- the reference server's answer to a PUT of 50,000 unknown keys (840 KB), against a
  PUT of one valid property;
- a GET alone, and the same GET while eight such floods are being answered.

The target: a flood answered in under 100 ms, and a GET beside eight floods not held up
for the floods' whole time. Nothing here asserts a timing: the test suite asserts the
cap (tests/server/test_server_hostile.py), this measures what it buys.
"""

from __future__ import annotations

import concurrent.futures
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

if not __package__:  # run as a script: make the ``benchmarks`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contract
from contract.server import ReferenceServer

ROUNDS = 15
FLOOD_KEYS = 50_000
LIBRARY_KEYS = 10_000
PARALLEL_FLOODS = 8
TARGET_SECONDS = 0.1


def _median_seconds(call: Callable[[], object], rounds: int = ROUNDS) -> float:
    """The median wall-clock time of *call* (the server answers on other threads)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _library_rows() -> list[tuple[str, float]]:
    flood = {f"unknown_{i:05d}": i for i in range(LIBRARY_KEYS)}
    text = json.dumps(flood)
    list(contract.iter_violations({"nmae": 1}))  # the validator built, outside the timing
    return [
        (
            f"`json.loads` of the {LIBRARY_KEYS:,} keys (baseline)",
            _median_seconds(lambda: json.loads(text)),
        ),
        (
            "`iter_violations`, first 100 and a count",
            _median_seconds(lambda: list(contract.iter_violations(flood))),
        ),
        (
            "`iter_violations(limit=None)`, every one",
            _median_seconds(lambda: list(contract.iter_violations(flood, limit=None))),
        ),
    ]


def _server_rows() -> list[tuple[str, float]]:
    flood = json.dumps({f"f{i:05d}": i for i in range(FLOOD_KEYS)}).encode()
    with ReferenceServer() as server, requests.Session() as session:
        session.auth = (server.user, server.api_key)
        url = f"{server.url}/api/2.0/contacts/1"
        headers = {"Content-Type": "application/json"}

        def put(body: bytes) -> None:
            answer = session.put(url, data=body, headers=headers, timeout=60)
            answer.raise_for_status() if body != flood else None

        def put_flood() -> None:
            with requests.Session() as own:
                own.put(url, data=flood, headers=headers, auth=session.auth, timeout=60)

        def get() -> None:
            session.get(url, timeout=60).raise_for_status()

        def get_during_floods() -> float:
            with concurrent.futures.ThreadPoolExecutor(PARALLEL_FLOODS) as pool:
                floods = [pool.submit(put_flood) for _ in range(PARALLEL_FLOODS)]
                time.sleep(0.01)  # the floods sent, and being read or judged
                started = time.perf_counter()
                get()
                took = time.perf_counter() - started
                for answered in floods:
                    answered.result()
            return took

        return [
            (
                "PUT of one valid property (baseline)",
                _median_seconds(lambda: put(b'{"name": "Ada"}')),
            ),
            (
                f"PUT of {FLOOD_KEYS:,} unknown keys ({len(flood) // 1000} KB)",
                _median_seconds(lambda: put(flood)),
            ),
            ("GET alone", _median_seconds(get)),
            (
                f"GET while {PARALLEL_FLOODS} floods are answered",
                statistics.median(get_during_floods() for _ in range(5)),
            ),
        ]


def _table(title: str, rows: list[tuple[str, float]]) -> str:
    baseline = rows[0][1]
    lines = [f"| {title} | median | ratio to the first row |", "|---|---:|---:|"]
    lines += [
        f"| {what} | {seconds * 1000:.1f} ms | {seconds / baseline:.1f} |" for what, seconds in rows
    ]
    return "\n".join(lines)


def main() -> int:
    library, server = _library_rows(), _server_rows()
    print(_table("validator", library))
    print()
    print(_table("reference server", server))
    flood_seconds = server[1][1]
    print()
    print(
        f"target: a flood answered in under {TARGET_SECONDS * 1000:.0f} ms: "
        f"{'met' if flood_seconds < TARGET_SECONDS else 'NOT met'} ({flood_seconds * 1000:.0f} ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
