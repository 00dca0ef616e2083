"""Properties of refwasm.jsapi: random import objects, descriptors and arguments never raise
anything but the JS API's error classes; numbers cross the boundary and back bit for bit."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytest.importorskip("refwasm.embedding")
pytest.importorskip("refwasm.binary")
text = pytest.importorskip("refwasm.text")

from refwasm.binary import encode_module  # noqa: E402
from refwasm.jsapi import (  # noqa: E402
    UNDEFINED,
    BigInt,
    ExportedFunction,
    Global,
    JSError,
    Memory,
    Module,
    Table,
    WebAssembly,
)
from refwasm.jsapi.agent import (  # noqa: E402
    Agent,
    f32_bits_to_number,
    f64_bits_to_number,
    number_to_f32_bits,
    number_to_f64_bits,
    to_js_value,
    to_webassembly_value,
)
from refwasm.syntax.types import NumType  # noqa: E402

IMPORTER = encode_module(
    text.parse_module(
        '(module (import "env" "f" (func $f (param i32 i64 f32 f64) (result i32))) '
        '(import "env" "g32" (global $g32 i32)) (import "env" "g64" (global $g64 (mut i64))) '
        '(import "env" "gf" (global $gf f64)) (import "env" "gx" (global $gx externref)) '
        '(import "env" "mem" (memory 1 4)) (import "env" "tab" (table 2 funcref)) '
        '(import "other" "h" (func $h (param externref) (result f32 i64))) '
        '(func (export "run") (param i32 i64 f32 f64) (result i32) '
        "local.get 0 local.get 1 local.get 2 local.get 3 call $f) "
        '(func (export "run2") (param externref) (result f32 i64) local.get 0 call $h) '
        '(func (export "read") (result i32 i64 f64 externref) '
        "global.get $g32 global.get $g64 global.get $gf global.get $gx))"
    )
)

FUNCS = encode_module(
    text.parse_module(
        '(module (func (export "a") (param i32 i64 f32 f64) (result i32) i32.const 1) '
        '(func (export "b") (param externref) (result f32 i64) f32.const 1 i64.const 2) '
        '(func (export "c")))'
    )
)

# Compiled once: a Module holds no agent state, any agent may instantiate it.
IMPORTER_MODULE = Module(IMPORTER)
FUNCS_MODULE = Module(FUNCS)

JS_TYPES = ["i32", "i64", "f32", "f64", "externref", "anyfunc", "v128", "funcref", ""]

primitives = st.one_of(
    st.none(),
    st.just(UNDEFINED),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-(2**70), max_value=2**70).map(BigInt),
    st.text(max_size=6),
    st.sampled_from(["0x10", "1e3", "-0", "NaN", "  7 ", "12n", "Infinity"]),
)

small_numbers = st.one_of(
    st.integers(min_value=-2, max_value=6),
    st.floats(min_value=-2, max_value=6),
    st.sampled_from([math.nan, math.inf, 2.0**32, 65537, 10_000_001, "2", UNDEFINED, None]),
    st.integers(min_value=0, max_value=3).map(BigInt),
)


def descriptor(keys: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    fields = st.fixed_dictionaries({}, optional={k: values for k in keys})
    return st.one_of(fields, primitives)


def api_object(wa: WebAssembly, data: st.DataObject) -> object:
    """A Memory, Table, Global or Exported Function made from random arguments (or the
    JS error its constructor threw, which the import object then carries as a value)."""
    kind = data.draw(st.sampled_from(["memory", "table", "global", "func"]))
    try:
        if kind == "memory":
            return wa.Memory(data.draw(descriptor(["initial", "maximum"], small_numbers)))
        if kind == "table":
            d = data.draw(descriptor(["initial", "maximum"], small_numbers))
            if isinstance(d, dict) and data.draw(st.booleans()):
                d["element"] = data.draw(st.sampled_from(["anyfunc", "externref", "i32"]))
            return wa.Table(d, data.draw(st.one_of(st.just(UNDEFINED), primitives)))
        if kind == "global":
            d = data.draw(descriptor(["mutable"], st.booleans()))
            if isinstance(d, dict):
                d["value"] = data.draw(st.sampled_from(JS_TYPES))
            return wa.Global(d, data.draw(primitives))
        inst = wa.Instance(FUNCS_MODULE)
        return inst.exports[data.draw(st.sampled_from(["a", "b", "c"]))]
    except JSError as error:
        return error


def js_value(wa: WebAssembly, data: st.DataObject, depth: int = 0) -> object:
    """A random JavaScript value: primitives, host functions, API objects, objects, arrays."""
    choice = data.draw(st.integers(min_value=0, max_value=5 if depth < 2 else 2))
    if choice <= 1:
        return data.draw(primitives)
    if choice == 2:
        return api_object(wa, data)
    if choice == 3:
        result = js_value(wa, data, depth + 1)
        if data.draw(st.booleans()):
            return lambda *args: result

        def throw(*args: object) -> object:
            raise JSError("host")

        return throw
    if choice == 4:
        return [js_value(wa, data, depth + 1) for _ in range(data.draw(st.integers(0, 3)))]
    return {
        k: js_value(wa, data, depth + 1)
        for k in data.draw(st.lists(st.sampled_from(["f", "g32", "g64", "gf", "gx", "mem", "tab", "h"]), max_size=8))
    }


def fitting_value(wa: WebAssembly, data: st.DataObject, field: str) -> object:
    """A value of the right kind for an import of IMPORTER (its limits or type may still be
    wrong), so that instantiation often gets past "read the imports" into the core."""
    limits = st.fixed_dictionaries(
        {"initial": st.integers(0, 5)}, optional={"maximum": st.integers(0, 6)}
    ) | st.fixed_dictionaries({"initial": st.integers(1, 2), "maximum": st.integers(2, 4)})
    try:
        match field:
            case "f" | "h":
                result = js_value(wa, data, 2)
                return lambda *args: result
            case "g32" | "gf":
                return data.draw(st.floats(allow_nan=True) | st.integers(-(2**40), 2**40))
            case "g64":
                if data.draw(st.integers(0, 3)):
                    mutable = data.draw(st.integers(0, 3)) > 0
                    return wa.Global({"value": "i64", "mutable": mutable}, BigInt(1))
                return BigInt(data.draw(st.integers(-(2**70), 2**70)))
            case "mem":
                return wa.Memory(data.draw(limits))
            case "tab":
                element = data.draw(st.sampled_from(["anyfunc", "anyfunc", "externref"]))
                initial = data.draw(st.integers(0, 4))
                return wa.Table({"element": element, "initial": initial})
    except JSError as error:
        return error
    return js_value(wa, data)


def import_object(wa: WebAssembly, data: st.DataObject) -> object:
    """Mostly well-shaped import objects with fields of the right kind or random ones, sometimes
    anything at all."""
    if data.draw(st.integers(0, 9)) == 0:
        return js_value(wa, data)

    def field(k: str) -> object:
        fits = data.draw(st.integers(0, 19)) > 0
        return fitting_value(wa, data, k) if fits else js_value(wa, data)

    env = {k: field(k) for k in ["f", "g32", "g64", "gf", "gx", "mem", "tab"] if data.draw(st.integers(0, 39))}
    return {"env": env, "other": {"h": field("h")}}


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_import_objects_raise_only_js_errors(data: st.DataObject) -> None:
    wa = WebAssembly()
    try:
        inst = wa.Instance(IMPORTER_MODULE, import_object(wa, data))
    except JSError as error:
        event(f"instantiation: {error.js_name}")
        return
    event("instantiated")
    exports: Any = inst.exports
    for name in ["run", "run2", "read"]:
        args = [data.draw(primitives) for _ in range(data.draw(st.integers(0, 5)))]
        try:
            exports[name](*args)
        except JSError:
            pass


@settings(max_examples=1000, deadline=None)
@given(st.data())
def test_random_api_calls_raise_only_js_errors(data: st.DataObject) -> None:
    wa = WebAssembly()
    obj = api_object(wa, data)
    for _ in range(3):
        arg = data.draw(st.one_of(primitives, small_numbers))
        try:
            if isinstance(obj, Memory):
                obj.grow(arg)
                _ = obj.buffer.byteLength
            elif isinstance(obj, Table):
                getattr(obj, data.draw(st.sampled_from(["grow", "get", "set"])))(arg)
            elif isinstance(obj, Global):
                obj.value = arg
                obj.valueOf()
            elif isinstance(obj, ExportedFunction):
                obj(arg, arg)
        except JSError:
            pass


@settings(max_examples=2000, deadline=None)
@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_numbers_round_trip(bits: int) -> None:
    """ToWebAssemblyValue(ToJSValue(w)) == w for every i32, i64, and non-NaN f32/f64; a NaN comes
    back a NaN with its sign, the top of its payload, and the quiet bit set."""
    agent = Agent()
    b32 = bits & 0xFFFFFFFF
    for t, w in [(NumType.I32, b32), (NumType.I64, bits)]:
        assert to_webassembly_value(agent, to_js_value(agent, w, t), t) == w
    f32_nan = (b32 >> 23) & 0xFF == 0xFF and b32 & 0x7FFFFF
    back32 = number_to_f32_bits(f32_bits_to_number(b32))
    assert back32 == (b32 | 1 << 22 if f32_nan else b32)
    f64_nan = (bits >> 52) & 0x7FF == 0x7FF and bits & ((1 << 52) - 1)
    back64 = number_to_f64_bits(f64_bits_to_number(bits))
    assert back64 == (bits | 1 << 51 if f64_nan else bits)
