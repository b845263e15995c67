"""The parts behind the endpoints: safety net, storage, seeding, options, lifecycle."""

from __future__ import annotations

import base64
import json
import logging
import threading
import xmlrpc.client
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from contract import load_contract
from contract.core.validation import UpdateValidator, validator_for
from contract.server import ReferenceServer, ServerOptions
from contract.server.auth import BasicAuth, parse_basic
from contract.server.seeding import plausible_contact
from contract.server.service import ContactService
from contract.server.store import ContactStore, UnstorableValueError, encode_value
from contract.server.updates import Rejected
from contract.server.xmlrpc import FAULT_INTERNAL_ERROR

from .clients import XMLRPC_PATH, RestClient, XMLRPCClient

CONTRACT = load_contract()


def test_a_bug_is_answered_500_once_and_logged_without_the_key(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with ReferenceServer(contacts=2, api_key="s3cret-key") as srv:
        assert srv.app is not None
        service = srv.app.service

        def broken(contact_id: int, properties: object, transport: str) -> Any:
            raise RuntimeError(f"boom while holding s3cret-key for {contact_id}")

        monkeypatch.setattr(service, "update", broken)
        rest = RestClient(srv)
        with caplog.at_level(logging.ERROR, logger="contract.server"):
            response = rest.put(1, {"name": "Ada"})
            with pytest.raises(xmlrpc.client.ProtocolError) as caught:
                XMLRPCClient(srv).update(1, {"name": "Ada"})
        assert response.status_code == 500
        assert response.json() == {"error": {"status": 500, "message": "internal server error"}}
        assert caught.value.errcode == 500
        assert len(caplog.records) == 2
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "boom while holding <redacted>" in logged
        assert "Traceback" in logged
        assert "s3cret-key" not in logged
        # The server lives on: the next request is answered as usual.
        monkeypatch.undo()
        assert rest.put(1, {"name": "Ada"}).status_code == 200


def test_an_xmlrpc_bug_is_a_500_carrying_an_internal_error_fault(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with ReferenceServer(contacts=1) as srv:
        assert srv.app is not None
        monkeypatch.setattr(srv.app.service, "get", lambda contact_id: 1 / 0)
        logging.getLogger("contract.server").disabled = True
        try:
            body = xmlrpc.client.dumps((1,), "contacts.GetContact").encode()
            response = requests.post(
                srv.url + XMLRPC_PATH, data=body, auth=(srv.user, srv.api_key), timeout=30
            )
        finally:
            logging.getLogger("contract.server").disabled = False
        assert response.status_code == 500
        with pytest.raises(xmlrpc.client.Fault) as caught:
            xmlrpc.client.loads(response.content)
        assert caught.value.faultCode == FAULT_INTERNAL_ERROR


def test_seeded_contacts_are_valid_plausible_and_repeatable() -> None:
    validator = Draft202012Validator(
        CONTRACT.contact, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for contact_id in (1, 2, 99):
        contact = plausible_contact(CONTRACT, contact_id)
        assert list(contact) == list(CONTRACT.properties)
        assert list(validator.iter_errors(contact)) == []
        assert contact["id"] == contact_id
        assert plausible_contact(CONTRACT, contact_id) == contact
    assert plausible_contact(CONTRACT, 1) != plausible_contact(CONTRACT, 2)


@pytest.mark.parametrize(
    "value",
    ["", "nul \x00 inside", "\U0001f642\u2028", 0, -(2**200), 10**4000, 1.5, None, True, ["a"]],
)
def test_the_store_reads_back_exactly_what_it_stored(tmp_path: Path, value: Any) -> None:
    store = ContactStore(tmp_path / "store.sqlite")
    store.seed(range(1, 2), lambda contact_id: {"id": contact_id})
    assert store.update(1, {"x": encode_value("x", value)})
    stored = store.get(1)
    assert stored is not None
    assert stored["x"] == value
    assert type(stored["x"]) is type(value)
    store.close()


def test_the_store_knows_which_contacts_exist() -> None:
    store = ContactStore(":memory:")
    store.seed(range(1, 4), lambda contact_id: {})
    assert store.contact_ids() == [1, 2, 3]
    assert [store.exists(i) for i in (0, 1, 3, 4, -1, 2**64)] == [
        False,
        True,
        True,
        False,
        False,
        False,
    ]
    assert store.get(2**64) is None
    assert not store.update(4, {"name": '"x"'})
    assert store.contact_ids() == [1, 2, 3]
    store.close()


def test_seeding_again_keeps_existing_contacts(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite"
    first = ContactStore(path)
    first.seed(range(1, 3), lambda contact_id: {"name": "original"})
    first.update(1, {"name": '"changed"'})
    first.close()
    second = ContactStore(path)
    second.seed(range(1, 5), lambda contact_id: {"name": "new"})
    assert [(second.get(i) or {}).get("name") for i in (1, 2, 3, 4)] == [
        "changed",
        "original",
        "new",
        "new",
    ]
    second.close()


def test_values_without_a_json_form_are_refused() -> None:
    for value in (float("nan"), {1, 2}, b"bytes", xmlrpc.client.DateTime()):
        with pytest.raises(UnstorableValueError):
            encode_value("x", value)


def test_an_unstorable_custom_value_is_a_type_violation() -> None:
    contract = load_contract({"properties": {"weight": {"type": "number"}}})
    store = ContactStore(":memory:")
    store.seed(range(1, 2), lambda contact_id: plausible_contact(contract, contact_id))
    service = ContactService(store, UpdateValidator(contract))
    outcome = service.update(1, {"weight": Decimal("1.5")})
    assert isinstance(outcome, Rejected)
    assert [(v.property, v.rule) for v in outcome.violations] == [("weight", "type")]
    store.close()


def test_basic_auth_parsing_and_checking() -> None:
    auth = BasicAuth("admin", "k:ey é")
    header = "Basic " + base64.b64encode("admin:k:ey é".encode()).decode()
    assert parse_basic(header) == (b"admin", "k:ey é".encode())
    assert auth.allows(header)
    assert auth.allows(header.replace("Basic", "basic"))
    for bad in (None, "", "Basic", "Basic é", "Digest x", header + "x", "Basic YWRtaW4="):
        assert not auth.allows(bad)
    assert "k:ey" not in repr(auth)


@pytest.mark.parametrize(
    "options",
    [
        {"readonly_treatment": "maybe"},
        {"unknown_treatment": "REJECT"},
        {"port": 70000},
        {"contacts": -1},
        {"latency_ms": -1},
        {"max_body_bytes": 0},
        {"threads": 0},
        {"xmlrpc_path": "rpc"},
        {"user": "a:b"},
        {"api_key": ""},
    ],
)
def test_invalid_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must"):
        ServerOptions(**options)


def test_the_api_key_never_shows_in_reprs() -> None:
    with ReferenceServer(contacts=0, fresh_contacts=0, api_key="hidden-key") as srv:
        assert "hidden-key" not in repr(srv)
        assert "hidden-key" not in repr(srv.options)
        assert srv.contact_ids == []


def test_servers_pick_free_ports_and_stop_idempotently() -> None:
    first, second = ReferenceServer(contacts=1), ReferenceServer(contacts=1)
    with first, second:
        assert first.port != second.port
        assert first.api_key != second.api_key
        with pytest.raises(RuntimeError):
            first.start()
    first.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(first.url, timeout=5)


def test_options_or_keywords_but_not_both() -> None:
    with pytest.raises(TypeError):
        ReferenceServer(ServerOptions(), port=1)


@pytest.mark.parametrize("build", [ServerOptions, ReferenceServer])
@pytest.mark.parametrize(
    ("former", "name"),
    [("readonly_policy", "readonly_treatment"), ("unknown_policy", "unknown_treatment")],
)
def test_a_former_treatment_keyword_still_works_and_warns_where_it_was_given(
    build: Any, former: str, name: str
) -> None:
    with pytest.warns(DeprecationWarning, match=f"use {name}=") as warned:
        built = build(**{former: "ignore"})
    options = built.options if isinstance(built, ReferenceServer) else built
    assert getattr(options, name) == "ignore"
    renamed: dict[str, Any] = {name: "ignore"}
    assert options == ServerOptions(**renamed)
    assert [warning.filename for warning in warned] == [__file__]


def test_a_treatment_under_both_its_names_is_refused() -> None:
    with pytest.raises(TypeError, match="former name of readonly_treatment"):
        ServerOptions(readonly_policy="ignore", readonly_treatment="ignore")


def test_a_schema_extension_adds_custom_fields(tmp_path: Path) -> None:
    extension = tmp_path / "custom.json"
    extension.write_text(
        json.dumps({"properties": {"loyalty_tier": {"type": "string", "enum": ["gold", "silver"]}}})
    )
    with ReferenceServer(contacts=1, schema_extension=extension) as srv:
        rest = RestClient(srv)
        assert rest.get(1)["loyalty_tier"] in {"gold", "silver"}
        assert rest.put(1, {"loyalty_tier": "gold"}).status_code == 200
        assert rest.get(1)["loyalty_tier"] == "gold"
        assert rest.put(1, {"loyalty_tier": "bronze"}).status_code == 400
        assert len(rest.get(1)) == 53


def test_fresh_contacts_follow_the_plausible_ones_and_hold_the_documented_defaults() -> None:
    with ReferenceServer(contacts=2, fresh_contacts=3) as srv:
        assert (srv.plausible_contact_ids, srv.fresh_contact_ids) == ([1, 2], [3, 4, 5])
        assert srv.contact_ids == [1, 2, 3, 4, 5]
        assert srv.app is not None
        fresh = srv.app.service.get(3)
        plausible = srv.app.service.get(1)
    assert fresh is not None
    assert plausible is not None
    contract = load_contract()
    for name, schema in contract.properties.items():
        if name in ("id", "date_create"):
            continue
        # The table's default, or "no value": "" for text, null for an integer.
        empty = "" if "string" in contract.types(name) else None
        assert fresh[name] == schema.get("default", empty), name
    assert (fresh["id"], fresh["status"], fresh["score"], fresh["gender"]) == (3, "on", 2, "")
    assert fresh["date_of_birth"] is None
    assert isinstance(fresh["date_create"], int)
    # The contact schema takes both as a contact read back, formats asserted; an update
    # may not send a fresh contact's empty enums and integers.
    checker = Draft202012Validator.FORMAT_CHECKER
    for contact in (fresh, plausible):
        Draft202012Validator(contract.contact, format_checker=checker).validate(contact)
    assert not validator_for().is_valid({"gender": ""})
    assert not validator_for().is_valid({"date_of_birth": None})
    # A plausible contact has a value an update can send back in every writable property.
    assert validator_for().is_valid({name: plausible[name] for name in contract.writable})


def test_stop_wakes_the_serving_loop_instead_of_waiting_for_its_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The loop sleeps until a socket stirs or its idle check is due; made an hour long,
    # a stop that waited for the loop's next turn would hang here.
    monkeypatch.setattr("contract.server.runner._IDLE_CHECK_SECONDS", 3600)
    server = ReferenceServer(port=0).start()
    try:
        assert RestClient(server).put(1, {"name": "Ada"}).status_code == 200
    finally:
        stopping = threading.Thread(target=server.stop, daemon=True)
        stopping.start()
        stopping.join(timeout=60)
    assert not stopping.is_alive(), "stop() waited for the loop's idle turn"
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url, timeout=10)
