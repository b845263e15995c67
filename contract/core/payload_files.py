"""Streaming payload records out of a file: one JSON object, a JSON array, or JSON Lines.

Records are read one at a time, so memory stays flat however long the input is; a record
larger than 16 MiB is refused rather than read whole.
"""

from __future__ import annotations

import codecs
import functools
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any, NamedTuple

from contract.errors import ContractError

_CHUNK = 1 << 16
_MAX_RECORD = 16 << 20
_TOO_LARGE = f"records larger than {_MAX_RECORD >> 20} MiB are refused"
_WHITESPACE = " \t\r\n"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_decoder = json.JSONDecoder()
_NUMBER_TAIL = re.compile(r"[0-9.eE+\-]*")


class Record(NamedTuple):
    """One payload read from the input: the line it starts on and its value."""

    line: int
    value: Any


class InputError(ContractError, ValueError):
    """The input cannot be read as JSON; ``line`` says where reading stopped."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line is not None else reason)


def _not_utf8(raw: bytes, error: UnicodeDecodeError, number: int) -> InputError:
    return InputError(
        f"not UTF-8 text (byte 0x{raw[error.start]:02x} at column {error.start + 1})", number
    )


def _decode_line(raw: bytes, number: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(raw, error, number) from None


def _json_error(error: json.JSONDecodeError, first_line: int) -> InputError:
    return InputError(
        f"not valid JSON: {error.msg} (column {error.colno})", first_line + error.lineno - 1
    )


def _line_too_long(number: int) -> InputError:
    return InputError(f"the line is longer than {_MAX_RECORD >> 20} MiB; {_TOO_LARGE}", number)


def _unreadable_line(raw: bytes, number: int, error: Exception) -> InputError:
    """Why line *number* of JSON Lines, *raw*, cannot be read."""
    if len(raw) > _MAX_RECORD:  # cut by _lines, so not JSON whatever else it holds
        return _line_too_long(number)
    if isinstance(error, UnicodeDecodeError):
        return _not_utf8(raw, error, number)
    if isinstance(error, RecursionError):
        return InputError("JSON nested too deeply", number)
    if isinstance(error, json.JSONDecodeError):
        return InputError(f"not valid JSON: {error.msg} (column {error.colno})", number)
    return _not_readable_json(error, number)


def _not_readable_json(error: Exception, number: int) -> InputError:
    # Well-formed JSON Python will not read: an integer beyond sys.get_int_max_str_digits().
    reason = str(error).partition(";")[0]
    return InputError(f"not readable as JSON: {reason}", number)


def _refuse_utf16_or_binary(raw: bytes, number: int) -> None:
    """Refuse UTF-16 text and binary data by their first line: JSON text holds no NUL byte."""
    if raw.startswith(_UTF16_BOMS):
        raise InputError("not UTF-8 text: it starts with a UTF-16 byte order mark", number)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"not valid JSON: a NUL byte at column {nul + 1} (UTF-16 text, or binary data?)", number
        )


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The lines of *stream*; a buffered stream's are cut after 16 MiB, so that a huge line
    is refused without being read whole."""
    if isinstance(stream, io.BufferedIOBase):
        return iter(functools.partial(stream.readline, _MAX_RECORD + 1), b"")
    return iter(stream)


def iter_records(
    stream: IO[bytes],
    chunk_size: int = _CHUNK,
    *,
    skip: Callable[[InputError], None] | None = None,
) -> Iterator[Record]:
    """Every record in *stream*, whichever of the three layouts it uses.

    *chunk_size* is how much of a JSON array is read at a time. With *skip*, JSON Lines
    are read line by line whatever the first line holds, and a line that cannot be read
    goes to *skip* instead of ending the reading (an array, or a first line that is no
    JSON Lines, still stops at its first error).
    """
    number = 0
    lines = _lines(stream)
    for raw in lines:
        number += 1
        if raw.isspace():
            continue
        _refuse_utf16_or_binary(raw, number)
        if raw.lstrip().startswith(b"["):
            yield from _ArrayReader(raw, stream, number, chunk_size).records()
        elif skip is not None:
            yield from _every_line(raw, lines, stream, number, skip)
        else:
            yield from _line_records(raw, lines, stream, number)
        return
    raise InputError("no JSON records found: the input is empty")


def _every_line(
    first: bytes,
    lines: Iterator[bytes],
    stream: IO[bytes],
    first_number: int,
    skip: Callable[[InputError], None],
) -> Iterator[Record]:
    """JSON Lines, each line that cannot be read handed to *skip*."""
    number = first_number
    for raw in itertools.chain([first], lines):
        if raw.isspace():
            number += 1
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            skip(_unreadable_line(raw, number, error))
            if len(raw) > _MAX_RECORD and not raw.endswith(b"\n"):  # cut by _lines
                _skip_rest_of_line(stream)
        else:
            yield Record(number, value)
        number += 1


