"""Streaming records out of JSON, JSON arrays and JSON Lines, with the right line numbers."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract.core.payload_files import InputError, iter_records

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
_objects = st.dictionaries(st.text(max_size=8), _values, max_size=4)
_elements = st.lists(_values, min_size=1, max_size=8)


def _read(data: bytes) -> list[tuple[int, Any]]:
    # Arrays are read three bytes at a time, so elements straddle every chunk boundary.
    return [(r.line, r.value) for r in iter_records(io.BytesIO(data), chunk_size=3)]


@given(elements=_elements, indent=st.sampled_from([None, 0, 2]), ascii_only=st.booleans())
def test_an_array_streams_back_every_element_with_its_line(
    elements: list[Any], indent: int | None, ascii_only: bool
) -> None:
    parts = [json.dumps(e, indent=indent, ensure_ascii=ascii_only) for e in elements]
    text = "[\n" + ",\n".join(parts) + "\n]\n"
    expected_lines = list(itertools.accumulate([2] + [p.count("\n") + 1 for p in parts[:-1]]))
    assert _read(text.encode()) == list(zip(expected_lines, elements, strict=True))


@given(st.lists(_objects, min_size=1, max_size=8), st.integers(0, 2))
def test_json_lines_stream_back_every_record_with_its_line(objects: list[Any], blank: int) -> None:
    text = "".join(json.dumps(o) + "\n" + "\n" * blank for o in objects)
    assert _read(text.encode()) == [(1 + i * (1 + blank), o) for i, o in enumerate(objects)]


def test_numbers_at_a_chunk_edge_are_not_cut() -> None:
    assert _read(b"[12345678901234567890, 1.5e300]") == [(1, 12345678901234567890), (1, 1.5e300)]


def test_an_empty_array_has_no_records() -> None:
    assert _read(b"  [ ]  \n") == []


class _EndlessLines(io.RawIOBase):
    """A stream of valid JSON Lines that never ends, counting what has been read."""

    def __init__(self) -> None:
        self.lines_read = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            self.lines_read += 1
            yield b'{"name": "Ada"}\n'


def test_records_are_read_lazily() -> None:
    stream = _EndlessLines()
    taken = list(itertools.islice(iter_records(stream), 5))  # type: ignore[arg-type]
    assert len(taken) == 5
    assert stream.lines_read == 5


def test_a_large_array_element_is_read_whole() -> None:
    element = {"name": "x" * 500_000}
    assert _read(json.dumps([element, element]).encode()) == [(1, element), (1, element)]


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"", None, "empty"),
        (b'{"a": 1}\n\n{"b": }\n', 3, "not valid JSON"),
        (b'[\n{"a": 1},\n{"b": }\n]', 3, "not valid JSON"),
        (b'[\n{"a": 1}\n{"b": 2}]', 3, "expected ',' or ']'"),
        (b'{"a": "\xc3\x28"}', 1, "not UTF-8 text (byte 0xc3 at column 8)"),
    ],
)
def test_errors_name_the_line(data: bytes, line: int | None, reason: str) -> None:
    with pytest.raises(InputError) as raised:
        _read(data)
    assert raised.value.line == line
    assert reason in str(raised.value)
