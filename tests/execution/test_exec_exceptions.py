"""Exception handling (3.0): one test or more per execution rule of ``throw``, ``throw_ref`` and
``try_table`` (SpecTec ``4.3-execution.instructions``, "Exceptions"), tags at instantiation,
propagation across Wasm and host frames, and the fast engine's callers of throwing code.

Expected values are written out by hand from the rules, never computed by refwasm.
"""

from __future__ import annotations

import pytest

from refwasm import embedding
from refwasm.errors import ExceptionError, TrapError, UnlinkableError
from refwasm.execution.exceptions import exception_of
from refwasm.execution.runtime import ExnInst, Store
from refwasm.execution.values import ExternFuncAddr, ExternTagAddr, ExternVal, RefExnAddr, Val
from refwasm.features import Features
from refwasm.syntax.instructions import (
    Block,
    Catch,
    CatchAllRef,
    CatchRef,
    Const,
    RefNull,
    Throw,
    ThrowRef,
    TryTable,
)
from refwasm.syntax.modules import Export, ExternIdx, ExternKind, Func, Module, Tag, Type
from refwasm.syntax.types import (
    EXNREF,
    AbsHeapType,
    FuncType,
    NumType,
    TagType,
    TypeIdx,
    plain_functype,
)

V3 = Features.for_version("3.0")
I32 = NumType.I32


def instantiate(
    wat: str, imports: list[ExternVal] | None = None, store: Store | None = None,
    engine: str = "reference",
) -> tuple[Store, object]:
    """Parse, validate and instantiate a 3.0 module."""
    store = store if store is not None else embedding.store_init(engine=engine)
    module = embedding.module_parse(wat, V3)
    return store, embedding.module_instantiate(store, module, imports or [], V3)


def call(store: Store, inst: object, name: str, *args: Val) -> list[Val]:
    ev = embedding.instance_export(inst, name)  # type: ignore[arg-type]
    assert isinstance(ev, ExternFuncAddr)
    return embedding.func_invoke(store, ev.addr, list(args))


TAGS = """
  (tag $e0)
  (tag $e1 (param i32))
  (tag $e2 (param i32 i64))
"""


# -- Step/throw and the uncaught exception ------------------------------------------------------


def test_throw_uncaught_is_a_typed_outcome_carrying_tag_and_fields() -> None:
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (i32.const 7) (i64.const 9) (throw $e2)))""")
    with pytest.raises(ExceptionError) as raised:
        call(store, inst, "f")
    exn = exception_of(raised.value)
    assert exn.tag == 2  # the third tag allocated in this store
    assert exn.fields == (7, 9)
    assert raised.value.kind == "exception"


def test_each_throw_makes_a_new_exception() -> None:
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (i32.const 1) (throw $e1)))""")
    with pytest.raises(ExceptionError) as first:
        call(store, inst, "f")
    with pytest.raises(ExceptionError) as second:
        call(store, inst, "f")
    assert exception_of(first.value) is not exception_of(second.value)


def test_throw_discards_the_operands_below_it() -> None:
    # The stack must be empty again after the exception left: a later call still works.
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (result i32)
        (block $h (result i32)
          (try_table (catch $e1 $h) (i32.const 100) (i32.const 200) (i32.const 3) (throw $e1))
          (i32.const -1)))
      (func (export "g") (result i32) (i32.const 5)))""")
    assert call(store, inst, "f") == [3]
    assert call(store, inst, "g") == [5]


# -- Step_read/try_table and the handler rules --------------------------------------------------


def test_handler_vals_body_without_throw_returns_its_results() -> None:
    """``Step_pure/handler-vals``: a try_table whose body ends normally is a block."""
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (param i32) (result i32)
        (block $h
          (local.get 0)
          (try_table (param i32) (result i32) (catch_all $h) (i32.const 1) (i32.add))
          (return))
        (i32.const -1)))""")
    assert call(store, inst, "f", 41) == [42]


