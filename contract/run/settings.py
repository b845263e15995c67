"""Every option of a certification run, declared once, and the settings they resolve to.

``contract certify``'s flags, the pytest plugin's ``--contract-…`` options and ini keys,
their help, and the README's option table all come from :data:`OPTIONS`. Whichever front end a
value came through (a flag, an ini key, an environment variable), :func:`resolve` checks
it here, once, and a :class:`SettingsError` says what is wrong in the same words, with
the option spelt as that front end spells it. Each option is a
:class:`contract.option_model.Option` (imported from here too, with :class:`Frontend`).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, cast, get_args

from contract.core.api import DEFAULT_USER, XMLRPC_PATH
from contract.core.policies import POLICIES, Policy
from contract.core.transports import TRANSPORTS, Transport
from contract.errors import ContractError
from contract.exchange.endpoint import KEY_VARIABLE, USER_VARIABLE, Endpoint
from contract.option_model import SCHEMA_EXTENSION
from contract.option_model import Frontend as Frontend
from contract.option_model import Option as Option
from contract.run.retrying import DEFAULT_RETRIES, MAX_RETRIES
from contract.run.throttle import RateLimit

RecordMode = Literal["once", "all"]
RECORD_MODES: tuple[RecordMode, ...] = get_args(RecordMode)
TRANSPORT_CHOICES = (*TRANSPORTS, "both")
REPORT_FORMATS = (".json", ".md", ".html", ".xml")
MIN_TIMEOUT = 0.1
URL_VARIABLE = "CONTRACT_URL"
SEED_VARIABLE = "CONTRACT_SEED"
MOCK_URL = "https://install.example"
"""Where ``--mock`` puts the simulated endpoint; nothing is sent over the network."""


def _choice_metavar(choices: tuple[str, ...]) -> str:
    return "|".join(choices)


DEFAULT_CONNECTIONS = 8
"""Connections per transport for what goes side by side, against an install elsewhere."""

OPTIONS: tuple[Option, ...] = (
    Option(
        "url",
        "the install's base address, e.g. https://crm.example.com",
        default_shown="the bundled reference server",
        plugin_default_shown="none",
        metavar="URL",
        env=URL_VARIABLE,
    ),
    Option(
        "mock",
        f"certify the simulated endpoint of contract.mock at {MOCK_URL}, in process",
        switch=True,
        plugin=False,
    ),
    Option("user", "the Basic auth user", default=DEFAULT_USER, metavar="NAME", env=USER_VARIABLE),
    Option(
        "api-key",
        "the Basic auth API key; prefer the environment variable, which no process list shows",
        metavar="KEY",
        env=KEY_VARIABLE,
    ),
    Option(
        "contact-id",
        "the contact(s) the run may change, one per worker, e.g. 7 or 7,8,9; "
        "required for an install that is not on this machine",
        default_shown="1 to N for N workers, on this machine only",
        metavar="N[,N...]",
    ),
    Option(
        "transport",
        "which transports to certify",
        default="both",
        metavar=_choice_metavar(TRANSPORT_CHOICES),
    ),
    Option(
        "witness-id",
        "contacts that are only read, before and after updates, to prove that an update "
        "changes no other contact (UC-ISOLATION)",
        default_shown="the neighbours of the contact under test that exist",
        metavar="N[,N...]",
    ),
    Option(
        "xmlrpc-url",
        "where XML-RPC calls go",
        default_shown=f"<url>{XMLRPC_PATH}",
        metavar="URL",
    ),
    Option(
        "readonly-policy",
        "what the install must do with read-only properties in an update: "
        "reject (refuse the update), ignore (drop them and apply the rest), or either",
        default="either",
        metavar=_choice_metavar(POLICIES),
    ),
    Option(
        "unknown-policy",
        "what the install must do with unknown properties in an update: "
        "reject (refuse the update), ignore (drop them and apply the rest), or either",
        default="either",
        metavar=_choice_metavar(POLICIES),
    ),
    Option(
        "examples",
        "Hypothesis examples per requirement and transport",
        default="25",
        metavar="N",
    ),
    Option(
        "seed",
        "the Hypothesis seed; the same seed replays a run exactly",
        default_shown="random, printed",
        metavar="N",
        env=SEED_VARIABLE,
    ),
    Option("timeout", "seconds to wait for each answer", default="10", metavar="S"),
    Option(
        "retries",
        "how often a request the network lost (its connection dropped or reset, its answer "
        "not there in time) is sent again, after a wait of up to 0.2 s that doubles "
        f"each time, to 2 s at most; every request of a run is safe to repeat; 0 to {MAX_RETRIES}",
        default=str(DEFAULT_RETRIES),
        metavar="N",
    ),
    Option(
        "workers",
        "parallel workers (pytest-xdist), one contact each",
        default="1",
        metavar="N",
        plugin=False,
        plugin_spelling="-n",
    ),
    Option(
        "rate-limit",
        "at most N requests a second for the whole run (N/min also works); "
        "each worker keeps its share",
        metavar="N/s",
    ),
    Option(
        "connections",
        "keep-alive connections per transport over which each worker sends, side by side, "
        "the requests a conforming install refuses without change; 1 sends everything "
        "in turn",
        default_shown=f"{DEFAULT_CONNECTIONS}; 1 for the bundled server and --mock, which "
        "answer in this process, where there is no round trip to hide",
        plugin_default_shown=str(DEFAULT_CONNECTIONS),
        metavar="N",
    ),
    Option(
        "shrink-budget",
        "requests a failing test may spend shrinking its failure to a minimal payload; "
        'then the smallest found so far is reported, marked "not fully shrunk"',
        default="100",
        metavar="N",
    ),
    Option(
        "insecure",
        "do not check the install's TLS certificate; the run warns on its first line",
        switch=True,
    ),
    Option(
        "allow-insecure-http",
        "allow Basic auth over plain http:// to a host that is not this machine",
        switch=True,
    ),
    Option(
        "allow-irreversible",
        "exercise properties whose current value the install will not take back "
        '(e.g. a fresh contact\'s "" gender): the run may leave them changed',
        switch=True,
    ),
    Option(
        "require-full-coverage",
        "certify only a run that exercised every writable property and verified every "
        "requirement: one that left a property out (its value could not have been put "
        "back) or could not verify a requirement is not certified (exit 1), naming each "
        "and why",
        switch=True,
    ),
    Option(
        "report",
        f"write the certificate to PATH: {', '.join(REPORT_FORMATS)} (JUnit); to several "
        "formats at once, comma-separated, e.g. c.json,c.html",
        metavar="PATH[,PATH...]",
    ),
    SCHEMA_EXTENSION,
    Option(
        "record",
        "record every exchange of the run to PATH (JSON Lines, credentials redacted; "
        "gzip-compressed when PATH ends in .gz)",
        metavar="PATH",
    ),
    Option("replay", "certify offline, answered from the recording at PATH", metavar="PATH"),
    Option(
        "record-mode",
        "with record: all records every time; once records when PATH is missing and "
        "replays it otherwise",
        default="all",
        metavar=_choice_metavar(RECORD_MODES),
    ),
)
OPTION = {option.name: option for option in OPTIONS}
_SPELLED = re.compile(r"\{--([a-z-]+)\}")


def with_option_names(template: str, frontend: Frontend) -> str:
    """*template* with each ``{--name}`` spelt as *frontend* spells that option."""
    return _SPELLED.sub(lambda match: OPTION[match.group(1)].spelling(frontend), template)


class SettingsError(ContractError, ValueError):
    """An option that cannot be used, or options that do not go together.

    The message is written once, naming options as ``{--name}``; :meth:`text` spells
    them the way the front end the user came through does.
    """

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template

    def text(self, frontend: Frontend) -> str:
        """The message with every option spelt as *frontend* spells it."""
        return with_option_names(self.template, frontend)

    def __str__(self) -> str:
        return self.text(Frontend.CLI)


@dataclass(frozen=True)
class RunSettings:
    """A certification run's settings, resolved and checked once."""

    url: str | None
    user: str
    api_key: str | None = field(repr=False)
    contact_ids: tuple[int, ...]
    """As given; empty for "the default", which :meth:`contacts` says."""
    witness_ids: tuple[int, ...]
    transports: tuple[Transport, ...]
    xmlrpc_url: str | None
    readonly_policy: Policy
    unknown_policy: Policy
    examples: int
    seed: int
    timeout: float
    retries: int
    """How often a request the network lost is sent again."""
    workers: int
    rate_limit: RateLimit | None
    connections: int | None
    """``None`` for the default: :data:`DEFAULT_CONNECTIONS`, or 1 in process."""
    shrink_budget: int
    verify_tls: bool
    allow_insecure_http: bool
    allow_irreversible: bool
    require_full_coverage: bool
    mock: bool
    reports: tuple[Path, ...]
    """Where the certificate is written, one file per format."""
    schema_extension: str | None
    record: Path | None
    replay: Path | None
    record_mode: RecordMode
    frontend: Frontend = Frontend.PLUGIN
    """Where the settings came from, to name options in messages as the user gave them."""
    in_process: bool = False
    """True when the install answers in this process (the bundled server, ``--mock``):
    there is no round trip to hide, so what goes side by side by default goes in turn."""
    share_evidence: bool = False
    """True when the tests that judge the same valid updates share their exchanges (see
    :mod:`contract.run.evidence`): when they all run in one process. A recording keeps
    it, and its replay shares as the run did."""

    def spell(self, template: str) -> str:
        """*template* with each ``{--name}`` spelt as this run's front end spells it."""
        return with_option_names(template, self.frontend)

    @property
    def replay_source(self) -> Path | None:
        """The recording the run answers from: ``replay``, or ``record`` in mode once when
        the file is there."""
        if self.replay is not None:
            return self.replay
        if self.record is not None and self.record_mode == "once" and self.record.is_file():
            return self.record
        return None

    @property
    def record_target(self) -> Path | None:
        """Where the run records to, unless it replays."""
        return self.record if self.replay_source is None else None

    def endpoint(self) -> Endpoint:
        """The install to certify, after every check that must come before a request:
        an address, a key, a contact for a remote install, no key over plain http."""
        if self.url is None:
            raise SettingsError("no install to certify: give {--url}")
        if not self.api_key:
            raise SettingsError(f"no API key: give {{--api-key}} or set {KEY_VARIABLE}")
        try:
            endpoint = Endpoint(
                self.url,
                self.user,
                self.api_key,
                self.xmlrpc_url,
                self.timeout,
                self.verify_tls,
                self.retries,
            )
        except ValueError as error:
            raise SettingsError(f"{{--url}}: {error}") from None
        if not endpoint.is_loopback and not self.contact_ids:
            raise SettingsError(
                f"{endpoint.base_url} is not on this machine: "
                "name the contact the run may change with {--contact-id}"
            )
        if endpoint.plain_http_hosts and not self.allow_insecure_http:
            raise SettingsError(
                "the API key would cross the network unencrypted to "
                f"{endpoint.plain_http_hosts[0]}: use https://, or accept that with "
                "{--allow-insecure-http}"
            )
        return endpoint

    @property
    def connections_in_effect(self) -> int:
        """Connections per transport for what goes side by side: as given, else
        :data:`DEFAULT_CONNECTIONS`, or 1 in process."""
        if self.connections is not None:
            return self.connections
        return 1 if self.in_process else DEFAULT_CONNECTIONS

    def contacts(self) -> tuple[int, ...]:
        """The contacts of the run, one per worker: as given, else 1 to N on this machine."""
        return self.contact_ids or tuple(range(1, self.workers + 1))

    def public(self) -> dict[str, Any]:
        """The settings a certificate or a recording may show: everything but the secret."""
        xmlrpc_url = self.xmlrpc_url
        if self.url is not None and xmlrpc_url is None:
            xmlrpc_url = self.url.rstrip("/") + XMLRPC_PATH
        return {
            "url": self.url,
            "user": self.user,
            "contact_ids": list(self.contact_ids),
            "witness_ids": list(self.witness_ids),
            "transports": list(self.transports),
            "xmlrpc_url": xmlrpc_url,
            "readonly_policy": self.readonly_policy,
            "unknown_policy": self.unknown_policy,
            "examples": self.examples,
            "seed": self.seed,
            "timeout": self.timeout,
            "retries": self.retries,
            "schema_extension": self.schema_extension,
            "record": str(self.record) if self.record else None,
            "replay": str(self.replay) if self.replay else None,
            "rate_limit": str(self.rate_limit) if self.rate_limit else None,
            "connections": self.connections_in_effect,
            "shrink_budget": self.shrink_budget,
            "verify_tls": self.verify_tls,
            "allow_irreversible": self.allow_irreversible,
            "require_full_coverage": self.require_full_coverage,
            "share_evidence": self.share_evidence,
        }

    def to_wire(self) -> dict[str, Any]:
        """Plain data, for an xdist worker (the key goes through xdist's channel, no further)."""
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        for name in ("record", "replay"):
            data[name] = str(data[name]) if data[name] is not None else None
        data["reports"] = [str(path) for path in self.reports]
        data["rate_limit"] = self.rate_limit.per_second if self.rate_limit else None
        data["contact_ids"] = list(self.contact_ids)
        data["witness_ids"] = list(self.witness_ids)
        data["transports"] = list(self.transports)
        data["frontend"] = self.frontend.name
        return data

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> RunSettings:
        """The inverse of :meth:`to_wire`."""
        values = dict(data)
        for name in ("record", "replay"):
            values[name] = Path(values[name]) if values[name] is not None else None
        values["reports"] = tuple(Path(path) for path in values["reports"])
        per_second = values["rate_limit"]
        values["rate_limit"] = RateLimit(per_second) if per_second is not None else None
        values["contact_ids"] = tuple(values["contact_ids"])
        values["witness_ids"] = tuple(values["witness_ids"])
        values["transports"] = tuple(values["transports"])
        values["frontend"] = Frontend[values["frontend"]]
        return cls(**values)

    def with_target(self, url: str, user: str, api_key: str) -> RunSettings:
        """The same settings, aimed at an install the run started itself."""
        return replace(self, url=url, user=user, api_key=api_key)


