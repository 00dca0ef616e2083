"""``refwasm diff --version 3.0 --engine wasmtime`` with GC and exception handling: generated
modules with struct/array types, casts, ``i31``, throws and catches agree between refwasm and
wasmtime (issue 13's check: 2,000 examples, 0 disagreements)."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from refwasm.engines import EngineError, engine_named
from refwasm.features import Features

pytest.importorskip("hypothesis")
pytestmark = pytest.mark.peer

# SIMD left out: ``tests/oracle/test_diff_3_0.py`` covers it, and its 260 opcodes would
# otherwise outnumber the GC and exception code in every module.
FEATURES = Features.for_version("3.0").with_(simd=False, relaxed_simd=False)
GC_AND_EH = {"StructNew", "StructNewDefault", "StructGet", "StructSet", "ArrayNew",
             "ArrayNewDefault", "ArrayNewFixed", "ArrayGet", "ArraySet", "ArrayLen", "ArrayFill",
             "ArrayCopy", "RefI31", "I31Get", "RefEq", "RefTest", "RefCast", "BrOnCast",
             "BrOnCastFail", "AnyConvertExtern", "ExternConvertAny", "Throw", "ThrowRef",
             "TryTable"}  # fmt: skip


def test_the_diff_examples_contain_gc_and_exception_code() -> None:
    """The examples the diff below runs reach every GC and exception instruction the
    generator knows (so its 0 disagreements are about them)."""
    from hypothesis import HealthCheck, given, settings

    from refwasm.oracle.diff import cases
    from refwasm.strategies.module import walk

    seen: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(cases(FEATURES))
    def sample(case: object) -> None:
        for func in case.module.funcs:  # type: ignore[attr-defined]
            seen.update(type(i).__name__ for i in walk(func.body))

    sample()
    assert {name for name in GC_AND_EH if seen[name] == 0} == set()


def test_wasmtime_agrees_on_gc_and_exceptions(tmp_path: Path) -> None:
    from refwasm.oracle.diff import run_diff

    try:
        engine_named("wasmtime").session(FEATURES)
    except EngineError as error:
        pytest.skip(f"engine wasmtime unavailable: {error}")
    tally = run_diff(["wasmtime"], FEATURES, examples=2000, seconds=None, seed=13,
                     out=tmp_path, stream=io.StringIO())  # fmt: skip
    assert tally.examples >= 2000
    assert [d.reason for d in tally.disagreements] == []
