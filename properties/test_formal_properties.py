"""Properties written for the ``formal`` profile (CrossHair's SMT-backed search), that also run
with random examples under every other profile.

Each test checks ONE operator or rule against an independent model, so that CrossHair explores
one operator's paths at a time: the integer and float operators, conversions and NaN rules
(models shared with ``test_numerics_properties.py``), the LEB128 and float-literal round trips,
and the limits and subtyping rules of import matching.  ``test_formal_campaign.py`` runs this
file under ``--hypothesis-profile=formal`` in a ``slow`` test; docs/fuzz-at-scale.md reports
what CrossHair can and cannot reason about.

``REFWASM_FORMAL_EXAMPLES`` sets the examples (CrossHair: paths) per test; 60 by default.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_numerics_properties import (
    INT_BINOPS,
    INT_RELOPS,
    TRUNCS,
    canonical,
    decode,
    fields,
    is_nan,
    model_arith,
    model_int_binop,
    model_int_unop,
    model_minmax,
    model_round,
    model_sqrt,
    model_trunc,
    outcome,
    sgn,
)

from refwasm.binary.leb128 import encode_s, encode_u
from refwasm.binary.reader import Reader
from refwasm.errors import MalformedError
from refwasm.execution.modules import match_limits
from refwasm.numerics import binop_fn, cvtop_fn, relop_fn, unop_fn
from refwasm.syntax.instructions import BinOp, CvtOp, UnOp
from refwasm.syntax.types import AbsHeapType, Limits, NumType, RefType
from refwasm.text.numbers import format_float, parse_float
from refwasm.validation.context import Context
from refwasm.validation.types import heaptype_sub, reftype_sub

FORMAL = settings(max_examples=int(os.environ.get("REFWASM_FORMAL_EXAMPLES", "60")),
                  deadline=None)
INT = {32: NumType.I32, 64: NumType.I64}
FLOAT = {32: NumType.F32, 64: NumType.F64}
WIDTHS = [32, 64]


def ints(N: int) -> st.SearchStrategy[int]:
    """Every N-bit pattern: CrossHair sees one symbolic integer, random runs a uniform one."""
    return st.integers(0, (1 << N) - 1)


# -- Integer operators ----------------------------------------------------------------------------


@pytest.mark.parametrize("op", INT_BINOPS, ids=lambda op: op.name.lower())
@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_int_binop(N: int, op: BinOp, data: st.DataObject) -> None:
    """``ibinop``: every result, and every trap (``idiv``/``irem`` by zero, ``idiv_s``
    overflow), against the big-integer model."""
    a, b = data.draw(ints(N)), data.draw(ints(N))
    assert outcome(lambda: binop_fn(INT[N], op)(a, b)) == model_int_binop(N, op, a, b)


@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_int_relops_and_eqz(N: int, data: st.DataObject) -> None:
    a, b = data.draw(ints(N)), data.draw(ints(N))
    for rel, model in INT_RELOPS.items():
        assert relop_fn(INT[N], rel)(a, b) == int(model(N, a, b)), rel


@pytest.mark.parametrize("op", [UnOp.CLZ, UnOp.CTZ, UnOp.POPCNT, UnOp.EXTEND8_S,
                                UnOp.EXTEND16_S, UnOp.EXTEND32_S], ids=lambda op: op.name.lower())
@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_int_unop(N: int, op: UnOp, data: st.DataObject) -> None:
    if op == UnOp.EXTEND32_S and N == 32:
        return
    a = data.draw(ints(N))
    assert unop_fn(INT[N], op)(a) == model_int_unop(N, op, a)


# -- Float operators ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", [BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV],
                         ids=lambda op: op.name.lower())
@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_float_arith(N: int, op: BinOp, data: st.DataObject) -> None:
    z1, z2 = data.draw(ints(N)), data.draw(ints(N))
    assert binop_fn(FLOAT[N], op)(z1, z2) == model_arith(N, op, z1, z2)


@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_float_sqrt(N: int, data: st.DataObject) -> None:
    z = data.draw(ints(N))
    assert unop_fn(FLOAT[N], UnOp.SQRT)(z) == model_sqrt(N, z)


@pytest.mark.parametrize("op", [BinOp.MIN, BinOp.MAX], ids=lambda op: op.name.lower())
@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_float_min_max(N: int, op: BinOp, data: st.DataObject) -> None:
    z1, z2 = data.draw(ints(N)), data.draw(ints(N))
    assert binop_fn(FLOAT[N], op)(z1, z2) == model_minmax(N, op, z1, z2)


@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_float_sign_operators(N: int, data: st.DataObject) -> None:
    """``fabs``, ``fneg``, ``fcopysign`` touch the sign bit only, NaNs included."""
    z1, z2 = data.draw(ints(N)), data.draw(ints(N))
    sign = 1 << (N - 1)
    assert unop_fn(FLOAT[N], UnOp.ABS)(z1) == z1 % sign
    assert unop_fn(FLOAT[N], UnOp.NEG)(z1) == (z1 + sign) % (2 * sign)
    assert binop_fn(FLOAT[N], BinOp.COPYSIGN)(z1, z2) == z1 % sign + (sign if z2 >= sign else 0)


@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_nan_results_are_arithmetic_or_canonical(N: int, data: st.DataObject) -> None:
    """``nans``: a NaN result is canonical when every NaN operand is, else arithmetic
    (quiet bit set); a non-NaN result comes only from non-NaN operands."""
    z1, z2 = data.draw(ints(N)), data.draw(ints(N))
    quiet = 1 << (fields(N, canonical(N))[2].bit_length() - 1)
    nan_inputs = [z for z in (z1, z2) if is_nan(N, z)]
    for op in (BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.MIN, BinOp.MAX):
        r = binop_fn(FLOAT[N], op)(z1, z2)
        if not is_nan(N, r):
            assert not nan_inputs, op
        elif all(fields(N, z)[2] == quiet for z in nan_inputs):
            assert fields(N, r)[2] == quiet, op
        else:
            assert fields(N, r)[2] & quiet, op


# -- Conversions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", list(TRUNCS), ids=lambda op: op.name.lower())
@pytest.mark.parametrize("M", WIDTHS)
@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_trunc(N: int, M: int, op: CvtOp, data: st.DataObject) -> None:
    """``trunc``/``trunc_sat``: iN from fM, with the traps of NaN and out-of-range values."""
    z = data.draw(ints(M))
    signed, saturating = TRUNCS[op]
    assert (outcome(lambda: cvtop_fn(INT[N], FLOAT[M], op)(z))
            == model_trunc(M, N, signed, saturating, z))


@pytest.mark.parametrize("signed", [False, True], ids=["u", "s"])
@pytest.mark.parametrize("M", WIDTHS)
@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_convert(N: int, M: int, signed: bool, data: st.DataObject) -> None:
    """``convert``: fN from iM, rounded to nearest, ties to even."""
    i = data.draw(ints(M))
    op = CvtOp.CONVERT_S if signed else CvtOp.CONVERT_U
    value = sgn(M, i) if signed else i
    assert cvtop_fn(FLOAT[N], INT[M], op)(i) == model_round(N, Fraction(value))


@FORMAL
@given(ints(64))
def test_demote(z: int) -> None:
    result = cvtop_fn(NumType.F32, NumType.F64, CvtOp.DEMOTE)(z)
    if is_nan(64, z):
        assert is_nan(32, result) and fields(32, result)[2] >> 22 == 1
        return
    v = decode(64, z)
    if isinstance(v, tuple):
        assert result == (0x7F800000 if v[0] == "inf" else 0) | (z >> 63 << 31)
    else:
        assert result == model_round(32, v)


@FORMAL
@given(ints(32))
def test_promote(z: int) -> None:
    result = cvtop_fn(NumType.F64, NumType.F32, CvtOp.PROMOTE)(z)
    if is_nan(32, z):
        assert is_nan(64, result) and fields(64, result)[2] >> 51 == 1
        return
    v = decode(32, z)
    if isinstance(v, tuple):
        assert result == (0x7FF0000000000000 if v[0] == "inf" else 0) | (z >> 31 << 63)
    else:
        assert result == model_round(64, v)


# -- LEB128 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("N", [7, 32, 33, 64])
@FORMAL
@given(st.data())
def test_leb128_unsigned_round_trip(N: int, data: st.DataObject) -> None:
    """``binary-uint``: the shortest encoding, read back whole; at most ceil(N/7) bytes."""
    n = data.draw(st.integers(0, (1 << N) - 1))
    encoded = encode_u(n)
    assert len(encoded) == max(1, math.ceil(n.bit_length() / 7))
    reader = Reader(encoded)
    assert reader.u(N) == n and reader.eof()


@pytest.mark.parametrize("N", [7, 32, 33, 64])
@FORMAL
@given(st.data())
def test_leb128_signed_round_trip(N: int, data: st.DataObject) -> None:
    """``binary-sint``: the shortest encoding (room for the sign bit), read back whole."""
    n = data.draw(st.integers(-(1 << (N - 1)), (1 << (N - 1)) - 1))
    encoded = encode_s(n)
    assert len(encoded) == math.ceil(((n if n >= 0 else ~n).bit_length() + 1) / 7)
    reader = Reader(encoded)
    assert reader.s(N) == n and reader.eof()


@pytest.mark.parametrize("N", [32, 64])
@FORMAL
@given(st.data())
def test_leb128_padded_unsigned(N: int, data: st.DataObject) -> None:
    """Padding with continuation bytes is allowed up to ceil(N/7) bytes, an error beyond."""
    n = data.draw(st.integers(0, (1 << N) - 1))
    size = data.draw(st.integers(len(encode_u(n)), math.ceil(N / 7) + 1))
    groups = [(n >> (7 * k)) & 0x7F for k in range(size)]
    encoded = bytes([g | 0x80 for g in groups[:-1]] + [groups[-1]])
    try:
        assert Reader(encoded).u(N) == n and size <= math.ceil(N / 7)
    except MalformedError:
        assert size > math.ceil(N / 7)


# -- Float literals -------------------------------------------------------------------------------


def exact_decimal(x: Fraction) -> str:
    """The finite decimal expansion of a dyadic rational (every float has one)."""
    k = x.denominator.bit_length() - 1  # the denominator is 2^k
    digits = str(abs(x.numerator) * 5**k).rjust(k + 1, "0")
    sign = "-" if x < 0 else ""
    return f"{sign}{digits[: len(digits) - k]}.{digits[len(digits) - k :]}e0" if k else f"{sign}{digits}"


@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_hex_float_literal_round_trip(N: int, data: st.DataObject) -> None:
    """The printer's literal for any bit pattern (NaN payloads, subnormals, -0) parses back."""
    z = data.draw(ints(N))
    assert parse_float(format_float(z, N), N) == z


