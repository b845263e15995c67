"""How a reference server is configured: one frozen set of options shared by every part,
and :data:`SERVE_OPTIONS`, the declaration of ``contract serve``'s flags that set them."""

from __future__ import annotations

import argparse
import secrets
import sys
import warnings
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import Any

from contract.core.api import DEFAULT_USER, XMLRPC_PATH
from contract.core.policies import TREATMENTS, Treatment
from contract.option_model import SCHEMA_EXTENSION, Option, Renamed
from contract.server.faults import check_fault_names, fault_overrides
from contract.server.profiles import PROFILES, check_profile_name
from contract.server.steps import Override

DEFAULT_HOST = "127.0.0.1"
DEFAULT_XMLRPC_PATH = XMLRPC_PATH
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_CONTACTS = 10
DEFAULT_THREADS = 8
DEFAULT_IDLE_TIMEOUT_SECONDS = 60
DEFAULT_NETWORK_HOLD_SECONDS = 30.0
"""Three times the certification's default time-out: a held answer comes too late."""
MEMORY_DATABASE = ":memory:"
DEFAULT_TREATMENT: Treatment = "reject"
API_KEY_VARIABLE = "CONTRACT_SERVER_API_KEY"
SERVE_PORT = 8080
"""Where ``contract serve`` listens unless told; from Python a server takes any free port."""


RENAMED_KEYWORDS = {"readonly_policy": "readonly_treatment", "unknown_policy": "unknown_treatment"}
"""Former keywords of :class:`ServerOptions`, still accepted with a :class:`DeprecationWarning`:
a policy is what a certification demands (:data:`contract.core.policies.Policy`), a
treatment what a server does."""


def generate_api_key() -> str:
    """A fresh random API key, for a server started without one."""
    return secrets.token_urlsafe(24)


def _caller_level() -> int:
    """The ``stacklevel`` that makes a warning of the function calling this one point at
    the first caller outside the server (past ``ReferenceServer`` and a dataclass's
    generated ``__init__``, whose module is this one)."""
    level, frame = 2, sys._getframe(2)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        "contract.server."
    ):
        level, frame = level + 1, frame.f_back
    return level


