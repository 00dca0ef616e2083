"""The JS API objects and algorithms, one behaviour per test, with hand-written expectations."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("refwasm.embedding")
pytest.importorskip("refwasm.binary")
text = pytest.importorskip("refwasm.text")

from refwasm.binary import encode_module  # noqa: E402
from refwasm.jsapi import (  # noqa: E402
    UNDEFINED,
    BigInt,
    CompileError,
    ExportedFunction,
    Global,
    JSError,
    JSRangeError,
    JSTypeError,
    LinkError,
    Memory,
    RuntimeError,
    Table,
    WebAssembly,
)


def wasm(source: str) -> bytes:
    return encode_module(text.parse_module(source))


@pytest.fixture
def wa() -> WebAssembly:
    return WebAssembly()


def instance(wa: WebAssembly, source: str, imports: object = UNDEFINED) -> object:
    return wa.Instance(wa.Module(wasm(source)), imports)


# -- Error classes -------------------------------------------------------------------------


def test_error_classes_are_not_pythons() -> None:
    for cls in (CompileError, LinkError, RuntimeError, JSTypeError, JSRangeError):
        assert issubclass(cls, JSError)
        assert not issubclass(cls, TypeError)
        assert not issubclass(cls, ValueError)
    assert RuntimeError.js_name == "RuntimeError" and JSTypeError.js_name == "TypeError"


# -- Module ----------------------------------------------------------------------------------


def test_validate_and_compile_errors(wa: WebAssembly) -> None:
    assert wa.validate(wasm("(module)")) is True
    assert wa.validate(b"\x00asm\x01\x00\x00") is False
    assert wa.validate(wasm("(module (func (result i32) i64.const 0))")) is False
    with pytest.raises(CompileError, match="type mismatch"):
        wa.Module(wasm("(module (func (result i32) i64.const 0))"))
    with pytest.raises(JSTypeError):
        wa.Module("(module)")


def test_module_descriptors(wa: WebAssembly) -> None:
    mod = wa.Module(
        wasm(
            '(module (import "a" "b" (global i32)) (import "a" "c" (memory 1)) '
            '(func (export "f")) (table (export "t") 1 funcref))'
        )
    )
    assert wa.Module.imports(mod) == [
        {"module": "a", "name": "b", "kind": "global"},
        {"module": "a", "name": "c", "kind": "memory"},
    ]
    assert wa.Module.exports(mod) == [
        {"name": "f", "kind": "function"},
        {"name": "t", "kind": "table"},
    ]
    with pytest.raises(JSTypeError):
        wa.Module.exports(object())


def test_custom_sections(wa: WebAssembly) -> None:
    # Two custom sections named "n": payloads 01 02 and (empty); one named "m".
    data = wasm("(module)") + bytes([0, 4, 1, 0x6E, 1, 2, 0, 2, 1, 0x6D, 0, 2, 1, 0x6E])
    mod = wa.Module(data)
    assert wa.Module.customSections(mod, "n") == [b"\x01\x02", b""]
    assert wa.Module.customSections(mod, "m") == [b""]
    assert wa.Module.customSections(mod, "x") == []


# -- Instance, exports, Exported Functions ---------------------------------------------------


def test_exports_object(wa: WebAssembly) -> None:
    inst = instance(wa, '(module (func $f (export "f") (result i32) i32.const 7) (export "g" (func $f)))')
    exports = inst.exports  # type: ignore[attr-defined]
    assert list(exports) == ["f", "g"]
    assert exports.f is exports["f"] is exports["g"]  # the Exported Function cache
    assert isinstance(exports.f, ExportedFunction)
    assert exports.f() == 7.0 and exports.f.name == "0" and exports.f.length == 0
    with pytest.raises(JSTypeError):
        exports.h = 1
    with pytest.raises(AttributeError):
        _ = exports.nope


def test_call_conversions(wa: WebAssembly) -> None:
    inst = instance(
        wa,
        '(module (func (export "add") (param i32 i64) (result i64) '
        "local.get 0 i64.extend_i32_s local.get 1 i64.add) "
        '(func (export "two") (result f32 f64) f32.const -0 f64.const nan))',
    )
    ex = inst.exports  # type: ignore[attr-defined]
    assert ex.add(-1, BigInt(10)) == 9 and isinstance(ex.add(-1, BigInt(10)), BigInt)
    assert ex.add("2", "3") == 5  # ToInt32("2"), ToBigInt64("3")
    with pytest.raises(JSTypeError):
        ex.add(1, 1.0)  # ToBigInt of a Number
    with pytest.raises(JSTypeError):
        ex.add(1)  # the missing argument is undefined: ToBigInt(undefined)
    f, d = ex.two()
    assert f == 0 and math.copysign(1, f) == -1 and math.isnan(d)


def test_v128_at_the_boundary(wa: WebAssembly) -> None:
    inst = instance(wa, '(module (func (export "f") (param v128)))')
    with pytest.raises(JSTypeError):
        inst.exports.f()  # type: ignore[attr-defined]


def test_traps_and_exhaustion(wa: WebAssembly) -> None:
    inst = instance(
        wa, '(module (func (export "u") unreachable) (func $r (export "r") call $r))'
    )
    with pytest.raises(RuntimeError, match="unreachable"):
        inst.exports.u()  # type: ignore[attr-defined]
    with pytest.raises(JSRangeError):
        inst.exports.r()  # type: ignore[attr-defined]


def test_host_functions(wa: WebAssembly) -> None:
    seen: list[object] = []

    def host(a: object, b: object) -> object:
        seen.append((a, b))
        return [1, 2.5]

    inst = instance(
        wa,
        '(module (import "m" "h" (func $h (param i64 f32) (result i32 f64))) '
        '(func (export "f") (result i32 f64) i64.const -1 f32.const 0.5 call $h) '
        '(export "h" (func $h)))',
        {"m": {"h": host}},
    )
    ex = inst.exports  # type: ignore[attr-defined]
    assert ex.f() == [1.0, 2.5]
    assert seen == [(-1, 0.5)] and isinstance(seen[0][0], BigInt)  # type: ignore[index]
    assert ex.h.name == "0"  # the index of the host function among the function imports


def test_host_exception_propagates_unchanged(wa: WebAssembly) -> None:
    class Boom(Exception):
        pass

    err = JSError("boom")

    def throw_js() -> None:
        raise err

    def throw_py() -> None:
        raise Boom()

    src = '(module (import "m" "h" (func $h)) (func (export "f") call $h))'
    with pytest.raises(JSError) as info:
        instance(wa, src, {"m": {"h": throw_js}}).exports.f()  # type: ignore[attr-defined]
    assert info.value is err
    with pytest.raises(Boom):
        instance(wa, src, {"m": {"h": throw_py}}).exports.f()  # type: ignore[attr-defined]


# -- read the imports: error classes and messages --------------------------------------------


def test_import_errors_name_the_import(wa: WebAssembly) -> None:
    mod = wa.Module(wasm('(module (import "env" "f" (func)) (import "env" "mem" (memory 2 3)))'))
    with pytest.raises(JSTypeError):
        wa.Instance(mod)
    with pytest.raises(JSTypeError, match='Import #0 "env"'):
        wa.Instance(mod, {"env": 1.0})
    with pytest.raises(LinkError, match='Import #0 "env" "f": function import requires a callable'):
        wa.Instance(mod, {"env": {}})
    with pytest.raises(LinkError, match='Import #1 "env" "mem": memory import'):
        wa.Instance(mod, {"env": {"f": lambda: None, "mem": 1.0}})
    small = wa.Memory({"initial": 1})
    with pytest.raises(LinkError) as info:
        wa.Instance(mod, {"env": {"f": lambda: None, "mem": small}})
    assert info.value.message.endswith(
        'Import #1 "env" "mem": memory import has 1 pages which is smaller than the declared '
        "initial of 2"
    )
    with pytest.raises(LinkError) as info:
        wa.Instance(mod, {"env": {"f": lambda: None, "mem": wa.Memory({"initial": 2})}})
    assert info.value.message.endswith(
        'Import #1 "env" "mem": memory import has no maximum limit, expected at most 3'
    )
    with pytest.raises(LinkError) as info:
        wa.Instance(mod, {"env": {"f": lambda: None, "mem": wa.Memory({"initial": 2, "maximum": 4})}})
    assert info.value.message.endswith(
        'Import #1 "env" "mem": memory import has a larger maximum size 4 than the '
        "module's declared maximum 3"
    )
    fmod = wa.Module(wasm('(module (import "env" "f" (func (param i32))))'))
    other = wa.Instance(wa.Module(wasm('(module (func (export "g") (result i64) i64.const 0))')))
    with pytest.raises(LinkError) as info:
        wa.Instance(fmod, {"env": {"f": other.exports.g}})
    assert info.value.message.endswith(
        'Import #0 "env" "f": imported function does not match the expected type: '
        "expected function (i32) -> (), got function () -> (i64)"
    )


def test_global_imports(wa: WebAssembly) -> None:
    src = '(module (import "e" "g" (global $g i64)) (func (export "get") (result i64) global.get $g))'
    assert instance(wa, src, {"e": {"g": BigInt(-2)}}).exports.get() == -2  # type: ignore[attr-defined]
    with pytest.raises(LinkError, match="BigInt"):
        instance(wa, src, {"e": {"g": 1.0}})
    mutable = wa.Global({"value": "i64", "mutable": True}, BigInt(1))
    with pytest.raises(LinkError, match="immutable global of type i64, got mutable global"):
        instance(wa, src, {"e": {"g": mutable}})


# -- Memory ----------------------------------------------------------------------------------


def test_memory_grow_and_buffer(wa: WebAssembly) -> None:
    mem = wa.Memory({"initial": 1, "maximum": 2})
    buf = mem.buffer
    assert buf.byteLength == 65536 and mem.buffer is buf
    buf[3] = 300
    assert buf[3] == 44
    assert mem.grow(1) == 1.0
    assert buf.byteLength == 0 and buf.detached  # the old buffer is detached
    assert mem.buffer.byteLength == 131072 and mem.buffer[3] == 44
    with pytest.raises(JSRangeError):
        mem.grow(1)
    with pytest.raises(JSTypeError):
        mem.grow(-1)


@pytest.mark.parametrize(
    ("descriptor", "error"),
    [
        ({"initial": 2, "maximum": 1}, JSRangeError),
        ({"initial": 65537}, JSRangeError),
        ({"initial": -1}, JSTypeError),
        ({"maximum": 1}, JSTypeError),
        (5, JSTypeError),
    ],
)
def test_memory_descriptor_errors(wa: WebAssembly, descriptor: object, error: type) -> None:
    with pytest.raises(error):
        wa.Memory(descriptor)


def test_memory_grow_from_wasm_detaches(wa: WebAssembly) -> None:
    mem = wa.Memory({"initial": 1})
    buf = mem.buffer
    inst = instance(
        wa,
        '(module (import "e" "m" (memory 1)) (func (export "g") (result i32) i32.const 1 memory.grow))',
        {"e": {"m": mem}},
    )
    assert inst.exports.g() == 1.0  # type: ignore[attr-defined]
    assert buf.detached and mem.buffer.byteLength == 131072


# -- Table -----------------------------------------------------------------------------------


def test_table(wa: WebAssembly) -> None:
    inst = instance(wa, '(module (func (export "f")))')
    f = inst.exports.f  # type: ignore[attr-defined]
    table = wa.Table({"element": "anyfunc", "initial": 1, "maximum": 3})
    assert table.length == 1.0 and table.get(0) is None
    assert table.grow(2, f) == 1.0
    assert table.get(2) is f and table.length == 3.0
    with pytest.raises(JSRangeError):
        table.grow(1)
    with pytest.raises(JSRangeError):
        table.get(3)
    with pytest.raises(JSTypeError):
        table.set(0, 1.0)
    table.set(0, f)
    assert table.get(0) is f
    externs = wa.Table({"element": "externref", "initial": 1})
    assert externs.get(0) is UNDEFINED  # DefaultValue(externref) is undefined
    marker = object()
    externs.set(0, marker)
    assert externs.get(0) is marker


def test_table_descriptor_errors(wa: WebAssembly) -> None:
    with pytest.raises(JSTypeError):
        wa.Table({"element": "i32", "initial": 1})
    with pytest.raises(JSTypeError):
        wa.Table({"initial": 1})
    with pytest.raises(JSRangeError):
        wa.Table({"element": "anyfunc", "initial": 2, "maximum": 1})
    with pytest.raises(JSRangeError):
        wa.Table({"element": "anyfunc", "initial": 10_000_001})


# -- Global ----------------------------------------------------------------------------------


def test_global(wa: WebAssembly) -> None:
    g = wa.Global({"value": "f32", "mutable": True}, 1.1)
    assert g.value == 1.100000023841858 and g.valueOf() == g.value
    g.value = -0.0
    assert math.copysign(1, g.value) == -1
    const = wa.Global({"value": "i64"})
    assert const.value == 0 and isinstance(const.value, BigInt)
    with pytest.raises(JSTypeError):
        const.value = BigInt(1)
    with pytest.raises(JSTypeError):
        wa.Global({"value": "v128"})
    with pytest.raises(JSTypeError):
        wa.Global({"value": "i64"}, 1.0)
    with pytest.raises(JSTypeError):
        wa.Global({"value": "x"})


def test_exported_global_and_object_caches(wa: WebAssembly) -> None:
    src = (
        '(module (global $g (export "g") (mut i32) (i32.const 5)) (export "h" (global $g)) '
        '(memory $m (export "m") 1) (export "n" (memory $m)) '
        '(table $t (export "t") 1 funcref) (export "u" (table $t)))'
    )
    ex = instance(wa, src).exports  # type: ignore[attr-defined]
    assert ex.g is ex.h and isinstance(ex.g, Global)
    assert ex.m is ex.n and isinstance(ex.m, Memory)
    assert ex.t is ex.u and isinstance(ex.t, Table)
    ex.g.value = 6
    assert ex.h.value == 6.0


def test_objects_of_another_agent_are_not_shared(wa: WebAssembly) -> None:
    other = WebAssembly()
    mem = other.Memory({"initial": 1})
    with pytest.raises(LinkError):
        instance(wa, '(module (import "e" "m" (memory 1)))', {"e": {"m": mem}})
    f = instance(other, '(module (func (export "f") (result i32) i32.const 3))').exports.f  # type: ignore[attr-defined]
    g = instance(wa, '(module (import "e" "f" (func $f (result i32))) (export "g" (func $f)))', {"e": {"f": f}})
    assert g.exports.g is not f and g.exports.g() == 3.0  # type: ignore[attr-defined]


def test_address_type_i64_with_memory64() -> None:
    from refwasm.features import Features

    wa = WebAssembly(Features.for_version("3.0"))
    mem = wa.Memory({"initial": BigInt(1), "address": "i64"})
    grown = mem.grow(BigInt(1))
    assert grown == 1 and isinstance(grown, BigInt) and mem.buffer.byteLength == 131072
    with pytest.raises(JSTypeError):
        mem.grow(1.0)  # AddressValueToU64 for "i64" is ToBigInt: a Number is a TypeError
    table = wa.Table({"element": "externref", "initial": BigInt(2), "address": "i64"})
    assert table.length == 2 and isinstance(table.length, BigInt)
    with pytest.raises(JSTypeError):
        wa.Memory({"initial": 1, "address": "i16"})
    # Before memory64 the descriptor has no "address" member: it is ignored.
    assert WebAssembly().Memory({"initial": 1, "address": "i64"}).grow(0) == 1.0
