"""Servers and clients shared by the server tests: one server per policy for the whole run."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from contract.server import ReferenceServer

from .clients import RestClient

# Every test that changes a contact takes one nobody else has touched.
CONTACTS = 600


@pytest.fixture(scope="session")
def server() -> Iterator[ReferenceServer]:
    """A server with the default policies (reject read-only and unknown properties)."""
    with ReferenceServer(contacts=CONTACTS) as srv:
        yield srv


@pytest.fixture(scope="session")
def ignoring_server() -> Iterator[ReferenceServer]:
    """A server that ignores read-only and unknown properties."""
    with ReferenceServer(
        contacts=CONTACTS, readonly_treatment="ignore", unknown_treatment="ignore"
    ) as srv:
        yield srv


@pytest.fixture(scope="session")
def fresh_ids() -> Callable[[], int]:
    """Hands out contact ids no other test uses (the same id on every server)."""
    counter = itertools.count(1)

    def take() -> int:
        contact_id = next(counter)
        assert contact_id <= CONTACTS, "raise CONTACTS: the tests use more contacts than are seeded"
        return contact_id

    return take


@pytest.fixture
def contact_id(fresh_ids: Callable[[], int]) -> int:
    """A contact of its own for this test."""
    return fresh_ids()


@pytest.fixture
def rest(server: ReferenceServer) -> Iterator[RestClient]:
    """REST client of the default server."""
    client = RestClient(server)
    yield client
    client.close()


@pytest.fixture
def ignoring_rest(ignoring_server: ReferenceServer) -> Iterator[RestClient]:
    """REST client of the ignoring server."""
    client = RestClient(ignoring_server)
    yield client
    client.close()
