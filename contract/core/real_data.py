"""Values as real data holds them: what careless storage changes, by kind of property.

Drawn text is rarely all digits, or a name with an apostrophe, so a run that only draws
would miss an install that strips the leading zero of a South African telephone number,
escapes markup, adds slashes, or stores UTF-8 twice encoded. These tables put such values
in every run. A property's kind comes from the contract: ``format: date`` for dates, the
``x-text-kind`` annotation (``telephone``, ``postal-code``, ``name``, ``address``) for
text, free text otherwise; nothing here names a property.

Every value is valid for any text property, one line of XML 1.0 characters (it travels
over XML-RPC unchanged) and short (no install may refuse it as a limit).

The values are a table of ours, not a data library's draws: each must be there in every
run, whatever the seed or the library's version, to catch the fault it is here for.
"""

from __future__ import annotations

from collections.abc import Mapping

KIND_KEYWORD = "x-text-kind"
"""The contract's annotation that says what a text property holds."""

NUMERIC_LOOKING = (
    "0821234567",  # a South African mobile number: a numeric column drops the 0
    "0001",
    "-0",
    "+27215550100",
    "021 555 0199",
    "+27-21-555-0100",
    "1e3",
    "0x1F",
    "1,5",
    "1.50",
    "12345678901234567890",  # beyond 64 bits: a cast to a number rounds it
)
"""Numbers written as text, as telephone numbers, postal codes and identifiers are."""

OTHER_TYPES = ("null", "true", "false", "[]", "{}", "NaN", "None", "0")
"""Text that a careless decoder takes for another JSON type."""

MARKUP = (
    "<b>bold</b>",
    "Tom & Jerry",
    "&amp;",
    'say "hi"',
    "it's",
    "back\\slash",
    "100%",
    "{{ name }}",
    "${name}",
    "'; --",
    "<script>alert(1)</script>",
)
"""What escaping, templating and SQL quoting get wrong."""

PEOPLE = (
    "O'Brien",
    "Anne-Marie",
    "van der Merwe",
    "Zoë Müller",
    "Ngcobo-Nkosi",
    "Nguyễn Văn An",
    "王秀英",
    "محمد",
    "דוד",
    "Ω≈ç√",
    "\U0001f469\U0001f3fd\u200d\U0001f4bb",  # one emoji of five code points
    "12 Long St, Apt 3/4",
)
"""Names and addresses as people write them: apostrophes and hyphens, the region's
diacritics, CJK and right-to-left scripts, emoji."""

BY_KIND: Mapping[str, tuple[str, ...]] = {
    "telephone": (
        "021 555 0199",
        "+27 (0)21 555 0100",
        "(021) 555-0199",
        "0800 123 456",
        "+1-800-555-0199 ext. 12",
    ),
    "postal-code": ("0157", "8001", "SW1A 1AA", "H3Z 2Y7", "00501"),
    "name": ("D'Angelo", "Jean-Luc", "Þórunn", "Nomvula Mthembu", "李小龍"),
    "address": (
        "Unit 5, 7th Floor, 1 Adderley St",
        "Rue de l'Église 5",
        "Hauptstraße 12a",
        "東京都千代田区1-1",
        "שדרות רוטשילד 1",
    ),
}
"""What each kind of text holds in real contacts, beside what every text may hold."""

PER_COLUMN = NUMERIC_LOOKING
"""What a column's own type gets wrong: every text property gets each."""
SHARED = OTHER_TYPES + MARKUP + PEOPLE
"""What decoders, escaping and character sets get wrong, which go wrong for all text
alike: shared out among the text properties, each value to one or more."""

DATES = (
    "2000-02-29",
    "2024-02-29",
    "1900-01-01",
    "1999-12-31",
    "2000-01-01",
    "9999-12-31",
    "2024-03-31",  # clocks change in Europe
    "2024-10-27",
    "2024-03-10",  # and in North America
    "1970-01-01",
)
"""Dates on boundaries: leap days, the turn of a year and of a century, the first and
last years a date can have, the days clocks change, the first day of Unix time."""


def own_values(kind: str | None) -> tuple[str, ...]:
    """What a text property of *kind* must be sent: its kind's values, then
    :data:`PER_COLUMN`."""
    return BY_KIND.get(kind or "", ()) + PER_COLUMN


def text_values(kind: str | None) -> tuple[str, ...]:
    """Every value a text property of *kind* may hold, its kind's own first."""
    return own_values(kind) + SHARED