def test_catch_passes_the_fields_to_its_label() -> None:
    """``Step_read/throw_ref-handler-catch``"""
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (result i32 i64)
        (block $h (result i32 i64)
          (try_table (catch $e2 $h) (i32.const 5) (i64.const 6) (throw $e2))
          (unreachable))))""")
    assert call(store, inst, "f") == [5, 6]


def test_catch_all_passes_nothing() -> None:
    """``Step_read/throw_ref-handler-catch_all``"""
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (result i32)
        (block $h
          (try_table (catch_all $h) (i32.const 5) (throw $e1))
          (unreachable))
        (i32.const 77)))""")
    assert call(store, inst, "f") == [77]


def test_handler_next_tries_the_clauses_in_order() -> None:
    """``Step_read/throw_ref-handler-next``: a clause of another tag is skipped."""
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (result i32)
        (block $a
          (block $b (result i32)
            (try_table (catch $e0 $a) (catch $e1 $b) (catch_all $a)
              (i32.const 9) (throw $e1))
            (unreachable))
          (return))
        (i32.const -1)))""")
    assert call(store, inst, "f") == [9]


def test_handler_empty_lets_the_exception_through() -> None:
    """``Step_read/throw_ref-handler-empty``: no clause matches; the outer handler does."""
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (result i32)
        (block $outer
          (try_table (catch $e0 $outer)
            (block $inner (result i32)
              (try_table (result i32) (catch $e1 $inner) (throw $e0)))
            (drop))
          (return (i32.const 1)))
        (i32.const 2)))""")
    assert call(store, inst, "f") == [2]


def test_innermost_matching_handler_wins() -> None:
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (result i32)
        (block $outer
          (try_table (catch $e0 $outer)
            (block $inner
              (try_table (catch $e0 $inner) (throw $e0)))
            (return (i32.const 1))))
        (i32.const 2)))""")
    assert call(store, inst, "f") == [1]


def test_catch_to_the_function_label_returns() -> None:
    """A catch clause's label 0 outside any block is the function's: the catch returns."""
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (result i32)
        (try_table (catch $e1 0) (i32.const 12) (throw $e1))
        (i32.const -1)))""")
    assert call(store, inst, "f") == [12]


def test_throw_ref_frame_exception_leaves_callee_frames() -> None:
    """``Step_read/throw_ref-frame``: the callee's frame is left; the caller catches."""
    store, inst = instantiate(f"""(module {TAGS}
      (func $deep (param i32) (local.get 0) (i32.const 1) (i32.add) (throw $e1))
      (func $mid (param i32) (i32.const 1000) (drop) (local.get 0) (call $deep))
      (func (export "f") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e1 $h) (local.get 0) (call $mid))
          (i32.const -1))))""")
    assert call(store, inst, "f", 4) == [5]


def test_a_handler_left_by_a_branch_no_longer_catches() -> None:
    """A try_table's handler holds only while its label does (``Step_pure/br-handler``)."""
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (result i32)
        (block $h
          (block $out (try_table (catch_all $h) (br $out)))
          (throw $e0))
        (i32.const 1)))""")
    with pytest.raises(ExceptionError):
        call(store, inst, "f")


def test_a_loop_around_a_try_table_does_not_pile_up_handlers() -> None:
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (param i32) (result i32)
        (loop $l
          (try_table (local.get 0) (i32.const 1) (i32.sub) (local.set 0))
          (br_if $l (local.get 0)))
        (block $h (result i32) (try_table (catch $e1 $h) (i32.const 3) (throw $e1)) (i32.const 0))))""")
    assert call(store, inst, "f", 1000) == [3]


def test_a_tail_call_leaves_the_handlers_of_its_frame() -> None:
    """``Step_read/return_call-handler``: ``return_call`` inside a try_table discards the
    handler with the frame, so the callee's exception is not caught there; ``call`` keeps it."""
    store, inst = instantiate(f"""(module {TAGS}
      (func $thrower (throw $e0))
      (func (export "tail") (block $h (try_table (catch_all $h) (return_call $thrower))))
      (func (export "call") (result i32)
        (block $h (try_table (catch_all $h) (call $thrower)) (return (i32.const 0)))
        (i32.const 1)))""")
    assert call(store, inst, "call") == [1]
    with pytest.raises(ExceptionError):
        call(store, inst, "tail")


