"""JavaScript values modelled with Python ones, and the ECMAScript abstract operations the JS API
calls on them (ToNumber, ToInt32, ToBigInt, ToBigInt64, [EnforceRange] unsigned long).

The model:

- ``undefined`` is ``UNDEFINED``; ``null`` is ``None``; Booleans are ``bool``; Strings are ``str``.
- A Number is a ``float``.  A plain ``int`` is accepted wherever JavaScript would take a Number
  (it stands for the Number nearest to it) *and* wherever it would take a BigInt, as a convenience
  for Python callers.  ``BigInt`` (an ``int`` subclass) is always and only a BigInt, so code that
  must be exact about JavaScript's types (the scenario driver) passes ``float`` or ``BigInt``.
- Everything else is an Object: mappings (properties are keys), lists and tuples (Arrays),
  callables (functions), the JS API's own objects, and any other Python object (properties are
  attributes).  An ``OpaqueObject`` (an Exported GC Object) has no properties and a null
  prototype: [[Get]] gives ``undefined``, [[Set]] throws, ToPrimitive finds no method.
"""

from __future__ import annotations

import enum
import inspect
import math
import re
import struct
from collections.abc import Callable, Mapping

from refwasm.jsapi.errors import (
    CANNOT_CONVERT_BIGINT_TO_NUMBER,
    CANNOT_CONVERT_TO_BIGINT,
    CANNOT_CONVERT_TO_PRIMITIVE,
    ENFORCE_RANGE,
    OPAQUE_OBJECT_SET,
    JSSyntaxError,
    JSTypeError,
)


class Undefined(enum.Enum):
    """The type of JavaScript's ``undefined``."""

    UNDEFINED = "undefined"

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined.UNDEFINED


class BigInt(int):
    """A JavaScript BigInt (a plain ``int`` is accepted as one too; see the module docstring)."""

    def __repr__(self) -> str:
        return f"{int(self)}n"


JSPrimitive = Undefined | None | bool | int | float | str
JSValue = object

_INT32 = 1 << 32
_INT64 = 1 << 64


def is_bigint(v: object) -> bool:
    """"is a BigInt": a ``BigInt``, or a plain ``int`` taken as one."""
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: object) -> bool:
    """"is a Number": a ``float``, or a plain ``int`` taken as one (never a ``BigInt``)."""
    if isinstance(v, bool) or isinstance(v, BigInt):
        return False
    return isinstance(v, (int, float))


def is_object(v: object) -> bool:
    """"is an Object": anything that is not a primitive."""
    return not (v is UNDEFINED or v is None or isinstance(v, (bool, int, float, str)))


def is_callable(v: object) -> bool:
    """IsCallable"""
    return is_object(v) and callable(v)


_ABSENT = object()


