"""Fewer round trips, same evidence: refusals judged in batches over several connections,
and a shrink budget that bounds what a failure costs."""

from __future__ import annotations

import functools
import io
import json
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from hypothesis import strategies as st

from conftest import SUITE, Wsgi, served
from contract.checks import CheckFailed
from contract.core.requirements import ATOMIC, PERSIST
from contract.core.schema import load_contract
from contract.exchange.endpoint import Endpoint
from contract.run.cases import BatchUndecided, DrawnCases, Draws
from contract.run.certifier import Certifier, Refusal
from contract.run.client import ContactClient, RequestWithheld
from contract.run.contact import ContactUnderTest
from contract.run.settings import Frontend, resolve
from contract.run.tape import LiveTape
from contract.run.throttle import RateLimit
from contract.server import ReferenceServer


def _read(server: ReferenceServer, contact_id: int) -> Any:
    url = f"{server.url}/api/2.0/contacts/{contact_id}"
    return requests.get(url, auth=(server.user, server.api_key), timeout=30).json()


def _report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {result["id"]: result for result in data["results"]}


def test_a_refusal_that_moves_the_contact_inside_a_batch_is_named_by_its_payload(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The enum refusals go side by side; the one the install stores anyway moves the
    contact, and the failure names that request, not the batch."""
    report = pytester.path / "certificate.json"
    with ReferenceServer(contacts=3, faults=frozenset({"store-refused-status"})) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        before = _read(server, 1)
        result = pytester.runpytest(
            *SUITE,
            f"--contract-url={server.url}",
            f"--contract-user={server.user}",
            "--contract-contact-id=1",
            "--contract-transport=rest",
            "--contract-examples=5",
            f"--contract-report={report}",
            "-k",
            "outside_an_enum",
        )
        after = _read(server, 1)
    assert result.ret == 1
    failure = _report(report)["UC-ENUM"]["failure"]
    assert list(failure["payload"]) == ["status"], failure["message"]
    assert failure["payload"]["status"] not in ("on", "off", "suppressed"), failure["message"]
    assert failure["got"].startswith("changed status:"), failure["got"]
    assert after == before  # put back after the batch moved it, and at the end


def test_a_conforming_install_costs_about_one_request_per_refusal(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = pytester.path / "certificate.json"
    with ReferenceServer(contacts=3) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        result = pytester.runpytest(
            *SUITE,
            f"--contract-url={server.url}",
            f"--contract-user={server.user}",
            "--contract-contact-id=1",
            "--contract-transport=rest",
            "--contract-examples=20",
            f"--contract-report={report}",
            "-k",
            "outside_an_enum or wrong_type or wrong_content or credentials",
        )
    assert result.ret == 0, result.stdout.str()
    results = _report(report)
    for requirement in ("UC-ENUM", "UC-TYPE", "UC-FORMAT", "UC-AUTH"):
        cases, requests = results[requirement]["cases"], results[requirement]["requests"]
        # Each refusal once, and a read before and after each of the two batches
        # (coverage, then exploration): no read per refusal.
        assert cases <= requests <= cases + 4, (requirement, cases, requests)


class _Arrivals(BaseHTTPRequestHandler):
    """Notes when each request arrived and from which connection; refuses every one."""

    arrivals: ClassVar[list[tuple[float, int]]]
    refusing_takes: ClassVar[float] = 0.0
    lock = threading.Lock()

    def do_PUT(self) -> None:
        arrived = time.monotonic()
        sent = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            self.arrivals.append((arrived, self.client_address[1]))
        accepted = b"accept me" in sent
        if not accepted:
            time.sleep(self.refusing_takes)
        body = b"1" if accepted else b'{"error": {"code": 400, "message": "refused"}}'
        self.send_response(200 if accepted else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _arrivals_server(refusing_takes: float = 0.0) -> Iterator[tuple[str, list[tuple[float, int]]]]:
    arrivals: list[tuple[float, int]] = []
    fields = {"arrivals": arrivals, "refusing_takes": refusing_takes}
    handler = type("Handler", (_Arrivals,), {**fields, "protocol_version": "HTTP/1.1"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", arrivals
    finally:
        server.shutdown()
        server.server_close()


def test_requests_sent_side_by_side_keep_the_rate_limit() -> None:
    """However many connections, no request goes out before its turn: the k-th to arrive
    came at least k / rate after the batch began (a loaded machine only makes it later)."""
    rate, count = 40.0, 24
    with _arrivals_server() as (url, arrivals):
        endpoint = Endpoint(url, "admin", "key-for-the-test", timeout=30.0)
        client = ContactClient(endpoint, rate_limit=RateLimit(rate), connections=8)
        try:
            began = time.monotonic()
            answers = client.concurrently(
                [
                    functools.partial(client.update, 1, {"name": f"n{i}"}, "rest")
                    for i in range(count)
                ]
            )
        finally:
            client.close()
    assert [answer.status if answer else None for answer in answers] == [400] * count
    times = sorted(arrived for arrived, _ in arrivals)
    assert len(times) == count
    for k, arrived in enumerate(times):
        assert arrived - began >= k / rate - 0.001, (k, arrived - began)
    assert len({port for _, port in arrivals}) > 1  # more than one connection was used


def test_answers_and_recorded_exchanges_keep_the_order_of_the_calls() -> None:
    seen: list[bytes] = []
    with _arrivals_server() as (url, _):
        client = ContactClient(Endpoint(url, "admin", "k", timeout=30.0), connections=4)
        client.on_exchange = lambda exchange: seen.append(exchange.request_body)
        try:
            answers = client.concurrently(
                [functools.partial(client.update, 1, {"n": i}, "rest") for i in range(12)]
            )
        finally:
            client.close()
    bodies = [json.loads(answer.sent.body) if answer else None for answer in answers]
    assert bodies == [{"n": i} for i in range(12)]
    assert [json.loads(body) for body in seen] == [{"n": i} for i in range(12)]


def test_a_batch_stops_sending_once_an_answer_is_no_refusal() -> None:
    """Refusals take 20 ms here, the acceptance none: once it is back, what has not begun
    is not sent (a second of refusals still to go, over 4 connections)."""
    count, accepted_at = 200, 5
    payloads = [{"name": "accept me" if i == accepted_at else f"n{i}"} for i in range(count)]
    with _arrivals_server(refusing_takes=0.02) as (url, arrivals):
        client = ContactClient(Endpoint(url, "admin", "k", timeout=30.0), connections=4)
        try:
            answers = client.concurrently(
                [functools.partial(client.update, 1, payload, "rest") for payload in payloads],
                stop_when=lambda answer: not answer.rejected,
            )
        finally:
            client.close()
    first = answers[accepted_at]
    assert first is not None
    assert first.accepted
    not_sent = [index for index, answer in enumerate(answers) if answer is None]
    assert not_sent
    assert len(arrivals) == count - len(not_sent)


def _not_plain(text: str) -> bool:
    return any(not " " <= character <= "~" for character in text)


def test_ctrl_c_during_a_batch_sends_nothing_more() -> None:
    """Interrupted while refusals go side by side: what is under way ends, nothing else
    goes out, and the interrupt reaches the run (which then puts the contact back)."""
    count = 100
    # Ctrl-C as Python answers it by default, whatever an earlier test in this process
    # left installed (a run's own handler only asks it to stop at its next request).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    with _arrivals_server(refusing_takes=0.05) as (url, arrivals):
        client = ContactClient(Endpoint(url, "admin", "k", timeout=30.0), connections=2)
        timer = threading.Timer(
            0.2, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT)
        )
        try:
            timer.start()
            with pytest.raises(KeyboardInterrupt):
                client.concurrently(
                    [functools.partial(client.update, 1, {"n": i}, "rest") for i in range(count)]
                )
            sent = len(arrivals)
            time.sleep(0.3)
            assert len(arrivals) == sent  # nothing after the interrupt came back
        finally:
            timer.cancel()
            client.close()
            signal.signal(signal.SIGINT, previous)
    assert sent < count


def _refusing_unusual_cities(app: Wsgi) -> Wsgi:
    """The reference server, except that it refuses a `city` beyond printable ASCII: a
    fault only Hypothesis's examples find (the fixed cases spell cities in ASCII)."""

    def refusing(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "PUT":
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            try:
                city = json.loads(body).get("city")
            except (ValueError, AttributeError):
                city = None
            if isinstance(city, str) and _not_plain(city):
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [b'{"error": {"code": 400, "message": "no such city"}}']
        answer: Iterable[bytes] = app(environ, start_response)
        return answer

    return refusing


def _accept_requests(
    pytester: pytest.Pytester, url: str, report: Path, *options: str
) -> tuple[int, dict[str, Any]]:
    result = pytester.runpytest(
        *SUITE,
        f"--contract-url={url}",
        "--contract-contact-id=1",
        "--contract-transport=rest",
        "--contract-examples=60",
        "--contract-seed=3",
        f"--contract-report={report}",
        *options,
        "-k",
        "accepted_with_the_contacts_id",
    )
    return result.ret, _report(report)["UC-ACCEPT"]


def test_a_failing_run_stays_within_its_shrink_budget(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = pytester.path / "certificate.json"
    with ReferenceServer(contacts=3) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        with served(server.app) as url:
            passed, passing = _accept_requests(pytester, url, report)
        with served(_refusing_unusual_cities(server.app)) as url:
            failed, bounded = _accept_requests(pytester, url, report, "--contract-shrink-budget=10")
            _, unbounded = _accept_requests(pytester, url, report, "--contract-shrink-budget=5000")
    assert passed == 0
    assert failed == 1
    assert bounded["failure"]["phase"] == "explore"
    assert not bounded["failure"]["fully_shrunk"]
    assert "not fully shrunk" in bounded["failure"]["message"]
    assert _not_plain(bounded["failure"]["payload"]["city"])
    # Every example up to the failure, then at most the budget and the example under way.
    assert bounded["requests"] <= passing["requests"] + 10 + 1
    assert unbounded["failure"]["fully_shrunk"]
    assert unbounded["requests"] > bounded["requests"]


class _Meter:
    """Counts requests as a client does, and withholds them on request."""

    def __init__(self) -> None:
        self.requests_sent = 0
        self._withheld = False

    def withheld(self) -> AbstractContextManager[None]:
        @contextmanager
        def block() -> Iterator[None]:
            self._withheld = True
            try:
                yield
            finally:
                self._withheld = False

        return block()

    def send(self, requests: int = 2) -> None:
        if self._withheld:
            raise RequestWithheld("PUT /api/2.0/contacts/1")
        self.requests_sent += requests


def _explore(budget: int, seed: int = 7) -> tuple[CheckFailed, int, int]:
    """A property that fails for long lists of large numbers, each example costing two
    requests; returns the failure, the requests sent, and those sent from the first failure."""
    meter = _Meter()
    cases = DrawnCases(
        examples=200,
        seed=seed,
        notes=LiveTape(),
        on_phase=lambda phase: None,
        meter=meter,
        shrink_budget=budget,
    )
    first_failure: list[int] = []

    def case(data: Draws) -> None:
        values = data.draw(st.lists(st.integers(0, 10_000), min_size=1), label="payload")
        meter.send()
        if sum(values) > 1_000:
            if not first_failure:
                first_failure.append(meter.requests_sent)
            raise CheckFailed(PERSIST, "a small sum", f"sum {sum(values)}", payload=values)

    with pytest.raises(CheckFailed) as raised:
        cases.explore(case)
    return raised.value, meter.requests_sent, meter.requests_sent - first_failure[0]


def test_a_failing_test_stops_shrinking_when_its_budget_is_spent() -> None:
    unbounded, _, spent_unbounded = _explore(budget=100_000)
    assert unbounded.shrink_budget_spent is None
    assert spent_unbounded > 40  # the budget below is a real cut
    bounded, _, spent = _explore(budget=20)
    assert spent <= 20 + 2  # the budget, and at most the example under way
    assert bounded.shrink_budget_spent == 20
    assert "not fully shrunk" in str(bounded)
    assert sum(_numbers(bounded)) > 1_000  # still a failure, the smallest found in time
    assert sum(_numbers(unbounded)) <= sum(_numbers(bounded))


def _numbers(failure: CheckFailed) -> list[int]:
    assert isinstance(failure.payload, list)
    return failure.payload


def test_a_budget_of_nothing_reports_the_first_failure_found() -> None:
    failure, _, spent = _explore(budget=0)
    assert spent <= 2
    assert failure.shrink_budget_spent == 0


def test_the_same_seed_spends_the_same_budget_on_the_same_failure() -> None:
    first, sent, _ = _explore(budget=30, seed=11)
    again, sent_again, _ = _explore(budget=30, seed=11)
    assert (first.payload, sent) == (again.payload, sent_again)


def test_a_withheld_request_raises_and_is_not_counted() -> None:
    client = ContactClient(Endpoint("http://127.0.0.1:9", "admin", "k", timeout=1.0))
    try:
        with client.withheld(), pytest.raises(RequestWithheld):
            client.read(1)
        assert client.requests_sent == 0
    finally:
        client.close()


def test_connections_is_an_option_with_bounds(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*SUITE, "--contract-connections=0", "--co")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--contract-connections must be at least 1, not 0*"])
    result = pytester.runpytest(*SUITE, "--contract-shrink-budget=-1", "--co")
    result.stderr.fnmatch_lines(["*--contract-shrink-budget must be at least 0, not -1*"])


def _accepting_only(app: Wsgi, marker: bytes) -> Wsgi:
    """The reference server's reads, and a refusal of every update but those holding
    *marker*, which are accepted and stored nowhere."""

    def answer(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "PUT":
            reads: Iterable[bytes] = app(environ, start_response)
            return reads
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        accepted = marker in body
        start_response(
            "200 OK" if accepted else "400 Bad Request", [("Content-Type", "application/json")]
        )
        return [b"1" if accepted else b'{"error": {"code": 400, "message": "no"}}']

    return answer


def test_a_batch_whose_last_request_is_accepted_is_undecided() -> None:
    """The acceptance that stops a batch may be its last request: the batch is still one
    the install did not refuse whole, to be judged request by request."""
    with (
        ReferenceServer(contacts=3) as server,
        served(_accepting_only(server.app, b"accept me")) as url,
    ):
        given = {"url": url, "api-key": server.api_key, "contact-id": "1", "user": server.user}
        settings = resolve(given, here=Path.cwd(), environ={}, frontend=Frontend.PLUGIN)
        client = ContactClient(settings.endpoint(), connections=4)
        try:
            original = client.read(1)
            certifier = Certifier(client, ContactUnderTest(1, original), load_contract(), settings)
            payloads = [{"name": f"n{i}"} for i in range(5)] + [{"name": "accept me"}]
            batch: list[Refusal] = [
                (p, "", functools.partial(certifier.update, p, "rest")) for p in payloads
            ]
            with pytest.raises(BatchUndecided):
                certifier.unchanged_if_refused_in_batch(ATOMIC, batch)
        finally:
            client.close()
