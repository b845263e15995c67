"""The pytest plugin and the built-in suite, run through pytester against real servers."""

from __future__ import annotations

import importlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import contract
from conftest import SUITE, Wsgi, served
from contract.core.requirements import CATALOGUE
from contract.pytest_plugin.marker import MARKER
from contract.recording.compact import Expander
from contract.server import ReferenceServer
from contract.server.faults import FAULTS
from contract.server.options import DEFAULT_NETWORK_HOLD_SECONDS
from contract.server.profiles import PROFILES

REQUIREMENTS = [requirement.id for requirement in CATALOGUE]


def _suite_args(server: ReferenceServer, *extra: str, examples: int = 2) -> list[str]:
    return [
        *SUITE,
        f"--contract-url={server.url}",
        f"--contract-user={server.user}",
        f"--contract-examples={examples}",
        *extra,
    ]


def _failures(path: Path) -> dict[str, dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {result["id"]: result["failure"] for result in data["results"] if result["failure"]}


def _certificate(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {result["id"]: result["verdict"] for result in data["results"]}


@pytest.fixture
def server_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[ReferenceServer]:
    """A reference server whose API key reaches the run through CONTRACT_API_KEY."""
    with ReferenceServer(contacts=3) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        yield server


def test_options_are_grouped_with_ini_twins_and_variables(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    out = result.stdout.str()
    assert "UpdateContact contract certification:" in out
    for option in (
        "url",
        "user",
        "api-key",
        "contact-id",
        "transport",
        "xmlrpc-url",
        "readonly-policy",
        "unknown-policy",
        "examples",
        "seed",
        "timeout",
    ):
        assert f"--contract-{option}" in out
        assert f"contract_{option.replace('-', '_')} " in out
    for variable in ("CONTRACT_URL", "CONTRACT_USER", "CONTRACT_API_KEY"):
        assert variable in out


def test_the_suite_certifies_the_reference_server(
    pytester: pytest.Pytester, server_key: ReferenceServer
) -> None:
    report, page = pytester.path / "certificate.json", pytester.path / "certificate.html"
    result = pytester.runpytest(*_suite_args(server_key, f"--contract-report={report},{page}"))
    assert result.ret == 0
    assert result.parseoutcomes()["passed"] > len(REQUIREMENTS)
    result.stdout.fnmatch_lines(["*UpdateContact certificate*", "CERTIFIED: http://127.0.0.1:*"])
    assert set(_certificate(report).values()) == {"passed"}
    assert set(_certificate(report)) == set(REQUIREMENTS)
    assert "✓ certified" in page.read_text(encoding="utf-8")


def test_ini_settings_and_environment_variables_configure_the_run(
    pytester: pytest.Pytester, server_key: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_URL", server_key.url)
    pytester.makeini(
        "[pytest]\ncontract_transport = xmlrpc\ncontract_examples = 2\ncontract_seed = 77\n"
    )
    result = pytester.runpytest(*SUITE, "-k", "accepted_with", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*[[]xmlrpc[]] PASSED*", "*(seed 77)*"])


_TREATMENTS = [
    ("reject", "reject"),
    ("reject", "ignore"),
    ("ignore", "reject"),
    ("ignore", "ignore"),
]
# The requirements whose tests send read-only or unknown properties (the rest draw only
# writable properties, with values of the wrong type, enum or format at worst).
_SENDS_POLICED_PROPERTIES = ["UC-READONLY", "UC-UNKNOWN", "UC-NO5XX", "UC-PARITY"]


@pytest.mark.long
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_passes_under_every_pair_of_treatments(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    """Each legal install profile, under each pair of server treatments: a correct install
    is certified, whether the run's policy demands the server's own treatment or either; a
    seed of its own for each of the sixteen runs.

    The whole suite runs under the first pair. Under the others, the tests whose requests
    can carry a read-only or unknown property, the only ones a server's treatment answers
    differently: the rest send the same requests and get the same answers whatever it is.
    """
    first_seed = 1 + len(_TREATMENTS) * sorted(PROFILES).index(profile)
    policy_sensitive = " or ".join(_tests_certifying(r) for r in _SENDS_POLICED_PROPERTIES)
    # A held answer costs the run its time-out: a short one, and a hold well past it.
    bad_network = profile == "bad-network"
    hold = 3.0 if bad_network else DEFAULT_NETWORK_HOLD_SECONDS
    timeout = ["--contract-timeout=1"] if bad_network else []
    for seed, (readonly, unknown) in enumerate(_TREATMENTS, start=first_seed):
        with ReferenceServer(
            contacts=4,
            readonly_treatment=readonly,
            unknown_treatment=unknown,
            profile=profile,
            network_hold_seconds=hold,
        ) as server:
            monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
            demanded = (readonly, unknown) if seed % 2 else ("either", "either")
            selected = [] if seed == first_seed else ["-k", policy_sensitive]
            result = pytester.runpytest(
                *_suite_args(
                    server,
                    f"--contract-seed={seed}",
                    f"--contract-readonly-policy={demanded[0]}",
                    f"--contract-unknown-policy={demanded[1]}",
                    *timeout,
                ),
                *selected,
            )
        assert result.ret == 0, (
            f"profile {profile}, seed {seed}, server {readonly}/{unknown}, run {demanded}:\n"
            f"{result.stdout.str()[-3000:]}"
        )


def test_the_wrong_policy_is_flagged(
    pytester: pytest.Pytester, server_key: ReferenceServer
) -> None:
    # The server refuses read-only properties; a certification that demands "ignore" fails.
    result = pytester.runpytest(
        *_suite_args(server_key, "--contract-readonly-policy=ignore", "-k", "read_only", "-x")
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*UC-READONLY over *: expected * to be ignored*"])


def _tests_certifying(requirement: str) -> str:
    """A ``-k`` expression selecting the suite's tests of *requirement*, read off their markers
    (importing the suite fixes nothing about a run)."""
    names = []
    for path in sorted((Path(contract.__file__).parent / "suite").glob("test_*.py")):
        module = importlib.import_module(f"contract.suite.{path.stem}")
        for name, test in vars(module).items():
            marks = getattr(test, "pytestmark", [])
            if name.startswith("test_") and any(
                mark.name == MARKER and mark.args[0] == requirement for mark in marks
            ):
                names.append(name)
    assert names, f"no suite test certifies {requirement}"
    return " or ".join(names)


SEEDS = range(1, 21)
"""The seeds whose coverage phases are compared: each the same as the others."""


# It changes only the empty values a fresh contact holds: a full contact has none.
_ONLY_ON_A_FRESH_CONTACT = frozenset({"fill-empty-values"})


@pytest.mark.parametrize(
    ("fault", "contact"),
    [
        (fault, contact)
        for fault in sorted(FAULTS)
        for contact in ("fresh", "full")
        if contact == "fresh" or fault not in _ONLY_ON_A_FRESH_CONTACT
    ],
)
def test_each_planted_fault_fails_its_requirement_in_the_coverage_phase(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fault: str, contact: str
) -> None:
    """Found by a fixed coverage case, the fault is found whatever the seed:
    test_the_coverage_phase_is_the_same_with_every_seed shows that none of twenty seeds
    changes it. Each fault's runs take seeds of their own among those twenty."""
    report, recording = pytester.path / "certificate.json", pytester.path / "run.jsonl"
    requirement = FAULTS[fault].requirement.id
    seed = SEEDS[(2 * sorted(FAULTS).index(fault) + (contact == "full")) % len(SEEDS)]
    with ReferenceServer(contacts=3, fresh_contacts=2, faults=frozenset({fault})) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        # The tests of the fault's requirement: the correct server passes the whole suite
        # in test_every_profile_passes_under_every_pair_of_treatments. A fresh contact holds
        # empty values the run must not send, a full one none: every fault shows on both.
        chosen = server.fresh_contact_ids[0] if contact == "fresh" else 2
        result = pytester.runpytest(
            *_suite_args(
                server,
                f"--contract-report={report}",
                f"--contract-seed={seed}",
                f"--contract-contact-id={chosen}",
            ),
            *("-k", _tests_certifying(requirement)),
            f"--contract-record={recording}",
        )
    verdicts = _certificate(report)
    assert result.ret == 1
    assert verdicts[requirement] == "failed", verdicts
    assert "CERTIFIED" not in result.stdout.str().replace("NOT CERTIFIED", "")
    found = _failures(report)[requirement]
    assert found["phase"] == "coverage", found["message"]
    # The server is gone: the recording alone gives the same verdicts.
    replayed = pytester.runpytest(
        *SUITE,
        *("-k", _tests_certifying(requirement)),
        f"--contract-replay={recording}",
        f"--contract-report={report}",
    )
    assert replayed.ret == 1
    assert _certificate(report) == verdicts


def _coverage_draws(recording: Path) -> dict[str, Any]:
    """What each test's coverage case drew, from a recording."""
    drawn: dict[str, Any] = {}
    phases: dict[tuple[str, int], str] = {}
    expander = Expander()  # lines whole, as a replay reads them
    for line in recording.read_text(encoding="utf-8").splitlines():
        entry = expander.expand(json.loads(line))
        if entry["kind"] == "case":
            phases[(entry["test"], entry["case"])] = entry["phase"]
        elif entry["kind"] == "draw" and phases[(entry["test"], entry["case"])] == "coverage":
            drawn[entry["test"]] = entry["value"]
    return drawn


@pytest.mark.long
def test_the_coverage_phase_is_the_same_with_every_seed(
    pytester: pytest.Pytester, server_key: ReferenceServer
) -> None:
    draws = []
    for seed in SEEDS:
        recording = pytester.path / f"seed-{seed}.jsonl"
        result = pytester.runpytest(
            *_suite_args(server_key, f"--contract-seed={seed}", examples=1),
            f"--contract-record={recording}",
        )
        assert result.ret == 0, result.stdout.str()[-2000:]
        draws.append(_coverage_draws(recording))
    assert all(drawn == draws[0] for drawn in draws[1:])
    # Every requirement has fixed cases (UC-PARITY's and UC-CONCURRENT's tests have no
    # transport parameter).
    assert len(draws[0]) == 2 * len(CATALOGUE) - 2


def test_a_failure_reads_as_a_reproducible_report(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ReferenceServer(contacts=3, faults=frozenset({"store-out-of-enum"})) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        result = pytester.runpytest(
            *_suite_args(server, "--contract-transport=rest", "--contract-seed=3", "-k", "enum")
        )
        out = result.stdout.str()
        api_key = server.api_key
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "*UC-ENUM over rest: expected a refusal (4xx or XML-RPC fault) of a value outside*",
            "*got:      HTTP 200*",
            "*payload:  {*",
            "*reproduce:*",
            "*curl -sS -i -X PUT http://127.0.0.1:*/api/2.0/contacts/1"
            f' -u "{server.user}:$CONTRACT_API_KEY"*',
            "*replay with --contract-seed 3*",
        ]
    )
    assert api_key not in out


@pytest.fixture
def reference_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Wsgi]:
    """The reference server's WSGI application, its API key in CONTRACT_API_KEY."""
    with ReferenceServer(contacts=3) as server:
        monkeypatch.setenv("CONTRACT_API_KEY", server.api_key)
        yield server.app


@pytest.fixture
def no_readback(reference_app: Wsgi) -> Iterator[str]:
    """An install that updates contacts but cannot read them back (GET is 405)."""

    def without_get(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "PUT")])
            return [b""]
        return reference_app(environ, start_response)  # type: ignore[no-any-return]

    with served(without_get) as url:
        yield url


def test_refusals_as_422_with_a_plain_text_body_pass(
    pytester: pytest.Pytester, reference_app: Wsgi
) -> None:
    """Another install's way of refusing: 422 and prose instead of 400 and JSON."""

    def plain_422(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            if status.startswith("400"):
                return start_response("422 Unprocessable Entity", [("Content-Type", "text/plain")])
            return start_response(status, headers, *rest)

        body = b"".join(reference_app(environ, start))
        return [b"that update is not acceptable"] if b"errors" in body[:20] else [body]

    with served(plain_422) as url:
        result = pytester.runpytest(*SUITE, f"--contract-url={url}", "--contract-examples=3")
    assert result.ret == 0, result.stdout.str()[-2000:]


def test_without_read_back_requirements_are_not_verifiable_never_passed(
    pytester: pytest.Pytester, no_readback: str
) -> None:
    report = pytester.path / "certificate.json"
    result = pytester.runpytest(
        *SUITE,
        f"--contract-url={no_readback}",
        "--contract-examples=2",
        f"--contract-report={report}",
    )
    verdicts = _certificate(report)
    for requirement in (
        "UC-PERSIST",
        "UC-PARTIAL",
        "UC-IDEMPOTENT",
        "UC-READONLY",
        "UC-UNKNOWN",
        "UC-NOTFOUND",
    ):
        assert verdicts[requirement] == "not verifiable", (requirement, verdicts)
    assert verdicts["UC-ENUM"] == "passed"
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*not verifiable: the install has no read-back*"])


def test_a_remote_install_needs_an_explicit_contact(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_API_KEY", "not-a-real-key")
    # Refused before any request is sent: nothing reaches the (unresolvable) host.
    result = pytester.runpytest(
        *SUITE, "--contract-url=https://install.example", "-k", "accepted_with"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: *not on this machine: name the contact*--contract-contact-id"]
    )


def test_bad_options_are_usage_errors(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*SUITE, "--contract-transport=soap")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--contract-transport must be one of rest, xmlrpc, both, not 'soap'*"]
    )


def test_the_contact_is_restored_after_the_run(
    pytester: pytest.Pytester, server_key: ReferenceServer
) -> None:
    url = f"{server_key.url}/api/2.0/contacts/2"
    auth = (server_key.user, server_key.api_key)
    before = requests.get(url, auth=auth, timeout=5).json()
    result = pytester.runpytest(*_suite_args(server_key, "--contract-contact-id=2"))
    assert result.ret == 0
    assert requests.get(url, auth=auth, timeout=5).json() == before


def test_on_a_fresh_contact_the_plugin_says_what_it_leaves_out_and_fails_what_it_changed(
    pytester: pytest.Pytester, server_key: ReferenceServer
) -> None:
    fresh = server_key.fresh_contact_ids[0]
    accept = ("-k", _tests_certifying("UC-ACCEPT"))
    left_out = pytester.runpytest(
        *_suite_args(server_key, f"--contract-contact-id={fresh}"), *accept
    )
    assert left_out.ret == 0
    left_out.stdout.fnmatch_lines(
        [
            f"not exercised on contact {fresh}: 3 properties whose values the run could not "
            "put back (date_of_birth, gender, marital_status): *; `contract prepare "
            f"--url {server_key.url} --contact-id {fresh}` fills empty values with valid ones "
            "once, or --contract-allow-irreversible exercises them anyway",
            f"contact {fresh} restored: it reads back as before the run",
        ]
    )
    junit = pytester.path / "junit.xml"
    exercised = pytester.runpytest(
        *_suite_args(server_key, f"--contract-contact-id={fresh + 1}"),
        *("--contract-allow-irreversible", f"--junitxml={junit}", *accept),
    )
    # Every test passed, yet the session fails: it left its contact changed.
    assert exercised.ret == pytest.ExitCode.TESTS_FAILED
    exercised.stdout.fnmatch_lines(
        [
            f"WARNING: exercised on contact {fresh + 1} anyway (--contract-allow-irreversible)"
            ", so the run may leave them changed: 3 properties *",
            f'contact {fresh + 1} NOT fully restored: *gender is *, was ""*',
        ]
    )
    assert "failed" not in exercised.stdout.lines[-1]
    properties = {p.get("name"): p.get("value") for p in ET.parse(junit).iter("property")}
    restore = json.loads(properties["contract_restore"] or "null")
    assert restore["complete"] is False
    assert restore["properties"]["gender"]["original"] == ""


def test_users_write_their_own_tests_with_the_fixtures(
    pytester: pytest.Pytester, server_key: ReferenceServer
) -> None:
    pytester.makepyfile(
        """
        from hypothesis import given, settings
        from contract import checks
        from contract.strategies import valid_updates

        @settings(max_examples=5, deadline=None)
        @given(payload=valid_updates("rest"))
        def test_my_install_keeps_what_it_accepts(contract_certifier, payload):
            answer = contract_certifier.update(payload, "rest")
            checks.accepted_with_id(answer, contract_certifier.contact_id, payload)
            checks.persisted(payload, contract_certifier.read(), answer=answer)
        """
    )
    result = pytester.runpytest(f"--contract-url={server_key.url}", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_credentials_cross_plain_http_only_to_this_machine_unless_allowed(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_API_KEY", "some-key")
    remote = (*SUITE, "--contract-url=http://192.0.2.1:9", "--contract-contact-id=1")
    refused = pytester.runpytest(*remote, "-k", "accepted_with")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(
        ["ERROR: *unencrypted to 192.0.2.1:9*--contract-allow-insecure-http"]
    )
    allowed = pytester.runpytest(
        *remote, "--contract-allow-insecure-http", "--contract-timeout=0.5", "-k", "accepted_with"
    )
    shown = allowed.stdout.str() + allowed.stderr.str()
    assert "unencrypted" not in shown
    # It went on to try the address (which nothing answers).
    assert re.search(r"(cannot reach 192\.0\.2\.1:9|192\.0\.2\.1:9 did not answer)", shown)


def test_insecure_tls_is_said_in_the_run_summary(
    pytester: pytest.Pytester, server_key: ReferenceServer
) -> None:
    result = pytester.runpytest(
        *_suite_args(server_key, "--contract-insecure", "-k", "accepted_with")
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*--contract-insecure: the install's TLS certificate is not checked*"]
    )


def test_an_unknown_requirement_id_fails_at_collection(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_typo="""
        from contract.pytest_plugin import certifies

        @certifies("UC-TYPO")
        def test_something():
            pass
        """,
        test_marker="""
        import pytest

        @pytest.mark.contract_requirement("UC-ENUMS")
        def test_other():
            pass
        """,
    )
    typo = pytester.runpytest("test_typo.py")
    assert typo.ret == pytest.ExitCode.INTERRUPTED  # a collection error
    typo.stdout.fnmatch_lines(["*'UC-TYPO' is not a requirement of the contract; did you mean*"])
    marker = pytester.runpytest("test_marker.py")
    assert marker.ret == pytest.ExitCode.USAGE_ERROR
    marker.stderr.fnmatch_lines(
        ["*test_marker.py::test_other: 'UC-ENUMS' is not a requirement*did you mean UC-ENUM?*"]
    )


@pytest.mark.long
def test_a_worker_that_cannot_open_its_contact_stops_the_run_and_says_why(
    pytester: pytest.Pytester, server_key: ReferenceServer
) -> None:
    report = pytester.path / "certificate.json"
    result = pytester.runpytest(
        *_suite_args(server_key, "-n", "2", "--contract-contact-id=1,999"),
        f"--contract-report={report}",
    )
    assert result.ret != 0
    assert "contact 999 does not exist" in result.stdout.str() + result.stderr.str()
    assert "CERTIFIED" not in result.stdout.str().replace("NOT CERTIFIED", "")


def _not_found_page(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("404 Not Found", [("Content-Type", "text/html")])
    return [b"<html><body><h1>404 Not Found</h1></body></html>"]


def test_a_url_where_no_api_answers_stops_the_run_saying_so(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_API_KEY", "some-key")
    with served(_not_found_page) as url:
        result = pytester.runpytest(
            *SUITE, f"--contract-url={url}", "--contract-contact-id=4", "-k", "accepted_with"
        )
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines([f"*no UpdateContact API at {url}: *check --contract-url*"])
    assert "does not exist" not in result.stdout.str()
