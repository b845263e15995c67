"""The CI workflows of the docs run as written: each job's shell steps, against the
reference server, with the secrets and variables the job reads."""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
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
FLEET_PAGE = ROOT / "docs" / "fleet.md"
EXPRESSION = re.compile(r"\$\{\{\s*(secrets|vars|matrix)\.(\w+)(?:\s*\|\|\s*'([^']*)')?\s*\}\}")


def workflows(page: Path = PAGE) -> dict[str, dict[str, Any]]:
    """The page's workflows, by name."""
    blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    parsed = [yaml.safe_load(block) for block in blocks]
    return {workflow["name"]: workflow for workflow in parsed}


def _expand(text: str, context: Mapping[str, Mapping[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        scope, name, default = match.groups()
        found = context.get(scope, {}).get(name, "")
        return found or (default or "")

    return EXPRESSION.sub(value, text)


def _installs_from(command: str) -> list[str] | None:
    """The arguments of a ``pip install`` step, or None for any other step."""
    words = shlex.split(command)
    if words[:4] != ["python", "-m", "pip", "install"]:
        return None
    return words[4:]


def run_step(
    step: Mapping[str, Any], context: Mapping[str, Mapping[str, str]], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """One ``run`` step in bash, in *cwd*, with its ``env``. The checkout is this
    repository: an install step is resolved against it without touching this environment
    (``pip install --dry-run``)."""
    command = _expand(step["run"], context)
    env = clean_environment(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        GITHUB_STEP_SUMMARY=str(cwd / "step-summary.md"),
        **{name: _expand(str(value), context) for name, value in step.get("env", {}).items()},
    )
    install = _installs_from(command)
    if install is not None:
        assert install == ["."], f"the job installs {install}, not the checked-out library"
        return _resolved_install()
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@functools.cache
def _resolved_install() -> subprocess.CompletedProcess[str]:
    """``pip install .`` of this checkout, resolved without installing anything: the same
    for every job, so resolved once."""
    args = ["--dry-run", "--no-deps", "--no-build-isolation", "--no-index", "--quiet"]
    return subprocess.run(
        [sys.executable, "-m", "pip", "install", *args, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def run_job(
    job: Mapping[str, Any], context: Mapping[str, Mapping[str, str]], cwd: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Each ``run`` step of *job*, each of which must succeed; ``uses`` steps (checkout,
    set-up, upload) are the runner's."""
    results = []
    for step in job["steps"]:
        if "run" in step:
            result = run_step(step, context, cwd)
            assert result.returncode == 0, f"{step['run']}\n{result.stdout}\n{result.stderr}"
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
                "CRM_EXAMPLES": "1",
            },
        }
        (live,) = workflows()["certify"]["jobs"].values()
        *_, certified = run_job(live, context, tmp_path)
        assert read_contact(served, int(fresh)) == before, "the job leaves the contact as it was"

    # A fresh contact: the verdict says which properties its empty values kept out.
    assert (
        "CERTIFIED, 25 of 28 writable properties exercised (not exercised: date_of_birth, "
        f"gender, marital_status): {served.url}"
    ) in certified.stdout
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


def _hand_over(
    step: Mapping[str, Any], workspace: Path, stores: tuple[Path, Path], context: Any
) -> None:
    """What the runner does for an upload or download step (an artifact is a folder in
    the first of *stores*), and for the cache (the last folder saved, in the second)."""
    action, settings = step["uses"].split("@")[0], step.get("with", {})
    artifacts, cache = stores
    if action == "actions/upload-artifact":
        name = _expand(settings["name"], context)
        shutil.copytree(workspace / settings["path"], artifacts / name)
    elif action == "actions/download-artifact":
        for artifact in artifacts.glob(settings["pattern"]):
            shutil.copytree(artifact, workspace / settings["path"] / artifact.name)
    elif action == "actions/cache/save":
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(workspace / settings["path"], cache)
    elif action == "actions/cache/restore" and cache.is_dir():
        shutil.copytree(cache, workspace / settings["path"])


def run_with_artifacts(
    job: Mapping[str, Any], context: Any, workspace: Path, artifacts: Path, *, cache: Path
) -> list[int]:
    """*job* in *workspace*, as the runner goes through it: after a step fails, only the
    steps marked ``if: always()`` run; artifacts go through *artifacts*, the cache through
    *cache* (from run to run). The exit codes of its shell steps."""
    workspace.mkdir(exist_ok=True)
    codes: list[int] = []
    for step in job["steps"]:
        if any(codes) and step.get("if") != "always()":
            continue
        if "run" in step:
            result = run_step(step, context, workspace)
            assert result.returncode in (0, 1), f"{step['run']}\n{result.stdout}\n{result.stderr}"
            codes.append(result.returncode)
        else:
            _hand_over(step, workspace, (artifacts, cache), context)
    return codes


def _night(
    tmp_path: Path, night: str, fleet: str, secrets: dict[str, str]
) -> tuple[dict[str, list[int]], Path]:
    """One night of the fleet page's workflow: each shard job, then the merge job; the
    exit codes of each job's shell steps, and the merge's workspace."""
    workflow = workflows(FLEET_PAGE)["fleet"]
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    artifacts = tmp_path / night / "artifacts"
    artifacts.mkdir(parents=True)
    codes = {}
    for shard in shard_job["strategy"]["matrix"]["shard"]:
        workspace = tmp_path / night / f"shard-{shard}"
        workspace.mkdir()
        (workspace / "fleet.toml").write_text(fleet, encoding="utf-8")
        context = {"secrets": secrets, "matrix": {"shard": str(shard)}}
        codes[f"shard-{shard}"] = run_with_artifacts(
            shard_job, context, workspace, artifacts, cache=tmp_path / "cache"
        )
    assert len(list(artifacts.iterdir())) == len(shard_job["strategy"]["matrix"]["shard"])
    merge = tmp_path / night / "merge"
    codes["merge"] = run_with_artifacts(
        merge_job, {"secrets": {}}, merge, artifacts, cache=tmp_path / "cache"
    )
    return codes, merge


@pytest.mark.long
def test_the_fleet_workflow_certifies_in_shards_and_merges_beside_the_night_before(
    tmp_path: Path,
) -> None:
    """The fleet page's matrix on two nights: each shard job against reference servers,
    their outputs handed over as artifacts, the merge job's report and summary, and the
    first night's report, cached, the second night's baseline."""
    with serve() as acme, serve("--fault", "wrong-id") as globex:
        fleet = (
            f'[defaults]\nuser = "{USER}"\nexamples = 1\ntransport = "rest"\n'
            f'[[install]]\nname = "acme"\nurl = "{acme.url}"\napi_key_env = "ACME_API_KEY"\n'
            f'[[install]]\nname = "globex"\nurl = "{globex.url}"\n'
            'api_key_env = "GLOBEX_API_KEY"\n'
        )
        secrets = {"ACME_API_KEY": acme.api_key, "GLOBEX_API_KEY": globex.api_key}
        first, merged = _night(tmp_path, "first", fleet, secrets)
        # globex fails both nights: the second night, that failure is a known one.
        second, merged_again = _night(tmp_path, "second", fleet, secrets)

    holding = {
        shard: "globex" in (tmp_path / "first" / shard / "fleet-report" / "fleet.json").read_text()
        for shard in first
        if shard != "merge"
    }
    for shard, holds_globex in holding.items():
        assert first[shard][-1] == (1 if holds_globex else 0), "a shard with a failure fails"
    assert first["merge"] == [0, 1, 0, 0], "install, merge (not certified), summary, cache"
    report = json.loads((merged / "fleet-report" / "fleet.json").read_text(encoding="utf-8"))
    verdicts = {install["name"]: install["verdict"] for install in report["installs"]}
    assert verdicts == {"acme": "certified", "globex": "not certified"}
    assert "baseline" not in report, "the first night has none"
    summary = (merged / "step-summary.md").read_text(encoding="utf-8")
    assert "| globex | not certified | UC-ACCEPT" in summary
    assert (merged / "fleet-report" / "globex" / "certificate.html").is_file()

    assert all(codes == [0] * len(codes) for codes in second.values()), second
    again = json.loads((merged_again / "fleet-report" / "fleet.json").read_text("utf-8"))
    standings = {i["name"]: i["baseline"]["status"] for i in again["installs"]}
    assert standings == {"acme": "unchanged", "globex": "known failure"}
    summary = (merged_again / "step-summary.md").read_text(encoding="utf-8")
    assert summary.index("### Known failures") < summary.index("| install |")
    assert "- globex: UC-ACCEPT" in summary
