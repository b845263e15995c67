"""REST: PUT and GET /api/2.0/contacts/{id} over real HTTP on loopback."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract import load_contract
from contract.server import ReferenceServer
from contract.strategies import invalid_updates, valid_updates

from .clients import CONTACTS_PATH, RestClient, basic_header

CONTRACT = load_contract()


def examples(count: int) -> settings:
    """Settings for *count* examples sharing one contact; each compares with the state before."""
    return settings(max_examples=count, suppress_health_check=[HealthCheck.function_scoped_fixture])


# The seed's PHP sample, byte for byte: its $json string starts and ends with a newline.
PHP_SAMPLE_BODY = '\n{\n"name":"My new first name",\n"lastname":"My new lastname"\n}\n'


def writable_value(name: str) -> Any:
    """A value for *name* that exercises exact storage: odd text, huge integers."""
    schema = CONTRACT.rules(name)
    if "enum" in schema:
        return schema["enum"][-1]
    if schema.get("type") == "integer":
        return -(10**40) - 7
    if schema.get("format") == "date":
        return "2024-02-29"
    if schema.get("contentMediaType") == "application/json":
        return '["vip", "\\u00e9t\\u00e9", "nul\\u0000"]'
    return f"\x00 Ünïcödé 🙂 \r\n\t{name} \u2028 end"


def test_php_sample_request_reproduced_exactly(server: ReferenceServer, contact_id: int) -> None:
    # What curl sends for the sample: PUT, Basic auth, JSON content type, the $json string.
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    assert host is not None
    connection = http.client.HTTPConnection(host, port, timeout=30)
    body = PHP_SAMPLE_BODY.encode()
    connection.putrequest("PUT", f"{CONTACTS_PATH}/{contact_id}", skip_accept_encoding=True)
    connection.putheader("Authorization", basic_header(server.user, server.api_key))
    connection.putheader("Accept", "*/*")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(answer) == contact_id
    contact = RestClient(server).get(contact_id)
    assert contact["name"] == "My new first name"
    assert contact["lastname"] == "My new lastname"


def _php_with_curl() -> str | None:
    php = shutil.which("php")
    if php is None:
        return None
    modules = subprocess.run([php, "-m"], capture_output=True, text=True, timeout=30).stdout
    return php if "curl" in modules.split() else None


PHP_SAMPLE = r"""<?php
$username = getenv('UC_USER');
$apikey = getenv('UC_KEY');
$json = '
{
"name":"My new first name",
"lastname":"My new lastname"
}
';
$url = getenv('UC_URL');
$method = 'PUT';
$cSession = curl_init();
$headers = array();
$auth = base64_encode($username . ':' . $apikey);
$headers[] = 'Authorization: Basic ' . $auth;
curl_setopt($cSession, CURLOPT_URL, $url);
curl_setopt($cSession, CURLOPT_RETURNTRANSFER, true);
curl_setopt($cSession, CURLOPT_HEADER, false);
curl_setopt($cSession, CURLOPT_CUSTOMREQUEST, strtoupper($method));
curl_setopt($cSession, CURLOPT_POSTFIELDS, $json);
$headers[] = 'Content-Type: application/json';
curl_setopt($cSession, CURLOPT_HTTPHEADER, $headers);
$result = curl_exec($cSession);
curl_close($cSession);
echo $result;
"""


def test_php_sample_runs_against_the_server(
    server: ReferenceServer, contact_id: int, tmp_path: Path
) -> None:
    php = _php_with_curl()
    if php is None:
        pytest.skip(
            "no `php` binary with the curl extension on PATH: the seed's PHP sample cannot run"
        )
    script = tmp_path / "update_contact.php"
    script.write_text(PHP_SAMPLE)
    # Credentials travel in the environment, never on a command line.
    env = {
        "UC_USER": server.user,
        "UC_KEY": server.api_key,
        "UC_URL": RestClient(server).url(contact_id),
    }
    result = subprocess.run([php, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == contact_id
    contact = RestClient(server).get(contact_id)
    assert (contact["name"], contact["lastname"]) == ("My new first name", "My new lastname")


def test_get_answers_every_property_in_contract_order(rest: RestClient, contact_id: int) -> None:
    response = rest.session.get(rest.url(contact_id))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    contact = response.json()
    assert list(contact) == list(CONTRACT.properties)
    assert len(contact) == 52
    assert contact["id"] == contact_id


def test_seeded_read_only_values_are_plausible(rest: RestClient, contact_id: int) -> None:
    contact = rest.get(contact_id)
    assert contact["date_create"] > 1_400_000_000
    counters = [
        contact[name]
        for name in CONTRACT.read_only
        if CONTRACT.properties[name]["type"] == "integer"
    ]
    assert all(isinstance(value, int) and value > 0 for value in counters)


def test_update_answers_200_with_the_id_as_a_json_integer(
    rest: RestClient, contact_id: int
) -> None:
    response = rest.put(contact_id, {"name": "Ada"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == str(contact_id).encode()


def test_every_writable_property_reads_back_exactly(rest: RestClient, contact_id: int) -> None:
    before = rest.get(contact_id)
    payload = {name: writable_value(name) for name in CONTRACT.writable}
    response = rest.put(contact_id, payload)
    assert response.status_code == 200, response.text
    after = rest.get(contact_id)
    for name, value in payload.items():
        assert after[name] == value, name
        assert type(after[name]) is type(value), name
    for name in CONTRACT.read_only:
        assert after[name] == before[name], name


@examples(40)
@given(payload=valid_updates("rest"))
def test_valid_updates_read_back_exactly_and_leave_the_rest(
    rest: RestClient, contact_id: int, payload: dict[str, Any]
) -> None:
    before = rest.get(contact_id)
    response = rest.put(contact_id, payload)
    assert response.status_code == 200, response.text
    assert response.json() == contact_id
    after = rest.get(contact_id)
    assert after == {**before, **payload}


def test_the_same_update_twice_gives_the_same_answer_and_state(
    rest: RestClient, contact_id: int
) -> None:
    payload = {"city": "Zürich", "country_id": 41}
    first = rest.put(contact_id, payload)
    state = rest.get(contact_id)
    second = rest.put(contact_id, payload)
    assert (
        (first.status_code, first.content)
        == (second.status_code, second.content)
        == (200, str(contact_id).encode())
    )
    assert rest.get(contact_id) == state


NOT_A_JSON_OBJECT = {
    "empty body": (b"", "not_json"),
    "not JSON": (b"name=Ada", "not_json"),
    "truncated": (b'{"name": "Ada"', "not_json"),
    "NaN is not JSON": (b'{"name": NaN}', "not_json"),
    "invalid UTF-8": (b'{"name": "\xff\xfe"}', "not_json"),
    "too deep": (b"[" * 100_000 + b"]" * 100_000, "not_json"),
    "integer over 4300 digits": (b'{"country_id": ' + b"9" * 5000 + b"}", "not_json"),
    "array": (b'[{"name": "Ada"}]', "not_an_object"),
    "string": (b'"Ada"', "not_an_object"),
    "number": (b"5", "not_an_object"),
    "null": (b"null", "not_an_object"),
}


@pytest.mark.parametrize(("body", "rule"), NOT_A_JSON_OBJECT.values(), ids=NOT_A_JSON_OBJECT.keys())
def test_a_body_that_is_not_a_json_object_is_400(
    rest: RestClient, contact_id: int, body: bytes, rule: str
) -> None:
    before = rest.get(contact_id)
    response = rest.put(contact_id, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert [error["rule"] for error in response.json()["errors"]] == [rule]
    assert rest.get(contact_id) == before


def test_400_lists_every_violation_and_changes_nothing(rest: RestClient, contact_id: int) -> None:
    before = rest.get(contact_id)
    payload = {
        "name": "fine",
        "status": "ON",
        "country_id": "1",
        "tags": "vip",
        "id": 3,
        "last name": "x",
    }
    response = rest.put(contact_id, payload)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["property"], e["rule"]) for e in errors] == [
        ("status", "enum"),
        ("country_id", "type"),
        ("tags", "format"),
        ("id", "read_only"),
        ("last name", "unknown"),
    ]
    assert all(set(error) == {"property", "rule", "message"} for error in errors)
    assert "lastname" in errors[-1]["message"]
    assert rest.get(contact_id) == before


def test_a_lone_surrogate_is_rejected_not_a_crash(rest: RestClient, contact_id: int) -> None:
    response = rest.put(contact_id, data=b'{"name": "\\ud800", "\\udfff": 1}')
    assert response.status_code == 400
    assert [e["rule"] for e in response.json()["errors"]] == ["text", "unknown"]


@examples(40)
@given(case=invalid_updates("rest"))
def test_invalid_updates_are_400_and_change_nothing(
    rest: RestClient, contact_id: int, case: Any
) -> None:
    before = rest.get(contact_id)
    response = rest.put(contact_id, case.payload)
    assert response.status_code == 400, case
    assert case.rule in {error["rule"] for error in response.json()["errors"]}
    assert rest.get(contact_id) == before


BAD_CREDENTIALS = {
    "no header": None,
    "wrong key": "KEY+wrong",
    "wrong user": "USER+wrong",
    "bearer scheme": "Bearer abc",
    "not base64": "Basic %%%",
    "no colon": "Basic " + "YWRtaW4=",
}


@pytest.mark.parametrize("header", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
def test_missing_or_wrong_credentials_are_401_and_change_nothing(
    server: ReferenceServer, rest: RestClient, contact_id: int, header: str | None
) -> None:
    if header == "KEY+wrong":
        header = basic_header(server.user, server.api_key + "x")
    elif header == "USER+wrong":
        header = basic_header(server.user + "x", server.api_key)
    before = rest.get(contact_id)
    headers = {} if header is None else {"Authorization": header}
    for method in ("PUT", "GET"):
        response = requests.request(
            method, rest.url(contact_id), json={"name": "intruder"}, headers=headers, timeout=30
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert rest.get(contact_id) == before


def test_an_unknown_contact_is_404_and_nothing_is_created(rest: RestClient) -> None:
    unknown = 10_000_000
    assert rest.put(unknown, {"name": "Ada"}).status_code == 404
    assert rest.put(unknown, {"status": "ON"}).status_code == 404
    assert rest.session.get(rest.url(unknown)).status_code == 404


@pytest.mark.parametrize(
    "contact_id", ["0", "-1", "abc", "1.5", "1e3", "01", " 1", "%20", "9" * 30, "\u0661"]
)
def test_a_malformed_id_is_404(rest: RestClient, contact_id: str) -> None:
    assert rest.put(contact_id, {"name": "Ada"}).status_code == 404
    assert rest.session.get(rest.url(contact_id)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/2.0/contacts",
        "/api/2.0/contacts/1/",
        "/api/2.0/contacts/1/x",
        "/api/1.0/contacts/1",
    ],
)
def test_other_paths_are_404(rest: RestClient, path: str) -> None:
    response = rest.session.put(rest.srv.url + path, json={"name": "Ada"})
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


@pytest.mark.parametrize("method", ["POST", "DELETE", "PATCH", "OPTIONS", "BREW"])
def test_other_methods_are_405_with_allow(rest: RestClient, method: str) -> None:
    response = rest.session.request(method, rest.url(1), json={"name": "Ada"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, PUT"


def test_head_answers_headers_without_a_body(rest: RestClient) -> None:
    response = rest.session.head(rest.url(1))
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) > 0
    assert response.content == b""


@pytest.fixture(scope="module")
def small_limit_server() -> Iterator[ReferenceServer]:
    with ReferenceServer(contacts=2, max_body_bytes=1000) as srv:
        yield srv


def test_a_body_over_the_limit_is_413(small_limit_server: ReferenceServer) -> None:
    rest = RestClient(small_limit_server)
    at_limit = json.dumps({"name": "Ada"}).encode().ljust(1000)
    assert rest.put(1, data=at_limit).status_code == 200
    assert rest.put(1, data=at_limit + b" ").status_code == 413
    assert rest.put(1, data=at_limit * 10).status_code == 413
    assert rest.get(1)["name"] == "Ada"


def test_a_chunked_body_over_the_limit_is_413(small_limit_server: ReferenceServer) -> None:
    rest = RestClient(small_limit_server)
    chunks = (b" " * 100 for _ in range(20))
    assert rest.put(2, data=chunks).status_code == 413


def test_the_default_limit_is_one_mebibyte(rest: RestClient, contact_id: int) -> None:
    value = "x" * (1024 * 1024 - 100)
    assert rest.put(contact_id, {"address": value}).status_code == 200
    assert rest.get(contact_id)["address"] == value
    assert rest.put(contact_id, {"address": value + "x" * 100}).status_code == 413


def test_read_only_and_unknown_properties_are_rejected_by_default(
    rest: RestClient, contact_id: int
) -> None:
    before = rest.get(contact_id)
    for payload, rule in [({"score": 9}, "read_only"), ({"name": "x", "favourite": 1}, "unknown")]:
        response = rest.put(contact_id, payload)
        assert response.status_code == 400
        assert [e["rule"] for e in response.json()["errors"]] == [rule]
    assert rest.get(contact_id) == before


def test_ignore_policy_drops_read_only_and_unknown_and_applies_the_rest(
    ignoring_rest: RestClient, contact_id: int
) -> None:
    before = ignoring_rest.get(contact_id)
    response = ignoring_rest.put(
        contact_id, {"name": "Grace", "id": 99, "rating": 5, "favourite": "tea"}
    )
    assert response.status_code == 200
    assert response.json() == contact_id
    after = ignoring_rest.get(contact_id)
    assert after == {**before, "name": "Grace"}
    assert "favourite" not in after


def test_ignore_policy_still_validates_the_siblings(
    ignoring_rest: RestClient, contact_id: int
) -> None:
    before = ignoring_rest.get(contact_id)
    response = ignoring_rest.put(contact_id, {"status": "ON", "id": 99, "favourite": "tea"})
    assert response.status_code == 400
    assert [(e["property"], e["rule"]) for e in response.json()["errors"]] == [("status", "enum")]
    assert ignoring_rest.get(contact_id) == before


def test_ignore_policy_with_only_ignored_properties_changes_nothing(
    ignoring_rest: RestClient, contact_id: int
) -> None:
    before = ignoring_rest.get(contact_id)
    response = ignoring_rest.put(contact_id, {"id": 99, "favourite": "tea"})
    assert response.status_code == 200
    assert ignoring_rest.get(contact_id) == before
    assert ignoring_rest.put(10_000_000, {"id": 99}).status_code == 404


@pytest.mark.parametrize("client", ["rest", "ignoring_rest"])
def test_an_empty_object_is_400_under_every_policy(
    request: pytest.FixtureRequest, client: str, contact_id: int
) -> None:
    rest: RestClient = request.getfixturevalue(client)
    response = rest.put(contact_id, {})
    assert response.status_code == 400
    assert [e["rule"] for e in response.json()["errors"]] == ["empty"]


IGNORED_NAMES = st.sampled_from([*CONTRACT.read_only, "xyz", "last name", "Name", ""])


@examples(25)
@given(ignored=st.dictionaries(IGNORED_NAMES, st.integers() | st.text(), min_size=1))
def test_ignored_properties_never_reach_the_store(
    ignoring_rest: RestClient, contact_id: int, ignored: dict[str, Any]
) -> None:
    before = ignoring_rest.get(contact_id)
    assert ignoring_rest.put(contact_id, ignored).status_code == 200
    assert ignoring_rest.get(contact_id) == before


def test_a_whole_number_written_as_a_decimal_is_stored_as_an_integer(
    rest: RestClient, contact_id: int
) -> None:
    body = b'{"country_id": 1e3, "city_id": 7.0}'
    assert rest.put(contact_id, data=body).json() == contact_id
    raw = rest.session.get(rest.url(contact_id), timeout=30).text
    assert '"country_id": 1000,' in raw
    assert '"city_id": 7,' in raw
    assert rest.put(contact_id, data=b'{"country_id": 1.5}').status_code == 400
