"""The recording's text format: JSON Lines, one object per line, each with a ``kind``.

``recording`` (the first line: where, who and with which options), ``contact`` (the contact
a worker changed and what it held), ``case`` (one test case of one test), ``draw`` (a value
the case drew), ``discard`` (a case Hypothesis threw away before it ran), ``exchange``
(one request and its answer) and ``reuse`` (exchanges of an earlier case that this case
judged too without sending them again: ``of`` names its ``test``, unless it is this one's,
and ``case``, the index of the first ``exchange`` among the case's, and their ``count``).
Bodies are text when they are UTF-8, else ``body_base64``. Keys keep a fixed order, so
two recordings diff line by line.

Format 2 (what this version writes) writes each line as what it adds to the lines above it
(see :mod:`contract.recording.compact`) and non-ASCII text as itself, but for the characters
an editor or a line splitter could take for a line break or hide; format 1 recordings still
replay. A file whose name ends in ``.gz`` is gzip-compressed, written and read that way.
"""

from __future__ import annotations

import binascii
import dataclasses
import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from contract.errors import ContractError
from contract.recording.bodies import body_of
from contract.recording.compact import Expander
from contract.strategies import InvalidCase

FORMAT = 2
FORMATS = (1, 2)
"""The formats this version reads: the one it writes, and the one before."""
GZIP_MAGIC = b"\x1f\x8b"
# Escaped even though JSON need not: C1 controls, DEL and the BOM are invisible, U+2028,
# U+2029 and U+0085 end a line for str.splitlines() and some editors, and a lone surrogate
# is no UTF-8 at all.
_ESCAPED = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


class InvalidRecording(ContractError, ValueError):
    """The file is not a recording this version can replay; the message names the line."""


def dumps(line: dict[str, Any]) -> str:
    """One line of the file (with its newline)."""
    text = json.dumps(line, ensure_ascii=False, separators=(", ", ": "))
    return _ESCAPED.sub(lambda char: f"\\u{ord(char[0]):04x}", text) + "\n"


def is_gzip(path: Path) -> bool:
    """Whether the recording at *path* is (to be) gzip-compressed: its name ends in ``.gz``."""
    return path.name.endswith(".gz")


def open_text(path: Path, mode: str, *, compressed: bool | None = None) -> IO[str]:
    """*path* opened as UTF-8 text to read (``r``) or write (``w``), through gzip when
    *compressed* says so; by default, when its name does (:func:`is_gzip`) to write, and
    when it starts as gzip does to read."""
    if compressed is None and mode == "r":
        with path.open("rb") as probe:
            compressed = probe.read(2) == GZIP_MAGIC
    elif compressed is None:
        compressed = is_gzip(path)
    if compressed:
        # mtime 0: the same run recorded twice gives the same bytes.
        raw = gzip.GzipFile(path, mode + "b", mtime=0)
        return io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
    return path.open(mode, encoding="utf-8", newline="\n")


def recorded_path(url: str) -> str:
    """What a line records of a request's *url*: its path and query, never its host."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def draw_fields(value: Any) -> dict[str, Any]:
    """A drawn value as JSON; an :class:`InvalidCase` keeps its rule and property."""
    if isinstance(value, InvalidCase):
        case = {"payload": value.payload, "rule": value.rule, "property": value.property}
        return {"invalid_case": case}
    return {"value": value}


def drawn_value(fields: dict[str, Any]) -> Any:
    """The value :func:`draw_fields` wrote."""
    if "invalid_case" in fields:
        case = fields["invalid_case"]
        return InvalidCase(case["payload"], case["rule"], case["property"])
    return fields["value"]


@dataclass(frozen=True)
class RecordedContact:
    """A contact a recorded run changed, as it read before the run."""

    id: int
    original: dict[str, Any] | None
    no_readback: str | None
    irreversible: tuple[str, ...] = ()
    """Its properties whose values the install refused to take back."""
    witnesses: dict[int, dict[str, Any]] | None = None
    """The witnesses the run read, each as it read before the run; ``None`` in a
    recording made before witnesses were recorded."""


@dataclass(frozen=True)
class RecordedAnswer:
    """What the install answered to one recorded request, or the error instead."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    error: str | None = None
    repeated: bool = False
    """An exchange of an earlier case that this case judged again without sending it."""


@dataclass
class RecordedCase:
    """One test case: what it drew, and its requests with their answers in order."""

    test: str
    index: int
    requirement: str | None
    transport: str | None
    contact: int | None
    phase: str = "explore"
    """``coverage`` for the deterministic cases, ``explore`` for Hypothesis's."""
    discarded: bool = False
    draws: list[tuple[str | None, Any]] = field(default_factory=list)
    exchanges: list[tuple[tuple[str, str, bytes], RecordedAnswer]] = field(default_factory=list)


