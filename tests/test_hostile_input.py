"""Hostile input: any value to the validator, and unreadable files to `contract validate`."""

from __future__ import annotations

import datetime
import enum
import json
import os
import subprocess
import sys
import tracemalloc
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contract
from conftest import THOROUGH
from contract import PayloadError, Violation
from contract.core.bulk import BulkResult, check_stream
from contract.core.payload_files import InputError
from tests.conftest import run_contract

#: Each drawn value is also checked as the value of one of these, in turn: every property,
#: a misspelt one and the empty name.
KEYS = [*sorted(contract.load_contract().properties), "last name", ""]
DEPTH = 100_000
VALUES_PER_BATCH = 100
# 20,000 drawn values in every run, 100,000 under the `thorough` Hypothesis profile.
BATCHES = 1_000 if THOROUGH else 200
MiB = 1 << 20


def _refuse(*_: object, **__: object) -> NoReturn:
    """Any method of a hostile object."""
    raise RuntimeError("a hostile object refuses")


class _Hostile:
    """Comparing, hashing, printing, formatting, truth-testing or sizing it raises."""

    __eq__ = __ne__ = __hash__ = __repr__ = __str__ = __format__ = __bool__ = __len__ = _refuse


class _HostileKey:
    """Hashes like a property name, so that looking it up calls its raising ``__eq__``."""

    __eq__ = __ne__ = __repr__ = __str__ = __format__ = _refuse

    def __init__(self, name: str) -> None:
        self._hash = hash(name)

    def __hash__(self) -> int:
        return self._hash


class _HostileStr(str):
    """A ``str`` that hashes as one, but whose comparisons, printing and methods raise."""

    __eq__ = __ne__ = __repr__ = __str__ = __format__ = __len__ = __iter__ = _refuse
    __getitem__ = __contains__ = isascii = encode = strip = lstrip = casefold = _refuse
    __hash__ = str.__hash__


class _Opaque:
    """Every attribute lookup raises, ``__class__`` included."""

    def __getattribute__(self, name: str) -> Any:
        raise RuntimeError(f"no attribute {name} for you")


