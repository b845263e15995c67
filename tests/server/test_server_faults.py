"""Planted faults: each one, over real HTTP on loopback, breaks what it says and nothing before it.

Every fault has a test named after it (checked below), starting a server with that
fault alone; some also send the same request to the fault-free session server.
"""

from __future__ import annotations

import base64
import re
import threading
import xmlrpc.client
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from contract import load_contract
from contract.core.requirements import CATALOGUE, requirement
from contract.server import ReferenceApp, ReferenceServer, ServerOptions
from contract.server.faults import FAULTS, UnknownFaultError
from contract.server.planted import LONG_NAME_LIMIT, reset_value
from contract.server.service import ContactService
from tests.conftest import run_contract

from .clients import CONTACTS_PATH, RestClient, XMLRPCClient
from .test_server_cli import serve

CONTRACT = load_contract()
ROOT = Path(__file__).resolve().parents[2]
StartFaulty = Callable[..., ReferenceServer]


@pytest.fixture(scope="module")
def faulty() -> Iterator[StartFaulty]:
    """Starts a small server with the given faults (and options); all stop at the module's end."""
    started: list[ReferenceServer] = []

    def start(*faults: str, **options: Any) -> ReferenceServer:
        srv = ReferenceServer(contacts=5, faults=frozenset(faults), **options).start()
        started.append(srv)
        return srv

    yield start
    # Each stop waits for its serving loop to notice; waiting for all at once is quicker.
    stoppers = [threading.Thread(target=srv.stop) for srv in started]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()


def clients(srv: ReferenceServer) -> tuple[RestClient, XMLRPCClient]:
    """A REST and an XML-RPC client of *srv*."""
    return RestClient(srv), XMLRPCClient(srv)


def xmlrpc_fault(call: Callable[[], object]) -> int:
    """The fault code *call* raises; fails the test when it raises none."""
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call()
    return caught.value.faultCode


# --- the registry and the options -------------------------------------------------------


def test_every_fault_is_described_and_registered_against_a_catalogued_requirement() -> None:
    # Every requirement has a fault that breaks it, and every fault breaks one that exists.
    assert {fault.requirement for fault in FAULTS.values()} == set(CATALOGUE)
    assert all(requirement(fault.requirement.id) is fault.requirement for fault in FAULTS.values())
    for name, fault in FAULTS.items():
        assert fault.name == name
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", name)
        assert fault.description
        assert "\n" not in fault.description
        assert "|" not in fault.description


def test_every_fault_has_its_own_test_here() -> None:
    tests = {name for name in globals() if name.startswith("test_")}
    missing = [name for name in FAULTS if f"test_{name.replace('-', '_')}" not in tests]
    assert missing == []


def test_unknown_fault_names_are_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownFaultError, match="unknown fault 'nope'; known faults: accept-any"):
        ServerOptions(faults=frozenset({"wrong-id", "nope"}))
    with pytest.raises(ValueError, match="not the string"):
        ReferenceServer(faults="wrong-id")
    assert ServerOptions(faults={"wrong-id"}).faults == frozenset({"wrong-id"})  # type: ignore[arg-type]
    assert "faults=['wrong-id']" in repr(ServerOptions(faults=frozenset({"wrong-id"})))
    assert "faults" not in repr(ServerOptions())


def test_a_fault_free_server_is_built_without_the_faults_code(server: ReferenceServer) -> None:
    assert type(server.app) is ReferenceApp
    assert type(server.app.service) is ContactService
    assert server.options.faults == frozenset()


# --- one test per fault --------------------------------------------------------------------


def test_reject_valid_city(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("reject-valid-city"))
    city = rest.get(1)["city"]
    assert rest.put(1, {"city": "Oslo", "name": "Ada"}).status_code == 400
    assert rest.get(1)["city"] == city
    assert xmlrpc_fault(lambda: rpc.update(1, {"city": "Oslo"})) == 400
    assert rest.put(1, {"name": "Ada"}).json() == 1
    assert RestClient(server).put(contact_id, {"city": "Oslo"}).status_code == 200


def test_wrong_id(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("wrong-id"))
    answer = rest.put(2, {"name": "Ada"})
    assert (answer.status_code, answer.json()) == (200, 3)
    assert rest.get(2)["name"] == "Ada"
    assert rpc.update(2, {"name": "Bea"}) == 3
    assert rest.put(2, {"status": "maybe"}).status_code == 400