@pytest.mark.parametrize("N", WIDTHS)
@FORMAL
@given(st.data())
def test_decimal_float_literal(N: int, data: st.DataObject) -> None:
    """A value's exact decimal expansion denotes it; the midpoint to the next value up rounds
    to the even one of the two (``float-rounding``)."""
    z = data.draw(st.integers(0, (0xFF << 23) - 1 if N == 32 else (0x7FF << 52) - 1))
    v = decode(N, z)
    exact = Fraction(0) if isinstance(v, tuple) else v
    assert parse_float(exact_decimal(exact), N) == z
    upper = decode(N, z + 1)
    if isinstance(upper, tuple):  # z is the largest value: the midpoint rounds to infinity
        with pytest.raises(MalformedError):
            parse_float(exact_decimal((exact + Fraction(2) ** (2 ** (N // 32 * 3 + 4))) / 2), N)
        return
    halfway = parse_float(exact_decimal((exact + upper) / 2), N)
    assert halfway == (z if z % 2 == 0 else z + 1)


# -- Import matching: limits and subtyping --------------------------------------------------------


def limits_model(actual: tuple[int, int | None], expected: tuple[int, int | None]) -> bool:
    """``match-limits`` as interval inclusion: [n1, m1] within [n2, m2], no max = infinity."""
    (n1, m1), (n2, m2) = actual, expected
    top1 = math.inf if m1 is None else m1
    top2 = math.inf if m2 is None else m2
    return n2 <= n1 and top1 <= top2


limits = st.tuples(st.integers(0, 1 << 33), st.none() | st.integers(0, 1 << 33))


@FORMAL
@given(limits, limits)
def test_match_limits(actual: tuple[int, int | None], expected: tuple[int, int | None]) -> None:
    assert match_limits(Limits(*actual), Limits(*expected)) == limits_model(actual, expected)


A = AbsHeapType
# Each abstract heap type with everything it is a subtype of (3.0 ``Heaptype_sub``), by hand.
ABOVE: dict[AbsHeapType, set[AbsHeapType]] = {
    A.ANY: {A.ANY}, A.EQ: {A.EQ, A.ANY},
    A.I31: {A.I31, A.EQ, A.ANY}, A.STRUCT: {A.STRUCT, A.EQ, A.ANY},
    A.ARRAY: {A.ARRAY, A.EQ, A.ANY}, A.NONE: {A.NONE, A.I31, A.STRUCT, A.ARRAY, A.EQ, A.ANY},
    A.FUNC: {A.FUNC}, A.NOFUNC: {A.NOFUNC, A.FUNC},
    A.EXN: {A.EXN}, A.NOEXN: {A.NOEXN, A.EXN},
    A.EXTERN: {A.EXTERN}, A.NOEXTERN: {A.NOEXTERN, A.EXTERN},
}  # fmt: skip
heaptypes = st.sampled_from(sorted(ABOVE, key=lambda h: h.value))


@FORMAL
@given(heaptypes, heaptypes, st.booleans(), st.booleans())
def test_abstract_subtyping(h1: AbsHeapType, h2: AbsHeapType, null1: bool, null2: bool) -> None:
    """``Heaptype_sub`` and ``Reftype_sub`` on abstract heap types: the hand-written lattice,
    and nullability may only widen."""
    ctx = Context()
    assert heaptype_sub(ctx, h1, h2) == (h2 in ABOVE[h1])
    assert heaptype_sub(ctx, A.BOT, h2)
    assert reftype_sub(ctx, RefType(null1, h1), RefType(null2, h2)) == (
        (null2 or not null1) and h2 in ABOVE[h1])
