"""Contacts in SQLite: one row per stored property, each value kept as JSON text.

JSON text reads back exactly what was written (strings with any Unicode, NUL
included, and integers of any size Python parses), which SQLite's own INTEGER and
TEXT types cannot promise. One connection serves every thread behind a lock:
SQLite serialises writers anyway, and a single connection also makes ``:memory:``
one database rather than one per thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from contract.errors import ContractError

SQLITE_MAX_INTEGER = 2**63 - 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS contact_values (
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (contact_id, name)
) WITHOUT ROWID;
"""

_UPSERT = (
    "INSERT INTO contact_values (contact_id, name, value) VALUES (?, ?, ?) "
    "ON CONFLICT (contact_id, name) DO UPDATE SET value = excluded.value"
)


class UnstorableValueError(ContractError, ValueError):
    """A value that has no JSON form (a Decimal, a NaN, a set...)."""

    def __init__(self, name: str, value: object) -> None:
        self.name = name
        super().__init__(
            f"`{name}` holds a value of type {type(value).__name__} that cannot be stored as JSON"
        )


def encode_value(name: str, value: object) -> str:
    """The JSON text stored for one property value."""
    try:
        # allow_nan=False: NaN and Infinity are not JSON and would not read back.
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        raise UnstorableValueError(name, value) from None


def _is_storable_id(contact_id: int) -> bool:
    return 0 < contact_id <= SQLITE_MAX_INTEGER


class ContactStore:
    """The contacts of one reference server; every public method is thread-safe."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        # isolation_level=None: transactions are explicit, one per update.
        self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            self._configure()
        except sqlite3.Error:
            self._connection.close()
            raise

    def _configure(self) -> None:
        connection = self._connection
        connection.execute("PRAGMA busy_timeout = 5000")
        if self.path != ":memory:":
            # WAL with synchronous=NORMAL commits without an fsync per update; a crash
            # of the process loses nothing, a power cut may lose the last commits.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(_SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = self._connection
            # IMMEDIATE takes the write lock up front, so another process sharing the
            # file cannot slip a write between our read and our write.
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def seed(self, ids: Iterable[int], make_contact: Callable[[int], Mapping[str, Any]]) -> None:
        """Make sure the contacts *ids* exist; new ones get ``make_contact(id)``'s values.

        Contacts that already exist (a database file from an earlier run) keep theirs.
        """
        with self._transaction() as connection:
            for contact_id in ids:
                created = connection.execute(
                    "INSERT OR IGNORE INTO contacts (id) VALUES (?)", (contact_id,)
                )
                if created.rowcount == 1:
                    rows = [
                        (contact_id, name, encode_value(name, value))
                        for name, value in make_contact(contact_id).items()
                    ]
                    connection.executemany(_UPSERT, rows)

    def exists(self, contact_id: int) -> bool:
        """True when the contact is stored."""
        if not _is_storable_id(contact_id):
            return False
        with self._lock:
            row = self._connection.execute(
                "SELECT 1 FROM contacts WHERE id = ?", (contact_id,)
            ).fetchone()
        return row is not None

    def update(self, contact_id: int, encoded: Mapping[str, str]) -> bool:
        """Store JSON-encoded values in one transaction; False when there is no such contact."""
        if not _is_storable_id(contact_id):
            return False
        with self._transaction() as connection:
            if (
                connection.execute("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)).fetchone()
                is None
            ):
                return False
            connection.executemany(
                _UPSERT, [(contact_id, name, text) for name, text in encoded.items()]
            )
        return True

    def insert(self, contact_id: int, encoded: Mapping[str, str]) -> bool:
        """Create the contact if it is missing, then store the values; False for an unstorable id.

        Updates never create contacts; only a planted fault (``create-unknown-id``) calls this.
        """
        if not _is_storable_id(contact_id):
            return False
        with self._transaction() as connection:
            connection.execute("INSERT OR IGNORE INTO contacts (id) VALUES (?)", (contact_id,))
            connection.executemany(
                _UPSERT, [(contact_id, name, text) for name, text in encoded.items()]
            )
        return True

    def get(self, contact_id: int) -> dict[str, Any] | None:
        """Every stored value of the contact, decoded; None when there is no such contact."""
        if not _is_storable_id(contact_id):
            return None
        with self._lock:
            connection = self._connection
            if (
                connection.execute("SELECT 1 FROM contacts WHERE id = ?", (contact_id,)).fetchone()
                is None
            ):
                return None
            rows = connection.execute(
                "SELECT name, value FROM contact_values WHERE contact_id = ?", (contact_id,)
            ).fetchall()
        return {name: json.loads(text) for name, text in rows}

    def contact_ids(self) -> list[int]:
        """The ids of every stored contact, in ascending order."""
        with self._lock:
            rows = self._connection.execute("SELECT id FROM contacts ORDER BY id").fetchall()
        return [contact_id for (contact_id,) in rows]

    def close(self) -> None:
        """Close the database; a WAL file is checkpointed back into the main file."""
        with self._lock:
            self._connection.close()