# --- reading values ----------------------------------------------------------------------

Raw = str | bool | None


def _text(name: str, values: Mapping[str, Raw], environ: Mapping[str, str]) -> str | None:
    option = OPTION[name]
    value = values.get(name)
    if value is None or value == "":
        value = environ.get(option.env) if option.env else None
    if value is None or value == "":
        return option.default
    return str(value)


MAX_CONNECTIONS = 32
"""More concurrent connections than this would be a load test, not a certification."""


def _connections(text: str | None) -> int | None:
    return None if text is None else _whole("connections", text, 1, MAX_CONNECTIONS)


def _whole(name: str, text: str | None, minimum: int, maximum: int | None = None) -> int:
    try:
        number = int(str(text).strip())
    except ValueError:
        raise SettingsError(f"{{--{name}}} must be a whole number, not {text!r}") from None
    if number < minimum:
        raise SettingsError(f"{{--{name}}} must be at least {minimum}, not {number}")
    if maximum is not None and number > maximum:
        raise SettingsError(f"{{--{name}}} must be at most {maximum}, not {number}")
    return number


def _seconds(name: str, text: str | None) -> float:
    try:
        number = float(str(text))
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < MIN_TIMEOUT:
        raise SettingsError(
            f"{{--{name}}} must be a number of seconds, at least {MIN_TIMEOUT:g}, not {text!r}"
        )
    return number


