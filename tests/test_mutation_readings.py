"""The mutation benchmark's hand-written readings of survivors, and the ids they are keyed by.

The benchmark itself (cosmic-ray over the reference server) is not run here: it takes most of
an hour. What is checked is what a reading depends on: that the file parses, that each id
names a module the benchmark mutates, and that an id stays put when its module is edited
elsewhere.
"""

from __future__ import annotations

import pytest

from benchmarks._mutants import (
    READINGS,
    Mutation,
    ReadingsError,
    assign_ids,
    is_well_formed,
    load_readings,
    parse_readings,
)
from benchmarks.mutation import MODULES


def test_every_reading_is_well_formed_and_names_a_mutated_module() -> None:
    readings = load_readings(READINGS)
    assert readings, f"{READINGS.name} holds no reading"
    for mutant_id, reading in readings.items():
        assert is_well_formed(mutant_id), mutant_id
        assert mutant_id.split(":")[0] in MODULES, mutant_id
        assert reading.why, mutant_id


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ('id = "auth.py:allows:AddNot:0123abcd"\nreading = "fine: x"', "must start"),
        ('id = "auth.py:allows:AddNot:0123abcd"\nreading = "gap: "', "must start"),
        ('id = "auth.py:allows:AddNot:0123abcd"\nreading = "gap: a\\nb"', "one line"),
        ('id = "auth.py:allows:AddNot:0123ABCD"\nreading = "gap: x"', "malformed id"),
        ('id = "auth.py:allows:AddNot:0123abcd.0"\nreading = "gap: x"', "malformed id"),
        ('id = "auth.py:allows:AddNot:0123abcd"', "exactly the keys"),
    ],
)
def test_a_malformed_reading_is_refused(entry: str, complaint: str) -> None:
    with pytest.raises(ReadingsError, match=complaint):
        parse_readings(f"[[survivor]]\n{entry}\n")


def test_a_mutant_read_twice_is_refused() -> None:
    entry = '[[survivor]]\nid = "auth.py:allows:AddNot:0123abcd"\nreading = "gap: x"\n'
    with pytest.raises(ReadingsError, match="read twice"):
        parse_readings(entry * 2)


def _mutation(line: int, column: int, occurrence: int) -> Mutation:
    return Mutation(
        job_id=f"job-{line}-{column}",
        path="contract/server/auth.py",
        operator="ReplaceComparisonOperator_Eq_NotEq",
        occurrence=occurrence,
        line=line,
        column=column,
        definition="allows",
    )


def test_an_id_does_not_move_when_lines_are_added_above() -> None:
    source = ["def allows(a, b):", "    return a == 1 and b == 1"]
    edited = ["# a comment", "", *source]
    before = assign_ids(
        [_mutation(2, 13, 0), _mutation(2, 26, 1)], {"contract/server/auth.py": source}
    )
    after = assign_ids(
        [_mutation(4, 13, 3), _mutation(4, 26, 4)], {"contract/server/auth.py": edited}
    )
    assert [mutant.id for mutant in before] == [mutant.id for mutant in after]
    # Two mutations of one line by one operator: told apart by where they stand.
    first, second = (mutant.id for mutant in before)
    assert second == f"{first}.1"
    assert all(is_well_formed(mutant.id) for mutant in before)