class OpaqueObject:
    """An exotic object with a null prototype and no properties (the JS API's Exported GC
    Object): [[GetPrototypeOf]] is null, [[Get]] is undefined, [[Set]] and [[Delete]] throw
    a TypeError, [[OwnPropertyKeys]] is empty, and it cannot be extended."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        """[[Set]], [[DefineOwnProperty]]: a TypeError in strict code (the model's only mode)."""
        raise JSTypeError(f"{OPAQUE_OBJECT_SET}: {name}")

    def __delattr__(self, name: str) -> None:
        """[[Delete]]: a TypeError."""
        raise JSTypeError(f"{OPAQUE_OBJECT_SET}: {name}")


def set_property(o: object, key: str, v: object) -> None:
    """Set(O, P, V, true): a mapping's key or an object's attribute (an ``OpaqueObject`` throws)."""
    if isinstance(o, dict):
        o[key] = v
    else:
        setattr(o, key, v)


def own_property_keys(o: object) -> list[str]:
    """[[OwnPropertyKeys]] (string keys): a mapping's keys, an object's public attributes."""
    if isinstance(o, OpaqueObject):
        return []
    if isinstance(o, Mapping):
        return [str(k) for k in o]
    return [k for k in getattr(o, "__dict__", {}) if not k.startswith("_")]


def get_prototype_of(o: object) -> object:
    """[[GetPrototypeOf]], as far as the model tells prototypes apart: ``None`` (null) for an
    ``OpaqueObject``, else the object's Python class standing for its prototype."""
    return None if isinstance(o, OpaqueObject) else type(o)


def get(o: object, key: str) -> object:
    """Get(O, P): a mapping's key or an object's attribute; ``undefined`` when absent.

    What a getter throws, ``AttributeError`` included, is thrown on, as JavaScript's [[Get]]
    does: only a property that does not exist is ``undefined``.  Existence is looked up without
    running any getter (``inspect.getattr_static``); an object that makes its attributes up as
    they are asked for (``__getattr__``, its own ``__getattribute__``) says "absent" by raising
    ``AttributeError``, as Python's protocol has it."""
    if isinstance(o, OpaqueObject):  # [[Get]] of an Exported GC Object
        return UNDEFINED
    if isinstance(o, Mapping):
        return o[key] if key in o else UNDEFINED  # never ``o.get``: an export may be named so
    if isinstance(o, (list, tuple)):
        return len(o) if key == "length" else UNDEFINED
    if key.startswith("_"):  # Python's private names are not JavaScript properties
        return UNDEFINED
    if inspect.getattr_static(o, key, _ABSENT) is not _ABSENT:
        return getattr(o, key)
    if not _makes_up_attributes(o):
        return UNDEFINED
    try:
        return getattr(o, key)
    except AttributeError:
        return UNDEFINED


def _makes_up_attributes(o: object) -> bool:
    """Whether ``o``'s class computes attributes no static lookup can see."""
    cls = type(o)
    return (inspect.getattr_static(cls, "__getattr__", _ABSENT) is not _ABSENT
            or inspect.getattr_static(cls, "__getattribute__") is not object.__getattribute__)


# -- ToPrimitive, ToString --------------------------------------------------------------------


def to_primitive(v: object) -> JSPrimitive:
    """ToPrimitive(v, number): ``valueOf`` if the object has one, else its ``toString``."""
    if not is_object(v):
        return v  # type: ignore[return-value]
    if isinstance(v, OpaqueObject):  # OrdinaryToPrimitive finds neither valueOf nor toString
        raise JSTypeError(CANNOT_CONVERT_TO_PRIMITIVE)
    value_of = get(v, "valueOf")
    if callable(value_of):
        result = value_of()
        if not is_object(result):
            return result  # type: ignore[no-any-return]
    if isinstance(v, (list, tuple)):
        return array_join(v)
    if callable(v):
        return "function () { [native code] }"
    return "[object Object]"


_joining: set[int] = set()


def array_join(v: list[object] | tuple[object, ...]) -> str:
    """Array.prototype.toString: the elements' strings joined by commas (an array met again
    while it is being joined gives "", as engines do for cycles)."""
    if id(v) in _joining:
        return ""
    _joining.add(id(v))
    try:
        return ",".join("" if e is None or e is UNDEFINED else to_string(e) for e in v)
    finally:
        _joining.discard(id(v))


def to_string(v: object) -> str:
    """ToString (enough of it for ToPrimitive of Arrays and for messages)."""
    p = to_primitive(v)
    if p is UNDEFINED:
        return "undefined"
    if p is None:
        return "null"
    if isinstance(p, bool):
        return "true" if p else "false"
    if isinstance(p, BigInt):
        return str(int(p))
    if isinstance(p, (int, float)):
        return number_to_string(float(p))
    return str(p)


def number_to_string(x: float) -> str:
    """Number::toString(x) for radix 10 (shortest round-trip digits, JavaScript's layout)."""
    if math.isnan(x):
        return "NaN"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    sign = "-" if x < 0 else ""
    # Shortest digits k and exponent n such that the value is 0.d1...dk * 10^n.
    r = repr(abs(x))
    if "e" in r:
        m, _, e = r.partition("e")
        digits = m.replace(".", "").rstrip("0") or "0"
        n = int(e) + 1
    else:
        whole, _, frac = r.partition(".")
        whole = whole.lstrip("0")
        frac = frac.rstrip("0")
        if whole:
            digits = (whole + frac).rstrip("0")
            n = len(whole)
        else:
            stripped = frac.lstrip("0")
            digits = stripped
            n = -(len(frac) - len(stripped))
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e_sign = "+" if n - 1 >= 0 else "-"
    body = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{body}e{e_sign}{abs(n - 1)}"


# -- ToNumber ---------------------------------------------------------------------------------

# StrWhiteSpaceChar: WhiteSpace and LineTerminator code points.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\Z", re.ASCII)
_NON_DECIMAL = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)\Z", re.ASCII)