def test_return_inside_a_try_table_leaves_its_handler() -> None:
    """``Step_pure/return-handler``: after returning from inside a try_table, the caller's
    exception is not caught by the callee's (gone) handler."""
    store, inst = instantiate(f"""(module {TAGS}
      (func $returns (block $h (try_table (catch_all $h) (return))))
      (func (export "f") (call $returns) (throw $e0)))""")
    with pytest.raises(ExceptionError):
        call(store, inst, "f")


def test_a_trap_is_not_caught() -> None:
    store, inst = instantiate(f"""(module {TAGS}
      (func (export "f") (block $h (try_table (catch_all $h) (unreachable)))))""")
    with pytest.raises(TrapError):
        call(store, inst, "f")


# -- throw_ref: catch_ref, catch_all_ref, rethrow, null -----------------------------------------


def exnref_module() -> Module:
    """``catch_ref``/``catch_all_ref`` then ``throw_ref``, built as syntax (the text form of
    ``exnref`` comes with the typed-reference syntax of another change)."""
    i32_exn = FuncType((I32, EXNREF), (I32, EXNREF))
    types = (
        Type(plain_functype(FuncType((), ()))),  # 0: the tag's and f's
        Type(plain_functype(FuncType((), (I32, EXNREF)))),  # 1: block type of catch_ref
        Type(plain_functype(FuncType((I32,), ()))),  # 2: tag e1
        Type(plain_functype(FuncType((), (I32,)))),  # 3: rethrow's result
        Type(plain_functype(i32_exn)),  # 4 (unused: keeps indices honest)
    )
    # catch_ref $e1 then throw_ref the same exception: the outer catch sees fields again.
    rethrow = (
        Block(TypeIdx(3), (
            TryTable(TypeIdx(3), (Catch(0, 0),), (
                Block(TypeIdx(1), (
                    TryTable(None, (CatchRef(0, 0),), (Const(I32, 21), Throw(0))),
                    Const(I32, -1 & 0xFFFFFFFF), RefNull(AbsHeapType.EXN),
                )),
                # [i32 exnref]: drop the field under the reference, throw the reference again.
                ThrowRef(),
            )),
        )),
    )
    catch_all_ref = (
        Block(TypeIdx(3), (
            TryTable(TypeIdx(3), (Catch(0, 0),), (
                Block(TypeIdx(5), (
                    TryTable(None, (CatchAllRef(0),), (Const(I32, 8), Throw(0))),
                    RefNull(AbsHeapType.EXN),
                )),
                ThrowRef(),
            )),
        )),
    )
    types += (Type(plain_functype(FuncType((), (EXNREF,)))),)  # 5
    null = (RefNull(AbsHeapType.EXN), ThrowRef())
    return Module(
        types=types,
        tags=(Tag(TagType(TypeIdx(2))),),
        funcs=(Func(3, (), rethrow), Func(3, (), catch_all_ref), Func(0, (), null)),
        exports=(
            Export("rethrow", ExternIdx(ExternKind.FUNC, 0)),
            Export("catch_all_ref", ExternIdx(ExternKind.FUNC, 1)),
            Export("null", ExternIdx(ExternKind.FUNC, 2)),
        ),
    )


def test_catch_ref_then_throw_ref_rethrows_the_same_exception() -> None:
    """``Step_read/throw_ref-handler-catch_ref`` then ``Step_read/throw_ref-instrs``: the
    field under the reference is discarded and the outer ``catch`` gets it from the exception."""
    store = embedding.store_init()
    inst = embedding.module_instantiate(store, exnref_module(), [], V3)
    assert call(store, inst, "rethrow") == [21]


def test_catch_all_ref_then_throw_ref() -> None:
    """``Step_read/throw_ref-handler-catch_all_ref``"""
    store = embedding.store_init()
    inst = embedding.module_instantiate(store, exnref_module(), [], V3)
    assert call(store, inst, "catch_all_ref") == [8]


