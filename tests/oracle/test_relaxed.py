"""The oracle's relaxed-SIMD alternatives (``refwasm.oracle.relaxed``): every assignment of the
choice parameters that matters is run, and an engine is judged against all of them."""

from __future__ import annotations

import pytest

from refwasm.binary import encode_module
from refwasm.embedding import module_parse
from refwasm.engines import EngineError, engine_named
from refwasm.engines.base import Value
from refwasm.features import Features
from refwasm.oracle import relaxed
from refwasm.oracle.compare import Failed, Returned, Verdict, compare, outcome_of
from refwasm.oracle.server import Oracle
from refwasm.syntax import Call, NumType, RefFunc, VecType

F3 = Features.for_version("3.0")
V128 = VecType.V128

# One function per relaxed family, with operands on which its alternatives differ.
MODULE = """(module
  (func $helper (result i32) i32.const 7)
  (func (export "dot") (result v128)
    (i16x8.relaxed_dot_i8x16_i7x16_s (v128.const i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)
                                     (v128.const i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1)))
  (func (export "swizzle") (result v128)
    (i8x16.relaxed_swizzle (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
                           (v128.const i8x16 17 17 17 17 17 17 17 17 17 17 17 17 17 17 17 17)))
  (func (export "min") (result v128)
    (f32x4.relaxed_min (v128.const f32x4 0 -0 1 1) (v128.const f32x4 -0 0 1 1)))
  (func (export "helper") (result i32) (call $helper))
  (func (export "ref") (result funcref) (ref.func $helper))
  (elem declare func $helper))"""


def oracle() -> Oracle:
    o = Oracle(F3)
    assert o.instantiate(encode_module(module_parse(MODULE, F3))) == Returned(())
    return o


def v128(bits: int) -> Value:
    return Value(V128, bits)


def test_each_alternative_of_a_parameter_is_an_outcome() -> None:
    o = oracle()
    dot = o.invoke("dot", [])
    assert isinstance(dot, Returned)
    # R_idot = 0: (-1)(-1) + (-1)(-1) = 2 per lane; R_idot = 1: (-1)(255) twice = -510.
    assert dot.values == (v128(relaxed.join(16, [2] * 8)),)
    assert [a.values for a in dot.alternatives] == [(v128(relaxed.join(16, [-510] * 8)),)]  # type: ignore[union-attr]
    swizzle = o.invoke("swizzle", [])
    assert isinstance(swizzle, Returned) and swizzle.values == (v128(0),)
    assert v128(relaxed.join(8, [2] * 16)) in [a.values[0] for a in swizzle.alternatives]  # type: ignore[union-attr]


def test_a_call_without_relaxed_results_has_no_alternatives() -> None:
    o = oracle()
    o.invoke("dot", [])  # R_idot is sensitive: two runs from here on
    assert o.relaxed is not None and len(o.relaxed.runs) == 2
    helper = o.invoke("helper", [])
    assert helper == Returned((Value(NumType.I32, 7),))  # the runs agree: no alternatives


def test_an_outcome_of_another_assignment_agrees_and_others_do_not() -> None:
    o = oracle()
    dot = o.invoke("dot", [])
    assert isinstance(dot, Returned)
    other = Returned((v128(relaxed.join(16, [-510] * 8)),))
    assert compare(dot, other).verdict is Verdict.AGREE
    wrong = Returned((v128(relaxed.join(16, [3] * 8)),))
    assert compare(dot, wrong).verdict is Verdict.DISAGREE
    # Without the alternatives the other assignment's result would be a disagreement.
    assert compare(Returned(dot.values), other).verdict is Verdict.DISAGREE


def test_the_rewritten_module_shifts_function_indices() -> None:
    module = module_parse(MODULE, F3)
    instrs = relaxed.relaxed_instrs(module)
    assert len(instrs) == 3
    rewritten = relaxed.relaxed_module(module, instrs)
    assert [im.module for im in rewritten.imports] == [relaxed.RELAXED_IMPORT] * 3
    bodies = [f.body for f in rewritten.funcs]
    assert Call(3 + 0) in bodies[4]  # call $helper: function 0 is now 3
    assert RefFunc(3) in bodies[5]
    assert Call(0) in bodies[1] and not any(relaxed.family(i) for i in bodies[1])


def test_runs_beyond_the_cap_make_the_set_incomplete(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relaxed, "MAX_RUNS", 2)
    o = oracle()
    o.invoke("dot", [])
    swizzle = o.invoke("swizzle", [])
    assert o.relaxed is not None and not o.relaxed.complete
    assert Failed("engine", "relaxed SIMD choices not all enumerated") in swizzle.alternatives
    # A result no enumerated run gives is inconclusive, not a disagreement.
    unknown = Returned((v128(12345),))
    assert compare(swizzle, unknown).verdict is Verdict.INCONCLUSIVE


@pytest.mark.parametrize(("w", "z1", "z2", "z3", "fused"), [
    # (1 + 2^-23)^2 - (1 + 2^-22): the unfused product rounds the 2^-46 away.
    (32, 0x3F80_0001, 0x3F80_0001, 0xBF80_0002, 0x2880_0000),
    # 2^-1074 * 0.5 + 0 rounds to even (0); + the smallest subnormal stays exact.
    (64, 0x0000_0000_0000_0001, 0x3FE0_0000_0000_0000, 0, 0),
    (64, 0x0000_0000_0000_0003, 0x3FE0_0000_0000_0000, 0, 0x0000_0000_0000_0002),
    # Overflow to infinity; infinity times zero is a NaN; -0 * 1 + -0 is -0.
    (32, 0x7F7F_FFFF, 0x4000_0000, 0, 0x7F80_0000),
    (32, 0x7F80_0000, 0, 0, 0x7FC0_0000),
    (32, 0x8000_0000, 0x3F80_0000, 0x8000_0000, 0x8000_0000),
])
def test_fma_rounds_once(w: int, z1: int, z2: int, z3: int, fused: int) -> None:
    assert relaxed.fma(w, z1, z2, z3) == fused


@pytest.mark.peer
def test_wasmtime_agrees_with_some_assignment_but_not_with_refwasms_own() -> None:
    try:
        session = engine_named("wasmtime").session(F3)
    except EngineError as error:
        pytest.skip(f"engine wasmtime unavailable: {error}")
    o = oracle()
    instance = session.instantiate(session.load_binary(encode_module(module_parse(MODULE, F3))), [])
    differs = 0
    for name in ("dot", "swizzle", "min"):
        mine = o.invoke(name, [])
        theirs = outcome_of(lambda n=name: session.invoke(instance, n, []))  # type: ignore[misc]
        assert compare(mine, theirs).verdict is Verdict.AGREE, name
        differs += compare(Returned(mine.values), theirs).verdict is Verdict.DISAGREE  # type: ignore[union-attr]
    assert differs > 0  # wasmtime's native choices are not all the deterministic profile's


def test_the_oracles_reply_gives_the_union_as_the_allowed_set() -> None:
    from refwasm.oracle.server import outcome_json

    o = oracle()
    reply = outcome_json(o.invoke("dot", []))
    # i16x8 lanes 2 (R_idot = 0) or -510 = 0xfe02 (R_idot = 1).
    assert reply["results"][0]["allowed"] == (
        "(either (v128.const i64x2 0x2000200020002 0x2000200020002) "
        "(v128.const i64x2 0xfe02fe02fe02fe02 0xfe02fe02fe02fe02))"
    )
    assert len(reply["alternatives"]) == 1
    assert "alternatives" not in outcome_json(o.invoke("helper", []))
