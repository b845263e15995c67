"""Guard overhead: what checking an update on its way out adds to each client's call.

python benchmarks/guard_overhead.py           # prints a Markdown table; about 40 seconds
python benchmarks/guard_overhead.py --quick   # rougher, about 10 seconds

Each client sends the typical valid update (8 properties, ``benchmarks/payloads.py``)
twice over, side by side in one run: unguarded, and guarded by ``contract.guard`` (a
``requests.Session``, an ``httpx.Client``, an ``httpx.AsyncClient``) or through
``contract.guarded_proxy``'s transport (``xmlrpc.client.ServerProxy``). Nothing goes
over a network: each client hands its request to an in-process stub that answers ``1``
at once (a requests transport adapter, ``httpx.MockTransport``, an ``xmlrpc.client``
transport whose ``request`` returns), so the difference is the guard's work alone:
matching the method and path (or reading the XML-RPC call back), decoding the body,
validating it. The guarded client also refuses the typical payload's invalid twin (a
``status`` outside its enum): the time to raise ``PayloadError``.

The times are CPU time per call, the fastest batch of several (``benchmarks/_timing.py``);
the async client's calls run 50 to a batch in one event loop. For scale, the table
ends with the check alone (``validate_update``, and the guard's check of a JSON and an
XML-RPC body) and with the wall time of one unguarded PUT to the reference server on
loopback (median of 200).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
import xmlrpc.client
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import requests
from requests.adapters import BaseAdapter

if not __package__:  # run as a script: make the ``benchmarks`` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contract
from benchmarks._format import micro
from benchmarks._machine import describe
from benchmarks._timing import QUICK_PLAN, TimingPlan, seconds_per_call
from benchmarks.payloads import TYPICAL_VALID
from contract.guards import GuardedTransport, UpdateCheck
from contract.server import ReferenceServer

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

URL = "http://127.0.0.1:8080/api/2.0/contacts/1"
XMLRPC_URL = "http://127.0.0.1:8080/api/2.0/xmlrpc"
VALID = TYPICAL_VALID
INVALID = {**TYPICAL_VALID, "status": "active"}
ASYNC_BATCH = 50
LOOPBACK_PUTS = 200
# A client's call takes some 200 µs, and a burst of other work on a shared machine moves
# it by more than the guard's tens: more batches than the other benchmarks take, so that
# the fastest of them is undisturbed.
PLAN = TimingPlan(repeat=21, min_batch_seconds=0.05)

Call = Callable[[], object]


class _StubAdapter(BaseAdapter):
    """A requests transport adapter that answers ``200 1`` without a network."""

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = b"1"
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass


class _StubTransport(xmlrpc.client.Transport):
    """An ``xmlrpc.client`` transport that answers ``1`` without a network."""

    def request(
        self, host: Any, handler: str, request_body: SizedBuffer, verbose: bool = False
    ) -> tuple[Any, ...]:
        return (1,)


class _GuardedStubTransport(GuardedTransport, _StubTransport):
    """The guard's transport, sending to the stub."""


def _refusing(send: Call) -> Call:
    def refuse() -> None:
        try:
            send()
        except contract.PayloadError:
            return
        raise AssertionError("the guard let an invalid payload through")

    return refuse


def _requests_calls() -> tuple[Call, Call, Call]:
    plain, guarded = requests.Session(), requests.Session()
    for session in (plain, guarded):
        session.trust_env = False
        session.mount("http://", _StubAdapter())
    contract.guard(guarded)
    return (
        lambda: plain.put(URL, json=VALID),
        lambda: guarded.put(URL, json=VALID),
        _refusing(lambda: guarded.put(URL, json=INVALID)),
    )


def _httpx_calls() -> tuple[Call, Call, Call]:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"1")

    plain = httpx.Client(transport=httpx.MockTransport(answer), trust_env=False)
    guarded = contract.guard(httpx.Client(transport=httpx.MockTransport(answer), trust_env=False))
    return (
        lambda: plain.put(URL, json=VALID),
        lambda: guarded.put(URL, json=VALID),
        _refusing(lambda: guarded.put(URL, json=INVALID)),
    )


