"""Invalid updates are refused, and a refusal changes nothing."""

from __future__ import annotations

import functools

from contract import requirements
from contract.pytest_plugin.cases import Cases, Draws
from contract.pytest_plugin.certifier import Certifier
from contract.pytest_plugin.marker import certifies
from contract.requirements import Requirement
from contract.strategies import invalid_updates
from contract.transports import Transport

# The rule each requirement breaks, and how a failure names it.
_BROKEN_RULE: dict[Requirement, tuple[str, str]] = {
    requirements.ENUM: ("enum", "a value outside the allowed values"),
    requirements.TYPE: ("type", "a value of the wrong JSON type"),
    requirements.FORMAT: ("format", "a value whose content breaks its format"),
}


def _refuse_broken_rule(
    certifier: Certifier, cases: Cases, transport: Transport, requirement: Requirement
) -> None:
    rule, why = _BROKEN_RULE[requirement]

    def case(data: Draws) -> None:
        invalid = invalid_updates(transport, certifier.extension, rules={rule})
        drawn = data.draw(invalid, label="case")
        certifier.case()
        certifier.refused_and_unchanged(
            requirement,
            drawn.payload,
            f"{why} in `{drawn.property}`",
            lambda: certifier.update(drawn.payload, transport),
        )

    cases.explore(case)


@certifies(requirements.ENUM)
def test_values_outside_an_enum_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    _refuse_broken_rule(contract_certifier, contract_cases, transport, requirements.ENUM)


@certifies(requirements.TYPE)
def test_values_of_the_wrong_type_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    _refuse_broken_rule(contract_certifier, contract_cases, transport, requirements.TYPE)


@certifies(requirements.FORMAT)
def test_tags_and_birth_date_with_wrong_content_are_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    _refuse_broken_rule(contract_certifier, contract_cases, transport, requirements.FORMAT)


@certifies(requirements.EMPTY)
def test_an_empty_properties_object_is_refused(
    contract_certifier: Certifier, contract_cases: Cases, transport: Transport
) -> None:
    def case() -> None:
        contract_certifier.case()
        contract_certifier.refused_and_unchanged(
            requirements.EMPTY,
            {},
            "an empty properties object",
            lambda: contract_certifier.update({}, transport),
        )

    contract_cases.once(case)


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
    bodies = _NOT_AN_OBJECT if transport == "rest" else _NOT_XMLRPC

    def case() -> None:
        for body in bodies:
            contract_certifier.case()
            contract_certifier.refused_and_unchanged(
                requirements.MALFORMED,
                body,
                "a body that is not a JSON object",
                functools.partial(contract_certifier.send_body, transport, body),
            )

    contract_cases.once(case)
