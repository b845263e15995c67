"""Mutants of the reference server: their stable ids, what became of each, the readings of the
survivors, and the score.

Nothing here runs the mutation tool (``mutation.py`` does), so the readings file can be checked
by a test without it.
"""

from __future__ import annotations

import enum
import hashlib
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

READINGS = Path(__file__).with_name("mutation-survivors.toml")
"""The hand-written reading of each survivor: equivalent (and why) or a gap in the checks."""
SURVIVORS = Path(__file__).with_name("mutation-survivors.md")
"""The survivors with their diffs, as the last full run wrote them."""

MODULE_LEVEL = "<module>"
_ID = re.compile(
    r"(?P<module>[a-z0-9_]+\.py)"
    r":(?P<definition>[A-Za-z_][A-Za-z0-9_]*|<module>)"
    r":(?P<operator>[A-Za-z]+(?:_[A-Za-z]+)*)"
    r":(?P<line>[0-9a-f]{8})"
    r"(?:\.(?P<repeat>[1-9][0-9]*))?"
)
_VERDICTS = ("equivalent", "gap")


def is_well_formed(mutant_id: str) -> bool:
    """True when *mutant_id* has the shape :func:`assign_ids` gives."""
    return _ID.fullmatch(mutant_id) is not None


@dataclass(frozen=True)
class Mutation:
    """One mutation as the tool's session lists it."""

    job_id: str
    path: str
    """The module's path inside the workspace, e.g. ``contract/server/auth.py``."""
    operator: str
    """The operator without its plugin prefix, e.g. ``ReplaceComparisonOperator_Eq_NotEq``."""
    occurrence: int
    line: int
    column: int
    definition: str
    """The function or class around it, or ``<module>``."""

    @property
    def module(self) -> str:
        """The module's file name, e.g. ``auth.py``."""
        return Path(self.path).name


@dataclass(frozen=True)
class Mutant:
    """A mutation and its stable id."""

    id: str
    mutation: Mutation

    @property
    def module(self) -> str:
        """The module's file name."""
        return self.mutation.module


def assign_ids(mutations: Iterable[Mutation], lines: Mapping[str, Sequence[str]]) -> list[Mutant]:
    """Give each mutation an id that survives edits elsewhere in its module.

    The tool numbers occurrences per module and operator, and line numbers move with every
    edit above, so neither is stable. The id is ``module:definition:operator:digest``, the
    digest being the first 8 hex digits of the SHA-256 of the mutated line's text (stripped);
    mutations that share all four (the same operator at two places of one line, or two equal
    lines in one function) get ``.1``, ``.2``… in the order they stand. *lines* maps each
    mutation's ``path`` to the module's source lines.
    """
    groups: dict[str, list[Mutation]] = defaultdict(list)
    for mutation in mutations:
        text = lines[mutation.path][mutation.line - 1].strip()
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        key = f"{mutation.module}:{mutation.definition}:{mutation.operator}:{digest}"
        groups[key].append(mutation)
    mutants = []
    for key, members in groups.items():
        members.sort(key=lambda member: (member.line, member.column, member.occurrence))
        mutants += [
            Mutant(f"{key}.{index}" if index else key, member)
            for index, member in enumerate(members)
        ]
    return sorted(mutants, key=lambda mutant: (mutant.module, mutant.mutation.line, mutant.id))


class MutantFate(enum.Enum):
    """What became of a mutant that was run."""

    KILLED = "killed"
    """``contract certify`` did not exit 0."""
    TIMED_OUT = "killed by time-out"
    """``contract certify`` did not finish in time: killed too, counted apart."""
    SURVIVED = "survived"
    """``contract certify`` exited 0: the suite did not notice."""
    ERROR = "error"
    """The tool could not make or test the mutant; counted as not killed."""


