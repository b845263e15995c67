"""The fleet history's file: an SQLite database of a known schema and version, opened only
when it is one, and written in transactions that writers take turns at.

What it holds, and how to read it, is :mod:`contract.fleet.history`'s; this module knows
the file: its tables (:data:`SCHEMA`), its version (``PRAGMA user_version``, which a later
library reads to migrate it), and every way it can fail to be a history, each said in one
line by :class:`HistoryError`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from contract.errors import ContractError

SCHEMA_VERSION = 1
"""The history version this library writes and reads (``PRAGMA user_version``)."""
BUSY_SECONDS = 60.0
"""How long a writer waits for another to finish its transaction before giving up."""
TABLES = ("runs", "installs", "requirement_verdicts", "transport_verdicts")

SCHEMA: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE IF NOT EXISTS runs (
            run_id TEXT PRIMARY KEY,
            time TEXT NOT NULL,
            library TEXT NOT NULL,
            schema_fingerprint TEXT NOT NULL,
            shard TEXT,
            interrupted INTEGER NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS installs (
            run_id TEXT NOT NULL REFERENCES runs (run_id),
            install TEXT NOT NULL,
            url TEXT NOT NULL,
            verdict TEXT NOT NULL,
            reason TEXT,
            restored INTEGER NOT NULL,
            exercised INTEGER,
            writable INTEGER,
            seed INTEGER,
            versions TEXT NOT NULL,
            seconds REAL NOT NULL,
            requests INTEGER NOT NULL,
            time TEXT NOT NULL,
            PRIMARY KEY (run_id, install)
        )""",
        "CREATE INDEX IF NOT EXISTS installs_by_name ON installs (install)",
        """CREATE TABLE IF NOT EXISTS requirement_verdicts (
            run_id TEXT NOT NULL,
            install TEXT NOT NULL,
            requirement TEXT NOT NULL,
            verdict TEXT NOT NULL,
            PRIMARY KEY (run_id, install, requirement),
            FOREIGN KEY (run_id, install) REFERENCES installs (run_id, install)
        )""",
        """CREATE TABLE IF NOT EXISTS transport_verdicts (
            run_id TEXT NOT NULL,
            install TEXT NOT NULL,
            requirement TEXT NOT NULL,
            transport TEXT NOT NULL,
            verdict TEXT NOT NULL,
            PRIMARY KEY (run_id, install, requirement, transport),
            FOREIGN KEY (run_id, install) REFERENCES installs (run_id, install)
        )""",
    ),
}
"""The statements that bring a history of version N-1 to version N, by N."""

COLUMNS = {
    "runs": ("run_id", "time", "library", "schema_fingerprint", "shard", "interrupted"),
    "installs": (
        *("run_id", "install", "url", "verdict", "reason", "restored", "exercised"),
        *("writable", "seed", "versions", "seconds", "requests", "time"),
    ),
    "requirement_verdicts": ("run_id", "install", "requirement", "verdict"),
    "transport_verdicts": ("run_id", "install", "requirement", "transport", "verdict"),
}
"""Each table's columns, in the order of :data:`SCHEMA`."""

_SQLITE_HEADER = b"SQLite format 3\x00"


class HistoryError(ContractError, ValueError):
    """A history file that cannot be used: :attr:`problem` says why, in one line."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def _check_bytes(path: Path, *, may_be_empty: bool) -> None:
    """Refuse, before SQLite sees it, a file that is missing, unreadable or not SQLite."""
    try:
        with path.open("rb") as file:
            head = file.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        raise HistoryError(path, "no such file") from None
    except IsADirectoryError:
        raise HistoryError(path, "a folder, not a history file") from None
    except OSError as error:
        raise HistoryError(path, f"cannot read it: {error.strerror or error}") from None
    if head == _SQLITE_HEADER or (may_be_empty and not head):
        return  # SQLite takes an empty file for an empty database
    said = "an empty file" if not head else "not an SQLite database"
    raise HistoryError(path, f"not a history file ({said})")


def _said(error: sqlite3.Error) -> str:
    """What went wrong, for a person: SQLite's words for the usual cases are terse."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return f"another process kept it locked for {BUSY_SECONDS:g} s"
    if "not a database" in text:
        return "not a history file (not an SQLite database)"
    if "readonly" in text:
        return "cannot write it: it is read-only"
    return f"cannot use it: {text}"


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    # A URI, so that reading never creates the file; autocommit (isolation_level None),
    # so that each transaction is the explicit BEGIN of the code that needs one.
    uri = path.absolute().as_uri() + ("?mode=ro" if read_only else "?mode=rwc")
    try:
        return sqlite3.connect(uri, timeout=BUSY_SECONDS, isolation_level=None, uri=True)
    except sqlite3.Error as error:
        raise HistoryError(path, _said(error)) from None


