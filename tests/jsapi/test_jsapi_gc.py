"""GC references at the JS boundary (``js-api/index.bs``: ToJSValue, ToWebAssemblyValue, the
Exported GC Object's internal methods) and import matching of defined types in the JS API
(``read the imports`` then the core's ``Externtype_sub``).  Expectations are written from the
spec text: an i31 is its signed Number; a struct or an array is an opaque object with a null
prototype, one per Wasm object; a Number in [-2^30, 2^30) that ToInt32 leaves unchanged becomes
an i31, any other non-null value a host reference (``(ref any)``, not ``eq``); the final step
throws a TypeError where the reference's type does not match."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refwasm.binary import encode_module
from refwasm.features import Features
from refwasm.jsapi import UNDEFINED, JSTypeError, LinkError, WebAssembly
from refwasm.jsapi.agent import ExportedGCObject
from refwasm.jsapi.values import (
    get,
    get_prototype_of,
    own_property_keys,
    set_property,
    to_number,
)
from refwasm.text import parse_module

V3 = Features.for_version("3.0")


def wasm(source: str) -> bytes:
    return encode_module(parse_module(source, V3), V3)


@pytest.fixture
def wa() -> WebAssembly:
    return WebAssembly(V3)


def exports(wa: WebAssembly, source: str, imports: object = UNDEFINED) -> Any:
    return wa.Instance(wa.Module(wasm(source)), imports).exports


GC = """(module
  (type $s (struct (field (mut i32))))
  (type $t (struct (field i64)))
  (type $base (sub (struct (field i32))))
  (type $derived (sub $base (struct (field i32) (field i32))))
  (type $a (array (mut i8)))
  (global $keep (mut (ref null $s)) (ref.null $s))
  (func (export "i31") (param i32) (result (ref i31)) (ref.i31 (local.get 0)))
  (func (export "new_s") (param i32) (result (ref $s)) (struct.new $s (local.get 0)))
  (func (export "new_t") (result (ref $t)) (struct.new $t (i64.const 1)))
  (func (export "new_derived") (result (ref $derived))
    (struct.new $derived (i32.const 1) (i32.const 2)))
  (func (export "new_a") (param i32) (result (ref $a)) (array.new_default $a (local.get 0)))
  (func (export "keep") (result (ref $s))
    (if (ref.is_null (global.get $keep))
      (then (global.set $keep (struct.new $s (i32.const 9)))))
    (ref.as_non_null (global.get $keep)))
  (func (export "get_s") (param (ref $s)) (result i32) (struct.get $s 0 (local.get 0)))
  (func (export "len") (param arrayref) (result i32) (array.len (local.get 0)))
  (func (export "is_i31") (param anyref) (result i32) (ref.test (ref i31) (local.get 0)))
  (func (export "i31_value") (param anyref) (result i32)
    (i31.get_s (ref.cast (ref i31) (local.get 0))))
  (func (export "id_any") (param anyref) (result anyref) (local.get 0))
  (func (export "id_extern") (param externref) (result externref) (local.get 0))
  (func (export "internalize_is_i31") (param externref) (result i32)
    (ref.test (ref i31) (any.convert_extern (local.get 0))))
  (func (export "externalize") (param anyref) (result externref)
    (extern.convert_any (local.get 0)))
  (func (export "take_eq") (param eqref))
  (func (export "take_i31") (param i31ref))
  (func (export "take_struct") (param structref))
  (func (export "take_array") (param arrayref))
  (func (export "take_none") (param nullref))
  (func (export "take_s") (param (ref $s)))
  (func (export "take_null_s") (param (ref null $s)))
  (func (export "take_base") (param (ref $base)))
  (func (export "take_i32") (param i32)))"""


# -- ToJSValue ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("bits", "number"), [
    (0, 0.0), (5, 5.0), (-5, -5.0), ((1 << 30) - 1, float((1 << 30) - 1)),
    (1 << 30, float(-(1 << 30))),  # ref.i31 keeps the low 31 bits; signed_31 reads them
    (-1, -1.0), (0x7FFF_FFFF, -1.0),
])  # fmt: skip
def test_an_i31_is_its_signed_number(wa: WebAssembly, bits: int, number: float) -> None:
    e = exports(wa, GC)
    result = e["i31"](float(bits if bits < (1 << 31) else bits - (1 << 32)))
    assert isinstance(result, float) and result == number


def test_a_struct_is_an_exported_gc_object_one_per_struct(wa: WebAssembly) -> None:
    e = exports(wa, GC)
    first, again = e["keep"](), e["keep"]()
    assert isinstance(first, ExportedGCObject) and first is again
    other = e["new_s"](1.0)
    assert isinstance(other, ExportedGCObject) and other is not first


def test_a_struct_and_an_array_at_the_same_address_are_different_objects(
    wa: WebAssembly,
) -> None:
    e = exports(wa, GC)
    s, a = e["new_s"](1.0), e["new_a"](3.0)
    assert s is not a and e["len"](a) == 3.0


def test_an_exported_gc_object_is_opaque(wa: WebAssembly) -> None:
    o = exports(wa, GC)["new_s"](7.0)
    assert get_prototype_of(o) is None  # [[GetPrototypeOf]] returns null
    assert get(o, "0") is UNDEFINED and get(o, "valueOf") is UNDEFINED  # [[Get]]: undefined
    assert get(o, "toString") is UNDEFINED and own_property_keys(o) == []
    with pytest.raises(JSTypeError):  # [[Set]] throws
        set_property(o, "x", 1.0)
    with pytest.raises(JSTypeError):  # [[Delete]] throws
        del o.x
    with pytest.raises(JSTypeError):  # ToPrimitive finds neither valueOf nor toString
        to_number(o)


def test_an_exported_gc_object_into_a_number_parameter_is_a_type_error(wa: WebAssembly) -> None:
    e = exports(wa, GC)
    with pytest.raises(JSTypeError):
        e["take_i32"](e["new_s"](1.0))


def test_a_struct_comes_back_into_wasm_as_itself(wa: WebAssembly) -> None:
    e = exports(wa, GC)
    o = e["new_s"](41.0)
    assert e["get_s"](o) == 41.0
    assert e["id_any"](o) is o


# -- ToWebAssemblyValue ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "is_i31", "back"), [
    (5.0, True, 5.0), (-(2.0**30), True, -(2.0**30)), (2.0**30 - 1, True, 2.0**30 - 1),
    (-0.0, True, 0.0),  # ℝ(-0) = 0 = ToInt32(-0): an i31 zero, which comes back as +0
    (2.0**30, False, 2.0**30), (-(2.0**30) - 1, False, -(2.0**30) - 1),
    (1.5, False, 1.5), (float("inf"), False, float("inf")), ("5", False, "5"),
    (True, False, True),
])  # fmt: skip
def test_numbers_in_the_i31_range_become_i31(
    wa: WebAssembly, value: object, is_i31: bool, back: object
) -> None:
    e = exports(wa, GC)
    assert e["is_i31"](value) == (1.0 if is_i31 else 0.0)
    returned = e["id_any"](value)
    assert returned == back and type(returned) is type(back)
    if is_i31:
        assert e["i31_value"](value) == back


def test_zero_in_anyref_loses_its_sign(wa: WebAssembly) -> None:
    import math

    returned = exports(wa, GC)["id_any"](-0.0)
    assert returned == 0.0 and math.copysign(1.0, returned) == 1.0


def test_a_js_object_into_anyref_keeps_its_identity(wa: WebAssembly) -> None:
    e = exports(wa, GC)
    o: dict[str, object] = {}
    assert e["id_any"](o) is o and e["is_i31"](o) == 0.0


def test_externref_internalizes_numbers_as_i31(wa: WebAssembly) -> None:
    # ToWebAssemblyValue(v, externref) is ref.extern of ToWebAssemblyValue(v, (ref any)).
    e = exports(wa, GC)
    assert e["internalize_is_i31"](3.0) == 1.0
    assert e["internalize_is_i31"](3.5) == 0.0
    assert e["id_extern"](3.0) == 3.0
    o = e["new_s"](2.0)
    assert e["id_extern"](o) is o
    assert e["externalize"](o) is o and e["externalize"](7.0) == 7.0


# (export, argument, whether the final step throws a TypeError)
CASES = [
    ("take_eq", "i31", False), ("take_eq", "struct", False), ("take_eq", "array", False),
    ("take_eq", "object", True), ("take_eq", "big", True), ("take_eq", "null", False),
    ("take_eq", "string", True), ("take_eq", "function", True),
    ("take_i31", "i31", False), ("take_i31", "struct", True), ("take_i31", "big", True),
    ("take_i31", "null", False), ("take_i31", "object", True),
    ("take_struct", "struct", False), ("take_struct", "array", True),
    ("take_struct", "i31", True), ("take_struct", "object", True),
    ("take_array", "array", False), ("take_array", "struct", True),
    ("take_none", "null", False), ("take_none", "i31", True), ("take_none", "struct", True),
    ("take_s", "struct", False), ("take_s", "t_struct", True), ("take_s", "null", True),
    ("take_s", "i31", True), ("take_s", "object", True),
    ("take_null_s", "null", False), ("take_null_s", "t_struct", True),
    ("take_base", "derived", False), ("take_base", "struct", True),
]  # fmt: skip


def _throws(wa: WebAssembly, export: str, argument: str) -> bool:
    e = exports(wa, GC)
    values = {
        "null": lambda: None, "i31": lambda: 17.0, "big": lambda: 2.0**31,
        "object": dict, "string": lambda: "x", "function": lambda: e["take_i32"],
        "struct": lambda: e["new_s"](1.0),
        "t_struct": lambda: e["new_t"](),
        "derived": lambda: e["new_derived"](),
        "array": lambda: e["new_a"](2.0),
    }  # fmt: skip
    try:
        e[export](values[argument]())
    except JSTypeError:
        return True
    return False


@pytest.mark.parametrize(("export", "argument", "throws"), CASES)
def test_gc_reference_parameters(
    wa: WebAssembly, export: str, argument: str, throws: bool
) -> None:
    assert _throws(wa, export, argument) is throws


def test_an_object_of_another_agent_is_a_host_value(wa: WebAssembly) -> None:
    other = exports(WebAssembly(V3), GC)["new_s"](1.0)
    e = exports(wa, GC)
    assert e["id_any"](other) is other  # a host reference: anyref takes it
    with pytest.raises(JSTypeError):
        e["take_struct"](other)


def test_exnref_does_not_cross(wa: WebAssembly) -> None:
    e = exports(wa, """(module
      (global (export "g") (mut exnref) (ref.null exn))
      (table (export "t") 1 exnref)
      (func (export "take") (param exnref))
      (func (export "give") (result nullexnref) (ref.null noexn)))""")
    for call in (lambda: e["take"](None), lambda: e["give"](),
                 lambda: e["g"].value, lambda: e["t"].get(0.0),
                 lambda: e["t"].set(0.0, None)):
        with pytest.raises(JSTypeError):
            call()


# -- Globals and tables of GC types ------------------------------------------------------------

HOLDERS = """(module
  (type $s (struct (field i32)))
  (type $t (struct (field i64)))
  (global (export "g") (mut (ref null $s)) (ref.null $s))
  (global (export "any") (mut anyref) (ref.i31 (i32.const -3)))
  (global (export "c") (ref $s) (struct.new $s (i32.const 5)))
  (table (export "tab") 2 (ref null struct))
  (table (export "tab_s") 1 (ref null $s))
  (func (export "new_s") (result (ref $s)) (struct.new $s (i32.const 1)))
  (func (export "new_t") (result (ref $t)) (struct.new $t (i64.const 1)))
  (func (export "read_g") (result i32) (struct.get $s 0 (global.get 0))))"""


def test_global_values_of_gc_types(wa: WebAssembly) -> None:
    e = exports(wa, HOLDERS)
    g, anyg, c = e["g"], e["any"], e["c"]
    assert g.value is None and anyg.value == -3.0
    assert isinstance(c.value, ExportedGCObject) and c.value is c.value
    s = e["new_s"]()
    g.value = s
    assert g.value is s and e["read_g"]() == 1.0
    with pytest.raises(JSTypeError):
        g.value = e["new_t"]()
    with pytest.raises(JSTypeError):
        g.value = 3.0
    anyg.value = {"k": 1}
    assert anyg.value == {"k": 1}


def test_table_get_set_grow_of_gc_types(wa: WebAssembly) -> None:
    e = exports(wa, HOLDERS)
    tab, tab_s = e["tab"], e["tab_s"]
    s, t = e["new_s"](), e["new_t"]()
    assert tab.get(0.0) is None
    tab.set(0.0, s)
    tab.set(1.0, t)
    assert tab.get(0.0) is s and tab.get(1.0) is t
    assert tab.grow(1.0, s) == 2.0 and tab.get(2.0) is s
    for bad in (1.0, {}, "s"):
        with pytest.raises(JSTypeError):
            tab.set(0.0, bad)
    with pytest.raises(JSTypeError):
        tab_s.set(0.0, t)
    tab_s.set(0.0, s)
    assert tab_s.get(0.0) is s


def test_a_struct_crosses_between_modules_of_equivalent_types(wa: WebAssembly) -> None:
    # Two modules declaring the same type: canonically equal defined types.
    s = exports(wa, HOLDERS)["new_s"]()
    other = exports(wa, """(module (type $s2 (struct (field i32)))
      (func (export "take") (param (ref $s2)) (result i32) (struct.get $s2 0 (local.get 0))))""")
    assert other["take"](s) == 1.0


def test_host_functions_take_and_give_gc_references(wa: WebAssembly) -> None:
    e = exports(wa, HOLDERS)
    seen: list[object] = []

    def host(o: object) -> object:
        seen.append(o)
        return o

    user = exports(wa, """(module (type $s (struct (field i32)))
      (import "m" "f" (func $f (param (ref $s)) (result (ref $s))))
      (func (export "run") (result i32)
        (struct.get $s 0 (call $f (struct.new $s (i32.const 12))))))""", {"m": {"f": host}})
    assert user["run"]() == 12.0 and isinstance(seen[0], ExportedGCObject)
    bad = exports(wa, """(module (type $s (struct (field i32)))
      (import "m" "f" (func $f (result (ref $s))))
      (func (export "run") (drop (call $f))))""", {"m": {"f": lambda: e["new_t"]()}})
    with pytest.raises(JSTypeError):
        bad["run"]()


# -- Import matching of defined types ----------------------------------------------------------

REC_EXPORT = """(module
  (rec (type $f (func (param i32))) (type $g (struct)))
  (func (export "f") (type $f))
  (global (export "gl") (ref null $f) (ref.null $f))
  (tag (export "tag") (type $f)))"""


@pytest.mark.parametrize("kind", ["func", "global", "tag"])
def test_a_type_in_a_rec_group_does_not_match_a_structurally_equal_one(
    wa: WebAssembly, kind: str
) -> None:
    e = exports(wa, REC_EXPORT)
    name = {"func": "f", "global": "gl", "tag": "tag"}[kind]
    desc = {"func": "(func (type $f))", "global": "(global (ref null $f))",
            "tag": "(tag (type $f))"}[kind]  # fmt: skip
    same = f'(module (rec (type $f (func (param i32))) (type $g (struct))) (import "m" "x" {desc}))'
    alone = f'(module (type $f (func (param i32))) (import "m" "x" {desc}))'
    exports(wa, same, {"m": {"x": e[name]}})  # the same rec group: canonically equal
    with pytest.raises(LinkError):
        exports(wa, alone, {"m": {"x": e[name]}})


def test_a_subtype_function_matches_a_supertype_import(wa: WebAssembly) -> None:
    e = exports(wa, """(module (type $sup (sub (func))) (type $sub (sub $sup (func)))
      (func (export "f") (type $sub)))""")
    exports(wa, """(module (type $sup (sub (func))) (import "m" "f" (func (type $sup))))""",
            {"m": {"f": e["f"]}})
    # A final (func) is not $sub's declared supertype (an open (sub (func))), though equal
    # in structure: no LinkError for the structural rule, one for the canonical.
    with pytest.raises(LinkError):
        exports(wa, """(module (type $final (func)) (import "m" "f" (func (type $final))))""",
                {"m": {"f": e["f"]}})


def test_a_table_of_a_gc_type_imports_by_equivalence(wa: WebAssembly) -> None:
    e = exports(wa, HOLDERS)
    exports(wa, '(module (type $s (struct (field i32))) (import "m" "t" (table 1 (ref null $s))))',
            {"m": {"t": e["tab_s"]}})
    with pytest.raises(LinkError):
        exports(wa, '(module (import "m" "t" (table 1 (ref null struct))))', {"m": {"t": e["tab_s"]}})


def test_a_host_function_for_a_rec_group_import_links(wa: WebAssembly) -> None:
    # "create a host function" with the import's (defined) type: it matches canonically.
    e = exports(wa, """(module
      (rec (type $f (func (param (ref null $g)) (result i32))) (type $g (struct (field i32))))
      (import "m" "f" (func $h (type $f)))
      (func (export "run") (result i32) (call $h (struct.new $g (i32.const 3)))))""",
                {"m": {"f": lambda o: 2.0 if isinstance(o, ExportedGCObject) else 0.0}})
    assert e["run"]() == 2.0


def test_a_gc_global_import_from_a_js_value(wa: WebAssembly) -> None:
    e = exports(wa, HOLDERS)
    s = e["new_s"]()
    src = '(module (type $s (struct (field i32))) (import "m" "g" (global (ref $s))))'
    exports(wa, src, {"m": {"g": s}})
    for bad in (e["new_t"](), None, 1.0):
        with pytest.raises(LinkError):
            exports(wa, src, {"m": {"g": bad}})
    exports(wa, '(module (import "m" "g" (global i31ref)))', {"m": {"g": 5.0}})


def test_the_fast_engine_gives_the_same_objects() -> None:
    wa = WebAssembly(V3, engine="fast")
    e = exports(wa, GC)
    s = e["new_s"](41.0)
    assert isinstance(s, ExportedGCObject) and e["get_s"](s) == 41.0 and e["id_any"](s) is s
    assert e["i31"](-5.0) == -5.0 and e["is_i31"](5.0) == 1.0
    with pytest.raises(JSTypeError):
        e["take_s"](e["new_t"]())


# -- Exceptions carrying GC references ---------------------------------------------------------


def test_an_exception_payload_of_a_gc_type(wa: WebAssembly) -> None:
    e = exports(wa, """(module (type $s (struct (field i32)))
      (tag (export "tag") (param (ref $s) i31ref))
      (func (export "new_s") (result (ref $s)) (struct.new $s (i32.const 4)))
      (func (export "throw") (throw 0 (struct.new $s (i32.const 6)) (ref.i31 (i32.const -2)))))""")
    try:
        e["throw"]()
    except Exception as thrown:  # a WebAssembly.Exception
        exn: Any = thrown
    else:
        raise AssertionError("throw did not throw")
    first = exn.getArg(0.0)
    assert isinstance(first, ExportedGCObject) and exn.getArg(0.0) is first
    assert exn.getArg(1.0) == -2.0
    s = e["new_s"]()
    made = wa.Exception(e["tag"], [s, 3.0])
    assert made.getArg(0.0) is s and made.getArg(1.0) == 3.0
    with pytest.raises(JSTypeError):  # the final step: {} is not a (ref $s)
        wa.Exception(e["tag"], [{}, 3.0])


def test_a_js_throw_of_a_gc_object_comes_back_as_itself(wa: WebAssembly) -> None:
    from refwasm.jsapi import JSThrow

    e = exports(wa, GC)
    s = e["new_s"](1.0)

    def throw() -> None:
        raise JSThrow(s)

    user = exports(wa, """(module (import "m" "f" (func $f))
      (func (export "run") (call $f)))""", {"m": {"f": throw}})
    with pytest.raises(JSThrow) as raised:
        user["run"]()
    assert raised.value.value is s


# -- A property, against an independent model of the i31 rule ----------------------------------


def _model_is_i31(x: float) -> bool:
    """The spec's condition, restated: an integral Number in [-2^30, 2^30)."""
    return x == int(x) and -(2**30) <= x < 2**30 if x == x and abs(x) != float("inf") else False


@functools.cache
def _shared_gc_exports() -> Any:
    return exports(WebAssembly(V3), GC)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(st.integers(-(2**31), 2**31), st.floats(allow_nan=True, allow_infinity=True)))
def test_numbers_cross_anyref_as_the_i31_rule_says(n: int | float) -> None:
    e = _shared_gc_exports()
    x = float(n)
    assert (e["is_i31"](x) == 1.0) is _model_is_i31(x)
    back = e["id_any"](x)
    assert back == x or (x != x and back != back)
    if _model_is_i31(x):  # i31.get_s gives back the integer itself
        assert e["i31_value"](x) == float(int(x))