class _PairsMapping(Mapping[Any, Any]):
    """A read-only mapping over a list of pairs, whose keys need not be hashable."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        self._pairs = pairs

    def __getitem__(self, key: Any) -> Any:
        for candidate, value in self._pairs:
            if candidate is key:
                return value
        raise KeyError("no such key")

    def __iter__(self) -> Iterator[Any]:
        return (key for key, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)


class _ItemsDict(dict[Any, Any]):
    """A dict whose ``items()`` shows something other than its own pairs."""

    def __init__(self, held: dict[Any, Any], shown: Any) -> None:
        super().__init__(held)
        self._shown = shown

    def items(self) -> Any:
        return self._shown


class _UnreadableDict(dict[Any, Any]):
    """A dict whose ``items()`` raises."""

    items = _refuse


class _Status(str, enum.Enum):
    """Property names and values as a ``str`` enum, as some callers build payloads."""

    NAME = "name"
    ON = "on"


class _Count(enum.IntEnum):
    """An integer enum."""

    ONE = 1


def _self_containing_list() -> list[Any]:
    """A list that holds itself."""
    cycle: list[Any] = []
    cycle.append(cycle)
    return cycle


def _self_containing_dict() -> dict[str, Any]:
    """A dict that holds itself."""
    cycle: dict[str, Any] = {"name": "Ada"}
    cycle["self"] = cycle
    return cycle


# Hypothesis draws at most 8 KiB of choices an example, and each choice takes time: a
# batch of 100 values keeps every value a few choices long.
_text = st.text(st.characters(exclude_categories=()), max_size=6)
_lone_surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=2)
_huge_text = st.sampled_from(["x", "é", "\ud800", "[", "\x00", "ab"]).map(
    lambda text: text * 100_000
)
_property_like_text = st.sampled_from(
    ["on", "ON", "html", "male", '["vip", "2024"]', "[1]", "2024-02-29", "2023-02-29", "last name"]
)
_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(0, 9).map(lambda n: 10**4300 + n),
    st.floats(),
    _text,
    _lone_surrogates,
    _property_like_text,
    _huge_text,
)
_odd_scalars = st.one_of(
    st.binary(max_size=6),
    st.binary(max_size=6).map(bytearray),
    st.floats().map(Decimal),
    st.floats().map(lambda number: complex(number, 1)),
    st.integers(0, 2**31).map(
        lambda seconds: datetime.datetime(2000, 1, 1) + datetime.timedelta(seconds=seconds)
    ),
    st.integers(0, 2**16).map(
        lambda days: datetime.date(2000, 1, 1) + datetime.timedelta(days=days)
    ),
    _text.map(_HostileStr),
    st.builds(_Hostile),
    st.builds(_Opaque),
    st.builds(_self_containing_list),
    st.builds(_self_containing_dict),
    st.sampled_from(
        [
            object(),
            Ellipsis,
            int,
            len,
            _Status.ON,
            _Count.ONE,
            Decimal("sNaN"),
            float("nan"),
            range(3),
            memoryview(b"name"),
            datetime.timedelta(days=-1),
        ]
    ),
)
_plain_keys = st.one_of(
    st.sampled_from(KEYS),
    _text,
    st.integers(),
    st.floats(),
    st.none(),
    st.binary(max_size=6),
    st.tuples(st.integers()),
    st.just(_Status.NAME),
)
_hostile_keys = st.one_of(
    st.builds(_HostileStr, st.sampled_from(KEYS)),
    st.builds(_HostileKey, st.sampled_from(KEYS)),
    st.builds(_Opaque),
)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Lists, tuples, sets, dicts, dict subclasses and mappings, odd or hostile, of *inner*."""
    pairs = st.lists(st.tuples(_plain_keys | _hostile_keys, inner), max_size=3)
    plain_dicts = st.dictionaries(_plain_keys, inner, max_size=3)
    return st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.sets(st.integers() | _text, max_size=3),
        plain_dicts,
        plain_dicts.map(OrderedDict),
        st.builds(lambda key, value: {key: value}, _hostile_keys, inner),
        st.builds(_PairsMapping, pairs),
        st.builds(_ItemsDict, plain_dicts, pairs | st.sampled_from([[1, 2], "ab", None])),
        st.builds(_UnreadableDict, plain_dicts),
    )


_scalars = _json_scalars | _odd_scalars
_anything = _scalars | _containers(_scalars)


def _assert_only_allowed_outcomes(payload: object) -> None:
    """The four entry points agree, with a verdict, violations or a PayloadError, nothing else."""
    verdict = contract.validator_for().is_valid(payload)
    assert type(verdict) is bool
    assert contract.is_valid_update(payload) is verdict
    violations = list(contract.iter_violations(payload))
    assert all(type(found) is Violation for found in violations)
    assert (violations == []) is verdict
    try:
        result, errors = contract.validate_update(payload), []
    except PayloadError as error:
        result, errors = None, error.errors
    assert errors == violations
    if verdict:
        assert type(result) is dict
        assert contract.is_valid_update(result)


