"""The README and the docs are a contract too: their commands, tables and examples hold."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import pytest

from contract import load_contract
from contract.cli.certify import EXITS as CERTIFY_EXITS
from contract.cli.diff import EXITS as DIFF_EXITS
from contract.cli.fleet import EXITS as FLEET_EXITS
from contract.cli.main import VALIDATE_EXITS, parse_args
from contract.cli.prepare import EXITS as PREPARE_EXITS
from contract.cli.restore import EXITS as RESTORE_EXITS
from contract.core.requirements import CATALOGUE
from contract.errors import Exit
from contract.run.settings import OPTIONS, Frontend
from tests.conftest import RunCli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {"README.md": README} | {
    f"docs/{path.name}": path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "docs").glob("*.md"))
}
# Where the reference material lives: the tables rendered from the code are checked
# wherever they are, as long as some page holds them.
DOCS = "\n".join(PAGES.values())
FRONT_PAGE_LINES = 250


def _rule(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return ", ".join(f"`{value}`" for value in schema["enum"])
    if schema.get("format") == "date":
        return "calendar date `YYYY-MM-DD`"
    if "contentSchema" in schema:
        return "string holding a JSON array of strings"
    return ""


def render_property_table() -> str:
    """The README's property table, rendered from the schemas: the type and values an
    update may send (the contact's own for a read-only property), and the default a
    fresh contact holds."""
    contract = load_contract()
    rows = [
        "| property | type | allowed values / format | default | read-only |",
        "|---|---|---|---|---|",
    ]
    for name, held in contract.properties.items():
        schema = contract.rules(name)
        kind = schema["type"] if isinstance(schema["type"], str) else " or ".join(schema["type"])
        kind += " (deprecated)" if schema.get("deprecated") else ""
        default = json.dumps(held["default"]) if "default" in held else ""
        read_only = "yes" if schema.get("readOnly") else ""
        rows.append(f"| `{name}` | {kind} | {_rule(schema)} | {default} | {read_only} |")
    return "\n".join(rows)


def _first_code_block() -> list[str]:
    match = re.search(r"```(?:sh|bash|console)?\n(.*?)```", README, re.S)
    assert match, "the README starts with a code block of set-up commands"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_the_readme_starts_with_exactly_two_set_up_commands() -> None:
    before = README[: README.index("```")]
    assert before.count("\n") <= 3, "nothing but a title before the set-up commands"
    main_job, tests = _first_code_block()
    assert "pip install" in main_job
    assert "contract " in main_job
    assert "pytest" in tests


def test_ci_runs_the_readmes_test_command() -> None:
    _, tests = _first_code_block()
    assert tests in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_tox_runs_what_ci_runs_and_dev_installs_tox() -> None:
    """`tox` (the Development section's command) checks what `.ci/run` checks: the suite,
    ruff and mypy; and `.[dev]` installs it."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    for check in ("ruff check .", "ruff format --check .", "mypy"):
        assert check in ci
        assert check in tox
    assert "pytest" in ci
    assert re.search(r"^commands = pytest\b", tox, re.M)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dev = pyproject["project"]["optional-dependencies"]["dev"]
    assert any(requirement.startswith("tox") for requirement in dev)


def test_the_property_table_matches_the_schema() -> None:
    table = render_property_table()
    assert table in DOCS, "regenerate the docs' property table:\n" + table


def _blocks(language: str) -> list[Any]:
    """Each code block in *language*, as a pytest param named after its page."""
    found = []
    for page, text in PAGES.items():
        for number, block in enumerate(re.findall(rf"```{language}\n(.*?)```", text, re.S), 1):
            found.append(pytest.param(page, block, id=f"{page}:{number}"))
    return found


def test_the_readme_has_python_examples() -> None:
    assert len(re.findall(r"```python\n", README)) >= 1
    assert len(_blocks("python")) >= 8


@pytest.mark.parametrize(("page", "example"), _blocks("python"))
def test_every_python_example_runs(
    page: str, example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(example, page, "exec"), {"__name__": "readme_example"})


def _commands(block: str) -> list[list[str]]:
    """The commands of a shell block: continuations joined, comments and variable
    assignments in front of a command dropped."""
    joined = block.replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        for part in re.split(r"&&|\|", line.split(" #")[0]):
            words = shlex.split(part, comments=True)
            redirects = (i for i, word in enumerate(words) if word.startswith(("<", ">", "2>")))
            redirect = next(redirects, None)
            words = words[:redirect]
            while words and re.match(r"^[A-Z_]+=", words[0]):
                words.pop(0)
            if words:
                commands.append(words)
    return commands


@pytest.mark.parametrize(("page", "block"), _blocks("(?:sh|bash)"))
def test_every_contract_command_in_the_docs_parses(page: str, block: str) -> None:
    """Each ``contract …`` command of a shell block names a command and options that
    exist, with values of the right form; each ``pytest`` one only plugin options that
    exist."""
    plugin_flags = {option.spelling(Frontend.PLUGIN) for option in OPTIONS if option.plugin}
    for words in _commands(block):
        if words[0] == "contract":
            try:
                parse_args(words[1:])
            except SystemExit as stop:
                pytest.fail(f"{page}: `{shlex.join(words)}` does not parse (exit {stop.code})")
        elif words[0] == "pytest":
            for word in words:
                if word.startswith("--contract-"):
                    assert word.split("=")[0] in plugin_flags, f"{page}: {word}"


def test_the_front_page_is_short_and_links_every_docs_page() -> None:
    assert README.count("\n") < FRONT_PAGE_LINES
    for page in PAGES:
        if page.startswith("docs/") and page != "docs/index.md":  # the site's own front page
            assert f"]({page})" in README, f"the README links {page}"


def test_the_docs_build_without_warnings(tmp_path: Path) -> None:
    """``mkdocs build --strict``: every page in the navigation, every link and anchor
    resolved, the API reference generated from the docstrings."""
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = built.stdout + built.stderr
    assert built.returncode == 0, output
    assert "WARNING" not in output, output
    api = (tmp_path / "api" / "index.html").read_text(encoding="utf-8")
    assert "validate_update" in api
    assert "PayloadError" in api


def render_requirement_table() -> str:
    """The README's requirement table, rendered from the catalogue."""
    rows = ["| id | requirement | needs read-back | changes the contact |", "|---|---|---|---|"]
    for r in CATALOGUE:
        readback, changes = (
            "yes" if flag else "" for flag in (r.needs_readback, r.changes_contact)
        )
        rows.append(f"| {r.id} | {r.statement} | {readback} | {changes} |")
    return "\n".join(rows)


def test_the_requirements_table_is_the_catalogue() -> None:
    table = render_requirement_table()
    assert table in DOCS, "regenerate the docs' requirements table:\n" + table


def render_option_table() -> str:
    """The README's table of a run's options, rendered from their declaration."""
    rows = [
        "| `contract certify` | plugin option, ini key | variable | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for option in OPTIONS:
        metavar = f" {option.metavar}".replace("|", "\\|") if option.metavar else ""
        flag = f"--{option.name}{metavar}"
        if option.plugin:
            plugin = f"`{option.spelling(Frontend.PLUGIN)}`, `{option.ini_key}`"
        else:
            plugin = f"`{option.plugin_spelling}`" if option.plugin_spelling else ""
        variable = f"`{option.env}`" if option.env else ""
        default = option.help_text(Frontend.CLI).rsplit(" (default: ", 1)[1].split(")")[0]
        plugin_default = option.help_text(Frontend.PLUGIN).rsplit(" (default: ", 1)[1].split(")")[0]
        if plugin_default != default and option.plugin:
            default += f" (plugin: {plugin_default})"
        meaning = option.help.replace("|", "\\|")
        rows.append(f"| `{flag}` | {plugin} | {variable} | {default} | {meaning} |")
    return "\n".join(rows)


def test_the_option_table_is_the_declaration() -> None:
    table = render_option_table()
    assert table in DOCS, "regenerate the docs' option table:\n" + table


def render_exit_codes(exits: Mapping[Exit, str]) -> str:
    """A README table of a command's exit codes, rendered from the command's own."""
    rows = ["| exit code | meaning |", "|---|---|"]
    rows += [f"| {int(code)} | {meaning} |" for code, meaning in exits.items()]
    return "\n".join(rows)


@pytest.mark.parametrize(
    "exits",
    [CERTIFY_EXITS, VALIDATE_EXITS, RESTORE_EXITS, FLEET_EXITS, PREPARE_EXITS, DIFF_EXITS],
    ids=["certify", "validate", "restore", "fleet", "prepare", "diff"],
)
def test_the_exit_code_tables_are_the_commands(exits: Mapping[Exit, str]) -> None:
    table = render_exit_codes(exits)
    unindented = "\n".join(line.strip() for line in DOCS.splitlines())  # tables in lists
    assert table in unindented, "regenerate the docs' exit code table:\n" + table


def test_the_readme_documents_every_certify_option(run_cli: RunCli) -> None:
    usage = run_cli("certify", "--help").stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", usage)) - {"--help"}
    assert len(options) > 10
    for option in sorted(options):
        assert f"`{option}" in PAGES["docs/certify.md"], option


def test_the_profile_table_is_the_registry() -> None:
    from contract.server.profiles import PROFILES

    rows = "\n".join(f"| `{p.name}` | {p.description} |" for p in PROFILES.values())
    assert rows in DOCS, "regenerate the docs' profile table:\n" + rows


def test_the_coverage_table_names_every_kind_of_fixed_case() -> None:
    from contract.run.coverage import bad_formats, stored_exactly, wrong_types

    contract = load_contract()
    section = DOCS[DOCS.index("**Systematic before random.**") : DOCS.index("**Limits.**")]
    kinds = {probe["kind"].split(" for ")[0] for probe in wrong_types(contract, "rest")}
    kinds |= {probe["kind"] for probe in bad_formats(contract)}
    for probe in stored_exactly(contract, "rest"):
        if probe["kind"] not in ("an allowed value", "the smallest integer"):
            kinds.add(probe["kind"].removeprefix("text of ").removeprefix("the "))
    wording = {
        "a boolean": "a boolean",
        "an integer": "an integer",
        "a fraction": "a fraction",
        "text that is no number": "text that is no number",
        "empty text": "empty text",
        "null": "null",
        "an array": "an array",
        "an object": "an object",
        "300 characters": "300",
        "10,000 characters": "10,000 characters",
        "largest integer the transport carries": "the largest and the smallest integer",
        "text in Unicode decomposed form (NFD)": "in Unicode decomposed form (NFD)",
    }
    missing = [kind for kind in kinds if wording.get(kind, kind).lower() not in section.lower()]
    assert not missing, missing
