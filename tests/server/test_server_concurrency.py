"""Concurrent updates of one contact: no lost update, no 5xx."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from contract import load_contract
from contract.core.rules import ANNOTATIONS
from contract.server import ReferenceServer

from .clients import RestClient

THREADS = 8
UPDATES_PER_THREAD = 200


def _plain_text_properties() -> list[str]:
    contract = load_contract()
    keys = {"type"}
    return [
        name
        for name in contract.writable
        if contract.properties[name].keys() - ANNOTATIONS == keys
        and contract.properties[name]["type"] == "string"
    ]


@pytest.mark.long
def test_eight_threads_updating_different_properties_lose_nothing(
    server: ReferenceServer, contact_id: int
) -> None:
    properties = _plain_text_properties()[:THREADS]
    assert len(properties) == THREADS
    before = RestClient(server).get(contact_id)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(thread: int, name: str) -> None:
        client = RestClient(server)  # its own keep-alive connection
        seen: Counter[int] = Counter()
        start.wait()
        for i in range(UPDATES_PER_THREAD):
            seen[client.put(contact_id, {name: f"thread {thread} update {i}"}).status_code] += 1
        client.close()
        with lock:
            statuses.update(seen)

    workers = [threading.Thread(target=work, args=(t, name)) for t, name in enumerate(properties)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers)
    assert statuses == {200: THREADS * UPDATES_PER_THREAD}
    last = {
        name: f"thread {t} update {UPDATES_PER_THREAD - 1}" for t, name in enumerate(properties)
    }
    assert RestClient(server).get(contact_id) == {**before, **last}