@pytest.mark.long
@pytest.mark.parametrize("quarter", range(4))  # four parts, so that workers share them
def test_tens_of_thousands_of_drawn_values_give_a_verdict_or_a_payload_error(quarter: int) -> None:
    """Any JSON and odd Python objects, as the payload and as the value of each key in turn:
    a quarter of them in each part (20,000 in all; 100,000 under the thorough profile)."""
    checked = 0

    @settings(
        max_examples=BATCHES // 4,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(_anything, min_size=VALUES_PER_BATCH, max_size=VALUES_PER_BATCH))
    def check_batch(values: list[Any]) -> None:
        nonlocal checked
        for position, value in enumerate(values):
            _assert_only_allowed_outcomes(value)
            _assert_only_allowed_outcomes({KEYS[position % len(KEYS)]: value})
            checked += 1

    check_batch()
    assert checked == VALUES_PER_BATCH * BATCHES // 4


def _nested(wrap: Callable[[Any], Any]) -> Any:
    """A leaf wrapped DEPTH times, built level by level."""
    value: Any = "leaf"
    for _ in range(DEPTH):
        value = wrap(value)
    return value


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: _nested(lambda inner: [inner]), id="lists"),
        pytest.param(lambda: _nested(lambda inner: {"name": inner}), id="dicts"),
        pytest.param(lambda: _nested(lambda inner: [{"status": inner}]), id="lists-and-dicts"),
        pytest.param(lambda: _nested(lambda inner: (inner,)), id="tuples"),
        pytest.param(lambda: _nested(lambda inner: frozenset([inner])), id="frozensets"),
        pytest.param(lambda: _nested(lambda inner: OrderedDict(name=inner)), id="ordered-dicts"),
        pytest.param(
            lambda: _nested(lambda inner: _PairsMapping([("tags", inner)])), id="mappings"
        ),
        pytest.param(lambda: "[" * DEPTH + "]" * DEPTH, id="json-array-text"),
        pytest.param(lambda: '{"a":' * DEPTH + "0" + "}" * DEPTH, id="json-object-text"),
    ],
)
def test_deep_nesting_neither_exhausts_the_stack_nor_escapes(build: Callable[[], Any]) -> None:
    """100,000 levels, as the payload, as every property's value, and as a key when hashable."""
    deep = build()
    payloads = [deep, *({key: deep} for key in KEYS)]
    if isinstance(deep, (str, tuple, frozenset)):
        payloads.append({deep: "Ada"})
    for payload in payloads:
        _assert_only_allowed_outcomes(payload)


def test_huge_unknown_property_names_are_not_kept_in_memory() -> None:
    """Misspellings are cached for their suggestion; megabyte-long names are not."""
    list(contract.iter_violations({"warm up": 1}))
    tracemalloc.start()
    try:
        for index in range(10):
            violations = list(contract.iter_violations({f"{index}{'x' * MiB}": 1}))
            assert [found.rule for found in violations] == ["unknown"]
        del violations
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 2 * MiB


def _validate(path: Path, *options: str, via_stdin: bool) -> subprocess.CompletedProcess[str]:
    """``contract validate`` on *path*: by its name, or with the file as standard input."""
    if not via_stdin:
        return run_contract("validate", str(path), *options, timeout=120)
    with path.open("rb") as stdin:
        return run_contract("validate", "-", *options, stdin=stdin, timeout=120)


def _source(path: Path, via_stdin: bool) -> str:
    """How the message names the input."""
    return "-" if via_stdin else str(path)


def _assert_refused(
    result: subprocess.CompletedProcess[str], source: str, line: int | None, reason: str
) -> None:
    """Exit 2, and one line on standard error naming the source, the line and the reason."""
    where = f"line {line}: " if line is not None else ""
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"contract validate: {source}: {where}"), result.stderr
    assert reason in result.stderr
    assert result.stderr.endswith("\n")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stdout + result.stderr


_NO_DIGIT_LIMIT = not hasattr(sys, "get_int_max_str_digits")


