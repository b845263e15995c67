"""The command line, run as a real subprocess: schema, validate, openapi."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from contract.core.schema import SCHEMA_NAMES, bundle, load_schema_file
from tests.conftest import RunCli

VALID = {"name": "Ada", "status": "off"}
INVALID = {"status": "ON", "score": 1}


def _jsonl(*payloads: object) -> str:
    return "".join(json.dumps(p) + "\n" for p in payloads)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_prints_each_schema_file(run_cli: RunCli, name: str) -> None:
    result = run_cli("schema", name)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == load_schema_file(name)


def test_schema_bundled_inlines_references(run_cli: RunCli) -> None:
    result = run_cli("schema", "update", "--bundled")
    assert json.loads(result.stdout) == bundle("update")
    assert "$ref" not in result.stdout


def test_schema_with_an_extension_shows_the_custom_fields(run_cli: RunCli, tmp_path: Path) -> None:
    extension = tmp_path / "ext.json"
    extension.write_text(json.dumps({"properties": {"loyalty_tier": {"type": "string"}}}))
    result = run_cli("schema", "update", "--schema-extension", str(extension))
    assert "loyalty_tier" in json.loads(result.stdout)["properties"]


def test_schema_refuses_an_unknown_name(run_cli: RunCli) -> None:
    result = run_cli("schema", "contacts")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_validate_all_valid_json_lines_exits_0(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text(_jsonl(VALID, {"tags": '["vip"]'}, {"birth_date": "2024-02-29"}))
    result = run_cli("validate", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "3 record(s) checked: 3 valid, 0 invalid" in result.stderr


def test_validate_reports_line_property_and_message(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(_jsonl(VALID) + "\n" + _jsonl(INVALID, [1], {}))
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("line 3: status: `status` must be one of 'on', 'off', 'suppressed'")
    assert lines[1].startswith("line 3: score: `score` is read-only and cannot be updated")
    assert lines[2].startswith("line 4: properties: properties must be a JSON object")
    assert lines[3].startswith("line 5: properties: properties must name at least 1 property")
    assert len(lines) == 4


def test_validate_reads_a_json_array_with_each_elements_line(run_cli: RunCli) -> None:
    text = '[\n  {"name": "Ada"},\n  {"status":\n     "maybe"}\n]\n'
    result = run_cli("validate", "-", stdin=text)
    assert result.returncode == 1
    assert result.stdout.startswith("line 3: status:")


def test_validate_reads_one_pretty_printed_object(run_cli: RunCli) -> None:
    result = run_cli("validate", "-", stdin=json.dumps(VALID, indent=2))
    assert result.returncode == 0, result.stderr
    result = run_cli("validate", "-", stdin=json.dumps(INVALID, indent=2))
    assert result.returncode == 1


def test_validate_json_format_is_machine_readable(run_cli: RunCli) -> None:
    result = run_cli("validate", "-", "--format", "json", stdin=_jsonl(VALID, INVALID))
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[0]["line"] == 2
    assert [(v["property"], v["rule"]) for v in records[0]["violations"]] == [
        ("status", "enum"),
        ("score", "read_only"),
    ]
    assert records[-1] == {"summary": {"records": 2, "valid": 1, "invalid": 1}}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "no JSON records found"),
        (b"\n  \n", "no JSON records found"),
        (b'{"name": "Ada"}\n{"name": \n', "line 2: not valid JSON"),
        (b'{"name": "Ada"}\n{"name": "\xff"}\n', "line 2: not UTF-8 text"),
        (b'[{"name": "Ada"},\n {"name"', "line 2: not valid JSON"),
        (b'[{"name": "Ada"}', "the JSON array is not closed"),
        (b'[{"name": "Ada"}] trailing', "unexpected content after the JSON array"),
        (b"\x00\x01\x02binary", "line 1: not valid JSON"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_validate_unreadable_input_exits_2_with_the_line(
    run_cli: RunCli, tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert reason in result.stderr
    assert result.stderr.startswith(f"contract validate: {path}:")
    assert "Traceback" not in result.stderr


def test_validate_a_missing_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert "cannot read it: No such file or directory" in result.stderr


def test_validate_with_a_schema_extension(run_cli: RunCli, tmp_path: Path) -> None:
    extension = tmp_path / "ext.json"
    extension.write_text(
        json.dumps({"properties": {"loyalty_tier": {"type": "string", "enum": ["gold"]}}})
    )
    payloads = _jsonl({"loyalty_tier": "gold"})
    assert run_cli("validate", "-", stdin=payloads).returncode == 1
    assert (
        run_cli("validate", "-", "--schema-extension", str(extension), stdin=payloads).returncode
        == 0
    )


def test_a_broken_schema_extension_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    extension = tmp_path / "ext.json"
    extension.write_text(json.dumps({"properties": {"name": {"type": "integer"}}}))
    result = run_cli("validate", "-", "--schema-extension", str(extension), stdin="{}")
    assert result.returncode == 2
    assert "redefines a built-in property" in result.stderr


def test_the_console_script_is_installed() -> None:
    executable = shutil.which("contract")
    assert executable is not None, "pip install the project to get the `contract` command"
    result = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("contract ")


def test_no_command_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "usage: contract" in result.stderr


_MIXED = b'{"name": "a"}\n{"name":\n{"status": "x"}\n\xff\xfe\n\n{"name": "b"}\n'


def test_keep_going_reports_unreadable_lines_and_reads_the_rest(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_MIXED)
    result = run_cli("validate", "--keep-going", str(path))
    assert result.returncode == 2, result.stderr  # a line could not be read
    assert result.stdout.splitlines() == [
        "line 2: unreadable: not valid JSON: Expecting value (column 1)",
        "line 3: status: `status` must be one of 'on', 'off', 'suppressed', got string 'x' "
        "(rule: enum)",
        "line 4: unreadable: not UTF-8 text (byte 0xff at column 1)",
    ]
    assert result.stderr == ("3 record(s) checked: 2 valid, 1 invalid, 2 unreadable line(s)\n")
    stopped = run_cli("validate", str(path))
    assert stopped.returncode == 2
    assert stopped.stderr.endswith("line 2: not valid JSON: Expecting value (column 1)\n")


def test_keep_going_in_json_counts_the_unreadable_lines(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_MIXED)
    result = run_cli("validate", "--keep-going", "--format", "json", str(path))
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("unreadable", "") != "" for line in lines[:-1]] == [True, False, True]
    assert [line["line"] for line in lines[:-1]] == [2, 3, 4]
    assert lines[-1] == {"summary": {"records": 3, "valid": 2, "invalid": 1, "unreadable": 2}}


def test_keep_going_passes_a_line_too_long_to_read_and_goes_on(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("wb") as out:
        out.write(b'{"name": "a"}\n{"name": "' + b"x" * (17 << 20) + b'"}\n{"status": "x"}\n')
    result = run_cli("validate", "--keep-going", str(path))
    assert result.returncode == 2
    assert result.stdout.splitlines()[0].startswith("line 2: unreadable: the line is longer than")
    assert result.stdout.splitlines()[1].startswith("line 3: status:")
    assert result.stderr == "2 record(s) checked: 1 valid, 1 invalid, 1 unreadable line(s)\n"
