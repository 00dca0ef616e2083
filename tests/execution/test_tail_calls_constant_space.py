"""Tail calls run in constant space (issue 12, item 2; ``Step_read/return_call``,
``Step_read/return_call_indirect``, ``Step_read/return_call_ref``): mutually tail-recursive
functions run far past the default call-depth limit on both engines, while the same
recursion through ``call`` exhausts the call stack."""

from __future__ import annotations

import pytest

from refwasm import embedding
from refwasm.errors import ExhaustionError
from refwasm.execution.runtime import DEFAULT_MAX_CALL_DEPTH
from refwasm.execution.values import ExternFuncAddr
from refwasm.features import Features

V3 = Features.for_version("3.0")

# even(n) and odd(n) call each other n times; the call in each is the parametrised one.
EVEN_ODD = """(module
  (type $t (func (param i64) (result i32)))
  (table 2 funcref) (elem (i32.const 0) $even $odd) (elem declare func $even $odd)
  (func $even (export "even") (type $t)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
      (else (CALL_ODD (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (type $t)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
      (else (CALL_EVEN (i64.sub (local.get 0) (i64.const 1)))))))"""

CALLS = {
    "return_call": ("return_call $odd", "return_call $even"),
    "return_call_indirect": ("return_call_indirect (type $t) {} (i32.const 1)",
                             "return_call_indirect (type $t) {} (i32.const 0)"),
    "return_call_ref": ("return_call_ref $t {} (ref.func $odd)",
                        "return_call_ref $t {} (ref.func $even)"),
    "call": ("call $odd", "call $even"),
}  # fmt: skip


def _source(kind: str) -> str:
    to_odd, to_even = CALLS[kind]
    if "{}" not in to_odd:
        return EVEN_ODD.replace("(CALL_ODD", f"({to_odd}").replace("(CALL_EVEN", f"({to_even}")
    # The argument goes before the table index or reference operand.
    odd_head, odd_tail = to_odd.split("{}")
    even_head, even_tail = to_even.split("{}")
    text = EVEN_ODD.replace("(CALL_ODD (i64.sub (local.get 0) (i64.const 1)))",
                            f"({odd_head}(i64.sub (local.get 0) (i64.const 1)){odd_tail})")
    return text.replace("(CALL_EVEN (i64.sub (local.get 0) (i64.const 1)))",
                        f"({even_head}(i64.sub (local.get 0) (i64.const 1)){even_tail})")


def _even(kind: str, n: int, engine: str) -> list[object]:
    store = embedding.store_init(engine=engine)
    module = embedding.module_parse(_source(kind), V3)
    inst = embedding.module_instantiate(store, module, [], V3)
    even = embedding.instance_export(inst, "even")
    assert isinstance(even, ExternFuncAddr)
    return list(embedding.func_invoke(store, even.addr, [n]))


@pytest.mark.parametrize("engine", ["reference", "fast"])
@pytest.mark.parametrize("kind", ["return_call", "return_call_indirect", "return_call_ref"])
def test_tail_calls_go_deeper_than_the_call_depth_limit(kind: str, engine: str) -> None:
    n = 2 * DEFAULT_MAX_CALL_DEPTH + 1  # odd: even(n) is false
    assert _even(kind, n, engine) == [0]


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_the_same_recursion_through_call_exhausts_the_stack(engine: str) -> None:
    with pytest.raises(ExhaustionError):
        _even("call", 2 * DEFAULT_MAX_CALL_DEPTH, engine)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_a_million_mutual_tail_calls_end_normally(engine: str) -> None:
    # ~45 s per engine on a loaded machine: marked slow.
    assert _even("return_call", 1_000_000, engine) == [1]
