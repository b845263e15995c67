"""``contract certify`` runs its own suite and nothing else: no ini file, conftest or
pytest plugin of the place it runs from joins in; and a run made in process leaves the
garbage collector as it found it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from contract.run.gc_pause import RUN_THRESHOLDS
from tests.conftest import certify

EXAMPLES = "1"

# Each writes a line to the file $INTRUDER_LOG as pytest loads it, and would break a run
# it joined: the plugin deselects every test, the conftest and the ini file stop at the
# first failure and treat every warning as an error.
_PLUGIN = """
import os


def pytest_configure(config):
    with open(os.environ["INTRUDER_LOG"], "a") as log:
        log.write("installed plugin\\n")


def pytest_collection_modifyitems(config, items):
    config.hook.pytest_deselected(items=list(items))
    items[:] = []
"""
_CONFTEST = """
import os

with open(os.environ["INTRUDER_LOG"], "a") as log:
    log.write("conftest\\n")
"""
_INI = "[pytest]\naddopts = -x -W error\n"


def _install_plugin(site: Path) -> None:
    """A pytest plugin installed as a distribution would be: a module and its dist-info
    with a ``pytest11`` entry point, on the path Python searches."""
    (site / "intruder.py").write_text(_PLUGIN, encoding="utf-8")
    info = site / "intruder-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: intruder\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text("[pytest11]\nintruder = intruder\n", encoding="utf-8")


def _python(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_installed_plugin_a_conftest_and_an_ini_file_do_not_join_a_run(
    tmp_path: Path,
) -> None:
    site, project, log = tmp_path / "site", tmp_path / "project", tmp_path / "loaded.log"
    site.mkdir()
    project.mkdir()
    _install_plugin(site)
    (project / "conftest.py").write_text(_CONFTEST, encoding="utf-8")
    (project / "pytest.ini").write_text(_INI, encoding="utf-8")
    (project / "test_nothing.py").write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "INTRUDER_LOG": str(log)}

    # The control: pytest, run there, loads all three, and the plugin empties the run.
    control = _python(["-m", "pytest", "-p", "no:cacheprovider", "test_nothing.py"], project, env)
    assert control.returncode == 5, control.stdout + control.stderr
    assert sorted(log.read_text(encoding="utf-8").splitlines()) == ["conftest", "installed plugin"]
    log.unlink()

    run = certify(
        *("--mock", "--examples", EXAMPLES, "--seed", "1"), cwd=project, env=env, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "CERTIFIED: https://install.example (seed 1)" in run.stdout
    assert not log.exists(), log.read_text(encoding="utf-8")


# Runs a certification in process and prints, as JSON, the collector's frozen objects and
# thresholds before the run, as its tests ended (seen by a plugin PYTEST_PLUGINS loads)
# and after it.
_IN_PROCESS = f"""
import gc, json
from contract.cli import main as cli

def state():
    return [gc.get_freeze_count(), list(gc.get_threshold())]

before = state()
code = cli.run(cli.parse_args(["certify", "--mock", "--examples", "{EXAMPLES}", "--seed", "1"]))
from collector_probe import SEEN
print(json.dumps({{"code": code, "before": before, "during": SEEN, "after": state()}}))
"""
_PROBE = """
import gc

SEEN = []


def pytest_sessionfinish(session):
    SEEN.append([gc.get_freeze_count(), list(gc.get_threshold())])
"""


def test_a_run_in_process_spares_the_collector_and_gives_it_back_as_it_was(
    tmp_path: Path,
) -> None:
    (tmp_path / "collector_probe.py").write_text(_PROBE, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "PYTEST_PLUGINS": "collector_probe"}
    run = _python(["-c", textwrap.dedent(_IN_PROCESS)], tmp_path, env)
    assert run.returncode == 0, run.stdout + run.stderr
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["code"] == 0, run.stdout
    ((frozen, thresholds),) = seen["during"]
    assert frozen > 10_000, seen  # the modules, schemas and strategies, at least
    assert thresholds == list(RUN_THRESHOLDS), seen
    assert seen["before"][0] == 0, seen
    assert seen["after"] == seen["before"], seen
