"""The plugin's options: ``--contract-…`` flags, their ini twins, and environment variables."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from contract.client import Endpoint
from contract.defaults import (
    DEFAULT_EXAMPLES,
    DEFAULT_TIMEOUT,
    DEFAULT_USER,
    MIN_TIMEOUT,
    POLICIES,
    Policy,
)
from contract.throttle import RateLimit
from contract.transports import TRANSPORTS, Transport

TRANSPORT_CHOICES = (*TRANSPORTS, "both")

# name: (help, environment variable, default)
_OPTIONS: dict[str, tuple[str, str | None, str | None]] = {
    "url": ("base URL of the install, e.g. https://crm.example.com", "CONTRACT_URL", None),
    "user": ("Basic auth user name", "CONTRACT_USER", DEFAULT_USER),
    "api-key": ("Basic auth API key (prefer the environment variable)", "CONTRACT_API_KEY", None),
    "contact-id": ("id of the contact to test, or a comma list (one per xdist worker)", None, None),
    "transport": ("rest, xmlrpc or both", None, "both"),
    "xmlrpc-url": ("XML-RPC endpoint (default <url>/api/2.0/xmlrpc)", None, None),
    "readonly-policy": ("read-only properties must be: reject, ignore or either", None, "either"),
    "unknown-policy": ("unknown properties must be: reject, ignore or either", None, "either"),
    "examples": ("Hypothesis examples per requirement and transport", None, str(DEFAULT_EXAMPLES)),
    "seed": ("Hypothesis seed, to replay a run", "CONTRACT_SEED", None),
    "timeout": ("seconds to wait for each answer", None, str(DEFAULT_TIMEOUT)),
    "report": ("write the certificate to PATH (.json, .md, .html or .xml)", None, None),
    "rate-limit": ("at most this many requests for the whole run, e.g. 10/s, 600/min", None, None),
    "schema-extension": ("JSON Schema fragment of the install's custom fields", None, None),
    "record": ("record every exchange of the run to PATH (JSON Lines, redacted)", None, None),
    "replay": ("run offline, answered from the recording at PATH", None, None),
    "record-mode": ("all: always record; once: record if missing, else replay", None, "all"),
}
RECORD_MODES = ("once", "all")
# name: help; on/off switches, with a boolean ini twin
_FLAGS: dict[str, str] = {
    "insecure": "do not check the install's TLS certificate (the run says so loudly)",
    "allow-insecure-http": "allow sending the credentials over plain http:// to another host",
}


def add_options(parser: pytest.Parser) -> None:
    """Register every ``--contract-…`` option and its ini twin."""
    group = parser.getgroup("contract", "UpdateContact contract certification")
    for name, (help_text, variable, default) in _OPTIONS.items():
        ini_name = "contract_" + name.replace("-", "_")
        env_note = f" [env {variable}]" if variable else ""
        default_note = f" (default {default})" if default is not None else ""
        group.addoption(
            f"--contract-{name}", dest=ini_name, help=help_text + default_note + env_note
        )
        parser.addini(ini_name, help=help_text)
    for name, help_text in _FLAGS.items():
        ini_name = "contract_" + name.replace("-", "_")
        group.addoption(f"--contract-{name}", dest=ini_name, action="store_true", help=help_text)
        parser.addini(ini_name, help=help_text, type="bool", default=False)


def _flag(config: pytest.Config, name: str) -> bool:
    ini_name = "contract_" + name.replace("-", "_")
    return bool(config.getoption(ini_name)) or bool(config.getini(ini_name))


def _raw(config: pytest.Config, name: str) -> str | None:
    ini_name = "contract_" + name.replace("-", "_")
    _, variable, default = _OPTIONS[name]
    value: Any = config.getoption(ini_name)
    if value is None:
        value = config.getini(ini_name) or None
    if value is None and variable is not None:
        value = os.environ.get(variable) or None
    return str(value) if value is not None else default


def _choice(config: pytest.Config, name: str, choices: tuple[str, ...]) -> str:
    value = _raw(config, name)
    if value not in choices:
        raise pytest.UsageError(
            f"--contract-{name} must be one of {', '.join(choices)}, not {value!r}"
        )
    return value


def _number(name: str, value: str | None, kind: type[int] | type[float], minimum: float) -> Any:
    try:
        number = kind(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise pytest.UsageError(f"--contract-{name} must be a number, not {value!r}") from None
    if number < minimum:
        raise pytest.UsageError(f"--contract-{name} must be at least {minimum:g}, not {value}")
    return number


def _rate_limit(value: str | None) -> RateLimit | None:
    if value is None:
        return None
    try:
        return RateLimit.parse(value)
    except ValueError as error:
        raise pytest.UsageError(f"--contract-rate-limit: {error}") from None


def _contact_ids(value: str | None) -> tuple[int, ...]:
    if value is None:
        return ()
    try:
        ids = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise pytest.UsageError(
            f"--contract-contact-id takes ids like 7 or 7,8,9, not {value!r}"
        ) from None
    if not ids or any(i < 1 for i in ids) or len(set(ids)) != len(ids):
        raise pytest.UsageError(f"--contract-contact-id takes distinct positive ids, not {value!r}")
    return ids


@dataclass(frozen=True)
class SuiteConfig:
    """The certification's settings, resolved once from flags, ini and environment."""

    url: str | None
    user: str
    api_key: str | None = field(repr=False)
    contact_ids: tuple[int, ...]
    transports: tuple[Transport, ...]
    xmlrpc_url: str | None
    readonly_policy: Policy
    unknown_policy: Policy
    examples: int
    seed: int
    timeout: float
    report: str | None
    schema_extension: str | None
    record: str | None = None
    replay: str | None = None
    rate_limit: RateLimit | None = None
    verify_tls: bool = True
    allow_insecure_http: bool = False

    @property
    def endpoint(self) -> Endpoint:
        """The install to certify; a usage error when no URL was given."""
        if self.url is None:
            raise pytest.UsageError("no install to certify: give --contract-url (or CONTRACT_URL)")
        if self.api_key is None:
            raise pytest.UsageError("no API key: give --contract-api-key (or CONTRACT_API_KEY)")
        try:
            return Endpoint(
                self.url, self.user, self.api_key, self.xmlrpc_url, self.timeout, self.verify_tls
            )
        except ValueError as error:
            raise pytest.UsageError(f"--contract-url: {error}") from None

    def public(self) -> dict[str, Any]:
        """The settings a certificate may show: everything but the secret."""
        return {
            "url": self.url,
            "user": self.user,
            "contact_ids": list(self.contact_ids),
            "transports": list(self.transports),
            "xmlrpc_url": self.endpoint.rpc_url if self.url else self.xmlrpc_url,
            "readonly_policy": self.readonly_policy,
            "unknown_policy": self.unknown_policy,
            "examples": self.examples,
            "seed": self.seed,
            "timeout": self.timeout,
            "schema_extension": self.schema_extension,
            "record": self.record,
            "replay": self.replay,
            "rate_limit": str(self.rate_limit) if self.rate_limit else None,
            "verify_tls": self.verify_tls,
        }