def test_throw_ref_of_null_traps() -> None:
    """``Step_read/throw_ref-null``"""
    store = embedding.store_init()
    inst = embedding.module_instantiate(store, exnref_module(), [], V3)
    with pytest.raises(TrapError, match="null exception reference"):
        call(store, inst, "null")


# -- Tags at instantiation ----------------------------------------------------------------------


def test_exported_tag_is_the_same_instance_when_imported() -> None:
    """A catch of an imported tag catches what the exporter throws (tags match by address)."""
    store, a = instantiate(f"""(module {TAGS}
      (export "e1" (tag $e1))
      (func (export "throw") (param i32) (local.get 0) (throw $e1)))""")
    ev = embedding.instance_export(a, "e1")  # type: ignore[arg-type]
    thrower = embedding.instance_export(a, "throw")  # type: ignore[arg-type]
    assert isinstance(ev, ExternTagAddr)
    _, b = instantiate("""(module
      (import "a" "e1" (tag $e (param i32)))
      (import "a" "throw" (func $throw (param i32)))
      (tag $other (param i32))
      (func (export "f") (result i32)
        (block $h (result i32)
          (try_table (catch $other $h) (catch $e $h) (i32.const 33) (call $throw))
          (i32.const -1))))""", [ev, thrower], store)
    assert call(store, b, "f") == [33]


def test_tags_of_equal_types_are_distinct() -> None:
    store, a = instantiate(f"""(module {TAGS}
      (func (export "throw") (param i32) (local.get 0) (throw $e1)))""")
    thrower = embedding.instance_export(a, "throw")  # type: ignore[arg-type]
    _, b = instantiate("""(module
      (import "a" "throw" (func $throw (param i32)))
      (tag $mine (param i32))
      (func (export "f") (result i32)
        (block $h (result i32)
          (try_table (catch $mine $h) (i32.const 1) (call $throw))
          (i32.const -1))))""", [thrower], store)
    with pytest.raises(ExceptionError):
        call(store, b, "f")


def test_tag_import_of_another_type_is_unlinkable() -> None:
    store, a = instantiate(f"(module {TAGS} (export \"e1\" (tag $e1)))")
    ev = embedding.instance_export(a, "e1")  # type: ignore[arg-type]
    with pytest.raises(UnlinkableError, match="incompatible import type"):
        instantiate('(module (import "a" "e1" (tag (param i64))))', [ev], store)


def test_a_function_is_not_a_tag() -> None:
    store, a = instantiate('(module (func (export "f")))')
    ev = embedding.instance_export(a, "f")  # type: ignore[arg-type]
    with pytest.raises(UnlinkableError):
        instantiate('(module (import "a" "f" (tag)))', [ev], store)


# -- Across host frames -------------------------------------------------------------------------


def test_wasm_catches_what_a_host_function_throws() -> None:
    """An exception a host function raises propagates into the calling Wasm frames."""
    store, a = instantiate(f"(module {TAGS} (export \"e1\" (tag $e1)))")
    ev = embedding.instance_export(a, "e1")  # type: ignore[arg-type]
    assert isinstance(ev, ExternTagAddr)

    def host(args: list[Val]) -> list[Val]:
        raise ExceptionError(ExnInst(ev.addr, (55,)))

    hostfunc = embedding.func_alloc(store, FuncType((), ()), host)
    _, b = instantiate("""(module
      (import "a" "e1" (tag $e (param i32)))
      (import "h" "f" (func $host))
      (func (export "f") (result i32)
        (block $h (result i32) (try_table (catch $e $h) (call $host)) (i32.const -1))))""",
                       [ev, ExternFuncAddr(hostfunc)], store)
    assert call(store, b, "f") == [55]