@dataclass
class Recording:
    """A recording as loaded: its header, contacts and the cases of each test."""

    header: dict[str, Any]
    contacts: dict[int, RecordedContact]
    cases: dict[str, list[RecordedCase]]
    unproven: dict[str, str] = field(default_factory=dict)
    """The transports whose positive control failed, and why."""
    retries_outside_tests: int = 0
    """The requests sent again after a network error outside any test (opening the
    contact, the positive controls, the restore), which a replay does not send."""

    @property
    def options(self) -> dict[str, Any]:
        """The run's public settings."""
        return dict(self.header.get("options", {}))


def _texts(path: Path) -> Iterator[str]:
    with open_text(path, "r") as stream:
        try:
            yield from stream
        except (EOFError, gzip.BadGzipFile, UnicodeDecodeError) as error:
            raise InvalidRecording(f"{path}: cannot be read to its end ({error})") from None


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, text in enumerate(_texts(path), 1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except ValueError as error:
            raise InvalidRecording(f"{path}, line {number}: not JSON ({error})") from None
        if not isinstance(line, dict) or "kind" not in line:
            raise InvalidRecording(f"{path}, line {number}: not a recording line")
        yield number, line


def _case(recording: Recording, line: dict[str, Any]) -> RecordedCase:
    cases = recording.cases.get(str(line["test"]), [])
    if not cases or cases[-1].index != line["case"]:
        raise KeyError(f"no case {line['case']} of {line['test']} before this line")
    return cases[-1]


def _answer(line: dict[str, Any]) -> RecordedAnswer:
    if "error" in line:
        return RecordedAnswer(None, {}, b"", str(line["error"]))
    response = line["response"]
    return RecordedAnswer(int(response["status"]), dict(response["headers"]), body_of(response))


def read_header(path: str | Path) -> dict[str, Any]:
    """The recording's first line, checked to be one."""
    path = Path(path)
    try:
        _, head = next(_lines(path), (0, {}))
    except OSError as error:
        reason = error.strerror or error
        raise InvalidRecording(f"cannot read the recording {path}: {reason}") from None
    if head.get("kind") != "recording" or "format" not in head:
        raise InvalidRecording(
            f"{path} is not a recording of format {FORMAT} (its first line must say so)"
        )
    if head["format"] not in FORMATS:
        readable = " or ".join(str(number) for number in FORMATS)
        raise InvalidRecording(
            f"{path} is a recording of format {head['format']!r}; this version reads "
            f"format {readable}: replay it with the version that recorded it "
            f"({head.get('tool', 'unknown')}), or record again"
        )
    return head


def _add(recording: Recording, line: dict[str, Any]) -> None:
    kind = line["kind"]
    if kind == "contact":
        irreversible = tuple(line.get("irreversible", ()))
        witnesses = line.get("witnesses")
        contact = RecordedContact(
            int(line["id"]),
            line["original"],
            line["no_readback"],
            irreversible,
            None if witnesses is None else {int(k): v for k, v in witnesses.items()},
        )
        recording.contacts[contact.id] = contact
    elif kind == "case":
        recording.cases.setdefault(str(line["test"]), []).append(
            RecordedCase(
                str(line["test"]),
                int(line["case"]),
                line.get("requirement"),
                line.get("transport"),
                line.get("contact"),
                str(line.get("phase", "explore")),
            )
        )
    elif kind == "control":
        if line["unproven"] is not None:
            recording.unproven[str(line["transport"])] = str(line["unproven"])
    elif kind == "discard":
        _case(recording, line).discarded = True
    elif kind == "draw":
        _case(recording, line).draws.append((line.get("label"), drawn_value(line)))
    elif kind == "exchange" and line.get("test") is not None:
        request = line["request"]
        key = (str(request["method"]), str(request["path"]), body_of(request))
        _case(recording, line).exchanges.append((key, _answer(line)))
    elif kind == "reuse":
        of = line["of"]
        earlier = recording.cases.get(str(of.get("test", line["test"])), [])
        provider = next((case for case in reversed(earlier) if case.index == of["case"]), None)
        if provider is None:
            raise KeyError(f"no case {of['case']} of that test before this line")
        first = int(of["exchange"])
        repeated = provider.exchanges[first : first + int(of.get("count", 1))]
        if len(repeated) != int(of.get("count", 1)):
            raise IndexError(f"case {of['case']} of that test has no such exchanges")
        _case(recording, line).exchanges.extend(
            (key, dataclasses.replace(answer, repeated=True)) for key, answer in repeated
        )
    elif kind == "exchange" and int(line.get("attempt", 1)) > 1:
        recording.retries_outside_tests += 1


def load(path: str | Path) -> Recording:
    """Read a recording; :class:`InvalidRecording` says what is wrong and where."""
    recording = Recording(read_header(path), {}, {})
    expander = Expander()
    lines = _lines(Path(path))
    next(lines)
    for number, line in lines:
        try:
            _add(recording, expander.expand(line))
        except (KeyError, TypeError, ValueError, IndexError, binascii.Error) as error:
            raise InvalidRecording(
                f"{path}, line {number}: {type(error).__name__}: {error}"
            ) from None
    return recording