def _recording(config: pytest.Config) -> tuple[str | None, str | None]:
    """The files to record to and replay from, after ``--contract-record-mode``."""
    mode = _choice(config, "record-mode", RECORD_MODES)
    here = Path(config.invocation_params.dir)
    record, replay = (_raw(config, name) for name in ("record", "replay"))
    if record is not None and replay is not None:
        raise pytest.UsageError("give --contract-record or --contract-replay, not both")
    if record is not None:
        record = str(here / record)
        if mode == "once" and Path(record).exists():
            return None, record
    if replay is not None:
        replay = str(here / replay)
        if not Path(replay).is_file():
            raise pytest.UsageError(f"--contract-replay: no recording at {replay}")
    return record, replay


def resolve(config: pytest.Config) -> SuiteConfig:
    """Read every option once; a usage error names the option and the rule."""
    record, replay = _recording(config)
    transport = _choice(config, "transport", TRANSPORT_CHOICES)
    transports = TRANSPORTS if transport == "both" else (cast(Transport, transport),)
    seed = _raw(config, "seed")
    if seed is None:
        seed = str(random.randrange(2**32))
        if getattr(config.option, "numprocesses", None):
            # xdist workers inherit the controller's environment, so they share the seed.
            os.environ["CONTRACT_SEED"] = seed
    return SuiteConfig(
        url=_raw(config, "url"),
        user=_raw(config, "user") or DEFAULT_USER,
        api_key=_raw(config, "api-key"),
        contact_ids=_contact_ids(_raw(config, "contact-id")),
        transports=transports,
        xmlrpc_url=_raw(config, "xmlrpc-url"),
        readonly_policy=cast(Policy, _choice(config, "readonly-policy", POLICIES)),
        unknown_policy=cast(Policy, _choice(config, "unknown-policy", POLICIES)),
        examples=_number("examples", _raw(config, "examples"), int, 1),
        seed=_number("seed", seed, int, 0),
        timeout=_number("timeout", _raw(config, "timeout"), float, MIN_TIMEOUT),
        report=_raw(config, "report"),
        schema_extension=_raw(config, "schema-extension"),
        record=record,
        replay=replay,
        rate_limit=_rate_limit(_raw(config, "rate-limit")),
        verify_tls=not _flag(config, "insecure"),
        allow_insecure_http=_flag(config, "allow-insecure-http"),
    )
