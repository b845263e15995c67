"""Positive controls: refusals count only where the same transport, address and credentials
accept a valid update; a 401, 403, 404 or 405 elsewhere means the run cannot judge."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SUITE, Wsgi, served
from contract.server import ReferenceServer
from tests.certify_output import one_line_reason
from tests.conftest import RunCli

KEY = "controls-test-key"


@pytest.fixture
def reference() -> Iterator[ReferenceServer]:
    with ReferenceServer(contacts=3, api_key=KEY) as server:
        yield server


def _verdicts(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {result["id"]: result["verdict"] for result in data["results"]}


def _certify(run_cli: RunCli, url: str, *extra: str, cwd: Path) -> Any:
    return run_cli(
        *("certify", "--url", url, "--api-key", KEY, "--examples", "1"),
        *extra,
        cwd=cwd,
        timeout=120,
    )


def _one_line(result: Any) -> str:
    assert "CERTIFIED" not in result.stdout, result.stdout + result.stderr
    return one_line_reason(result)


def test_a_wrong_xmlrpc_url_is_exit_2_naming_the_transport_address_and_answer(
    run_cli: RunCli, reference: ReferenceServer, tmp_path: Path
) -> None:
    wrong = f"{reference.url}/xmlrpc"
    line = _one_line(_certify(run_cli, reference.url, "--xmlrpc-url", wrong, cwd=tmp_path))
    assert line == (
        f"contract certify: could not run: XML-RPC at {wrong} answered HTTP 404 to a valid "
        "update: check --xmlrpc-url"
    )


def test_a_url_that_is_the_api_root_gets_a_hint_to_the_base_address(
    run_cli: RunCli, reference: ReferenceServer, tmp_path: Path
) -> None:
    line = _one_line(_certify(run_cli, f"{reference.url}/api/2.0", cwd=tmp_path))
    assert "give --url without the path /api/2.0" in line


def test_a_wrong_key_is_exit_2_from_the_command_line(
    run_cli: RunCli, reference: ReferenceServer, tmp_path: Path
) -> None:
    result = run_cli(
        *("certify", "--url", reference.url, "--api-key", "wrong", "--examples", "1"),
        cwd=tmp_path,
    )
    line = _one_line(result)
    assert "refused the credentials (HTTP 401)" in line
    assert "--api-key" in line


def test_a_wrong_key_is_a_stopped_session_under_the_plugin_never_a_verdict(
    pytester: pytest.Pytester, reference: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_API_KEY", "wrong")
    report = pytester.path / "certificate.json"
    result = pytester.runpytest(
        *SUITE, f"--contract-url={reference.url}", f"--contract-report={report}"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*refused the credentials (HTTP 401)*--contract-api-key*"])
    assert "passed" not in _verdicts(report).values()


def test_a_wrong_xmlrpc_url_stops_the_plugin_session(
    pytester: pytest.Pytester, reference: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_API_KEY", KEY)
    result = pytester.runpytest(
        *SUITE,
        f"--contract-url={reference.url}",
        f"--contract-xmlrpc-url={reference.url}/wrong",
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*XML-RPC at *wrong answered HTTP 404*--contract-xmlrpc-url*"])


def _refusals_as(status: str, app: Wsgi) -> Wsgi:
    """*app*, answering *status* where it would refuse an update with 400."""

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        def start(given: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            return start_response(status if given.startswith("400") else given, headers, *rest)

        return app(environ, start)  # type: ignore[no-any-return]

    return wrapped


@pytest.mark.parametrize("status", ["401 Unauthorized", "404 Not Found"])
def test_a_401_or_404_to_a_request_that_should_work_is_no_refusal(
    run_cli: RunCli, reference: ReferenceServer, tmp_path: Path, status: str
) -> None:
    with served(_refusals_as(status, reference.app)) as url:
        result = _certify(run_cli, url, "--transport", "rest", "--contact-id", "1", cwd=tmp_path)
    line = _one_line(result)
    assert f"answered HTTP {status[:3]}" in line or f"(HTTP {status[:3]})" in line
    assert "an update of the contact under test" in line


def _xmlrpc_refusing_everything(app: Wsgi) -> Wsgi:
    """*app*, whose XML-RPC endpoint answers every call with fault 400."""
    fault = (
        b"<?xml version='1.0'?><methodResponse><fault><value><struct><member><name>"
        b"faultCode</name><value><int>400</int></value></member><member><name>faultString"
        b"</name><value><string>no</string></value></member></struct></value></fault>"
        b"</methodResponse>"
    )

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"].endswith("/xmlrpc"):
            start_response("200 OK", [("Content-Type", "text/xml")])
            return [fault]
        return app(environ, start_response)  # type: ignore[no-any-return]

    return wrapped


def test_refusals_prove_nothing_over_a_transport_that_accepts_no_valid_update(
    pytester: pytest.Pytester, reference: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_API_KEY", KEY)
    report = pytester.path / "certificate.json"
    with served(_xmlrpc_refusing_everything(reference.app)) as url:
        result = pytester.runpytest(
            *SUITE,
            f"--contract-url={url}",
            "--contract-examples=2",
            f"--contract-report={report}",
            "-rs",
        )
    assert result.ret == 1
    verdicts = _verdicts(report)
    assert verdicts["UC-ACCEPT"] == "failed"
    result.stdout.fnmatch_lines(
        ["*not verifiable: the install refused a valid update over xmlrpc*refusals prove nothing*"]
    )
    # Judged on REST's refusals alone: XML-RPC's were not counted.
    for requirement in ("UC-ENUM", "UC-TYPE", "UC-AUTH", "UC-BADID"):
        assert verdicts[requirement] == "passed", verdicts
    assert result.parseoutcomes()["skipped"] >= 9  # each refusal requirement over XML-RPC


def test_a_url_with_the_api_root_gets_the_same_hint_under_the_plugin(
    pytester: pytest.Pytester, reference: ReferenceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_API_KEY", KEY)
    result = pytester.runpytest(*SUITE, f"--contract-url={reference.url}/api/2.0")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*give --contract-url without the path /api/2.0*"])