@dataclass(frozen=True)
class ServerOptions:
    """Everything a reference server needs to know before it starts.

    ``api_key=None`` means "generate one"; ``port=0`` means "any free port".
    """

    host: str = DEFAULT_HOST
    port: int = 0
    user: str = DEFAULT_USER
    api_key: str | None = None
    db: str | Path = MEMORY_DATABASE
    contacts: int = DEFAULT_CONTACTS
    """Plausible contacts: ids 1 to N."""
    fresh_contacts: int = DEFAULT_CONTACTS
    """Fresh contacts, as the platform makes them: the ids after the plausible ones."""
    readonly_treatment: Treatment = DEFAULT_TREATMENT
    """What an update carrying read-only properties gets: refused, or they are dropped."""
    unknown_treatment: Treatment = DEFAULT_TREATMENT
    """What an update carrying unknown properties gets: refused, or they are dropped."""
    latency_ms: float = 0.0
    xmlrpc_path: str = DEFAULT_XMLRPC_PATH
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    threads: int = DEFAULT_THREADS
    # A connection that sends nothing for this long (idle keep-alive, or a request
    # stalled half-way) is closed; a client sending slowly but steadily is not.
    idle_timeout_seconds: int = DEFAULT_IDLE_TIMEOUT_SECONDS
    schema_extension: Mapping[str, Any] | str | Path | None = field(default=None, compare=False)
    # Planted faults (see contract.server.faults): for testing the certification suite only.
    faults: frozenset[str] = frozenset()
    profile: str = "default"
    """A legal variant of the contract to play (see :mod:`contract.server.profiles`)."""
    network_seed: int = 0
    """Seeds the fates of the ``bad-network`` profile's requests."""
    network_hold_seconds: float = DEFAULT_NETWORK_HOLD_SECONDS
    """How long the ``bad-network`` profile holds an answer it holds."""
    readonly_policy: InitVar[Treatment | None] = None
    """Deprecated: the former name of ``readonly_treatment``."""
    unknown_policy: InitVar[Treatment | None] = None
    """Deprecated: the former name of ``unknown_treatment``."""

    def __post_init__(
        self, readonly_policy: Treatment | None, unknown_policy: Treatment | None
    ) -> None:
        self._take_former_keywords(readonly_policy=readonly_policy, unknown_policy=unknown_policy)
        # Any iterable of names is welcome; a frozen dataclass has to set the checked set itself.
        object.__setattr__(self, "faults", check_fault_names(self.faults))
        check_profile_name(self.profile)
        for name in RENAMED_KEYWORDS.values():
            treatment = getattr(self, name)
            if treatment not in TREATMENTS:
                raise ValueError(
                    f"{name} must be one of {', '.join(TREATMENTS)}, not {treatment!r}"
                )
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, not {self.port}")
        if self.contacts < 0:
            raise ValueError(f"contacts must not be negative, not {self.contacts}")
        if self.fresh_contacts < 0:
            raise ValueError(f"fresh_contacts must not be negative, not {self.fresh_contacts}")
        if not 0 < self.network_hold_seconds < float("inf"):
            raise ValueError(
                f"network_hold_seconds must be above zero, not {self.network_hold_seconds}"
            )
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms must not be negative, not {self.latency_ms}")
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be positive, not {self.max_body_bytes}")
        if self.threads < 1:
            raise ValueError(f"threads must be positive, not {self.threads}")
        if self.idle_timeout_seconds < 1:
            raise ValueError(
                f"idle_timeout_seconds must be at least 1, not {self.idle_timeout_seconds}"
            )
        if not self.xmlrpc_path.startswith("/"):
            raise ValueError(f"xmlrpc_path must start with '/', not {self.xmlrpc_path!r}")
        if ":" in self.user:
            # Basic auth splits user and key at the first colon.
            raise ValueError("user must not contain ':'")
        if self.api_key is not None and not self.api_key:
            raise ValueError("api_key must not be empty")

    def _take_former_keywords(self, **given: Treatment | None) -> None:
        """Take a value given by a former keyword for its new one, with a warning."""
        for former, value in given.items():
            if value is None:
                continue
            name = RENAMED_KEYWORDS[former]
            if getattr(self, name) != DEFAULT_TREATMENT:
                raise TypeError(f"{former} is the former name of {name}: give {name} only")
            warnings.warn(
                f"ServerOptions({former}=...) is deprecated, use {name}=... "
                "(a treatment is what the server does; a policy is what a certification demands)",
                DeprecationWarning,
                stacklevel=_caller_level(),
            )
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        # The key must never reach a log line or a traceback through a repr.
        shown = f"host={self.host!r}, port={self.port}, user={self.user!r}, db={str(self.db)!r}"
        if self.profile != "default":
            shown += f", profile={self.profile!r}"
        if self.faults:
            # A server that breaks the contract on purpose must say so wherever it shows.
            shown += f", faults={sorted(self.faults)!r}"
        return f"ServerOptions({shown})"

    @property
    def plausible_ids(self) -> range:
        """The ids of the plausible contacts the server seeds."""
        return range(1, self.contacts + 1)

    @property
    def fresh_ids(self) -> range:
        """The ids of the fresh contacts the server seeds, after the plausible ones."""
        return range(self.contacts + 1, self.contacts + self.fresh_contacts + 1)

    def overrides(self) -> list[Override]:
        """The steps the profile and the planted faults replace, profile first."""
        return [*PROFILES[self.profile].overrides, *fault_overrides(self.faults)]


