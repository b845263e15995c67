"""Errors as data: what is wrong with a payload, and sentences a person can act on."""

from __future__ import annotations

import difflib
import functools
import re
import reprlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from contract.errors import ContractError

_JSON_TYPE_NAMES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}
_ARTICLES = {"integer": "an integer", "object": "an object", "array": "an array"}

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlevel = 3
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 6
#: Names longer than this get no "did you mean" suggestion.
_LONGEST_MISSPELLING = 200


@dataclass(frozen=True)
class Violation:
    """One broken rule: the property (``None`` for the payload as a whole), the rule, a sentence."""

    property: str | None
    rule: str
    message: str

    def to_dict(self) -> dict[str, str | None]:
        """The violation as JSON-ready data."""
        return asdict(self)

    def __str__(self) -> str:
        return self.message


def violation(prop: str | None, rule: str, text: str, hint: str = "") -> Violation:
    """A violation whose message ends by naming its rule, then any hint."""
    return Violation(prop, rule, f"{text} (rule: {rule}){hint}")


class PayloadError(ContractError, ValueError):
    """An UpdateContact payload that breaks the contract; ``errors`` lists every violation."""

    def __init__(self, errors: Sequence[Violation]) -> None:
        self.errors = list(errors)
        count = len(self.errors)
        heading = f"{count} contract violation{'s' if count != 1 else ''} in the update payload"
        super().__init__("\n".join([heading + ":", *(f"  - {e.message}" for e in self.errors)]))


class DeprecatedPropertyWarning(UserWarning):
    """A valid payload uses a property the documentation marks as deprecated."""


def show(value: object) -> str:
    """A short, safe rendering of any value for a message."""
    try:
        return _short.repr(value)
    except Exception:  # a hostile __repr__ must not break error reporting
        return f"<{type(value).__name__} object>"


def name_type(python_type: type, name: str) -> None:
    """Name a type that is not JSON's, as messages should call it (an XML-RPC
    ``<base64>``), instead of by its Python class."""
    _JSON_TYPE_NAMES[python_type] = name


def json_type_name(value: object) -> str:
    """The JSON type a Python value would travel as, or its Python type name."""
    for python_type, name in _JSON_TYPE_NAMES.items():
        if type(value) is python_type:
            return name
    return f"Python {type(value).__name__}"


def got(value: object) -> str:
    """``got <type> <value>``, the tail every property message shares."""
    return f"got {json_type_name(value)} {show(value)}"


def expected_type(schema_type: str | Sequence[str]) -> str:
    """``an integer``, ``a string``, ``one of integer, null`` from a schema's ``type``."""
    if isinstance(schema_type, str):
        return _ARTICLES.get(schema_type, f"a {schema_type}")
    return "one of " + ", ".join(schema_type)


def closest_property(name: str, candidates: tuple[str, ...]) -> str | None:
    """The property a misspelt *name* most likely meant (``last name`` → ``lastname``)."""
    # A huge name would be slow to compare and, cached, would stay in memory.
    return None if len(name) > _LONGEST_MISSPELLING else _closest_property(name, candidates)


@functools.lru_cache(maxsize=4096)  # bulk files repeat the same misspellings
def _closest_property(name: str, candidates: tuple[str, ...]) -> str | None:
    def squash(text: str) -> str:
        return re.sub(r"[\s_\-]+", "", text).casefold()

    exact = [candidate for candidate in candidates if squash(candidate) == squash(name)]
    if exact:
        return exact[0]
    close = difflib.get_close_matches(name.casefold(), candidates, n=1, cutoff=0.75)
    return close[0] if close else None