@pytest.mark.parametrize("via_stdin", [False, True], ids=["file", "stdin"])
@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        pytest.param(
            b'{\n  "name": "Ada",\n  "status": "o',
            3,
            "not valid JSON: Unterminated string",
            id="truncated-json",
        ),
        pytest.param(
            b'[\n  {"name": "Ada"},\n  {"name": "Bo',
            3,
            "not valid JSON: Unterminated string",
            id="truncated-array",
        ),
        pytest.param(
            b'{"name": "Ada"}\n{"name": "Bo', 2, "not valid JSON", id="truncated-json-lines"
        ),
        pytest.param(
            '{"name": "Ada"}\n{"name": "Zoë"}'.encode()[:-3],
            2,
            "not UTF-8 text (byte 0xc3 at column 13)",
            id="json-lines-cut-inside-a-character",
        ),
        pytest.param(
            '[{"name": "Zoë"'.encode()[:-2], 1, "not UTF-8 text", id="array-cut-inside-a-character"
        ),
        pytest.param(
            b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16,
            1,
            "not UTF-8 text (byte 0x89 at column 1)",
            id="binary-junk",
        ),
        pytest.param(bytes(4096), 1, "a NUL byte at column 1", id="binary-zeros"),
        pytest.param(
            '{"name": "Ada"}\n{"name": "Zoë"}\n'.encode("latin-1"),
            2,
            "not UTF-8 text (byte 0xeb at column 13)",
            id="latin-1-json-lines",
        ),
        pytest.param(
            '[\n{"name": "Ada"},\n{"name": "Zoë"}\n]\n'.encode("latin-1"),
            3,
            "not UTF-8 text",
            id="latin-1-array",
        ),
        pytest.param(
            '{"name": "Ada"}\n'.encode("utf-16-le"),
            1,
            "a NUL byte at column 2 (UTF-16 text, or binary data?)",
            id="utf-16-le-without-bom",
        ),
        pytest.param(
            '[{"name": "Ada"}]'.encode("utf-16-be"),
            1,
            "a NUL byte at column 1",
            id="utf-16-be-array-without-bom",
        ),
        pytest.param(
            '{"name": "Ada"}\n'.encode("utf-16"),
            1,
            "it starts with a UTF-16 byte order mark",
            id="utf-16-with-bom",
        ),
        pytest.param(b"", None, "no JSON records found", id="empty"),
        pytest.param(b"\n \n\t\r\n", None, "no JSON records found", id="blank-lines"),
        pytest.param(
            b'{"name": "Ada"}\n{"country_id": ' + b"9" * 5000 + b"}\n",
            2,
            "not readable as JSON: Exceeds the limit",
            id="integer-of-5000-digits",
            marks=pytest.mark.skipif(_NO_DIGIT_LIMIT, reason="Python reads integers of any size"),
        ),
        pytest.param(
            b'[\n{"name": "Ada"},\n' + b"[" * DEPTH,
            3,
            "JSON nested too deeply",
            id="deep-nesting-in-an-array",
        ),
    ],
)
def test_unreadable_input_is_refused_in_one_line_with_exit_2(
    tmp_path: Path, content: bytes, line: int | None, reason: str, via_stdin: bool
) -> None:
    """Truncated, binary, non-UTF-8 or empty input: the line and the problem, never a traceback."""
    path = tmp_path / "payloads.json"
    path.write_bytes(content)
    _assert_refused(_validate(path, via_stdin=via_stdin), _source(path, via_stdin), line, reason)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    """A file that does not exist: its name and the reason."""
    path = tmp_path / "missing.jsonl"
    _assert_refused(_validate(path, via_stdin=False), str(path), None, "No such file or directory")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    """A directory where a file was expected."""
    _assert_refused(_validate(tmp_path, via_stdin=False), str(tmp_path), None, "is a directory")


def test_unreadable_standard_input_is_refused(tmp_path: Path) -> None:
    """Standard input that cannot be read (opened for writing only)."""
    stdin = os.open(tmp_path / "write-only", os.O_WRONLY | os.O_CREAT)
    try:
        result = run_contract("validate", "-", stdin=stdin, timeout=120)
    finally:
        os.close(stdin)
    _assert_refused(result, "-", None, "cannot read it: Bad file descriptor")


def _write(path: Path, head: bytes, mebibytes: int, tail: bytes) -> None:
    """*head*, then *mebibytes* MiB of ``x``, then *tail*, without holding it all in memory."""
    block = b"x" * MiB
    with path.open("wb") as out:
        out.write(head)
        for _ in range(mebibytes):
            out.write(block)
        out.write(tail)


