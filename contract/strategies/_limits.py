"""What each transport can carry, so generated payloads survive the trip unchanged."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from hypothesis import strategies as st

from contract.core.transports import TRANSPORTS, Transport

ORDINARY_TEXT = 255


@dataclass(frozen=True)
class TransportLimits:
    """The integer range and characters a transport carries, and whether it has a null."""

    name: Transport
    min_int: int
    max_int: int
    characters: st.SearchStrategy[str]
    has_null: bool
    max_text: int | None = None
    """The longest text drawn, when values must stay within ordinary limits."""

    def text(self, min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
        """Text made only of characters this transport carries unchanged."""
        if self.max_text is not None:
            max_size = self.max_text if max_size is None else min(max_size, self.max_text)
        return st.text(self.characters, min_size=min_size, max_size=max_size)

    def ordinary(self) -> TransportLimits:
        """The same, within the limits any install's storage keeps: text up to 255
        characters and integers of 32 bits, so that no refusal is a limit's."""
        return dataclasses.replace(
            self,
            min_int=max(self.min_int, -(2**31)),
            max_int=min(self.max_int, 2**31 - 1),
            max_text=ORDINARY_TEXT,
        )

    def integers(
        self, min_value: int | None = None, max_value: int | None = None
    ) -> st.SearchStrategy[int]:
        """Integers this transport carries, within optional schema bounds."""
        low = self.min_int if min_value is None else max(min_value, self.min_int)
        high = self.max_int if max_value is None else min(max_value, self.max_int)
        return st.integers(low, high)


# JSON: any character but lone surrogates; integers within I-JSON's (RFC 7493) safe range,
# the range every JSON parser reads exactly.
REST = TransportLimits(
    name="rest",
    min_int=-(2**53 - 1),
    max_int=2**53 - 1,
    characters=st.characters(codec="utf-8"),
    has_null=True,
)

# XML-RPC: XML 1.0 characters only, less carriage return (XML parsers turn it into a line
# feed); <int> is 32-bit; <nil/> is an extension that servers need not understand.
XMLRPC = TransportLimits(
    name="xmlrpc",
    min_int=-(2**31),
    max_int=2**31 - 1,
    characters=st.characters(
        codec="utf-8",
        exclude_categories=["Cs"],
        exclude_characters="".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n")
        + "\ufffe\uffff",
    ),
    has_null=False,
)

_LIMITS = {"rest": REST, "xmlrpc": XMLRPC}


def limits_for(transport: Transport, *, ordinary: bool = False) -> TransportLimits:
    """The limits of a transport by name (within ordinary storage limits when *ordinary*);
    a clear error for an unknown one."""
    try:
        limits = _LIMITS[transport]
    except KeyError:
        raise ValueError(
            f"transport must be one of {', '.join(TRANSPORTS)}, not {transport!r}"
        ) from None
    return limits.ordinary() if ordinary else limits
