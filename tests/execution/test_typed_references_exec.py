"""Execution and instantiation rules of Wasm 3.0 typed function references, on both engines:
table initialiser expressions (``alloc-table`` with ``Eval_expr`` of the initialiser),
non-nullable globals and locals, and import matching of immutable globals by subtyping
(``Globaltype_sub``), while mutable ones need equal types."""

from __future__ import annotations

import pytest

from refwasm import embedding
from refwasm.errors import UnlinkableError
from refwasm.execution.runtime import Store
from refwasm.execution.values import ExternFuncAddr, ExternVal, RefFuncAddr, RefNullVal
from refwasm.features import Features
from refwasm.syntax.types import AbsHeapType

V3 = Features.for_version("3.0")
ENGINES = ["reference", "fast"]


def _instance(store: Store, text: str, imports: list[ExternVal] | None = None) -> object:
    module = embedding.module_parse(text, V3)
    return embedding.module_instantiate(store, module, imports or [], V3)


def _call(store: Store, inst: object, name: str, *args: object) -> list[object]:
    f = embedding.instance_export(inst, name)  # type: ignore[arg-type]
    assert isinstance(f, ExternFuncAddr)
    return list(embedding.func_invoke(store, f.addr, list(args)))  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ENGINES)
def test_table_initialiser_fills_every_element(engine: str) -> None:
    store = embedding.store_init(engine=engine)
    inst = _instance(store, """(module
      (type $t (func (result i32)))
      (func $f (type $t) (i32.const 7))
      (table $tab 3 (ref $t) (ref.func $f))
      (func (export "call") (param i32) (result i32) (call_indirect $tab (type $t) (local.get 0)))
      (func (export "get") (param i32) (result funcref) (table.get $tab (local.get 0))))""")
    assert _call(store, inst, "call", 2) == [7]
    (ref,) = _call(store, inst, "get", 0)
    assert isinstance(ref, RefFuncAddr)


@pytest.mark.parametrize("engine", ENGINES)
def test_non_null_global_and_local(engine: str) -> None:
    store = embedding.store_init(engine=engine)
    inst = _instance(store, """(module
      (type $t (func (param i32) (result i32)))
      (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
      (global $g (ref $t) (ref.func $inc))
      (func (export "run") (param i32) (result i32) (local $r (ref $t))
        (local.set $r (global.get $g))
        (call_ref $t (local.get 0) (local.get $r))))""")
    assert _call(store, inst, "run", 41) == [42]


def _exporter(store: Store) -> object:
    return _instance(store, """(module
      (type $t (func))
      (func $f (type $t))
      (global (export "const") (ref $t) (ref.func $f))
      (global (export "var") (mut (ref $t)) (ref.func $f)))""")


@pytest.mark.parametrize("expected", ["funcref", "(ref func)", "(ref null func)"])
def test_immutable_global_imports_at_a_supertype(expected: str) -> None:
    store = embedding.store_init()
    g = embedding.instance_export(_exporter(store), "const")  # type: ignore[arg-type]
    _instance(store, f'(module (global (import "m" "const") {expected}))', [g])


@pytest.mark.parametrize("expected", ["(mut funcref)", "(mut (ref func))"])
def test_mutable_global_needs_the_same_type(expected: str) -> None:
    store = embedding.store_init()
    g = embedding.instance_export(_exporter(store), "var")  # type: ignore[arg-type]
    with pytest.raises(UnlinkableError, match="incompatible import type"):
        _instance(store, f'(module (global (import "m" "var") {expected}))', [g])


def test_immutable_global_does_not_import_at_a_subtype_or_other_hierarchy() -> None:
    store = embedding.store_init()
    g = embedding.instance_export(_exporter(store), "const")  # type: ignore[arg-type]
    for expected in ("(ref nofunc)", "externref", "(ref null extern)"):
        with pytest.raises(UnlinkableError):
            _instance(store, f'(module (global (import "m" "const") {expected}))', [g])


@pytest.mark.parametrize("engine", ENGINES)
def test_nullable_table_without_initialiser_holds_null(engine: str) -> None:
    store = embedding.store_init(engine=engine)
    inst = _instance(store, """(module (table $tab 2 nullfuncref)
      (func (export "get") (result nullfuncref) (table.get $tab (i32.const 1))))""")
    assert _call(store, inst, "get") == [RefNullVal(AbsHeapType.NOFUNC)]
