"""``WebAssembly.Tag``, ``WebAssembly.Exception`` and ``WebAssembly.JSTag`` (JS API, exception
handling), and exceptions crossing the JS boundary in both directions; expectations written by
hand from ``js-api/index.bs``."""

from __future__ import annotations

import pytest

from refwasm.binary import encode_module
from refwasm.features import Features
from refwasm.jsapi import (
    UNDEFINED,
    JSRangeError,
    JSThrow,
    JSTypeError,
    LinkError,
    WebAssembly,
)
from refwasm.jsapi.exceptions import Tag, WasmException
from refwasm.jsapi.values import BigInt
from refwasm.text import parse_module

V3 = Features.for_version("3.0")


def wasm(source: str) -> bytes:
    return encode_module(parse_module(source, V3), V3)


@pytest.fixture
def wa() -> WebAssembly:
    return WebAssembly(V3)


def instance(wa: WebAssembly, source: str, imports: object = UNDEFINED) -> object:
    return wa.Instance(wa.Module(wasm(source)), imports)


def exports(inst: object) -> object:
    return inst.exports  # type: ignore[attr-defined]


THROWER = """(module
  (tag $e (export "e") (param i32 i64))
  (tag $f (export "f"))
  (func (export "throw") (param i32) (local.get 0) (i64.const -2) (throw $e))
  (func (export "throw_f") (throw $f)))"""


# -- Tag -----------------------------------------------------------------------------------------


def test_tag_constructor_and_identity(wa: WebAssembly) -> None:
    t1 = wa.Tag({"parameters": ["i32", "f64"]})
    t2 = wa.Tag({"parameters": ["i32", "f64"]})
    assert isinstance(t1, Tag) and t1 is not t2


def test_tag_constructor_rejects_bad_types(wa: WebAssembly) -> None:
    with pytest.raises(JSTypeError):
        wa.Tag({"parameters": ["i33"]})
    with pytest.raises(JSTypeError):
        wa.Tag({})
    with pytest.raises(JSTypeError):
        wa.Tag({"parameters": 5})


def test_exported_tag_is_one_object_per_address(wa: WebAssembly) -> None:
    inst = instance(wa, THROWER)
    e = exports(inst)["e"]  # type: ignore[index]
    assert isinstance(e, Tag)
    assert exports(inst)["e"] is e  # type: ignore[index]
    # Re-exported through an import: the same Tag object (the Tag object cache).
    again = instance(wa, '(module (import "m" "t" (tag (param i32 i64))) (export "t" (tag 0)))',
                     {"m": {"t": e}})
    assert exports(again)["t"] is e  # type: ignore[index]


def test_tag_import_requires_a_tag_of_the_right_type(wa: WebAssembly) -> None:
    source = '(module (import "m" "t" (tag (param i32))))'
    instance(wa, source, {"m": {"t": wa.Tag({"parameters": ["i32"]})}})
    with pytest.raises(LinkError, match="tag import requires a WebAssembly.Tag"):
        instance(wa, source, {"m": {"t": 1}})
    with pytest.raises(LinkError):
        instance(wa, source, {"m": {"t": wa.Tag({"parameters": ["i64"]})}})
    other = WebAssembly(V3).Tag({"parameters": ["i32"]})  # another agent's
    with pytest.raises(LinkError):
        instance(wa, source, {"m": {"t": other}})


# -- Exception -----------------------------------------------------------------------------------


def test_exception_get_arg_and_is(wa: WebAssembly) -> None:
    t = wa.Tag({"parameters": ["i32", "i64", "f32"]})
    e = wa.Exception(t, [7, BigInt(-1), 1.5])
    assert e.getArg(0) == 7.0
    assert e.getArg(1) == BigInt(-1)
    assert e.getArg(2) == 1.5
    assert getattr(e, "is")(t) is True
    assert getattr(e, "is")(wa.Tag({"parameters": ["i32", "i64", "f32"]})) is False
    with pytest.raises(JSRangeError):
        e.getArg(3)
    assert e.stack is UNDEFINED


def test_exception_payload_must_fit_the_tag(wa: WebAssembly) -> None:
    t = wa.Tag({"parameters": ["i32"]})
    with pytest.raises(JSTypeError):
        wa.Exception(t, [])
    with pytest.raises(JSTypeError):
        wa.Exception(t, [1, 2])
    with pytest.raises(JSTypeError):
        wa.Exception(wa.Tag({"parameters": ["i64"]}), [1.0])  # ToBigInt(1): a TypeError
    with pytest.raises(JSTypeError):
        wa.Exception(wa.Tag({"parameters": ["v128"]}), [0])  # v128 never crosses
    with pytest.raises(JSTypeError):
        wa.Exception("not a tag", [])
    with pytest.raises(JSTypeError):
        wa.Exception(wa.JSTag, [1])  # the JavaScript exception tag is not for JS to use


