"""Nothing a certification writes or prints holds the API key, in any encoding."""

from __future__ import annotations

from pathlib import Path

from conftest import key_forms
from contract.server import ReferenceServer
from tests.conftest import certify, clean_environment

USER = "admin"
KEY = "s3cret-Key-for-the-leak-test"


REPORTS = ["certificate.json", "certificate.md", "certificate.html", "certificate.xml"]


def test_a_failing_recorded_certification_leaks_no_key_in_any_format(tmp_path: Path) -> None:
    # A planted fault makes failures, whose reproductions are where a key would slip in.
    with ReferenceServer(
        contacts=3, api_key=KEY, faults=frozenset({"store-out-of-enum"})
    ) as server:
        result = certify(
            *("--url", server.url, "--user", USER, "--contact-id", "1"),
            *("--examples", "1", "--seed", "7"),
            *("--record", "run.jsonl", "--report", ",".join(REPORTS)),
            cwd=tmp_path,
            env=clean_environment(CONTRACT_API_KEY=KEY),
            timeout=180,
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "UC-ENUM" in result.stdout
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    # What the user asked for, and nothing else in their folder (no .hypothesis/ either).
    assert {path.name for path in tmp_path.iterdir()} == {"run.jsonl", *REPORTS}
    for name, content in [
        ("stdout", result.stdout.encode()),
        ("stderr", result.stderr.encode()),
        *((str(path.relative_to(tmp_path)), path.read_bytes()) for path in written),
    ]:
        leaked = [form for form in key_forms(USER, KEY) if form.encode() in content]
        assert not leaked, f"{name} holds {leaked}"