def test_exception_crosses_a_host_frame_between_wasm_frames() -> None:
    """Wasm -> host -> Wasm (throws): the outer Wasm frame catches; the inner run's frames
    are given back to the memory budget."""
    store, a = instantiate(f"""(module {TAGS}
      (export "e1" (tag $e1))
      (func (export "throw") (i32.const 66) (throw $e1)))""")
    ev = embedding.instance_export(a, "e1")  # type: ignore[arg-type]
    thrower = embedding.instance_export(a, "throw")  # type: ignore[arg-type]
    assert isinstance(thrower, ExternFuncAddr)

    def host(args: list[Val]) -> list[Val]:
        return embedding.func_invoke(store, thrower.addr, [])

    hostfunc = embedding.func_alloc(store, FuncType((), ()), host)
    _, b = instantiate("""(module
      (import "a" "e1" (tag $e (param i32)))
      (import "h" "f" (func $host))
      (func (export "f") (result i32)
        (block $h (result i32) (try_table (catch $e $h) (call $host)) (i32.const -1))))""",
                       [ev, ExternFuncAddr(hostfunc)], store)
    assert call(store, b, "f") == [66]
    assert store.frames_in_use == 0


# -- The fast engine ----------------------------------------------------------------------------


FAST_MODULE = f"""(module {TAGS}
  (func $throws (param i32) (local.get 0) (throw $e1))
  (func $fast (export "fast") (param i32) (result i32)
    (local.get 0) (i32.const 1) (i32.add) (call $throws) (i32.const 0))
  (func (export "catcher") (param i32) (result i32)
    (block $h (result i32) (try_table (result i32) (catch $e1 $h) (local.get 0) (call $fast)))))"""


def test_fast_caller_of_a_throwing_function_sees_the_exception() -> None:
    store, inst = instantiate(FAST_MODULE, engine="fast")
    with pytest.raises(ExceptionError) as raised:
        call(store, inst, "fast", 1)
    assert exception_of(raised.value).fields == (2,)
    assert store.frames_in_use == 0
    executor = store.executor
    assert executor is not None
    fallbacks = executor.fallbacks()  # type: ignore[attr-defined]
    fast_addr = embedding.instance_export(inst, "fast")  # type: ignore[arg-type]
    assert isinstance(fast_addr, ExternFuncAddr)
    assert fast_addr.addr not in fallbacks  # the caller itself ran as fast code


def test_fast_engine_catches_through_a_fast_frame() -> None:
    store, inst = instantiate(FAST_MODULE, engine="fast")
    assert call(store, inst, "catcher", 10) == [11]
    assert store.frames_in_use == 0


# -- Forged exceptions are the embedder's error -------------------------------------------------


@pytest.mark.parametrize("forged", [
    object(),  # not an exception instance at all
    ExnInst(99, ()),  # a tag the store does not have
    ExnInst(0, ()),  # too few fields for $e1 (param i32)
    ExnInst(0, (RefExnAddr(ExnInst(0, (1,))),)),  # a field of the wrong type
])
def test_a_host_throwing_a_forged_exception_is_an_embedder_error(forged: object) -> None:
    store, a = instantiate('(module (tag $e1 (export "e1") (param i32)))')
    ev = embedding.instance_export(a, "e1")  # type: ignore[arg-type]

    def host(args: list[Val]) -> list[Val]:
        raise ExceptionError(forged)

    hostfunc = embedding.func_alloc(store, FuncType((), ()), host)
    _, b = instantiate("""(module
      (import "a" "e1" (tag $e (param i32)))
      (import "h" "f" (func $host))
      (func (export "f") (block $h (try_table (catch_all $h) (call $host)))))""",
                       [ev, ExternFuncAddr(hostfunc)], store)
    with pytest.raises(embedding.EmbedderError):
        call(store, b, "f")


def test_a_forged_exception_reference_argument_is_refused() -> None:
    store = embedding.store_init()
    inst = embedding.module_instantiate(store, embedding.module_parse(
        '(module (func (export "f") (param exnref)))', V3), [], V3)
    with pytest.raises(embedding.EmbedderError):
        call(store, inst, "f", RefExnAddr(object()))  # type: ignore[arg-type]
    with pytest.raises(embedding.EmbedderError):
        call(store, inst, "f", RefExnAddr(ExnInst(5, ())))