@pytest.mark.parametrize(
    ("head", "mebibytes", "tail", "line", "reason"),
    [
        pytest.param(
            b'{"name": "', 200, b'"}\n', 1, "the line is longer than 16 MiB", id="200-MiB-line"
        ),
        pytest.param(
            b'{"name": "Ada"}\n{"name": "',
            50,
            b'"}\n',
            2,
            "the line is longer than 16 MiB",
            id="50-MiB-second-line",
        ),
        pytest.param(
            b'[\n  {"name": "Ada"},\n  {"name": "',
            50,
            b'"}\n]\n',
            3,
            "not valid JSON within the element's first 16 MiB",
            id="50-MiB-string-in-an-array",
        ),
        pytest.param(
            b'[{"name": "',
            50,
            b'"}]',
            1,
            "not valid JSON within the element's first 16 MiB",
            id="50-MiB-array-on-one-line",
        ),
        pytest.param(
            b'{\n  "name": "',
            50,
            b'"\n}\n',
            1,
            "longer than 16 MiB as one JSON document",
            id="50-MiB-string-in-one-object",
        ),
    ],
)
def test_a_huge_record_is_refused_for_its_size_in_bounded_memory(
    tmp_path: Path, head: bytes, mebibytes: int, tail: bytes, line: int, reason: str
) -> None:
    """Refused by name and on standard input, with its size named, reading only about 16 MiB."""
    path = tmp_path / "huge.json"
    _write(path, head, mebibytes, tail)
    tracemalloc.start()
    try:
        with path.open("rb") as stream, pytest.raises(InputError) as raised:
            check_stream(stream, contract.validator_for(), lambda *_: None, BulkResult())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raised.value.line == line
    assert reason in raised.value.reason
    assert peak < 48 * MiB
    for via_stdin in (False, True):
        _assert_refused(
            _validate(path, via_stdin=via_stdin), _source(path, via_stdin), line, reason
        )


def test_a_json_array_on_one_line_is_streamed_past_the_16_mib_cut(tmp_path: Path) -> None:
    """Lines are read 16 MiB at a time, here cutting a character in two; the array reads whole."""
    element = '{"name": "Zoë"}, '.encode()
    count = 1_000_000
    content = b"[" + b" " * 15 + element * (count - 1) + element.rstrip(b", ") + b"]"
    assert content[16 * MiB : 16 * MiB + 2] == "ë".encode()  # the cut is after 16 MiB + 1 bytes
    path = tmp_path / "one-line.json"
    path.write_bytes(content)
    result = _validate(path, via_stdin=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{count} record(s) checked: {count} valid, 0 invalid" in result.stderr


_ODD_BUT_WELL_FORMED = [
    b'{"name": "Ada"}',
    b'{"country_id": NaN}',
    b'{"country_id": -Infinity}',
    b'{"country_id": 1e999}',
    b'{"name": "\\ud800"}',
    b'{"\\ud800": "a lone surrogate"}',
    b'{"name": ' + b"[" * 500 + b"]" * 500 + b"}",
    b'{"tags": "' + b"[" * DEPTH + b"]" * DEPTH + b'"}',
    b'{"' + b"x" * MiB + b'": 1}',
    b'{"name": ' + b"9" * 4000 + b"}",
    b"[]",
    b'"Ada"',
    b"null",
    b"{}",
]


@pytest.mark.parametrize(
    ("via_stdin", "output_format"), [(False, "text"), (True, "json")], ids=["file", "stdin-json"]
)
def test_well_formed_but_hostile_records_are_each_reported_with_exit_1(
    tmp_path: Path, via_stdin: bool, output_format: str
) -> None:
    """NaN, lone surrogates, deep nesting, huge names, non-objects: one report each, exit 1."""
    path = tmp_path / "payloads.jsonl"
    path.write_bytes(b"\n".join(_ODD_BUT_WELL_FORMED) + b"\n")
    result = _validate(path, "--format", output_format, via_stdin=via_stdin)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    records = len(_ODD_BUT_WELL_FORMED)
    if output_format == "json":
        reports = [json.loads(line) for line in result.stdout.splitlines()]
        assert reports.pop() == {
            "summary": {"records": records, "valid": 1, "invalid": records - 1}
        }
        lines = [report["line"] for report in reports]
    else:
        assert f"{records} record(s) checked: 1 valid, {records - 1} invalid" in result.stderr
        assert "line 6: \\ud800: " in result.stdout
        lines = [
            int(report.split(":")[0].removeprefix("line ")) for report in result.stdout.splitlines()
        ]
    assert lines == list(range(2, records + 1))