def _choice(name: str, text: str | None, choices: tuple[str, ...]) -> str:
    if text not in choices:
        raise SettingsError(f"{{--{name}}} must be one of {', '.join(choices)}, not {text!r}")
    return text


def _ids(name: str, text: str | None) -> tuple[int, ...]:
    if text is None:
        return ()
    try:
        ids = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise SettingsError(f"{{--{name}}} takes ids like 7 or 7,8,9, not {text!r}") from None
    if not ids or any(i < 1 for i in ids) or len(set(ids)) != len(ids):
        raise SettingsError(f"{{--{name}}} takes distinct positive ids, not {text!r}")
    return ids


def _rate_limit(text: str | None) -> RateLimit | None:
    if text is None:
        return None
    try:
        return RateLimit.parse(text)
    except ValueError as error:
        raise SettingsError(f"{{--rate-limit}}: {error}") from None


def _path(text: str | None, here: Path) -> Path | None:
    return here / text if text is not None else None


def _in_a_folder(name: str, path: Path | None) -> None:
    if path is not None and not path.resolve().parent.is_dir():
        raise SettingsError(f"{{--{name}}}: the folder {path.parent} does not exist")


def _reports(text: str | None, here: Path) -> tuple[Path, ...]:
    """The comma-separated files of ``--report``: each of a known format, in a folder that
    exists, and no two of one format."""
    if text is None:
        return ()
    paths = tuple(here / part.strip() for part in text.split(",") if part.strip())
    if not paths:
        raise SettingsError("{--report} names no file")
    formats: dict[str, Path] = {}
    for path in paths:
        suffix = path.suffix.lower()
        if suffix not in REPORT_FORMATS:
            raise SettingsError(
                f"{{--report}} must end in {', '.join(REPORT_FORMATS)}, not {path.name}"
            )
        if suffix in formats:
            raise SettingsError(
                f"{{--report}} names two {suffix} files, {formats[suffix].name} and "
                f"{path.name}: one file per format"
            )
        formats[suffix] = path
        _in_a_folder("report", path)
    return paths