def _async_httpx_calls() -> tuple[Call, Call, Call]:
    async def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"1")

    loop = asyncio.new_event_loop()
    plain = httpx.AsyncClient(transport=httpx.MockTransport(answer), trust_env=False)
    guarded = contract.guard(
        httpx.AsyncClient(transport=httpx.MockTransport(answer), trust_env=False)
    )

    def batch(client: httpx.AsyncClient, payload: dict[str, Any]) -> Call:
        async def send_all() -> None:
            for _ in range(ASYNC_BATCH):
                with contextlib.suppress(contract.PayloadError):
                    await client.put(URL, json=payload)

        return lambda: loop.run_until_complete(send_all())

    return batch(plain, VALID), batch(guarded, VALID), batch(guarded, INVALID)


def _xmlrpc_calls() -> tuple[Call, Call, Call]:
    plain = xmlrpc.client.ServerProxy(XMLRPC_URL, transport=_StubTransport())
    guarded = xmlrpc.client.ServerProxy(XMLRPC_URL, transport=_GuardedStubTransport())
    return (
        lambda: plain.contacts.UpdateContact(1, VALID),
        lambda: guarded.contacts.UpdateContact(1, VALID),
        _refusing(lambda: guarded.contacts.UpdateContact(1, INVALID)),
    )


def _taking_an_argument(call: Call) -> Callable[[object], object]:
    return lambda _arg: call()


def _per_call(calls: list[Call], plan: TimingPlan) -> list[float]:
    """Seconds per call of each of *calls*, timed taking turns."""
    return seconds_per_call([_taking_an_argument(call) for call in calls], None, plan)


def _loopback_put_seconds() -> float:
    """The median wall time of one unguarded PUT to the reference server on loopback."""
    with ReferenceServer(contacts=1) as server, requests.Session() as session:
        session.trust_env = False
        session.auth = (server.user, server.api_key)
        url = f"{server.url}/api/2.0/contacts/1"
        times = []
        for _ in range(LOOPBACK_PUTS):
            started = time.perf_counter()
            session.put(url, json=VALID, timeout=30).raise_for_status()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(
    plan: TimingPlan,
) -> tuple[list[tuple[str, float, float, float]], list[tuple[str, float]]]:
    """Per client: unguarded, guarded and refusing seconds per call; then the check alone."""
    clients = [
        ("`requests.Session` PUT", _requests_calls(), 1),
        ("`httpx.Client` PUT", _httpx_calls(), 1),
        ("`httpx.AsyncClient` PUT", _async_httpx_calls(), ASYNC_BATCH),
        ("`xmlrpc.client.ServerProxy` UpdateContact", _xmlrpc_calls(), 1),
    ]
    rows = []
    for label, calls, per_batch in clients:
        plain, guarded, refusing = (t / per_batch for t in _per_call(list(calls), plan))
        rows.append((label, plain, guarded, refusing))
    check = UpdateCheck()
    body = json.dumps(VALID).encode()
    call_body = xmlrpc.client.dumps((1, VALID), "contacts.UpdateContact").encode()
    alone = _per_call(
        [
            lambda: contract.validate_update(VALID),
            lambda: check.json_body(body),
            lambda: check.xmlrpc_body(call_body),
        ],
        plan,
    )
    scale = [
        ("`contract.validate_update` of the payload", alone[0]),
        ("the guard's check of the JSON body (decode, validate)", alone[1]),
        ("the guard's check of the XML-RPC call (parse, validate)", alone[2]),
        (
            "one unguarded PUT to the reference server on loopback (wall, median)",
            _loopback_put_seconds(),
        ),
    ]
    return rows, scale


def table(rows: list[tuple[str, float, float, float]], scale: list[tuple[str, float]]) -> str:
    """The results as Markdown."""
    lines = [
        "| client, typical valid update | unguarded | guarded | overhead | "
        "guarded, refusing the invalid twin |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, plain, guarded, refusing in rows:
        added = guarded - plain
        sign = "+" if added >= 0 else "\N{MINUS SIGN}"
        lines.append(
            f"| {label} | {micro(plain)} | {micro(guarded)} | "
            f"{sign}{micro(abs(added))} ({added / plain:+.0%}) | {micro(refusing)} |"
        )
    lines += ["", "| for scale | per call |", "|---|---:|"]
    lines += [f"| {label} | {micro(seconds)} |" for label, seconds in scale]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer, shorter batches")
    options = parser.parse_args(argv)
    rows, scale = measure(QUICK_PLAN if options.quick else PLAN)
    print("\n".join(describe()))
    print(f"- Clients: requests {requests.__version__}, httpx {httpx.__version__}")
    print()
    print(table(rows, scale))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
