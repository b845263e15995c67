"""How a fleet starts its runs: forked from a zygote that has done the imports, or as new
processes when there is no zygote; either way a process group of its own."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract.fleet.starter import Starter
from tests.conftest import clean_environment


@pytest.fixture(params=[True, False], ids=["zygote", "new-process"])
def starter(request: pytest.FixtureRequest) -> Iterator[Starter]:
    started = Starter(use_zygote=request.param)
    yield started
    started.close()


def test_a_run_gets_its_folder_environment_output_and_exit_code(
    starter: Starter, tmp_path: Path
) -> None:
    (tmp_path / "payloads.jsonl").write_text('{"name": "Ada"}\n{"status": "ON"}\n', "utf-8")
    output = tmp_path / "output.txt"
    run = starter.start(
        ["validate", "payloads.jsonl"], cwd=tmp_path, env=clean_environment(), output=output
    )
    assert run.wait(timeout=120) == 1
    shown = output.read_text("utf-8")
    assert "line 2: status:" in shown
    assert "2 record(s) checked: 1 valid, 1 invalid" in shown

    missing = starter.start(
        ["validate", "nowhere.jsonl"], cwd=tmp_path, env=clean_environment(), output=output
    )
    assert missing.wait(timeout=120) == 2


def test_runs_draw_their_own_seeds_and_stop_as_a_group(starter: Starter, tmp_path: Path) -> None:
    """Forked children start from the zygote's state; each must still draw its own seed
    (the random module reseeds a forked child)."""
    runs = []
    for number in (1, 2):
        output = tmp_path / f"run-{number}.txt"
        run = starter.start(
            ["certify", "--mock", "--examples", "1"],
            cwd=tmp_path,
            env=clean_environment(),
            output=output,
        )
        runs.append((run, output))
    seeds = []
    for run, output in runs:
        deadline = time.monotonic() + 120
        while "(seed " not in output.read_text("utf-8") and time.monotonic() < deadline:
            time.sleep(0.05)
        seeds.append(re.search(r"\(seed (\d+)\)", output.read_text("utf-8")))
        assert os.getpgid(run.pid) == run.pid, "each run leads its own process group"
        os.killpg(run.pid, signal.SIGTERM)
        assert run.wait(timeout=120) in (0, 2)
    assert all(seeds)
    first, second = (seed.group(1) for seed in seeds if seed)
    assert first != second