@dataclass(frozen=True)
class Result:
    """One mutant's run."""

    outcome: MutantFate
    seconds: float
    exit_code: int | None = None
    failed: tuple[str, ...] = ()
    """The requirements that failed (for an exit 1)."""
    not_verifiable: tuple[str, ...] = ()
    """The requirements the run could not judge (a mutant that breaks the read-back)."""
    verdict: str | None = None
    """certify's last word, ``CERTIFIED`` or ``NOT CERTIFIED``; None when it crashed first."""
    diff: str = ""
    output: str = ""


@dataclass(frozen=True)
class Reading:
    """Why a mutant survives: it is equivalent, or the checks have a gap."""

    verdict: Literal["equivalent", "gap"]
    why: str

    def __str__(self) -> str:
        return f"{self.verdict}: {self.why}"


class ReadingsError(ValueError):
    """The readings file is malformed."""


def parse_readings(text: str) -> dict[str, Reading]:
    """The readings in the TOML *text*: ``[[survivor]]`` tables of ``id`` and ``reading``,
    the reading one line, starting ``equivalent: `` or ``gap: ``."""
    try:
        entries = tomllib.loads(text).get("survivor", [])
    except tomllib.TOMLDecodeError as error:
        raise ReadingsError(f"not TOML: {error}") from None
    readings: dict[str, Reading] = {}
    for number, entry in enumerate(entries, start=1):
        mutant_id, reading = _entry(number, entry)
        if mutant_id in readings:
            raise ReadingsError(f"survivor {number}: {mutant_id} is read twice")
        readings[mutant_id] = reading
    return readings


def _entry(number: int, entry: object) -> tuple[str, Reading]:
    where = f"survivor {number}"
    if not isinstance(entry, dict) or set(entry) != {"id", "reading"}:
        raise ReadingsError(f"{where}: wants exactly the keys `id` and `reading`")
    mutant_id, text = entry["id"], entry["reading"]
    if not isinstance(mutant_id, str) or not is_well_formed(mutant_id):
        raise ReadingsError(f"{where}: malformed id {mutant_id!r}")
    if not isinstance(text, str) or "\n" in text:
        raise ReadingsError(f"{where}: the reading must be one line of text")
    verdict, colon, why = text.partition(": ")
    if verdict not in _VERDICTS or not colon or not why.strip():
        raise ReadingsError(f"{where}: the reading must start `equivalent: ` or `gap: `")
    return mutant_id, Reading("equivalent" if verdict == "equivalent" else "gap", why.strip())


def load_readings(path: Path = READINGS) -> dict[str, Reading]:
    """The readings in *path*; none when there is no such file."""
    if not path.is_file():
        return {}
    return parse_readings(path.read_text(encoding="utf-8"))


@dataclass
class Tally:
    """Mutants of one module (or all) and what became of them."""

    generated: int = 0
    in_annotations: int = 0
    """Not run: mutations of annotations, which ``from __future__ import annotations`` leaves
    unevaluated, so they cannot change behaviour."""
    run: int = 0
    killed: int = 0
    timed_out: int = 0
    """Of the killed, those killed by the time-out."""
    equivalent: int = 0
    gaps: int = 0
    unclassified: int = 0
    errors: int = 0
    seconds: float = 0.0

    @property
    def survived(self) -> int:
        """Mutants the certification passed, whatever their reading."""
        return self.equivalent + self.gaps + self.unclassified

    @property
    def score(self) -> float | None:
        """Killed over the mutants run that are not known equivalent; errors and unclassified
        survivors count against it."""
        judged = self.run - self.equivalent
        return self.killed / judged if judged else None

    def add(self, result: Result, reading: Reading | None) -> None:
        """Count one mutant that was run."""
        self.run += 1
        self.seconds += result.seconds
        if result.outcome in (MutantFate.KILLED, MutantFate.TIMED_OUT):
            self.killed += 1
            self.timed_out += result.outcome is MutantFate.TIMED_OUT
        elif result.outcome is MutantFate.ERROR:
            self.errors += 1
        elif reading is None:
            self.unclassified += 1
        elif reading.verdict == "equivalent":
            self.equivalent += 1
        else:
            self.gaps += 1
