"""Positive controls: before a transport's refusals count as evidence, the same transport,
address and credentials must accept a valid update.

A 401 or 403 says nothing about the contract but that the credentials are wrong; a 404
or 405 to the contact under test, that the address is. Anywhere but where a requirement
asks for them (wrong credentials for UC-AUTH, unknown ids for UC-NOTFOUND and UC-BADID)
such answers mean the run cannot judge, never that the install refused.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from contract.checks import same_value
from contract.core.api import CONTACT_PATH
from contract.core.schema import Contract
from contract.core.transports import Transport
from contract.exchange.answers import Answer
from contract.run.client import ContactClient
from contract.run.coverage import free_text
from contract.run.outcomes import Problem, Stop, StopRun

MISDIRECTED = frozenset({401, 403, 404, 405})
"""Statuses that answer the address or the credentials, not the update."""
_NAMES = {"rest": "REST", "xmlrpc": "XML-RPC"}
_API_ROOT = CONTACT_PATH.split("/contacts/")[0]

Spell = Callable[[str], str]
"""Spells the ``{--name}`` options of a message the way the user gave them."""


def misdirected(answer: Answer, what: str, spell: Spell) -> Stop | None:
    """Why *answer*, to a request that should have reached the contract, shows that the run
    is aimed wrong (a wrong key, URL or XML-RPC URL); ``None`` when it does not."""
    return misdirected_status(answer.transport, answer.sent.url, answer.status, what, spell)


def misdirected_status(
    transport: Transport, url: str, status: int, what: str, spell: Spell
) -> Stop | None:
    """:func:`misdirected`, from the transport, address and status alone."""
    if status not in MISDIRECTED:
        return None
    where = f"{_NAMES[transport]} at {url}"
    if status in (401, 403):
        hint = spell("check {--user} and the API key ({--api-key})")
        return Stop(
            Problem.CREDENTIALS_REFUSED,
            f"{where} refused the credentials (HTTP {status}) to {what}: {hint}",
        )
    if transport == "xmlrpc":
        hint = spell("check {--xmlrpc-url}")
    else:
        hint = spell("check {--url}, which is the install's base address")
        path = urlsplit(url).path.split(_API_ROOT)[0]
        if path:
            hint += f" (it ends in {path}; the contract's paths start with {_API_ROOT})"
    return Stop(Problem.WRONG_ADDRESS, f"{where} answered HTTP {status} to {what}: {hint}")


def missing_contact(base_url: str, contact_id: int, spell: Spell) -> str:
    """Why a contact reads 404: gone, or the URL is not the install's base address."""
    reason = f"contact {contact_id} does not exist on {base_url}"
    path = urlsplit(base_url).path
    if path:
        reason += spell(
            f"; if the install is at the host's root, give {{--url}} without the path {path}: "
            f"the contract's paths start with {_API_ROOT} under the base address"
        )
    return reason


def _answers_as_the_api(answer: Answer) -> bool:
    """True when an answer is the API's own: REST with a JSON body, or an XML-RPC
    methodResponse (a fault included), not a web server's page for a path it lacks."""
    if answer.transport == "xmlrpc":
        return answer.status == 200 and answer.malformed is None
    return bool(answer.body.strip()) and answer.malformed != "the body is not JSON"


def not_found(client: ContactClient, contact_id: int, spell: Spell) -> str:
    """Why contact *contact_id* reads 404: it does not exist, or there is no UpdateContact
    API at the address at all (404 to the read and to an update, REST and XML-RPC alike,
    and none of them in the API's own words). The probes send an empty update, which
    changes nothing."""
    answers = [
        client.fetch(contact_id),
        client.update(contact_id, {}, "rest"),
        client.update(contact_id, {}, "xmlrpc"),
    ]
    base_url = client.endpoint.base_url
    if answers[0].status == answers[1].status == 404 and not any(
        _answers_as_the_api(answer) for answer in answers
    ):
        hint = spell(
            "check {--url}: it is the install's base address, under which the contract's "
            f"paths start with {_API_ROOT}"
        )
        return (
            f"no UpdateContact API at {base_url}: GET and PUT {_API_ROOT}/contacts/"
            f"{contact_id} answered 404, and XML-RPC no methodResponse, none in the API's "
            f"own words; {hint}"
        )
    return missing_contact(base_url, contact_id, spell)


def control_property(contract: Contract, exclude: Collection[str] = ()) -> str:
    """The writable property a control sets: the first one of free text not in *exclude*."""
    return free_text(contract, exclude=exclude)[0]


def run_control(
    client: ContactClient,
    contact_id: int,
    contract: Contract,
    transport: Transport,
    *,
    reads_back: bool,
    spell: Spell,
    exclude: Collection[str] = (),
) -> str | None:
    """Send a valid update over *transport* and read it back where the install can.

    Returns ``None`` when the install took it, else why that transport's refusals prove
    nothing. Raises :class:`~contract.run.outcomes.StopRun` when the answer shows the run is
    aimed at the wrong address or with the wrong credentials. The contact under test is
    put back with everything else at the end of the run.
    """
    name = control_property(contract, exclude)
    value = f"control over {transport}"
    answer = client.update(contact_id, {name: value}, transport)
    stop = misdirected(answer, "a valid update", spell)
    if stop is not None:
        raise StopRun(stop)
    if not answer.accepted:
        return (
            f"the install refused a valid update over {transport} ({answer.summary()}), "
            "so its refusals prove nothing"
        )
    if reads_back:
        stored = (client.read(contact_id) or {}).get(name)
        if not same_value(stored, value):
            return (
                f"a valid update over {transport} did not read back ({name} is {stored!r}), "
                "so its refusals prove nothing"
            )
    return None
