"""Streaming payload records out of a file: one JSON object, a JSON array, or JSON Lines.

Records are read one at a time, so memory stays flat however long the input is.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

_CHUNK = 1 << 16
_MAX_RECORD = 16 << 20
_WHITESPACE = " \t\r\n"
_decoder = json.JSONDecoder()
_NUMBER_TAIL = re.compile(r"[0-9.eE+\-]*")


class Record(NamedTuple):
    """One payload read from the input: the line it starts on and its value."""

    line: int
    value: Any


class InputError(ValueError):
    """The input cannot be read as JSON; ``line`` says where reading stopped."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


def _decode_line(raw: bytes, number: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1})", number
        ) from None


def _json_error(error: json.JSONDecodeError, first_line: int) -> InputError:
    return InputError(
        f"not valid JSON: {error.msg} (column {error.colno})", first_line + error.lineno - 1
    )


def iter_records(stream: IO[bytes], chunk_size: int = _CHUNK) -> Iterator[Record]:
    """Every record in *stream*, whichever of the three layouts it uses.

    *chunk_size* is how much of a JSON array is read at a time.
    """
    number = 0
    for raw in stream:
        number += 1
        if raw.isspace():
            continue
        first = _decode_line(raw, number)
        if first.lstrip().startswith("["):
            yield from _ArrayReader(first, stream, number, chunk_size).records()
        else:
            yield from _line_records(first, stream, number)
        return
    raise InputError("no JSON records found: the input is empty")


def _line_records(first: str, stream: IO[bytes], first_number: int) -> Iterator[Record]:
    try:
        value = json.loads(first)
    except RecursionError:
        raise InputError("JSON nested too deeply", first_number) from None
    except json.JSONDecodeError as error:
        # Not one object a line: maybe a single object spread over several lines.
        yield _whole_document(first, stream, first_number, error)
        return
    yield Record(first_number, value)
    number = first_number
    loads = json.loads
    for raw in stream:
        number += 1
        if raw.isspace():
            continue
        try:
            yield Record(number, loads(raw.decode("utf-8")))
        except UnicodeDecodeError:
            _decode_line(raw, number)  # raises an InputError naming the byte
        except RecursionError:
            raise InputError("JSON nested too deeply", number) from None
        except json.JSONDecodeError as error:
            raise InputError(
                f"not valid JSON: {error.msg} (column {error.colno})", number
            ) from None


def _whole_document(
    first: str, stream: IO[bytes], first_number: int, first_error: json.JSONDecodeError
) -> Record:
    if not first.lstrip().startswith("{"):
        raise _json_error(first_error, first_number)
    rest = stream.read()
    try:
        text = first + rest.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_number + 1 + rest[: error.start].count(b"\n")
        raise InputError(f"not UTF-8 text (byte 0x{rest[error.start]:02x})", line) from None
    try:
        return Record(first_number, json.loads(text))
    except RecursionError:
        raise InputError("JSON nested too deeply", first_number) from None
    except json.JSONDecodeError as error:
        raise _json_error(error, first_number) from None


class _ArrayReader:
    """Decodes a JSON array element by element, pulling text from the stream as needed."""

    def __init__(self, first: str, stream: IO[bytes], first_number: int, chunk_size: int) -> None:
        self._stream = stream
        self._chunk_size = chunk_size
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._text = first
        self._pos = first.index("[") + 1
        self._line = first_number
        self._eof = False

    def _more(self) -> bool:
        if self._eof:
            return False
        # Grow reads with the pending text so a large element is re-parsed O(log n) times.
        chunk = self._stream.read(max(self._chunk_size, len(self._text) - self._pos))
        self._eof = not chunk
        try:
            decoded = self._utf8.decode(chunk, final=self._eof)
        except UnicodeDecodeError:
            raise InputError(
                "not UTF-8 text", self._line + self._text.count("\n", self._pos)
            ) from None
        self._line += self._text.count("\n", 0, self._pos)
        self._text = self._text[self._pos :] + decoded
        self._pos = 0
        return True

    def _skip_whitespace(self) -> str:
        """The next significant character ("" at the end of the input)."""
        while True:
            while self._pos < len(self._text) and self._text[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._text):
                return self._text[self._pos]
            if not self._more():
                return ""

    def _here(self) -> int:
        return self._line + self._text.count("\n", 0, self._pos)

    def records(self) -> Iterator[Record]:
        if self._skip_whitespace() == "]":
            self._pos += 1
            yield from self._end()
            return
        while True:
            if self._skip_whitespace() == "":
                raise InputError("the JSON array is not closed: the input ends early", self._here())
            line = self._here()
            yield Record(line, self._element())
            separator = self._skip_whitespace()
            self._pos += 1
            if separator == "":
                raise InputError("the JSON array is not closed: the input ends early", self._here())
            if separator == "]":
                yield from self._end()
                return
            if separator != ",":
                raise InputError(
                    f"expected ',' or ']' in the JSON array, found {separator!r}", self._here()
                )

    def _element(self) -> Any:
        while True:
            try:
                value, end = _decoder.raw_decode(self._text, self._pos)
            except RecursionError:
                raise InputError("JSON nested too deeply", self._here()) from None
            except json.JSONDecodeError as error:
                # The element may go on in text not read yet.
                if len(self._text) - self._pos < _MAX_RECORD and self._more():
                    continue
                line = self._line + self._text.count("\n", 0, error.pos)
                raise InputError(f"not valid JSON: {error.msg}", line) from None
            if _NUMBER_TAIL.fullmatch(self._text, end) and self._more():
                continue  # a number at the chunk's edge may go on (``10`` of ``10.5``)
            self._pos = end
            return value

    def _end(self) -> Iterator[Record]:
        if self._skip_whitespace() != "":
            raise InputError("unexpected content after the JSON array", self._here())
        return iter(())
