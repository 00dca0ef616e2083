"""The foreign engine adapters (wasmtime, node, pywasm) against the Session protocol: bit-exact
values both ways, trap and exhaustion mapping, spectest imports, unavailable engines."""

from __future__ import annotations

from typing import Any

import pytest

from refwasm import errors
from refwasm.engines import ENGINES, EngineError, Value, engine_named
from refwasm.engines.base import text_to_bytes
from refwasm.execution.values import RefHostAddr, RefNullVal
from refwasm.features import Features
from refwasm.syntax.types import EXTERNREF, AbsHeapType, NumType, VecType

pytestmark = pytest.mark.peer

FEATURES = Features.for_version("2.0")
FOREIGN = ["wasmtime", "node", "pywasm"]

MODULE = """
(module
  (import "spectest" "global_i32" (global $g666 i32))
  (memory (export "mem") 1)
  (global (export "gf32") (mut f32) (f32.const nan:0x200001))
  (global (export "gf64") f64 (f64.const -nan:0x4000000000001))
  (func (export "id_f32") (param f32) (result f32) local.get 0)
  (func (export "id_f64") (param f64) (result f64) local.get 0)
  (func (export "id_v128") (param v128) (result v128) local.get 0)
  (func (export "id_i64") (param i64) (result i64) local.get 0)
  (func (export "id_ext") (param externref) (result externref) local.get 0)
  (func (export "swap") (param i32 f32) (result f32 i32) local.get 1 local.get 0)
  (func (export "g666") (result i32) global.get $g666)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "unreachable") unreachable)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func $rec (export "rec") call $rec)
)
"""


def session_of(name: str) -> Any:
    try:
        return engine_named(name).session(FEATURES)
    except EngineError as error:
        pytest.skip(f"engine {name} unavailable: {error}")


def instance_of(session: Any) -> Any:
    module = session.load_binary(text_to_bytes(MODULE, FEATURES))
    session.validate(module)
    externs = [session.spectest(name) for _, name in session.imports(module)]
    return session.instantiate(module, externs)


@pytest.fixture(params=FOREIGN)
def engine(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    session = session_of(request.param)
    return session, instance_of(session)


def test_registry_lists_the_adapters() -> None:
    assert set(FOREIGN) <= set(ENGINES)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("id_f32", Value(NumType.F32, 0x7FA0_0001)),  # signalling NaN: no quieting on the way
        ("id_f32", Value(NumType.F32, 0xFFC0_0000)),
        ("id_f64", Value(NumType.F64, 0x7FF0_0000_0000_0001)),
        ("id_f64", Value(NumType.F64, 0x8000_0000_0000_0000)),
        ("id_v128", Value(VecType.V128, 0x7FA0_0001_FFFF_FFFF_0123_4567_89AB_CDEF)),
        ("id_i64", Value(NumType.I64, 0xFFFF_FFFF_FFFF_FFFF)),
        ("id_i64", Value(NumType.I64, 0x8000_0000_0000_0000)),
        ("id_ext", Value(EXTERNREF, RefHostAddr(7))),
        ("id_ext", Value(EXTERNREF, RefNullVal(AbsHeapType.EXTERN))),
    ],
)
def test_values_cross_bit_for_bit(engine: tuple[Any, Any], name: str, value: Value) -> None:
    session, instance = engine
    assert session.invoke(instance, name, [value]) == [value]


def test_multiple_results_keep_their_order(engine: tuple[Any, Any]) -> None:
    session, instance = engine
    results = session.invoke(instance, "swap", [Value(NumType.I32, 0xFFFF_FFFF),
                                                Value(NumType.F32, 0x7F80_0001)])
    assert results == [Value(NumType.F32, 0x7F80_0001), Value(NumType.I32, 0xFFFF_FFFF)]


def test_globals_read_bit_for_bit(engine: tuple[Any, Any]) -> None:
    session, instance = engine
    assert session.get(instance, "gf32") == Value(NumType.F32, 0x7FA0_0001)
    assert session.get(instance, "gf64") == Value(NumType.F64, 0xFFF4_0000_0000_0001)


