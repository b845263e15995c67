"""Install profiles: legal variants of the contract that real installs show, for the
reference server to play (``contract serve --profile NAME``, ``ReferenceServer(profile=…)``).

A certification must pass every one: a storage limit, a lenient reading of numbers, or
another way of refusing is no fault. Each profile replaces steps of the server the way a
planted fault does (see :mod:`contract.server.steps`), or puts a bad network in front of
it (see :mod:`contract.server.network`), which is no fault of the install either.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract.core.violations import Violation, violation
from contract.server.http_io import Response
from contract.server.steps import (
    Override,
    RestAnswer,
    Rules,
    Service,
    Stored,
    integer_names,
    letting_in,
)
from contract.server.updates import UpdateRequest

LONG_TEXT = 255
INT_LIMIT = 2**31
TEXT_PLAIN = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Profile:
    """One install profile: its name, what it does (one line), and the steps it replaces."""

    name: str
    description: str
    overrides: tuple[Override, ...] = ()
    network: bool = False
    """True when the profile plays a bad network in front of the server."""


def _numeric_text(value: object) -> bool:
    return isinstance(value, str) and value.strip().lstrip("+-").isdigit()


def _refusing_beyond_limits(service: Service, rules: Rules) -> Rules:
    integers = integer_names(service)

    def with_limits(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        found = rules(request, stored)
        if found or not isinstance(request.properties, Mapping):
            return found
        limits = []
        for name, value in request.properties.items():
            if name not in service.writable:
                continue
            if isinstance(value, str) and len(value) > LONG_TEXT:
                message = f"`{name}` holds {len(value)} characters; this install keeps 255"
                limits.append(violation(name, "limit", message))
            elif (
                request.transport == "rest"
                and name in integers
                and type(value) is int
                and not -INT_LIMIT <= value < INT_LIMIT
            ):
                message = f"`{name}` is outside the 32-bit integers this install keeps"
                limits.append(violation(name, "limit", message))
        return limits

    return with_limits


def _taking_numeric_text(service: Service, rules: Rules) -> Rules:
    return letting_in(rules, "type", integer_names(service), _numeric_text)


def _storing_numeric_text_as_integers(service: Service, stored: Stored) -> Stored:
    integers = integer_names(service)

    def as_integers(request: UpdateRequest) -> dict[str, Any]:
        kept = stored(request)
        for name in integers & kept.keys():
            if _numeric_text(kept[name]):
                kept[name] = int(kept[name])
        return kept

    return as_integers


def _refusing_with_422_in_plain_text(app: object, rest_answer: RestAnswer) -> RestAnswer:
    def plain(method: str, path_id: str, response: Response) -> Response:
        response = rest_answer(method, path_id, response)
        if response.status != 400:
            return response
        errors = json.loads(response.body).get("errors", [])
        text = "; ".join(str(error.get("message", "")) for error in errors) or "refused"
        return Response(422, f"the update was refused: {text}".encode(), TEXT_PLAIN)

    return plain


def _registry(*profiles: Profile) -> dict[str, Profile]:
    return {profile.name: profile for profile in profiles}


PROFILES: dict[str, Profile] = _registry(
    Profile("default", "the contract as the documentation reads: refusals are 400 with JSON"),
    Profile(
        "limits",
        "refuses text over 255 characters and REST integers outside 32 bits, with 422",
        (("rules", _refusing_beyond_limits),),
    ),
    Profile(
        "lenient-numbers",
        'takes numeric text for an integer property (`"12"`) and stores it as an integer',
        (("rules", _taking_numeric_text), ("stored", _storing_numeric_text_as_integers)),
    ),
    Profile(
        "plain-422",
        "refuses over REST with 422 and a plain-text body instead of 400 and JSON",
        (("rest_answer", _refusing_with_422_in_plain_text),),
    ),
    Profile(
        "bad-network",
        "the contract as documented, behind a bad network: drops one request in 40 "
        "unanswered, resets one connection in 80 after applying its update, and holds one "
        "answer in 400 for --network-hold seconds; seeded by --network-seed",
        network=True,
    ),
)


def check_profile_name(name: str) -> str:
    """*name*, when it is a profile; a ValueError naming the profiles otherwise."""
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, not {name!r}")
    return name
