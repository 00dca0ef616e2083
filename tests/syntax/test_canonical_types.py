"""The canonical table of closed rec groups (``refwasm.syntax.deftypes``) keeps only the groups
something still uses, and type equivalence stays the identity of canonical groups
(3.0 ``type-closure``, ``Deftype_sub/refl``: equivalent defined types are equal).

The loop of 100,000 distinct type sections is what a long ``refwasm oracle`` or ``refwasm diff
--modules`` process does to the table; before the table held its groups weakly every group
stayed for the life of the process (about a kilobyte each)."""

from __future__ import annotations

import gc
import tracemalloc

from refwasm.embedding import module_instantiate, module_parse, module_validate, store_init
from refwasm.execution.heap import module_deftypes
from refwasm.features import Features
from refwasm.syntax.deftypes import canonical_groups, close_types, expand, unroll
from refwasm.syntax.types import (
    DefType,
    FieldType,
    FuncType,
    Mut,
    NumType,
    PackType,
    RecType,
    RefType,
    StorageType,
    StructType,
    SubType,
    TypeIdx,
)

GC = Features.for_version("3.0")
_STORAGE: list[StorageType] = [PackType.I8, PackType.I16, NumType.I32, NumType.I64,
                               NumType.F32, NumType.F64]  # fmt: skip


def _section(n: int) -> list[RecType]:
    """Type section number ``n`` (distinct for each ``n`` below 12**5): a recursive struct
    (five fields spelling ``n`` in base 12, then a nullable reference to itself) and a
    function type in a second group taking it (a reference to an earlier group)."""
    fields = []
    for _ in range(5):
        n, digit = divmod(n, 12)
        fields.append(FieldType(Mut.VAR if digit % 2 else Mut.CONST, _STORAGE[digit // 2]))
    fields.append(FieldType(Mut.CONST, RefType(True, TypeIdx(0))))
    struct = RecType((SubType(True, (), StructType(tuple(fields))),))
    func = RecType((SubType(True, (), FuncType((RefType(False, TypeIdx(0)),), ())),))
    return [struct, func]


def _closed(n: int) -> tuple[DefType, ...]:
    """Section ``n`` closed, and each of its types unrolled (filling the unrolling memo)."""
    deftypes = close_types(_section(n))
    for dt in deftypes:
        expand(dt)
    return deftypes


def test_the_table_keeps_only_live_groups_over_100000_type_sections() -> None:
    """The table's size over the whole loop; the memory traced over its last 10,000 sections
    (tracing all of them would take minutes)."""
    gc.collect()
    before = canonical_groups()
    for n in range(90_000):
        _closed(n)
        if n % 10_000 == 0:
            gc.collect()
            assert canonical_groups() - before <= 2, n
    tracemalloc.start()
    try:
        _closed(90_000)
        gc.collect()
        baseline, _ = tracemalloc.get_traced_memory()
        for n in range(90_001, 100_001):
            _closed(n)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert canonical_groups() == before
    # 10,000 kept sections would take over 10 MB; what remains is noise.
    assert grown < 500_000, grown


def test_equal_groups_alive_together_are_one_object() -> None:
    first, second = close_types(_section(7)), close_types(_section(7))
    assert first == second
    assert all(a.rectype is b.rectype for a, b in zip(first, second, strict=True))
    assert hash(first[0]) == hash(second[0])
    # The function type refers to the struct by its canonical group too.
    param = expand(second[1])
    assert isinstance(param, FuncType) and param.params == (RefType(False, first[0]),)
    assert close_types(_section(8))[0] != first[0]


def test_a_recursive_type_unrolls_to_itself() -> None:
    (dt, _) = close_types(_section(3))
    ct = unroll(dt).comptype
    assert isinstance(ct, StructType)
    assert ct.fields[-1].storage == RefType(True, dt)
    assert unroll(dt) is unroll(dt)  # memoised
    assert unroll(dt) == unroll(close_types(_section(3))[0])


def test_groups_die_without_the_cycle_collector() -> None:
    """Nothing makes a reference cycle (a recursive type's unrolling included): groups go as
    soon as their last defined type does, with the cycle collector off (as the front ends
    turn it off while they build large trees)."""
    gc.collect()
    before = canonical_groups()
    gc.disable()
    try:
        for n in range(1000, 3000):
            _closed(n)
            assert canonical_groups() - before <= 2, n
    finally:
        gc.enable()


def test_a_group_lives_while_a_defined_type_of_it_lives() -> None:
    gc.collect()
    before = canonical_groups()
    struct, func = close_types(_section(11))
    del struct
    gc.collect()
    # The function type's group refers to the struct's: both stay, and stay canonical.
    assert canonical_groups() == before + 2
    assert expand(func) == expand(close_types(_section(11))[1])
    del func
    gc.collect()
    assert canonical_groups() == before


def test_a_group_made_again_after_it_died_is_equivalent_to_the_new_users() -> None:
    (old, _) = close_types(_section(5))
    old_group = old.rectype
    del old
    (again, _) = close_types(_section(5))
    assert again.rectype is old_group  # still alive through ``old_group``: the same object
    del again, old_group
    gc.collect()
    first, second = close_types(_section(5)), close_types(_section(5))
    assert first == second


TYPES = """(rec (type $node (struct (field i32) (field (ref null $node)))))
  (type $make (func (param i32) (result (ref $node))))"""
PROVIDER = f"""(module {TYPES}
  (table (export "t") 1 funcref (ref.func $f))
  (func $f (type $make) (struct.new $node (local.get 0) (ref.null $node))))"""
USER = f"""(module {TYPES}
  (import "a" "t" (table 1 funcref))
  (func (export "via_table") (param i32) (result i32)
    (struct.get $node 0 (call_indirect (type $make) (local.get 0) (i32.const 0)))))"""


def test_modules_share_groups_and_release_them_with_their_store() -> None:
    """Two modules of equal types agree on them (one calls the other's function through
    ``call_indirect``, which checks type equality) and the groups go when the modules,
    instances and heap objects do."""
    from refwasm.embedding import func_invoke, instance_export
    from refwasm.execution.values import ExternFuncAddr

    gc.collect()
    before = canonical_groups()
    store = store_init()
    provider, user = module_parse(PROVIDER, GC), module_parse(USER, GC)
    module_validate(provider, GC)
    module_validate(user, GC)
    a = module_instantiate(store, provider, [], GC)
    b = module_instantiate(store, user, [instance_export(a, "t")], GC)
    assert module_deftypes(provider)[:2] == module_deftypes(user)[:2]
    assert a.deftypes[0].rectype is b.deftypes[0].rectype
    call = instance_export(b, "via_table")
    assert isinstance(call, ExternFuncAddr)
    assert func_invoke(store, call.addr, [5]) == [5]
    del provider, user, a, b, call
    gc.collect()
    assert canonical_groups() > before  # the store's instances and struct still use them
    del store
    gc.collect()
    assert canonical_groups() == before