def _usable_extension(source: str) -> None:
    """The schema extension reads, is valid JSON Schema, and can be drawn from."""
    from contract.core.schema import SchemaExtensionError, load_contract
    from contract.strategies import UnsupportedSchemaError, invalid_updates, valid_updates

    try:
        load_contract(source)
        for transport in TRANSPORTS:
            valid_updates(transport, source)
            invalid_updates(transport, source)
    except (SchemaExtensionError, UnsupportedSchemaError) as error:
        raise SettingsError(f"{{--schema-extension}} {source}: {error}") from None


def _together(settings: RunSettings) -> None:
    """The rules that concern several options at once."""
    if settings.mock and settings.url is not None:
        raise SettingsError("{--mock} certifies the simulated endpoint: leave out {--url}")
    if settings.mock and settings.workers > 1:
        raise SettingsError("{--mock} runs in process: it takes no {--workers} above 1")
    if settings.record is not None and settings.replay is not None:
        raise SettingsError("give {--record} or {--replay}, not both")
    if settings.replay is not None:
        if settings.url is not None or settings.mock:
            raise SettingsError("{--replay} answers from the recording: leave out {--url}")
        if not settings.replay.is_file():
            raise SettingsError(f"{{--replay}}: no recording at {settings.replay}")
    _in_a_folder("record", settings.record)
    shared = sorted(set(settings.witness_ids) & set(settings.contact_ids))
    if shared:
        raise SettingsError(
            f"{{--witness-id}} names contact {shared[0]}, which {{--contact-id}} lets the run "
            "change: a witness is only read"
        )
    if settings.contact_ids and len(settings.contact_ids) < settings.workers:
        raise SettingsError(
            f"{{--workers}} {settings.workers} needs {settings.workers} contact ids, "
            f"one per worker; {{--contact-id}} gives {len(settings.contact_ids)}"
        )


