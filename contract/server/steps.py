"""The reference server's replaceable steps: their shapes, and how an override takes a
step's place.

The contact service's steps are which ``rules`` it checks, what it ``stored``, what it
``answer``\\ s and the ``answered_id``; the application's are whether a request is
``authorised``, and the ``rest_answer`` and ``xmlrpc_answer`` it sends. An override
receives the part it changes and the step it replaces, and returns the step to use
instead: a planted fault (:mod:`contract.server.faults`) breaks the contract that way, an
install profile (:mod:`contract.server.profiles`) plays a legal variant of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from contract.core.schema import Contract
from contract.core.violations import Violation
from contract.errors import ContractError
from contract.server.http_io import Response
from contract.server.store import ContactStore
from contract.server.updates import UpdateOutcome, UpdateRequest


class Service(Protocol):
    """What an override sees of the contact service."""

    contract: Contract
    writable: frozenset[str]
    store: ContactStore

    def answered_id(self, contact_id: int) -> int:
        """The id an accepted update is answered with."""


class PlantedAnswer(ContractError):
    """An answer a fault imposes from inside the service; the application sends it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


RestAnswer = Callable[[str, str, Response], Response]
XmlRpcAnswer = Callable[[Response], Response]
Override = tuple[str, Callable[[Any, Any], Any]]
"""The name of a step, and the function that makes its replacement."""


def replace_steps(owner: object, overrides: Iterable[Override]) -> None:
    """Replace each step of *owner* (a service or an application) that an override names;
    the other kind of owner's steps are left to it."""
    for step, override in overrides:
        current = getattr(owner, step, None)
        if current is not None:
            setattr(owner, step, override(owner, current))


Rules = Callable[[UpdateRequest, frozenset[str]], list[Violation]]
Stored = Callable[[UpdateRequest], dict[str, Any]]
Answer = Callable[[UpdateRequest, Mapping[str, str]], UpdateOutcome]


def integer_names(service: Service) -> frozenset[str]:
    """The writable properties whose type is integer."""
    rules = service.contract.rules
    return frozenset(n for n in service.writable if rules(n).get("type") == "integer")


def letting_in(
    rules: Rules, rule: str, names: frozenset[str], taken: Callable[[object], bool]
) -> Rules:
    """*rules*, except that a violation of *rule* by one of *names* is waived where the
    value sent is one *taken* accepts: how a lenient install or a fault lets a value in."""

    def lenient(request: UpdateRequest, stored: frozenset[str]) -> list[Violation]:
        properties = request.properties if isinstance(request.properties, Mapping) else {}
        return [
            found
            for found in rules(request, stored)
            if not (
                found.rule == rule
                and found.property in names
                and taken(properties.get(found.property))
            )
        ]

    return lenient