def checked_version(connection: sqlite3.Connection, path: Path, database: str = "main") -> int:
    """The history version of *database* on *connection*; raises :class:`HistoryError`
    for a database that holds other tables, or was written by a later library."""
    version = int(connection.execute(f"PRAGMA {database}.user_version").fetchone()[0])
    tables = {
        str(row[0])
        for row in connection.execute(
            f"SELECT name FROM {database}.sqlite_master WHERE type = 'table'"
        )
        if not str(row[0]).startswith("sqlite_")
    }
    if version > SCHEMA_VERSION:
        raise HistoryError(
            path,
            f"written by a later version of contract (history version {version}; this one "
            f"knows up to {SCHEMA_VERSION})",
        )
    others = sorted(tables - set(TABLES))
    if others:
        raise HistoryError(path, f"not a history file: it holds other tables ({', '.join(others)})")
    if version == 0 and tables:
        raise HistoryError(path, "not a history file: its tables carry no history version")
    return version


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """A write transaction: ``BEGIN IMMEDIATE`` takes the file's write lock at once (a
    writer that comes second waits for it, up to :data:`BUSY_SECONDS`), the block's
    writes are committed together, or none is."""
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise HistoryError(path, _said(error)) from None
    try:
        yield connection
        connection.execute("COMMIT")
    except BaseException as failure:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")
        if isinstance(failure, sqlite3.Error):
            raise HistoryError(path, _said(failure)) from None
        raise


def _migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the history to :data:`SCHEMA_VERSION`, creating its tables in a new file."""
    with transaction(connection, path):
        version = checked_version(connection, path)
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in SCHEMA[step]:
                connection.execute(statement)
        if version != SCHEMA_VERSION:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextlib.contextmanager
def writable(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the history at *path*, created (with its folder) if missing and
    brought to this library's version; writes go in :func:`transaction`\\ s."""
    if path.exists():
        _check_bytes(path, may_be_empty=True)
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise HistoryError(path, f"cannot create it: {error.strerror or error}") from None
    connection = _connect(path, read_only=False)
    try:
        _migrate(connection, path)
        yield connection
    except sqlite3.Error as error:
        raise HistoryError(path, _said(error)) from None
    finally:
        connection.close()


@contextlib.contextmanager
def readable(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the history at *path*, its reads one consistent view;
    raises :class:`HistoryError` for a file that is missing or not a history."""
    _check_bytes(path, may_be_empty=False)
    connection = _connect(path, read_only=True)
    try:
        connection.execute("BEGIN")
        if checked_version(connection, path) == 0:
            raise HistoryError(path, "not a history file (an SQLite database without its tables)")
        yield connection
    except sqlite3.Error as error:
        raise HistoryError(path, _said(error)) from None
    finally:
        connection.close()


def check_readable(path: Path) -> None:
    """Raise :class:`HistoryError` unless *path* is a history this library can read."""
    with readable(path):
        pass


def attach(connection: sqlite3.Connection, path: Path, name: str) -> None:
    """Attach the history at *path*, read-only, as *name* on *connection*; it must be a
    history of this library's version."""
    _check_bytes(path, may_be_empty=False)
    uri = path.absolute().as_uri() + "?mode=ro"
    try:
        connection.execute(f"ATTACH DATABASE ? AS {name}", (uri,))
    except sqlite3.Error as error:
        raise HistoryError(path, _said(error)) from None
    try:
        if checked_version(connection, path, name) != SCHEMA_VERSION:
            raise HistoryError(path, "not a history file (an SQLite database without its tables)")
    except BaseException as failure:
        with contextlib.suppress(sqlite3.Error):
            connection.execute(f"DETACH DATABASE {name}")
        if isinstance(failure, sqlite3.Error):
            raise HistoryError(path, _said(failure)) from None
        raise