def string_to_number(s: str) -> float:
    """StringToNumber"""
    s = s.strip(_JS_SPACE)
    if not s:
        return 0.0
    if _NON_DECIMAL.match(s):
        return int_to_number(int(s, 0))
    if not _DECIMAL.match(s):
        return math.nan
    if s.endswith("Infinity"):
        return -math.inf if s.startswith("-") else math.inf
    return float(s)


def int_to_number(n: int) -> float:
    """𝔽(n): the Number nearest to a mathematical integer (ties to even; beyond range, ±∞)."""
    try:
        return float(n)
    except OverflowError:
        return math.inf if n > 0 else -math.inf


def to_number(v: object) -> float:
    """ToNumber"""
    p = to_primitive(v)
    if p is UNDEFINED:
        return math.nan
    if p is None:
        return 0.0
    if isinstance(p, bool):
        return 1.0 if p else 0.0
    if isinstance(p, BigInt):
        raise JSTypeError(CANNOT_CONVERT_BIGINT_TO_NUMBER)
    if isinstance(p, int):
        return int_to_number(p)
    if isinstance(p, float):
        return p
    return string_to_number(str(p))


def to_integer_or_infinity(x: float) -> float | int:
    """ToIntegerOrInfinity (of a Number already converted)."""
    if math.isnan(x):
        return 0
    if math.isinf(x):
        return x
    return math.trunc(x)


def to_int32(v: object) -> int:
    """ToInt32"""
    x = to_number(v)
    if math.isnan(x) or math.isinf(x):
        return 0
    n = math.trunc(x) % _INT32
    return n - _INT32 if n >= 1 << 31 else n


def convert_to_unsigned_long_enforce_range(v: object, what: str) -> int:
    """ConvertToInt(v, 32, "unsigned") with [EnforceRange] (Web IDL)."""
    x = to_number(v)
    if math.isnan(x) or math.isinf(x):
        raise JSTypeError(ENFORCE_RANGE.format(what=what, value=to_string(v)))
    n = math.trunc(x)
    if not 0 <= n <= _INT32 - 1:
        raise JSTypeError(ENFORCE_RANGE.format(what=what, value=to_string(v)))
    return n


# -- ToBigInt ---------------------------------------------------------------------------------

_BIGINT_DECIMAL = re.compile(r"[+-]?\d+\Z", re.ASCII)


def string_to_bigint(s: str) -> int | None:
    """StringToBigInt: ``None`` where the spec returns undefined (not an integer literal)."""
    s = s.strip(_JS_SPACE)
    if not s:
        return 0
    if _NON_DECIMAL.match(s) or _BIGINT_DECIMAL.match(s):
        return int(s, 0) if _NON_DECIMAL.match(s) else int(s, 10)
    return None


def to_bigint(v: object) -> int:
    """ToBigInt"""
    p = to_primitive(v)
    if p is UNDEFINED or p is None:
        raise JSTypeError(CANNOT_CONVERT_TO_BIGINT.format(value=to_string(p)))
    if isinstance(p, bool):
        return 1 if p else 0
    if isinstance(p, int):
        return int(p)
    if isinstance(p, float):
        raise JSTypeError(CANNOT_CONVERT_TO_BIGINT.format(value=number_to_string(p)))
    n = string_to_bigint(str(p))
    if n is None:
        raise JSSyntaxError(CANNOT_CONVERT_TO_BIGINT.format(value=str(p)))
    return n


def to_bigint64(v: object) -> int:
    """ToBigInt64"""
    n = to_bigint(v) % _INT64
    return n - _INT64 if n >= 1 << 63 else n


# -- SameValue, for the host value cache ------------------------------------------------------


def same_value_key(v: object) -> object:
    """A key such that two JS values have equal keys exactly when SameValue holds."""
    if isinstance(v, float):
        return ("number", "NaN" if math.isnan(v) else struct.pack("<d", v))
    if isinstance(v, bool):
        return ("boolean", v)
    if isinstance(v, int):
        return ("bigint" if isinstance(v, BigInt) else "int", int(v))
    if isinstance(v, str):
        return ("string", v)
    if v is UNDEFINED or v is None:
        return (v,)
    return ("object", id(v))


HostCallable = Callable[..., object]


def to_boolean(v: object) -> bool:
    """ToBoolean"""
    if v is UNDEFINED or v is None:
        return False
    if isinstance(v, float):
        return not (v == 0 or math.isnan(v))
    if isinstance(v, (bool, int, str)):
        return bool(v)
    return True
