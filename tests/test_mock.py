"""contract.mock: client code tested against the simulated endpoint, as a consumer would."""

from __future__ import annotations

import base64
import textwrap
import xmlrpc.client
from typing import Any

import pytest
import requests

import contract.mock
from contract.mock import MockEndpoint
from tests.conftest import RunCli

KEY = "test-key"


# The "client code under test": what a consumer of the API would write.
def update_contact(base_url: str, key: str, contact_id: int, values: dict[str, Any]) -> Any:
    response = requests.put(
        f"{base_url}/api/2.0/contacts/{contact_id}", json=values, auth=("admin", key), timeout=5
    )
    response.raise_for_status()
    return response.json()


def update_contact_xmlrpc(base_url: str, key: str, contact_id: int, values: dict[str, Any]) -> Any:
    body = xmlrpc.client.dumps((contact_id, values), "contacts.UpdateContact")
    response = requests.post(
        f"{base_url}/api/2.0/xmlrpc",
        data=body.encode(),
        headers={"Content-Type": "text/xml"},
        auth=("admin", key),
        timeout=5,
    )
    return xmlrpc.client.loads(response.content)[0][0]


def test_a_valid_update_answers_the_id_and_changes_the_contact() -> None:
    with contract.mock.endpoint("https://crm.example", api_key=KEY, contacts=3) as api:
        assert update_contact(api.url, KEY, 2, {"name": "Ada", "status": "off"}) == 2
        assert api.contacts[2]["name"] == "Ada"
        assert api.contacts[2]["status"] == "off"
        assert list(api.contacts) == [1, 2, 3]


def test_an_invalid_update_is_refused_with_its_violations() -> None:
    with contract.mock.endpoint("https://crm.example", api_key=KEY) as api:
        before = api.contacts[1]
        response = requests.put(
            api.url + "/api/2.0/contacts/1", json={"status": "bogus"}, auth=("admin", KEY)
        )
        assert response.status_code == 400
        assert [error["property"] for error in response.json()["errors"]] == ["status"]
        assert api.contacts[1] == before


def test_a_wrong_key_is_refused() -> None:
    with contract.mock.endpoint("https://crm.example", api_key=KEY) as api:
        with pytest.raises(requests.HTTPError) as refused:
            update_contact(api.url, "wrong", 1, {"name": "Ada"})
        assert refused.value.response.status_code == 401


def test_an_unknown_contact_is_not_found() -> None:
    with contract.mock.endpoint("https://crm.example", api_key=KEY, contacts=2) as api:
        response = requests.get(api.url + "/api/2.0/contacts/99", auth=("admin", KEY))
        assert response.status_code == 404
        assert 99 not in api.contacts


def test_xmlrpc_through_requests_answers_the_id_or_a_fault() -> None:
    with contract.mock.endpoint("https://crm.example", api_key=KEY) as api:
        assert update_contact_xmlrpc(api.url, KEY, 1, {"lastname": "Lovelace"}) == 1
        assert api.contacts[1]["lastname"] == "Lovelace"
        with pytest.raises(xmlrpc.client.Fault):
            update_contact_xmlrpc(api.url, KEY, 1, {"status": "bogus"})


def test_contacts_can_be_given_as_a_mapping() -> None:
    with contract.mock.endpoint(contacts={7: {"name": "Grace"}}) as api:
        assert list(api.contacts) == [7]
        assert api.contacts[7]["name"] == "Grace"
        assert api.contacts[7]["id"] == 7


def test_other_addresses_are_not_answered() -> None:
    with contract.mock.endpoint("https://crm.example"), pytest.raises(requests.ConnectionError):
        requests.get("https://elsewhere.example/api/2.0/contacts/1")


def test_calls_are_kept_without_the_key() -> None:
    with contract.mock.endpoint("https://crm.example", api_key=KEY) as api:
        update_contact(api.url, KEY, 1, {"name": "Ada"})
        update_contact_xmlrpc(api.url, KEY, 1, {"name": "Bob"})
        assert [(call.method, call.status) for call in api.calls] == [("PUT", 200), ("POST", 200)]
        assert api.calls[0].body == {"name": "Ada"}
        assert api.calls[1].body == ((1, {"name": "Bob"}), "contacts.UpdateContact")
        basic = base64.b64encode(f"admin:{KEY}".encode()).decode()
        shown = repr(api.calls) + repr(api)
        assert KEY not in shown
        assert basic not in shown


def test_the_fixture_is_a_simulated_install(contract_mock: MockEndpoint) -> None:
    assert contract_mock.url == "https://install.example"
    assert update_contact(contract_mock.url, contract_mock.api_key, 1, {"name": "Ada"}) == 1
    assert contract_mock.contacts[1]["name"] == "Ada"


def test_the_fixture_in_a_consumers_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import requests

            def test_update(contract_mock):
                response = requests.put(
                    contract_mock.url + "/api/2.0/contacts/3",
                    json={"name": "Ada"},
                    auth=(contract_mock.user, contract_mock.api_key),
                )
                assert response.json() == 3
                assert contract_mock.contacts[3]["name"] == "Ada"
            """
        )
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_certify_mock_certifies_the_simulated_endpoint(run_cli: RunCli) -> None:
    result = run_cli("certify", "--mock", "--examples", "3", "--seed", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CERTIFIED: https://install.example" in result.stdout


def test_certify_mock_takes_one_worker(run_cli: RunCli) -> None:
    result = run_cli("certify", "--mock", "--workers", "2")
    assert result.returncode == 2
    assert "--workers" in result.stderr