def test_js_tag_is_one_tag(wa: WebAssembly) -> None:
    assert wa.JSTag is wa.JSTag
    assert isinstance(wa.JSTag, Tag)


# -- Wasm to JS ----------------------------------------------------------------------------------


def test_wasm_exception_reaches_js_as_a_webassembly_exception(wa: WebAssembly) -> None:
    inst = instance(wa, THROWER)
    with pytest.raises(WasmException) as raised:
        exports(inst)["throw"](5)  # type: ignore[index]
    e = raised.value
    assert getattr(e, "is")(exports(inst)["e"]) is True  # type: ignore[index]
    assert getattr(e, "is")(exports(inst)["f"]) is False  # type: ignore[index]
    assert e.getArg(0) == 5.0 and e.getArg(1) == BigInt(-2)


def test_exnref_cannot_cross_the_boundary(wa: WebAssembly) -> None:
    # A function with an exnref result or parameter: calling it from JS is a TypeError, before
    # the call (the trap of ``unreachable`` never happens).
    source = ('(module (func (export "f") (result exnref) (unreachable))'
              ' (func (export "g") (param exnref)))')
    inst = instance(wa, source)
    with pytest.raises(JSTypeError):
        exports(inst)["f"]()  # type: ignore[index]
    with pytest.raises(JSTypeError):
        exports(inst)["g"](None)  # type: ignore[index]


# -- JS to Wasm ----------------------------------------------------------------------------------


CATCHER = """(module
  (import "m" "e" (tag $e (param i32 i64)))
  (import "m" "call" (func $call))
  (func (export "catch_e") (result i32)
    (block $h (result i32 i64) (try_table (catch $e $h) (call $call)) (return (i32.const -1)))
    (drop))
  (func (export "catch_all") (result i32)
    (block $h (try_table (catch_all $h) (call $call)) (return (i32.const 0)))
    (i32.const 1))
  (func (export "pass") (call $call)))"""


def test_a_webassembly_exception_thrown_by_js_is_caught_by_its_tag(wa: WebAssembly) -> None:
    e = wa.Tag({"parameters": ["i32", "i64"]})

    def call() -> None:
        raise wa.Exception(e, [42, BigInt(0)])

    inst = instance(wa, CATCHER, {"m": {"e": e, "call": call}})
    assert exports(inst)["catch_e"]() == 42.0  # type: ignore[index]


def test_the_same_exception_object_comes_back(wa: WebAssembly) -> None:
    e = wa.Tag({"parameters": ["i32", "i64"]})
    thrown = wa.Exception(e, [1, BigInt(2)])

    def call() -> None:
        raise thrown

    inst = instance(wa, CATCHER, {"m": {"e": e, "call": call}})
    with pytest.raises(WasmException) as raised:
        exports(inst)["pass"]()  # type: ignore[index]
    assert raised.value is thrown


def test_a_js_throw_is_an_exception_of_the_js_tag(wa: WebAssembly) -> None:
    """catch_all catches what JavaScript threw; uncaught, JS gets the very value back."""
    e = wa.Tag({"parameters": ["i32", "i64"]})
    error = JSTypeError("from JS")

    def call() -> None:
        raise error

    inst = instance(wa, CATCHER, {"m": {"e": e, "call": call}})
    assert exports(inst)["catch_all"]() == 1.0  # type: ignore[index]
    with pytest.raises(JSTypeError):  # not of $e: it propagates
        exports(inst)["catch_e"]()  # type: ignore[index]
    with pytest.raises(JSTypeError) as raised:
        exports(inst)["pass"]()  # type: ignore[index]
    assert raised.value is error


def test_a_thrown_non_error_value_comes_back(wa: WebAssembly) -> None:
    e = wa.Tag({"parameters": ["i32", "i64"]})

    def call() -> None:
        raise JSThrow(42)

    inst = instance(wa, CATCHER, {"m": {"e": e, "call": call}})
    with pytest.raises(JSThrow) as raised:
        exports(inst)["pass"]()  # type: ignore[index]
    assert raised.value.value == 42


def test_without_exceptions_a_js_throw_stays_a_trap_that_unwinds() -> None:
    wa2 = WebAssembly(Features.for_version("2.0"))
    error = JSTypeError("from JS")

    def call() -> None:
        raise error

    inst = wa2.Instance(wa2.Module(encode_module(parse_module(
        '(module (import "m" "call" (func $c)) (func (export "f") (call $c)))'))),
        {"m": {"call": call}})
    with pytest.raises(JSTypeError) as raised:
        exports(inst)["f"]()  # type: ignore[index]
    assert raised.value is error
