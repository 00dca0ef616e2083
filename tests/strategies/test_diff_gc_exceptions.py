"""``refwasm diff --spec 3.0 --engine wasmtime`` with GC and exception handling: generated
modules with struct/array types, casts, ``i31``, throws and catches agree between refwasm and
wasmtime (issue 13's check: 2,000 examples, 0 disagreements).  That the generator reaches
every GC and exception instruction under the diff's options is a property of
``properties/test_strategies_gc_exceptions.py``."""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path

import pytest

from refwasm.engines import EngineError, engine_named
from refwasm.features import Features

pytest.importorskip("hypothesis")
pytestmark = pytest.mark.peer

# SIMD left out: ``tests/oracle/test_diff_3_0.py`` covers it, and its 260 opcodes would
# otherwise outnumber the GC and exception code in every module.
FEATURES = Features.for_version("3.0").with_(simd=False, relaxed_simd=False)
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


MODULE = """(module
  (type $s (struct (field i32)))
  (type $a (array (mut i8)))
  (tag $t (param i32))
  (func (export "throws") (result i32) (throw $t (i32.const 1)))
  (func (export "rethrows_null") (throw_ref (ref.null exn)))
  (func (export "null_struct") (result i32) (struct.get $s 0 (ref.null $s)))
  (func (export "null_array") (result i32) (array.len (ref.null $a)))
  (func (export "array_oob") (result i32)
    (array.get_u $a (array.new_default $a (i32.const 2)) (i32.const 2)))
  (func (export "cast") (result i32)
    (ref.is_null (ref.cast (ref $s) (ref.i31 (i32.const 0)))))
  (func (export "caught") (result i32)
    (block $h (result i32) (try_table (catch $t $h) (throw $t (i32.const 7))) (i32.const 0))))"""


@pytest.mark.parametrize("name", ["throws", "rethrows_null", "null_struct", "null_array",
                                  "array_oob", "cast", "caught"])  # fmt: skip
def test_gc_and_exception_outcomes_compare_equal(name: str) -> None:
    """An uncaught exception and each GC/EH trap are one outcome in both engines, whatever
    words wasmtime uses (the adapter's and the comparison's mappings)."""
    from refwasm.oracle.compare import Verdict, compare, outcome_of

    outcomes = []
    for engine in ("reference", "wasmtime"):
        try:
            session = engine_named(engine).session(Features.for_version("3.0"))
        except EngineError as error:
            pytest.skip(f"engine {engine} unavailable: {error}")
        instance = session.instantiate(session.load_text(MODULE), [])
        outcomes.append(outcome_of(partial(session.invoke, instance, name, [])))
    assert compare(outcomes[0], outcomes[1]).verdict is Verdict.AGREE, outcomes