# --- contract serve's flags -----------------------------------------------------------
# The readers of a flag's text: argparse shows the message of an ArgumentTypeError with
# the command's usage, and exits 2.


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be positive: {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a non-negative number: {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above zero: {text}")
    return value


def _treatment(kind: str, properties: str) -> Option:
    """``--KIND-treatment``: what the server does with *properties* properties in an
    update (it was ``--KIND-policy``, the name of what a certification demands)."""
    former = f"{kind}-policy"
    return Option(
        f"{kind}-treatment",
        f"what an update carrying {properties} properties gets: reject (400) or ignore "
        "(dropped, the rest applied)",
        default=DEFAULT_TREATMENT,
        choices=TREATMENTS,
        renamed_from=Renamed(
            former, f"it says what the server does; certify's --{former} says what a run demands"
        ),
    )


def _profiles_help() -> str:
    described = "; ".join(f"{p.name}: {p.description}" for p in PROFILES.values())
    return f"a legal variant of the contract that real installs show: {described}"


SERVE_OPTIONS: tuple[Option, ...] = (
    Option("host", "the address to listen on", default=DEFAULT_HOST),
    Option(
        "port",
        "the port to listen on; 0 picks a free one",
        default=str(SERVE_PORT),
        parse=_non_negative_int,
    ),
    Option("user", "the Basic auth user name", default=DEFAULT_USER),
    Option(
        "api-key",
        "the Basic auth API key",
        default_shown=f"${API_KEY_VARIABLE}, else a generated one, printed at start",
        metavar="KEY",
        env=API_KEY_VARIABLE,
    ),
    Option(
        "db",
        "the SQLite database file, created if missing",
        default=MEMORY_DATABASE,
        metavar="PATH",
    ),
    Option(
        "contacts",
        "make sure contacts 1..N exist, with plausible data",
        default=str(DEFAULT_CONTACTS),
        metavar="N",
        parse=_non_negative_int,
    ),
    Option(
        "fresh-contacts",
        "make sure contacts N+1..N+M exist as the platform makes them: defaults, and "
        '"" or null where the default is empty',
        default=str(DEFAULT_CONTACTS),
        metavar="M",
        parse=_non_negative_int,
    ),
    _treatment("readonly", "read-only"),
    _treatment("unknown", "unknown"),
    Option(
        "latency-ms",
        "delay every answer by N milliseconds, to rehearse a remote install",
        default="0",
        metavar="N",
        parse=_non_negative_float,
    ),
    Option(
        "xmlrpc-path",
        "where the XML-RPC endpoint listens",
        default=DEFAULT_XMLRPC_PATH,
        metavar="PATH",
    ),
    Option(
        "max-body-bytes",
        "larger request bodies are answered 413",
        default=str(DEFAULT_MAX_BODY_BYTES),
        metavar="N",
        parse=_positive_int,
    ),
    Option(
        "threads",
        "worker threads serving requests",
        default=str(DEFAULT_THREADS),
        metavar="N",
        parse=_positive_int,
    ),
    SCHEMA_EXTENSION,
    Option("profile", _profiles_help(), default="default", choices=tuple(PROFILES)),
    Option(
        "network-seed",
        "with --profile bad-network: the seed of which requests meet trouble, so a run "
        "can be played again",
        default="0",
        metavar="N",
        parse=_non_negative_int,
    ),
    Option(
        "network-hold",
        "with --profile bad-network: seconds an answer it holds is held, after its "
        "update is applied; longer than the client's time-out",
        default=f"{DEFAULT_NETWORK_HOLD_SECONDS:g}",
        metavar="S",
        parse=_positive_float,
        keyword="network_hold_seconds",
    ),
    # Planted faults are for testing the certification suite, not for users: kept out of --help.
    Option(
        "fault",
        "plant a fault (see contract.server.faults)",
        metavar="NAME",
        repeatable=True,
        hidden=True,
        keyword="faults",
    ),
)
"""Every flag of ``contract serve``, declared once: ``--help`` is made from it, the options
table of ``docs/reference-server.md`` is checked against it, and each flag's name in
Python is the :class:`ServerOptions` keyword it sets."""
