"""The CI workflows of the docs run as written: each job's shell steps, against the
reference server, with the secrets and variables the job reads."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import key_forms
from tests.conftest import USER, clean_environment, read_contact, serve

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "ci.md"
EXPRESSION = re.compile(r"\$\{\{\s*(secrets|vars)\.(\w+)(?:\s*\|\|\s*'([^']*)')?\s*\}\}")


def workflows() -> dict[str, dict[str, Any]]:
    """The page's workflows, by name."""
    blocks = re.findall(r"```yaml\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    parsed = [yaml.safe_load(block) for block in blocks]
    return {workflow["name"]: workflow for workflow in parsed}


def _expand(text: str, context: Mapping[str, Mapping[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        scope, name, default = match.groups()
        found = context[scope].get(name, "")
        return found or (default or "")

    return EXPRESSION.sub(value, text)


def _installs_from(command: str) -> list[str] | None:
    """The arguments of a ``pip install`` step, or None for any other step."""
    words = shlex.split(command)
    if words[:4] != ["python", "-m", "pip", "install"]:
        return None
    return words[4:]


def run_job(
    job: Mapping[str, Any], context: Mapping[str, Mapping[str, str]], cwd: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Each ``run`` step of *job* in bash, in *cwd*; ``uses`` steps (checkout, set-up,
    upload) are the runner's. The checkout is this repository: an install step is
    resolved against it without touching this environment (``pip install --dry-run``)."""
    results = []
    for step in job["steps"]:
        if "run" not in step:
            continue
        command = _expand(step["run"], context)
        env = clean_environment(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            **{name: _expand(str(value), context) for name, value in step.get("env", {}).items()},
        )
        install = _installs_from(command)
        if install is not None:
            assert install == ["."], f"the job installs {install}, not the checked-out library"
            args = ["--dry-run", "--no-deps", "--no-build-isolation", "--no-index", "--quiet"]
            command = shlex.join([sys.executable, "-m", "pip", "install", *args, str(ROOT)])
        result = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        results.append(result)
    return results


def test_the_page_has_the_three_jobs_each_installing_the_checked_out_library() -> None:
    found = workflows()
    assert set(found) == {"payloads", "certify", "replay"}
    for workflow in found.values():
        (job,) = workflow["jobs"].values()
        uses = [step.get("uses", "") for step in job["steps"]]
        assert uses[0].startswith("actions/checkout@"), "the job checks the library out"
        runs = [step["run"] for step in job["steps"] if "run" in step]
        assert _installs_from(runs[0]) == ["."], "then installs it from the checkout"
    assert "python -m pip install updatecontact-contract" in PAGE.read_text(encoding="utf-8")


def test_the_payloads_job_validates_the_repositorys_payloads() -> None:
    (job,) = workflows()["payloads"]["jobs"].values()
    *_, validated = run_job(job, {"secrets": {}, "vars": {}}, ROOT)
    assert '"summary"' in validated.stdout
    assert '"invalid": 0' in validated.stdout


@pytest.mark.long
def test_the_live_job_certifies_and_records_and_the_replay_job_replays(tmp_path: Path) -> None:
    fresh = "11"  # the first fresh contact after `contract serve`'s 10 plausible ones
    with serve() as served:
        before = read_contact(served, int(fresh))
        context = {
            "secrets": {"CRM_API_KEY": served.api_key},
            "vars": {
                "CRM_URL": served.url,
                "CRM_USER": USER,
                "CRM_CONTACT_IDS": fresh,
                "CRM_EXAMPLES": "5",
            },
        }
        (live,) = workflows()["certify"]["jobs"].values()
        *_, certified = run_job(live, context, tmp_path)
        assert read_contact(served, int(fresh)) == before, "the job leaves the contact as it was"

    assert f"CERTIFIED: {served.url}" in certified.stdout
    recording = tmp_path / "certification.jsonl"
    assert (tmp_path / "certificate.html").is_file()
    assert recording.is_file()

    (replay,) = workflows()["replay"]["jobs"].values()
    (tmp_path / "certificate.html").unlink()
    *_, replayed = run_job(replay, {"secrets": {}, "vars": {}}, tmp_path)
    assert "CERTIFIED" in replayed.stdout
    assert (tmp_path / "certificate.html").is_file()

    shown = certified.stdout + certified.stderr + replayed.stdout + replayed.stderr
    written = "".join(path.read_text(encoding="utf-8") for path in tmp_path.iterdir())
    for form in key_forms(USER, served.api_key):
        assert form not in shown + written
