"""Updates per second and latency of the reference server, with 1 and 8 keep-alive clients.

python benchmarks/server_throughput.py                  # 4,000 updates per run
python benchmarks/server_throughput.py --updates 20000  # steadier figures

The server runs as ``contract serve`` in its own process on a SQLite *file* database
(so client and server do not share an interpreter lock); each client is a thread with
one keep-alive ``http.client`` connection, updating a contact of its own. The same
clients are also run against a bare waitress application that answers every PUT with
200 and does nothing else: the ratio to it is what authentication, JSON parsing,
validation and the SQLite transaction cost. Results are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

if not __package__:  # run as a script: make the ``benchmarks`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import stop
from contract.core.schema import load_contract

TARGET_UPDATES_PER_SECOND = 1000
TARGET_CLIENTS = 8
CLIENT_COUNTS = (1, TARGET_CLIENTS)
WARMUP_PER_CLIENT = 50
TIMES = "\N{MULTIPLICATION SIGN}"
LISTENING = re.compile(r"listening on http://(\S+):(\d+)")
USER, API_KEY = "bench", "bench-key"

# The baseline: waitress with the same thread count and an application that does nothing.
BARE_SERVER = """
import logging, socket, sys
from waitress.server import create_server

logging.getLogger("waitress.queue").setLevel(logging.ERROR)

def app(environ, start_response):
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "1")])
    return [b"1"]

listener = socket.create_server(("127.0.0.1", 0))
server = create_server(app, sockets=[listener], threads=int(sys.argv[1]))
print(f"listening on http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
server.run()
"""


@dataclass(frozen=True)
class Run:
    """One measured run: who served, how many clients, and every request's latency."""

    server: str
    clients: int
    seconds: float
    latencies: list[float]

    @property
    def updates_per_second(self) -> float:
        """Answered updates per second of wall time."""
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        """A latency percentile in seconds (nearest rank)."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _payload_maker() -> Callable[[int], bytes]:
    """Updates of a plain text and an integer property, the names read from the schema."""
    contract = load_contract()
    properties = contract.update["properties"]
    text = next(
        n
        for n in contract.writable
        if properties[n].keys() & {"enum", "format", "contentSchema"} == set()
        and properties[n]["type"] == "string"
    )
    number = next(n for n in contract.writable if properties[n]["type"] == "integer")
    return lambda i: json.dumps({text: f"benchmark update {i}", number: i}).encode()


@contextmanager
def _process(command: Sequence[str]) -> Iterator[tuple[str, int]]:
    """Start a server process, wait until it is listening; SIGTERM it at the end."""
    env = {**os.environ, "CONTRACT_SERVER_API_KEY": API_KEY}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            match = LISTENING.search(line)
            if match:
                yield match[1], int(match[2])
                break
        else:
            raise RuntimeError(f"{command[:4]} exited before listening")
    finally:
        stop(process)


def _client(
    address: tuple[str, int],
    contact_id: int,
    count: int,
    payload: Callable[[int], bytes],
    start: threading.Barrier,
    latencies: list[float],
) -> None:
    headers = {
        "Authorization": "Basic " + base64.b64encode(f"{USER}:{API_KEY}".encode()).decode(),
        "Content-Type": "application/json",
    }
    connection = http.client.HTTPConnection(*address, timeout=60)
    path = f"/api/2.0/contacts/{contact_id}"

    def update(i: int) -> None:
        connection.request("PUT", path, body=payload(i), headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"update answered {response.status}")

    for i in range(WARMUP_PER_CLIENT):
        update(i)
    start.wait()
    for i in range(count):
        began = time.perf_counter()
        update(i)
        latencies.append(time.perf_counter() - began)
    connection.close()


def measure(server: str, address: tuple[str, int], clients: int, updates: int) -> Run:
    """*updates* PUTs shared by *clients* keep-alive clients, each on its own contact."""
    payload = _payload_maker()
    start = threading.Barrier(clients + 1)
    per_client: list[list[float]] = [[] for _ in range(clients)]
    threads = [
        threading.Thread(
            target=_client, args=(address, n + 1, updates // clients, payload, start, per_client[n])
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    latencies = [latency for client in per_client for latency in client]
    if len(latencies) != clients * (updates // clients):
        raise RuntimeError("a client failed; see the traceback above")
    return Run(server, clients, seconds, latencies)


def _table(runs: list[Run]) -> list[str]:
    bare = {run.clients: run.updates_per_second for run in runs if run.server == "bare waitress"}
    rows = [
        "| server | clients | updates | updates/s | p50 ms | p99 ms | share of bare waitress |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        ratio = run.updates_per_second / bare[run.clients] if run.clients in bare else float("nan")
        p50, p99 = run.percentile(0.50) * 1000, run.percentile(0.99) * 1000
        rows.append(
            f"| {run.server} | {run.clients} | {len(run.latencies):,} "
            f"| {run.updates_per_second:,.0f} | {p50:.2f} | {p99:.2f} | {ratio:.2f}{TIMES} |"
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--updates", type=int, default=4000, help="updates per run (default %(default)s)"
    )
    parser.add_argument(
        "--threads", type=int, default=8, help="server worker threads (default %(default)s)"
    )
    args = parser.parse_args(argv)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "contacts.sqlite"
        serve = [
            sys.executable,
            "-m",
            "contract",
            "serve",
            "--port",
            "0",
            "--user",
            USER,
            "--db",
            str(database),
            "--contacts",
            str(TARGET_CLIENTS),
            "--threads",
            str(args.threads),
        ]
        with _process(serve) as address:
            for clients in CLIENT_COUNTS:
                runs.append(
                    measure("reference server, file database", address, clients, args.updates)
                )
    with _process([sys.executable, "-c", BARE_SERVER, str(args.threads)]) as address:
        for clients in CLIENT_COUNTS:
            runs.append(measure("bare waitress", address, clients, args.updates))
    target = next(
        run for run in runs if run.clients == TARGET_CLIENTS and run.server != "bare waitress"
    )
    met = "met" if target.updates_per_second >= TARGET_UPDATES_PER_SECOND else "**not met**"
    lines = [
        "### Reference server throughput",
        "",
        f"{os.cpu_count()} logical cores; Python {sys.version.split()[0]}; server: "
        f"`contract serve` with {args.threads} waitress threads, SQLite file in WAL mode "
        "with `synchronous=NORMAL`; clients: "
        "threads of one process, one keep-alive `http.client` connection each.",
        "",
        *_table(runs),
        "",
        f"Target: at least {TARGET_UPDATES_PER_SECOND:,} updates/s with {TARGET_CLIENTS} clients: "
        f"{target.updates_per_second:,.0f} updates/s, {met}.",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
