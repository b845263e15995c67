"""The wheel carries the schemas: a fresh virtual environment imports and uses them."""

from __future__ import annotations

import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_ships_the_schemas_and_the_typing_marker(wheel: Path) -> None:
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for schema in ("contact", "update", "response"):
        assert f"contract/schemas/{schema}.schema.json" in names
    assert "contract/py.typed" in names
    assert any(name.endswith("entry_points.txt") for name in names)


@pytest.mark.long
def test_a_fresh_venv_imports_contract_from_anywhere(wheel: Path, tmp_path: Path) -> None:
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    # The dependencies come from this interpreter's site-packages, offline; a path line in
    # a .pth file does not run the .pth files it points at, so this checkout's editable
    # install stays out of sight and only the wheel can provide `contract`.
    (venv_site,) = (env / "lib").glob("python*/site-packages")
    (venv_site / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import contract, pathlib, sys;"
        "assert pathlib.Path(contract.__file__).is_relative_to(sys.prefix), contract.__file__;"
        "assert len(contract.load_contract().properties) == 52;"
        "print(contract.is_valid_update({'name': 'Ada'}))"
    )
    result = subprocess.run(
        [python, "-I", "-c", script], cwd=elsewhere, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    command = subprocess.run(
        [env / "bin" / "contract", "schema", "response"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=False,
    )
    assert command.returncode == 0, command.stderr
    assert '"type": "integer"' in command.stdout