_NEEDS = {"record-mode": "record", "xmlrpc-url": "url"}
"""Options that only mean something beside another one."""


def _no_option_alone(values: Mapping[str, Raw], environ: Mapping[str, str]) -> None:
    """Refuse an option given without the one it works with: silently ignored, it would
    leave the user believing it had worked."""

    def given(name: str) -> bool:
        env = OPTION[name].env
        return values.get(name) not in (None, "") or bool(env and environ.get(env))

    for name, partner in _NEEDS.items():
        if given(name) and not given(partner):
            raise SettingsError(f"{{--{name}}} only makes sense with {{--{partner}}}")


def resolve(
    values: Mapping[str, Raw], *, here: Path, environ: Mapping[str, str], frontend: Frontend
) -> RunSettings:
    """The run's settings from the values a front end was given (option name to text, or to a
    bool for a switch), then the environment, then the defaults.

    *here* is where relative paths start; *frontend* is where the values came from. Raises
    :class:`SettingsError`.
    """

    def text(name: str) -> str | None:
        return _text(name, values, environ)

    transport = _choice("transport", text("transport"), TRANSPORT_CHOICES)
    seed = text("seed")
    settings = RunSettings(
        url=text("url"),
        user=text("user") or DEFAULT_USER,
        api_key=text("api-key"),
        contact_ids=_ids("contact-id", text("contact-id")),
        witness_ids=_ids("witness-id", text("witness-id")),
        transports=TRANSPORTS if transport == "both" else (cast(Transport, transport),),
        xmlrpc_url=text("xmlrpc-url"),
        readonly_policy=cast(Policy, _choice("readonly-policy", text("readonly-policy"), POLICIES)),
        unknown_policy=cast(Policy, _choice("unknown-policy", text("unknown-policy"), POLICIES)),
        examples=_whole("examples", text("examples"), 1),
        seed=random.randrange(2**32) if seed is None else _whole("seed", seed, 0),
        timeout=_seconds("timeout", text("timeout")),
        retries=_whole("retries", text("retries"), 0, MAX_RETRIES),
        workers=_whole("workers", text("workers"), 1),
        rate_limit=_rate_limit(text("rate-limit")),
        connections=_connections(text("connections")),
        shrink_budget=_whole("shrink-budget", text("shrink-budget"), 0),
        verify_tls=not values.get("insecure"),
        allow_insecure_http=bool(values.get("allow-insecure-http")),
        allow_irreversible=bool(values.get("allow-irreversible")),
        require_full_coverage=bool(values.get("require-full-coverage")),
        mock=bool(values.get("mock")),
        reports=_reports(text("report"), here),
        schema_extension=text("schema-extension"),
        record=_path(text("record"), here),
        replay=_path(text("replay"), here),
        record_mode=cast(RecordMode, _choice("record-mode", text("record-mode"), RECORD_MODES)),
        frontend=frontend,
    )
    _together(settings)
    _no_option_alone(values, environ)
    if settings.schema_extension is not None:
        _usable_extension(settings.schema_extension)
    return settings