def _skip_rest_of_line(stream: IO[bytes]) -> None:
    """Read past the end of a line cut after 16 MiB, a chunk at a time."""
    while True:
        rest = stream.readline(_CHUNK)
        if not rest or rest.endswith(b"\n"):
            return


def _line_records(
    first: bytes, lines: Iterator[bytes], stream: IO[bytes], first_number: int
) -> Iterator[Record]:
    if len(first) > _MAX_RECORD:
        raise _line_too_long(first_number)
    text = _decode_line(first, first_number)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        # Not one object a line: maybe a single object spread over several lines.
        yield _whole_document(first, text, stream, first_number, error)
        return
    except (ValueError, RecursionError) as error:
        raise _unreadable_line(first, first_number, error) from None
    yield Record(first_number, value)
    number = first_number
    loads = json.loads
    for raw in lines:
        number += 1
        if raw.isspace():
            continue
        try:
            value = loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            raise _unreadable_line(raw, number, error) from None
        yield Record(number, value)


def _whole_document(
    first: bytes,
    first_text: str,
    stream: IO[bytes],
    first_number: int,
    first_error: json.JSONDecodeError,
) -> Record:
    if not first_text.lstrip().startswith("{"):
        raise _json_error(first_error, first_number)
    rest = stream.read(_MAX_RECORD + 1 - len(first))
    if len(first) + len(rest) > _MAX_RECORD:
        raise InputError(
            f"not valid JSON Lines ({first_error.msg}), and longer than {_MAX_RECORD >> 20} MiB "
            f"as one JSON document; {_TOO_LARGE}",
            first_number,
        )
    try:
        text = first_text + rest.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_number + 1 + rest[: error.start].count(b"\n")
        raise InputError(f"not UTF-8 text (byte 0x{rest[error.start]:02x})", line) from None
    try:
        return Record(first_number, json.loads(text))
    except RecursionError:
        raise InputError("JSON nested too deeply", first_number) from None
    except json.JSONDecodeError as error:
        raise _json_error(error, first_number) from None
    except ValueError as error:
        raise _not_readable_json(error, first_number) from None


class _ArrayReader:
    """Decodes a JSON array element by element, pulling text from the stream as needed."""

    def __init__(self, first: bytes, stream: IO[bytes], first_number: int, chunk_size: int) -> None:
        self._stream = stream
        self._chunk_size = chunk_size
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        try:  # incrementally: a first line cut at 16 MiB may end inside a character
            self._text = self._utf8.decode(first)
        except UnicodeDecodeError as error:
            raise _not_utf8(first, error, first_number) from None
        self._pos = self._text.index("[") + 1
        # The line at _counted in the text: newlines are counted once, not again per element.
        self._line = first_number
        self._counted = 0
        self._eof = False

    def _more(self) -> bool:
        if self._eof:
            return False
        # Grow reads with the pending text so a large element is re-parsed O(log n) times,
        # but not past the largest record.
        pending = len(self._text) - self._pos
        chunk = self._stream.read(max(self._chunk_size, min(pending, _MAX_RECORD - pending)))
        self._eof = not chunk
        try:
            decoded = self._utf8.decode(chunk, final=self._eof)
        except UnicodeDecodeError as error:
            # The decoder's input is the chunk (after any bytes of a character cut short),
            # which goes on from the end of the text.
            lines = self._text.count("\n", self._counted) + error.object[: error.start].count(b"\n")
            raise InputError(
                f"not UTF-8 text (byte 0x{error.object[error.start]:02x})", self._line + lines
            ) from None
        self._here()
        self._text = self._text[self._pos :] + decoded
        self._pos = self._counted = 0
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
        """The line of the current position."""
        self._line += self._text.count("\n", self._counted, self._pos)
        self._counted = self._pos
        return self._line

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
                if len(self._text) - self._pos >= _MAX_RECORD:
                    raise InputError(
                        f"not valid JSON within the element's first {_MAX_RECORD >> 20} MiB "
                        f"({error.msg}); {_TOO_LARGE}",
                        self._here(),
                    ) from None
                line = self._line + self._text.count("\n", self._counted, error.pos)
                raise InputError(f"not valid JSON: {error.msg}", line) from None
            except ValueError as error:
                raise _not_readable_json(error, self._here()) from None
            if _NUMBER_TAIL.fullmatch(self._text, end) and self._more():
                continue  # a number at the chunk's edge may go on (``10`` of ``10.5``)
            self._pos = end
            return value

    def _end(self) -> Iterator[Record]:
        if self._skip_whitespace() != "":
            raise InputError("unexpected content after the JSON array", self._here())
        return iter(())
