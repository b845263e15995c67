"""Invalid updates are refused, and a refusal changes nothing, not even its valid part."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from contract.core import requirements
from contract.core.requirements import Requirement
from contract.core.transports import Transport
from contract.pytest_plugin.marker import certifies
from contract.run.cases import Cases, Draws
from contract.run.certifier import Certifier, Refusal
from contract.run.coverage import (
    Probe,
    bad_formats,
    not_xmlrpc_calls,
    outside_enums,
    with_valid_sibling,
    wrong_types,
)
from contract.strategies import InvalidCase

# The rule each requirement breaks, and how a failure names it.
_BROKEN_RULE: dict[Requirement, tuple[str, str]] = {
    requirements.ENUM: ("enum", "a value outside the allowed values"),
    requirements.TYPE: ("type", "a value of the wrong JSON type"),
    requirements.FORMAT: ("format", "a value whose content breaks its format"),
}


def _refusals(certifier: Certifier, transport: Transport, probes: list[Probe]) -> list[Refusal]:
    return [
        (
            probe["payload"],
            f"{probe['kind']} in `{probe['property']}`",
            functools.partial(certifier.update, probe["payload"], transport),
        )
        for probe in probes
    ]


def _refuse_broken_rule(
    certifier: Certifier,
    cases: Cases,
    transport: Transport,
    requirement: Requirement,
    probes: list[Probe],
) -> None:
    rule, why = _BROKEN_RULE[requirement]
    if not probes:
        pytest.skip(
            f"not verifiable: every property {requirement.id} concerns holds a value that "
            f"contact {certifier.contact_id} would not take back "
            f"({', '.join(sorted(certifier.unsent))})"
        )

    invalid = certifier.invalid_updates(transport, rules={rule})

    def draw(data: Draws) -> InvalidCase:
        return data.draw(invalid, label="case")

    def refusal(drawn: InvalidCase) -> Refusal:
        why_here = f"{why} in `{drawn.property}`"
        return (
            drawn.payload,
            why_here,
            functools.partial(certifier.update, drawn.payload, transport),
        )

    def case(data: Draws) -> None:
        certifier.case()
        certifier.refused_and_unchanged(requirement, *refusal(draw(data)))

    # Every property with every kind of bad value first, as one batch; then Hypothesis's
    # examples, drawn first and sent as one batch too.
    cases.cover(
        probes,
        lambda fixed: certifier.refused_in_batch(
            requirement, _refusals(certifier, transport, fixed)
        ),
    )
    cases.explore_in_batches(
        draw,
        lambda drawn: certifier.refused_in_batch(requirement, [refusal(d) for d in drawn]),
        case,
    )


@certifies(requirements.ENUM)
def test_values_outside_an_enum_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    probes = outside_enums(contract_certifier.contract, exclude=contract_certifier.unsent)
    _refuse_broken_rule(contract_certifier, contract_cases, transport, requirements.ENUM, probes)


@certifies(requirements.TYPE)
def test_values_of_the_wrong_type_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    unsent = contract_certifier.unsent
    probes = wrong_types(contract_certifier.contract, transport, exclude=unsent)
    _refuse_broken_rule(contract_certifier, contract_cases, transport, requirements.TYPE, probes)


@certifies(requirements.FORMAT)
def test_tags_and_birth_date_with_wrong_content_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    probes = bad_formats(contract_certifier.contract, exclude=contract_certifier.unsent)
    _refuse_broken_rule(contract_certifier, contract_cases, transport, requirements.FORMAT, probes)


@certifies(requirements.ATOMIC, share=0.6)
def test_a_refused_payload_stores_none_of_its_properties(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    contract, unsent = contract_certifier.contract, contract_certifier.unsent

    def send(payload: dict[str, Any]) -> None:
        # Whether a bad value is refused is the rule's requirement; this one judges what a
        # refusal leaves behind.
        contract_certifier.case()
        contract_certifier.unchanged_if_refused(
            requirements.ATOMIC, payload, lambda: contract_certifier.update(payload, transport)
        )

    invalid = contract_certifier.invalid_updates(transport, rules={"type", "enum", "format"})

    def draw(data: Draws) -> dict[str, Any]:
        return data.draw(invalid, label="case").payload

    def batch(payloads: list[dict[str, Any]]) -> None:
        contract_certifier.unchanged_if_refused_in_batch(
            requirements.ATOMIC,
            [
                (payload, "", functools.partial(contract_certifier.update, payload, transport))
                for payload in payloads
            ],
        )

    # One bad value of each kind, beside a valid change of another property.
    bad = [
        *wrong_types(contract, transport, exclude=unsent)[:1],
        *outside_enums(contract, exclude=unsent)[:1],
        *bad_formats(contract, exclude=unsent)[:1],
    ]
    current: dict[str, Any] = contract_certifier.contact.original or {}
    probes = with_valid_sibling(contract, bad, current, exclude=unsent)

    def each(fixed: list[Probe]) -> None:
        for probe in fixed:
            send(probe["payload"])

    contract_cases.cover(probes, each)
    contract_cases.explore_in_batches(draw, batch, lambda data: send(draw(data)))


@certifies(requirements.EMPTY)
def test_an_empty_properties_object_is_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    probe: Probe = {"payload": {}, "property": None, "kind": "an empty properties object"}

    def refuse(fixed: list[Probe]) -> None:
        contract_certifier.case()
        contract_certifier.refused_and_unchanged(
            requirements.EMPTY,
            {},
            "an empty properties object",
            lambda: contract_certifier.update({}, transport),
        )

    contract_cases.cover([probe], refuse)


_NOT_AN_OBJECT = [
    b"[]",
    b'[{"name": "x"}]',
    b'"name"',
    b"1",
    b"null",
    b"true",
    b"{",
    b"",
    b'{"name": "x",}',
    b'{"name": "x"} trailing',
    b"\xff\xfe\x00",
    b"<contact/>",
]
_NOT_XMLRPC = [
    b"",
    b"not xml",
    b"<methodCall>",
    b"<?xml version='1.0'?><methodCall><methodName>"
    b"contacts.UpdateContact</methodName><params><param><value><int>1</int></value></param>"
    b"</params></methodCall>",
    b"<?xml version='1.0'?><methodCall><methodName>contacts.UpdateContact</methodName><params>"
    b"<param><value><int>1</int></value></param><param><value><array><data/></array></value>"
    b"</param></params></methodCall>",
]


@certifies(requirements.MALFORMED)
def test_bodies_that_are_not_a_json_object_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    certifier = contract_certifier
    bodies = _NOT_AN_OBJECT if transport == "rest" else _NOT_XMLRPC
    calls = not_xmlrpc_calls(certifier.contract, certifier.contact_id, exclude=certifier.unsent)
    probes: list[Probe] = [
        {"payload": body.decode("latin-1"), "property": None, "kind": "a malformed body"}
        for body in bodies
    ]
    if transport == "xmlrpc":
        probes += [{"payload": call, "property": None, "kind": "no valid call"} for call in calls]

    def refuse(fixed: list[Probe]) -> None:
        refusals: list[Refusal] = [
            (
                probe["payload"],
                "a body that is not a JSON object"
                if transport == "rest"
                else "a body that is no valid UpdateContact call",
                functools.partial(
                    certifier.send_body, transport, probe["payload"].encode("latin-1")
                ),
            )
            for probe in fixed
        ]
        certifier.refused_in_batch(requirements.MALFORMED, refusals)

    contract_cases.cover(probes, refuse)