def test_spectest_global_is_imported(engine: tuple[Any, Any]) -> None:
    session, instance = engine
    assert session.invoke(instance, "g666", []) == [Value(NumType.I32, 666)]


def test_memory_reads_what_a_store_wrote(engine: tuple[Any, Any]) -> None:
    session, instance = engine
    session.invoke(instance, "store", [Value(NumType.I32, 8), Value(NumType.I32, 0x0403_0201)])
    data = session.memory(instance, "mem")
    assert data is not None and len(data) == 65536
    assert data[8:12] == bytes([1, 2, 3, 4])


def test_division_by_zero_traps(engine: tuple[Any, Any]) -> None:
    session, instance = engine
    with pytest.raises(errors.TrapError) as raised:
        session.invoke(instance, "div", [Value(NumType.I32, 1), Value(NumType.I32, 0)])
    if not raised.value.message.startswith("pywasm"):  # pywasm names no trap kind
        assert raised.value.message == errors.INTEGER_DIVIDE_BY_ZERO


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("unreachable", [], errors.UNREACHABLE),
        ("load", [Value(NumType.I32, 65534)], errors.OUT_OF_BOUNDS_MEMORY_ACCESS),
    ],
)
def test_traps_map_to_spec_messages(
    engine: tuple[Any, Any], name: str, args: list[Value], message: str
) -> None:
    session, instance = engine
    with pytest.raises(errors.TrapError) as raised:
        session.invoke(instance, name, args)
    assert raised.value.message == message or raised.value.message.startswith("pywasm")


def test_unbounded_recursion_is_exhaustion(engine: tuple[Any, Any]) -> None:
    session, instance = engine
    with pytest.raises(errors.ExhaustionError):
        session.invoke(instance, "rec", [])
    # The session still works afterwards.
    assert session.invoke(instance, "id_i64", [Value(NumType.I64, 5)]) == [
        Value(NumType.I64, 5)
    ]


def test_wrong_arguments_are_an_engine_error(engine: tuple[Any, Any]) -> None:
    session, instance = engine
    with pytest.raises(EngineError):
        session.invoke(instance, "div", [Value(NumType.I32, 1)])
    with pytest.raises(EngineError):
        session.invoke(instance, "id_f32", [Value(NumType.I32, 1)])


def test_missing_export_is_none(engine: tuple[Any, Any]) -> None:
    session, instance = engine
    assert session.export(instance, "nothing") is None


@pytest.mark.parametrize("name", ["wasmtime", "node"])
def test_malformed_and_invalid_modules_are_told_apart(name: str) -> None:
    session = session_of(name)
    with pytest.raises(errors.MalformedError):
        session.load_binary(b"\0asm\x02\0\0\0")
    module = session.load_binary(text_to_bytes("(module (func (result i32) i64.const 0))",
                                               FEATURES))
    with pytest.raises(errors.InvalidError) as raised:
        session.validate(module)
    assert raised.value.message == errors.TYPE_MISMATCH


def test_wasmtime_unavailable_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "wasmtime", None)
    with pytest.raises(EngineError, match="unavailable"):
        engine_named("wasmtime").session(FEATURES)


def test_node_unavailable_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from refwasm.engines import node_engine

    monkeypatch.setattr(node_engine, "_shared", [])
    monkeypatch.setattr("shutil.which", lambda _: None)
    with pytest.raises(EngineError, match="unavailable"):
        engine_named("node").session(FEATURES)


def test_pywasm_unavailable_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pywasm", None)
    with pytest.raises(EngineError, match="unavailable"):
        engine_named("pywasm").session(FEATURES)


def test_node_is_one_long_lived_process() -> None:
    from refwasm.engines import node_engine

    first = session_of("node")
    second = node_engine.NodeEngine().session(FEATURES)
    assert first.process is second.process is node_engine.shared_process()
