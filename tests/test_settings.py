"""The run's options: declared once, checked once, the same words whichever door they came in by."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from contract.cli.main import build_parser
from contract.run.settings import OPTIONS, Frontend, RunSettings, SettingsError, resolve
from tests.conftest import RunCli

# Values that break a rule, by option; each is given on the command line and to the plugin.
BAD_VALUES = {
    "contact-id": ("3,3", "--{} takes distinct positive ids, not '3,3'"),
    "transport": ("soap", "--{} must be one of rest, xmlrpc, both, not 'soap'"),
    "examples": ("0", "--{} must be at least 1, not 0"),
    "seed": ("-1", "--{} must be at least 0, not -1"),
    "timeout": ("nan", "--{} must be a number of seconds, at least 0.1, not 'nan'"),
    "rate-limit": ("fast", "--{}: a rate limit looks like 10/s or 120/min, not 'fast'"),
    "readonly-policy": ("maybe", "--{} must be one of reject, ignore, either, not 'maybe'"),
    "record-mode": ("never", "--{} must be one of once, all, not 'never'"),
}


def _resolve(**values: str | bool) -> RunSettings:
    given = {name.replace("_", "-"): value for name, value in values.items()}
    return resolve(given, here=Path.cwd(), environ={}, frontend=Frontend.CLI)


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_one_rule_one_message_spelt_per_door(name: str) -> None:
    value, message = BAD_VALUES[name]
    with pytest.raises(SettingsError) as caught:
        resolve({name: value}, here=Path.cwd(), environ={}, frontend=Frontend.CLI)
    assert caught.value.text(Frontend.CLI) == message.format(name)
    assert caught.value.text(Frontend.PLUGIN) == message.format(f"contract-{name}")


@pytest.mark.parametrize("name", ["contact-id", "transport", "timeout"])
def test_the_command_line_and_the_plugin_refuse_alike(
    name: str, run_cli: RunCli, pytester: pytest.Pytester
) -> None:
    value, message = BAD_VALUES[name]
    cli = run_cli("certify", f"--{name}", value)
    assert cli.returncode == 2
    assert cli.stderr == f"contract certify: could not run: {message.format(name)}\n"
    plugin = pytester.runpytest(f"--contract-{name}={value}")
    assert plugin.ret == pytest.ExitCode.USAGE_ERROR
    assert f"ERROR: {message.format(f'contract-{name}')}" in plugin.stderr.str()


def test_the_environment_fills_what_no_flag_gives_and_a_flag_wins() -> None:
    environ = {"CONTRACT_URL": "https://a.example", "CONTRACT_SEED": "7", "CONTRACT_USER": "u"}
    from_env = resolve({}, here=Path.cwd(), environ=environ, frontend=Frontend.CLI)
    assert (from_env.url, from_env.seed, from_env.user) == ("https://a.example", 7, "u")
    flagged = resolve({"seed": "8"}, here=Path.cwd(), environ=environ, frontend=Frontend.CLI)
    assert flagged.seed == 8


def test_the_key_is_never_in_a_repr_or_in_what_a_certificate_shows() -> None:
    settings = _resolve(url="https://a.example", api_key="s3cret-key", contact_id="4")
    assert "s3cret-key" not in repr(settings)
    assert "s3cret-key" not in repr(settings.public())
    assert "s3cret-key" not in repr(settings.endpoint())


def test_settings_travel_to_a_worker_unchanged() -> None:
    settings = _resolve(
        url="https://a.example",
        api_key="k",
        contact_id="4,5",
        rate_limit="2/s",
        report="out.json",
        transport="xmlrpc",
    )
    assert RunSettings.from_wire(settings.to_wire()) == settings


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"mock": True, "url": "https://a.example"}, "--mock certifies the simulated endpoint"),
        ({"workers": "2", "contact-id": "7"}, "--workers 2 needs 2 contact ids"),
        ({"record": "a.jsonl", "replay": "b.jsonl"}, "give --record or --replay, not both"),
        ({"report": "out.pdf"}, "--report must end in .json, .md, .html, .xml, not out.pdf"),
        ({"report": "a.json,b.pdf"}, "--report must end in .json, .md, .html, .xml, not b.pdf"),
        ({"report": "a.json,b.JSON"}, "--report names two .json files, a.json and b.JSON"),
        ({"report": " , "}, "--report names no file"),
        ({"report": "a.json,no-such-folder/b.md"}, "no-such-folder does not exist"),
    ],
)
def test_options_that_do_not_go_together(values: dict[str, str | bool], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        resolve(values, here=Path.cwd(), environ={}, frontend=Frontend.CLI)


def test_a_report_names_one_file_per_format_comma_separated(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    values: dict[str, str | bool] = {"report": "c.json, sub/c.html,c.md,c.xml"}
    settings = resolve(values, here=tmp_path, environ={}, frontend=Frontend.CLI)
    assert settings.reports == (
        tmp_path / "c.json",
        tmp_path / "sub" / "c.html",
        tmp_path / "c.md",
        tmp_path / "c.xml",
    )
    assert resolve({}, here=tmp_path, environ={}, frontend=Frontend.CLI).reports == ()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://crm.example", "is not on this machine: name the contact the run may change"),
        ("http://127.0.0.1:9", None),
    ],
)
def test_a_remote_install_needs_a_contact_before_any_request(url: str, message: str | None) -> None:
    settings = _resolve(url=url, api_key="k")
    if message is None:
        assert settings.endpoint().is_loopback
    else:
        with pytest.raises(SettingsError, match=message):
            settings.endpoint()


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_option_of_every_command_has_a_description_and_its_default(command: str) -> None:
    parser = _commands()[command]
    for action in parser._actions:
        if action.help in (None, argparse.SUPPRESS) and action.option_strings:
            assert action.help == argparse.SUPPRESS, f"{command} {action.option_strings}"
            continue
        assert action.help, f"{command} {action.dest} has no description"
        if action.option_strings and action.dest != "help":
            assert "(default: " in action.help, f"{command} {action.option_strings}"
    epilog = parser.epilog or ""
    assert epilog.startswith("exit codes:\n"), command
    assert re.search(r"^  0 ", epilog, re.M), command
    assert re.search(r"^  2 ", epilog, re.M), command


def test_certify_help_shows_defaults_descriptions_and_exit_codes(run_cli: RunCli) -> None:
    shown = run_cli("certify", "--help").stdout
    for option in OPTIONS:
        assert f"--{option.name}" in shown
    for default in ("(default: both)", "(default: either)", "(default: 25)", "(default: 10)"):
        assert default in shown
    assert "which transports to certify" in shown
    assert "exit codes:" in shown
    assert "  1  not certified" in shown


@pytest.mark.parametrize("command", ["certify", "validate", "serve", "restore"])
def test_a_mistyped_option_names_the_closest_one_under_the_commands_usage(
    command: str, run_cli: RunCli
) -> None:
    mistyped = {
        "certify": "--contactid",
        "validate": "--formt",
        "serve": "--prot",
        "restore": "--api-kye",
    }[command]
    meant = {"certify": "--contact-id", "validate": "--format", "serve": "--port"}.get(
        command, "--api-key"
    )
    result = run_cli(command, mistyped, "1", "x")
    assert result.returncode == 2
    assert result.stderr.startswith(f"usage: contract {command} ")
    assert result.stderr.rstrip().endswith(f"did you mean {meant}?")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"record-mode": "once"}, "--record-mode only makes sense with --record"),
        ({"xmlrpc-url": "https://crm.example/rpc"}, "--xmlrpc-url only makes sense with --url"),
    ],
)
def test_an_option_without_its_partner_is_refused(given: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        resolve(given, here=Path.cwd(), environ={}, frontend=Frontend.CLI)
    assert raised.value.text(Frontend.CLI) == message
    partnered = {"record-mode": {"record": "run.jsonl"}, "xmlrpc-url": {}}
    environ = {} if "record-mode" in given else {"CONTRACT_URL": "https://crm.example"}
    resolve(
        {**given, **partnered[next(iter(given))]},
        here=Path.cwd(),
        environ=environ,
        frontend=Frontend.CLI,
    )
