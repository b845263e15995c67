"""Install profiles: legal variants of the contract, over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contract.server import ReferenceServer, ServerOptions
from contract.server.profiles import PROFILES

from .clients import RestClient, XMLRPCClient


@pytest.fixture(scope="module")
def profiled() -> Iterator[dict[str, ReferenceServer]]:
    servers = {name: ReferenceServer(contacts=3, profile=name).start() for name in PROFILES}
    yield servers
    for server in servers.values():
        server.stop()


def test_an_unknown_profile_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="profile must be one of default, limits"):
        ServerOptions(profile="strict")
    assert "profile='limits'" in repr(ServerOptions(profile="limits"))
    assert "profile" not in repr(ServerOptions())


def test_limits_refuses_long_text_and_wide_rest_integers_with_422(
    profiled: dict[str, ReferenceServer],
) -> None:
    rest = RestClient(profiled["limits"])
    refused = rest.put(1, {"city": "x" * 256})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["rule"] == "limit"
    assert rest.put(1, {"country_id": 2**31}).status_code == 422
    assert rest.put(1, {"city": "x" * 255, "country_id": 2**31 - 1}).json() == 1
    assert rest.put(1, {"city": "x" * 256, "status": "maybe"}).status_code == 400  # a rule first


def test_lenient_numbers_stores_numeric_text_as_an_integer(
    profiled: dict[str, ReferenceServer],
) -> None:
    server = profiled["lenient-numbers"]
    rest, rpc = RestClient(server), XMLRPCClient(server)
    assert rest.put(1, {"country_id": "12"}).json() == 1
    assert rest.get(1)["country_id"] == 12
    assert rpc.update(1, {"city_id": " 7"}) == 1
    assert rest.get(1)["city_id"] == 7
    assert rest.put(1, {"country_id": "abc"}).status_code == 400  # text that is no number


def test_plain_422_refuses_in_plain_text(profiled: dict[str, ReferenceServer]) -> None:
    rest = RestClient(profiled["plain-422"])
    refused = rest.put(1, {"status": "maybe"})
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("text/plain")
    assert refused.text.startswith("the update was refused: `status` must be one of")
    assert rest.put(1, {"status": "off"}).json() == 1


def test_the_default_profile_is_the_contract_as_documented(
    profiled: dict[str, ReferenceServer],
) -> None:
    rest = RestClient(profiled["default"])
    assert rest.put(1, {"city": "x" * 1000}).json() == 1
    assert rest.put(1, {"country_id": "12"}).status_code == 400
