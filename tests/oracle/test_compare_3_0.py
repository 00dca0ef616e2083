"""Comparison rules for 3.0 traps: the null-reference traps are one kind."""

from __future__ import annotations

from refwasm import errors
from refwasm.oracle.compare import Failed, Verdict, compare


def test_the_null_reference_traps_are_one_kind() -> None:
    mine = Failed("trap", errors.NULL_FUNCTION_REFERENCE)
    assert compare(mine, Failed("trap", errors.NULL_REFERENCE)).verdict is Verdict.AGREE
    assert compare(mine, Failed("trap", errors.UNREACHABLE)).verdict is Verdict.DISAGREE
