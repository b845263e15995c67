"""The right user and key under a scheme other than Basic are no credentials: an install that
takes them fails UC-AUTH, with a reproduction that, pasted, signs in the same way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.certify_output import paste_into_bash, paste_into_python
from tests.conftest import USER, certify, serve


@pytest.mark.parametrize("transport", ["rest", "xmlrpc"])
def test_the_key_under_another_scheme_is_refused_or_fails_uc_auth(
    transport: str, tmp_path: Path
) -> None:
    report = tmp_path / "certificate.json"
    with serve("--fault", "accept-any-scheme") as server:
        result = certify(
            *("--url", server.url, "--user", USER, "--api-key", server.api_key),
            *("--contact-id", "4", "--examples", "1", "--transport", transport),
            *("--report", str(report)),
            cwd=tmp_path,
        )
        failure = next(
            row["failure"]
            for row in json.loads(report.read_text(encoding="utf-8"))["results"]
            if row["id"] == "UC-AUTH"
        )
        reproduction = failure["reproduction"]
        paste = paste_into_bash if transport == "rest" else paste_into_python
        pasted = paste(reproduction, server.api_key)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the right user and key under the Bearer scheme" in failure["expected"]
    assert server.api_key not in reproduction
    assert "Bearer" in reproduction
    # Pasted where only the key is set, it signs in under Bearer and is let in again.
    assert pasted.returncode == 0, pasted.stderr
    assert pasted.stdout.startswith("HTTP/1.1 200" if transport == "rest" else "200"), pasted.stdout