def test_text_plain_answer(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("text-plain-answer"))
    answer = rest.put(1, {"name": "Ada"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text == "1"
    assert rest.session.get(rest.url(1), timeout=30).headers["Content-Type"] == "application/json"
    assert rpc.update(1, {"name": "Bea"}) == 1
    healthy = RestClient(server).put(contact_id, {"name": "Ada"})
    assert healthy.headers["Content-Type"] == "application/json"


def test_drop_department(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("drop-department"))
    department = rest.get(1)["department"]
    assert rest.put(1, {"department": "Sales", "city": "Oslo"}).json() == 1
    contact = rest.get(1)
    assert (contact["department"], contact["city"]) == (department, "Oslo")
    assert rpc.update(1, {"department": "Sales"}) == 1
    assert rest.get(1)["department"] == department


def test_store_first_ten(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("store-first-ten"))
    before = rest.get(1)
    twelve = {
        name: f"{name} changed"
        for name in (
            "name",
            "lastname",
            "title",
            "company_position",
            "company_name",
            "department",
            "industry",
            "address",
            "city",
            "country",
            "state",
            "zip",
        )
    }
    assert rest.put(1, twelve).json() == 1
    after = rest.get(1)
    stored = [name for name in twelve if after[name] == twelve[name]]
    assert stored == list(twelve)[:10]
    assert [after[name] for name in list(twelve)[10:]] == [before["state"], before["zip"]]
    assert rpc.update(1, {"state": "Sent alone"}) == 1
    assert rest.get(1)["state"] == "Sent alone"


def test_fill_empty_values(faulty: StartFaulty, server: ReferenceServer) -> None:
    srv = faulty("fill-empty-values")
    rest, fresh, plausible = RestClient(srv), srv.fresh_contact_ids[0], 1
    assert (rest.get(fresh)["gender"], rest.get(fresh)["date_of_birth"]) == ("", None)
    before = rest.get(plausible)
    assert rest.put(fresh, {"name": "Ada"}).json() == fresh
    after = rest.get(fresh)
    assert (after["name"], after["gender"], after["marital_status"]) == (
        "Ada",
        "unknown",
        "unknown",
    )
    assert after["date_of_birth"] == 0
    # No update can put the empty values back: that is what makes the fault dangerous.
    assert rest.put(fresh, {"gender": ""}).status_code == 400
    # A contact whose values are all set is left alone, and so is a value that is sent.
    assert rest.put(plausible, {"name": "Bea"}).json() == plausible
    assert rest.get(plausible) == {**before, "name": "Bea"}
    assert rest.put(fresh + 1, {"gender": "male"}).json() == fresh + 1
    assert rest.get(fresh + 1)["gender"] == "male"
    healthy = RestClient(server)
    fresh_id = server.fresh_contact_ids[0]
    assert healthy.put(fresh_id, {"name": "Ada"}).json() == fresh_id
    assert healthy.get(fresh_id)["gender"] == ""


def test_reset_unsent(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest = RestClient(faulty("reset-unsent"))
    before = rest.get(1)
    assert rest.put(1, {"name": "Ada"}).json() == 1
    after = rest.get(1)
    assert after["name"] == "Ada"
    for name in CONTRACT.writable:
        if name != "name":
            assert after[name] == reset_value(CONTRACT.properties[name]), name
    assert (after["lastname"], after["status"], after["gender"]) == ("", "on", "")
    assert before["lastname"] != ""
    assert {name: after[name] for name in CONTRACT.read_only} == {
        name: before[name] for name in CONTRACT.read_only
    }
    healthy = RestClient(server)
    lastname = healthy.get(contact_id)["lastname"]
    assert healthy.put(contact_id, {"name": "Ada"}).status_code == 200
    assert healthy.get(contact_id)["lastname"] == lastname


def test_reject_repeat(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("reject-repeat"))
    first, second = {"name": "Ada", "city": "Oslo"}, {"city": "Oslo", "name": "Ada"}
    assert rest.put(1, first).status_code == 200
    repeated = rest.put(1, second)  # the same payload, in another key order
    assert repeated.status_code == 409
    assert rest.put(1, second).status_code == 409
    assert rest.put(2, first).status_code == 200  # another contact
    assert rest.put(1, {"name": "Bea"}).status_code == 200
    assert rest.put(1, first).status_code == 200  # the previous update differed
    assert rest.put(1, {"status": "maybe"}).status_code == 400
    assert rest.put(1, {"status": "maybe"}).status_code == 400  # refusals repeat as refusals
    assert [rest.put(999, first).status_code for _ in range(2)] == [404, 404]
    assert rpc.update(1, first) == 1  # the last REST update does not count for XML-RPC
    assert xmlrpc_fault(lambda: rpc.update(1, first)) == 409
    healthy = RestClient(server)
    assert [healthy.put(contact_id, first).status_code for _ in range(2)] == [200, 200]


def test_store_out_of_enum(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("store-out-of-enum"))
    assert rest.put(1, {"status": "maybe"}).json() == 1
    assert rest.get(1)["status"] == "maybe"
    assert rpc.update(1, {"gender": "robot"}) == 1
    assert rest.get(1)["gender"] == "robot"
    assert rest.put(1, {"status": 5}).status_code == 400  # types are still checked
    assert RestClient(server).put(contact_id, {"status": "maybe"}).status_code == 400


def test_accept_wrong_types(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest = RestClient(faulty("accept-wrong-types"))
    assert rest.put(1, {"country_id": "seven", "name": 12}).json() == 1
    contact = rest.get(1)
    assert (contact["country_id"], contact["name"]) == ("seven", 12)
    assert rest.put(1, {"status": "maybe"}).status_code == 400  # enums are still checked
    assert RestClient(server).put(contact_id, {"country_id": "seven"}).status_code == 400


def test_accept_bad_format(faulty: StartFaulty) -> None:
    rest = RestClient(faulty("accept-bad-format"))
    assert rest.put(1, {"tags": "not json", "birth_date": "2023-02-30"}).json() == 1
    contact = rest.get(1)
    assert (contact["tags"], contact["birth_date"]) == ("not json", "2023-02-30")
    assert rest.put(1, {"tags": 5}).status_code == 400  # types are still checked


@pytest.mark.parametrize("treatment", ["reject", "ignore"])
def test_apply_read_only(faulty: StartFaulty, treatment: str) -> None:
    rest, rpc = clients(faulty("apply-read-only", readonly_treatment=treatment))
    assert rest.put(1, {"score": 9.5, "name": "Ada"}).json() == 1
    contact = rest.get(1)
    assert (contact["score"], contact["name"]) == (9.5, "Ada")
    assert rpc.update(1, {"email_message_count": 12345}) == 1
    assert rest.get(1)["email_message_count"] == 12345
    assert rest.put(1, {"nonsense": 1}).status_code == 400  # unknowns are still refused


def test_store_unknown(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("store-unknown"))
    assert rest.put(1, {"favourite_colour": "blue", "name": "Ada"}).json() == 1
    assert rest.get(1)["favourite_colour"] == "blue"
    assert rpc.get(1)["favourite_colour"] == "blue"
    assert rest.put(1, {"score": 1}).status_code == 400  # read-only is still refused
    assert RestClient(server).put(contact_id, {"favourite_colour": "blue"}).status_code == 400


def test_accept_empty(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("accept-empty"))
    before = rest.get(1)
    answer = rest.put(1, {})
    assert (answer.status_code, answer.json()) == (200, 1)
    assert rest.get(1) == before
    assert rpc.update(1, {}) == 1
    assert RestClient(server).put(contact_id, {}).status_code == 400


def test_create_unknown_id(faulty: StartFaulty, server: ReferenceServer) -> None:
    srv = faulty("create-unknown-id")
    rest, rpc = clients(srv)
    answer = rest.put(999, {"name": "Newcomer"})
    assert (answer.status_code, answer.json()) == (200, 999)
    assert rest.get(999)["name"] == "Newcomer"
    assert rpc.update(1000, {"city": "Oslo"}) == 1000
    assert {999, 1000} <= set(srv.contact_ids)
    assert rest.put(1001, {"status": "maybe"}).status_code == 404  # an invalid one creates nothing
    assert RestClient(server).put(10**9, {"name": "Newcomer"}).status_code == 404


def test_crash_on_bad_id(faulty: StartFaulty, server: ReferenceServer) -> None:
    rest = RestClient(faulty("crash-on-bad-id"))
    assert rest.put("abc", {"name": "Ada"}).status_code == 500
    assert rest.session.get(rest.url("abc"), timeout=30).status_code == 500
    for numeric in ("0", "-1", "999"):
        assert rest.put(numeric, {"name": "Ada"}).status_code == 404
    anonymous = requests.put(rest.url("abc"), json={"name": "Ada"}, timeout=30)
    assert anonymous.status_code == 401
    assert RestClient(server).put("abc", {"name": "Ada"}).status_code == 404


def test_accept_any_credentials(faulty: StartFaulty) -> None:
    srv = faulty("accept-any-credentials")
    url = f"{srv.url}{CONTACTS_PATH}/1"
    assert requests.put(url, json={"name": "Anon"}, timeout=30).json() == 1
    assert requests.put(url, json={"city": "Oslo"}, auth=("x", "y"), timeout=30).json() == 1
    contact = RestClient(srv).get(1)
    assert (contact["name"], contact["city"]) == ("Anon", "Oslo")
    assert XMLRPCClient(srv, "x", "wrong").update(1, {"name": "Rpc"}) == 1


def test_crash_on_non_object(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("crash-on-non-object"))
    for body in ("[]", "1", '"text"', "null"):
        assert rest.put(1, data=body).status_code == 500, body
    assert rest.put(1, data="not json").status_code == 400
    assert rest.put(1, {"name": "Ada"}).json() == 1
    assert xmlrpc_fault(lambda: rpc.update(1, [1])) == 400  # XML-RPC is unaffected
    assert RestClient(server).put(contact_id, data="[]").status_code == 400


def test_crash_on_long_name(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("crash-on-long-name"))
    name = rest.get(1)["name"]
    long_name = "x" * (LONG_NAME_LIMIT + 1)
    assert rest.put(1, {"name": long_name, "city": "Oslo"}).status_code == 500
    assert rest.get(1)["name"] == name
    with pytest.raises(xmlrpc.client.ProtocolError) as caught:
        rpc.update(1, {"name": long_name})
    assert caught.value.errcode == 500
    assert rest.put(1, {"name": "x" * LONG_NAME_LIMIT}).status_code == 200
    assert rest.put(1, {"name": long_name, "status": "maybe"}).status_code == 400
    assert RestClient(server).put(contact_id, {"name": long_name}).status_code == 200


def test_xmlrpc_skips_validation(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("xmlrpc-skips-validation"))
    invalid = {"status": "maybe", "country_id": "seven", "birth_date": "2023-02-30"}
    assert rest.put(1, invalid).status_code == 400
    assert rpc.update(1, invalid) == 1
    contact = rest.get(1)
    assert {name: contact[name] for name in invalid} == invalid
    assert xmlrpc_fault(lambda: rpc.update(1, {"favourite_colour": "blue"})) == 400
    assert xmlrpc_fault(lambda: rpc.update(1, {"score": 1})) == 400
    assert xmlrpc_fault(lambda: rpc.update(1, {})) == 400


def test_crash_on_text_for_integer(
    faulty: StartFaulty, server: ReferenceServer, contact_id: int
) -> None:
    rest, rpc = clients(faulty("crash-on-text-for-integer"))
    assert rest.put(1, {"country_id": "abc"}).status_code == 500
    with pytest.raises(xmlrpc.client.ProtocolError):
        rpc.update(1, {"city_id": ""})
    assert rest.put(1, {"country_id": 7}).json() == 1
    assert rest.put(1, {"country_id": True}).status_code == 400
    assert RestClient(server).put(contact_id, {"country_id": "abc"}).status_code == 400


def test_store_booleans_as_integers(
    faulty: StartFaulty, server: ReferenceServer, contact_id: int
) -> None:
    rest, rpc = clients(faulty("store-booleans-as-integers"))
    assert rest.put(1, {"country_id": True}).json() == 1
    assert rest.get(1)["country_id"] is True
    assert rpc.update(1, {"city_id": False}) == 1
    assert rest.put(1, {"country_id": "abc"}).status_code == 400  # text is still refused
    assert RestClient(server).put(contact_id, {"country_id": True}).status_code == 400


def test_accept_impossible_dates(
    faulty: StartFaulty, server: ReferenceServer, contact_id: int
) -> None:
    rest = RestClient(faulty("accept-impossible-dates"))
    assert rest.put(1, {"birth_date": "2023-02-30"}).json() == 1
    assert rest.get(1)["birth_date"] == "2023-02-30"
    assert rest.put(1, {"birth_date": "30/02/2023"}).status_code == 400
    assert RestClient(server).put(contact_id, {"birth_date": "2023-02-30"}).status_code == 400


@pytest.mark.parametrize(
    ("fault", "sent", "stored"),
    [
        ("cut-long-text", "x" * 300, "x" * 255),
        ("trim-text", "  spaced  ", "spaced"),
        ("normalise-unicode", "Cafe\u0301", "Caf\u00e9"),
    ],
)
def test_text_manglers(faulty: StartFaulty, fault: str, sent: str, stored: str) -> None:
    rest, rpc = clients(faulty(fault))
    assert rest.put(1, {"city": sent}).json() == 1
    assert rest.get(1)["city"] == stored
    assert rpc.update(2, {"city": sent}) == 2
    assert rest.get(2)["city"] == stored


def test_cut_long_text(faulty: StartFaulty) -> None:
    rest = RestClient(faulty("cut-long-text"))
    assert rest.put(1, {"city": "short"}).json() == 1
    assert rest.get(1)["city"] == "short"


def test_trim_text(faulty: StartFaulty) -> None:
    rest = RestClient(faulty("trim-text"))
    assert rest.put(1, {"city": "Oslo"}).json() == 1
    assert rest.get(1)["city"] == "Oslo"


def test_normalise_unicode(faulty: StartFaulty) -> None:
    rest = RestClient(faulty("normalise-unicode"))
    assert rest.put(1, {"city": "Oslo"}).json() == 1
    assert rest.get(1)["city"] == "Oslo"


def test_strip_leading_zeros(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("strip-leading-zeros"))
    assert rest.put(1, {"telephone_home": "0821234567", "zip": "0001"}).json() == 1
    stored = rest.get(1)
    assert (stored["telephone_home"], stored["zip"]) == ("821234567", "1")
    assert rpc.update(1, {"zip": "SW1A 1AA", "city": "021 555 0199"}) == 1
    assert (rest.get(1)["zip"], rest.get(1)["city"]) == ("SW1A 1AA", "021 555 0199")


def test_escape_markup(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("escape-markup"))
    assert rest.put(1, {"company_name": "Tom & Jerry <b>"}).json() == 1
    assert rest.get(1)["company_name"] == "Tom &amp; Jerry &lt;b&gt;"
    assert rpc.update(1, {"city": "Oslo"}) == 1
    assert rest.get(1)["city"] == "Oslo"


def test_add_slashes(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("add-slashes"))
    assert rest.put(1, {"lastname": "O'Brien", "title": 'say "hi"'}).json() == 1
    stored = rest.get(1)
    assert (stored["lastname"], stored["title"]) == ("O\\'Brien", 'say \\"hi\\"')
    assert rpc.update(1, {"city": "Oslo"}) == 1
    assert rest.get(1)["city"] == "Oslo"


def test_double_encode_utf8(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("double-encode-utf8"))
    assert rest.put(1, {"name": "Zoë"}).json() == 1
    assert rest.get(1)["name"] == "ZoÃ«"
    assert rpc.update(1, {"name": "Ada"}) == 1
    assert rest.get(1)["name"] == "Ada"


def test_shift_dates(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("shift-dates"))
    assert rest.put(1, {"birth_date": "2000-03-01"}).json() == 1
    assert rest.get(1)["birth_date"] == "2000-02-29"
    assert rpc.update(1, {"birth_date": "2024-01-01", "city": "2024-01-01 Oslo"}) == 1
    stored = rest.get(1)
    assert (stored["birth_date"], stored["city"]) == ("2023-12-31", "2024-01-01 Oslo")


def test_take_keys_by_prefix(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("take-keys-by-prefix"))
    assert rest.put(1, {"nam": "Taken"}).json() == 1
    assert rest.get(1)["name"] == "Taken"
    assert "nam" not in rest.get(1)
    assert rpc.update(1, {"lastname_2": "Also taken"}) == 1
    assert rest.get(1)["lastname"] == "Also taken"
    # A key like no property is still refused, and so is one beside a bad value.
    assert rest.put(1, {"favourite_colour": "blue"}).status_code == 400
    assert rest.put(1, {"nam": "Not taken", "status": "ON"}).status_code == 400
    assert rest.get(1)["name"] == "Taken"
    assert RestClient(server).put(contact_id, {"nam": "x"}).status_code == 400


def test_lose_concurrent_updates(
    faulty: StartFaulty, server: ReferenceServer, contact_id: int
) -> None:
    def together(srv: ReferenceServer, target: int, updates: list[dict[str, Any]]) -> None:
        threads = [
            threading.Thread(target=lambda u=update: RestClient(srv).put(target, u))
            for update in updates
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    updates = [{"city": "Oslo"}, {"state": "Viken"}, {"zip": "0150"}, {"title": "Dr"}]
    losing = faulty("lose-concurrent-updates")
    together(losing, 1, updates)
    stored = RestClient(losing).get(1)
    kept = [update for update in updates if update.items() <= stored.items()]
    assert len(kept) < len(updates)  # each wrote back the record it read: the others lost
    # One at a time, nothing is lost.
    RestClient(losing).put(1, {"city": "Rome"})
    RestClient(losing).put(1, {"state": "Lazio"})
    assert (RestClient(losing).get(1)["city"], RestClient(losing).get(1)["state"]) == (
        "Rome",
        "Lazio",
    )
    together(server, contact_id, updates)
    assert all(update.items() <= RestClient(server).get(contact_id).items() for update in updates)


def test_wrap_integers(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest = RestClient(faulty("wrap-integers"))
    assert rest.put(1, {"country_id": 2**31}).json() == 1
    assert rest.get(1)["country_id"] == -(2**31)
    assert rest.put(1, {"country_id": 7}).json() == 1
    assert rest.get(1)["country_id"] == 7
    healthy = RestClient(server)
    assert healthy.put(contact_id, {"country_id": 2**31}).json() == contact_id
    assert healthy.get(contact_id)["country_id"] == 2**31


def test_store_refused_status(
    faulty: StartFaulty, server: ReferenceServer, contact_id: int
) -> None:
    rest = RestClient(faulty("store-refused-status"))
    assert rest.put(1, {"status": "maybe"}).status_code == 400
    assert rest.get(1)["status"] == "maybe"  # refused, yet stored
    assert rest.put(1, {"status": 5}).status_code == 400
    assert rest.get(1)["status"] == "maybe"  # a wrong type is not an enum violation
    assert rest.put(1, {"gender": "robot"}).status_code == 400
    healthy = RestClient(server)
    status = healthy.get(contact_id)["status"]
    assert healthy.put(contact_id, {"status": "maybe"}).status_code == 400
    assert healthy.get(contact_id)["status"] == status


def test_store_valid_siblings(
    faulty: StartFaulty, server: ReferenceServer, contact_id: int
) -> None:
    rest = RestClient(faulty("store-valid-siblings"))
    assert rest.put(1, {"city": "Oslo", "status": "maybe"}).status_code == 400
    assert rest.get(1)["city"] == "Oslo"  # refused, yet stored
    assert rest.get(1)["status"] != "maybe"
    healthy = RestClient(server)
    city = healthy.get(contact_id)["city"]
    assert healthy.put(contact_id, {"city": "Rome", "status": "maybe"}).status_code == 400
    assert healthy.get(contact_id)["city"] == city


def test_write_neighbour(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    rest, rpc = clients(faulty("write-neighbour"))
    assert rest.put(2, {"city": "Oslo"}).json() == 2
    assert rest.get(3)["city"] == "Oslo"
    assert rpc.update(3, {"city": "Rome"}) == 3
    assert rest.get(4)["city"] == "Rome"
    assert rest.put(5, {"city": "Lima"}).json() == 5  # the last contact has no neighbour
    healthy = RestClient(server)
    neighbour = healthy.get(contact_id + 1)["city"]
    assert healthy.put(contact_id, {"city": "Oslo"}).status_code == 200
    assert healthy.get(contact_id + 1)["city"] == neighbour


# --- the command line and the docs ------------------------------------------------------


def test_fault_option_is_hidden_from_help_but_works() -> None:
    shown = run_contract("serve", "--help", timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "--fault" not in shown.stdout
    with serve("--contacts", "2", "--fault", "wrong-id", "--fault", "accept-empty") as served:
        url = f"{served.url}{CONTACTS_PATH}/1"
        auth = ("admin", "cli-test-key")
        assert requests.put(url, json={"name": "Ada"}, auth=auth, timeout=30).json() == 2
        assert requests.put(url, json={}, auth=auth, timeout=30).status_code == 200
        code, _, err = served.stop()
    assert code == 0
    assert "planted faults, breaking the contract: accept-empty, wrong-id" in err


def test_an_unknown_fault_option_is_a_one_line_error() -> None:
    result = run_contract("serve", "--port", "0", "--fault", "nope", timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "unknown fault 'nope'" in lines[0]
    assert all(name in lines[0] for name in FAULTS)


def readme_table() -> str:
    """The docs' table of faults, generated from the registry (to paste after a change)."""
    rows = [f"| `{f.name}` | {f.requirement} | {f.description} |" for f in FAULTS.values()]
    return "\n".join(["| fault | breaks | what it does |", "|---|---|---|", *rows])


def _docs_section() -> str:
    page = (ROOT / "docs" / "reference-server.md").read_text(encoding="utf-8")
    start = page.index("## Planted faults (for testing the suite)")
    return page[start : page.index("\n## ", start)]


def test_the_docs_table_matches_the_registry() -> None:
    section = _docs_section()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (UC-[A-Z0-9]+) \| (.*) \|$", section, re.M)
    registered = [(f.name, f.requirement.id, f.description) for f in FAULTS.values()]
    assert [tuple(row) for row in rows] == registered
    assert readme_table() in section, "paste readme_table() into docs/reference-server.md"


def test_accept_any_scheme(faulty: StartFaulty, server: ReferenceServer, contact_id: int) -> None:
    srv = faulty("accept-any-scheme")
    url = f"{srv.url}{CONTACTS_PATH}/1"
    token = base64.b64encode(f"{srv.user}:{srv.api_key}".encode()).decode()
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.put(url, json={"city": "Oslo"}, headers=bearer, timeout=10).status_code == 200
    wrong = base64.b64encode(f"{srv.user}:wrong".encode()).decode()
    refused = requests.put(
        url, json={"city": "Rome"}, headers={"Authorization": f"Bearer {wrong}"}, timeout=10
    )
    assert refused.status_code == 401
    healthy = f"{server.url}{CONTACTS_PATH}/{contact_id}"
    token = base64.b64encode(f"{server.user}:{server.api_key}".encode()).decode()
    answer = requests.put(
        healthy, json={"city": "Oslo"}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code == 401


def test_write_ints_as_i8(faulty: StartFaulty) -> None:
    srv = faulty("write-ints-as-i8")
    call = xmlrpc.client.dumps((1, {"city": "Oslo"}), "contacts.UpdateContact")
    auth = (srv.user, srv.api_key)
    answer = requests.post(f"{srv.url}/api/2.0/xmlrpc", data=call, auth=auth, timeout=10)
    assert b"<i8>1</i8>" in answer.content
    assert b"<int>" not in answer.content
    refused = xmlrpc.client.dumps((1, {"status": "ON"}), "contacts.UpdateContact")
    fault = requests.post(f"{srv.url}/api/2.0/xmlrpc", data=refused, auth=auth, timeout=10)
    assert b"<name>faultCode</name><value><i8>" in fault.content.replace(b"\n", b"")


def test_refuse_credentials_with_400(faulty: StartFaulty) -> None:
    srv = faulty("refuse-credentials-with-400")
    url = f"{srv.url}{CONTACTS_PATH}/1"
    assert requests.put(url, json={"city": "Oslo"}, timeout=10).status_code == 400
    wrong = requests.put(url, json={"city": "Oslo"}, auth=(srv.user, "wrong"), timeout=10)
    assert wrong.status_code == 400
    right = requests.put(url, json={"city": "Oslo"}, auth=(srv.user, srv.api_key), timeout=10)
    assert right.status_code == 200
    wrong_rpc = XMLRPCClient(srv, key="wrong")
    with pytest.raises(xmlrpc.client.ProtocolError) as refused:
        wrong_rpc.update(1, {"city": "Rome"})
    assert refused.value.errcode == 401  # over XML-RPC the answer is still 401


def test_read_back_another_id(faulty: StartFaulty) -> None:
    rest, rpc = clients(faulty("read-back-another-id"))
    assert rest.get(1)["id"] == 2
    assert rest.put(1, {"city": "Oslo"}).json() == 1
    assert rest.get(1)["city"] == "Oslo"  # the contact's own values, under another id
    assert rpc.update(1, {"city": "Rome"}) == 1
