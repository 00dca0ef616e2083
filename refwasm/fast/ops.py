"""The fast path's operators: what generated code calls when an operator is not one inline
Python expression (2.0 ``exec-numerics``, ``exec-instr-memory``, ``exec-instr-table``).

These are written again, independently of ``refwasm.numerics``, so that the differential tests
compare two implementations.  They work on the fast path's *register representation*:

- ``i32``/``i64``: unsigned ``int`` bit patterns (as in the reference);
- ``f64``: a Python ``float`` (an IEEE double: moves keep every bit, NaN payloads included);
- ``f32``: a Python ``float`` holding the exact single value.  A single NaN is held as the double
  NaN with the same sign and the payload shifted left by 29 bits, *without* quieting it (the
  hardware's widening quiets a signalling NaN; ``f32_of_bits`` does not), so loads, stores,
  locals and ``reinterpret`` keep an f32's bits exactly;
- ``v128`` and references: as in the reference.

Arithmetic on f32 is done in double and rounded once (``round_f32``), which is exact for
``+ - * /`` and ``sqrt`` (a double has more than 2·24+2 bits).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

from refwasm.errors import (
    INTEGER_DIVIDE_BY_ZERO,
    INTEGER_OVERFLOW,
    INVALID_CONVERSION_TO_INTEGER,
    NULL_REFERENCE,
    OUT_OF_BOUNDS_MEMORY_ACCESS,
    OUT_OF_BOUNDS_TABLE_ACCESS,
    TrapError,
)
from refwasm.execution.runtime import (
    DataInst,
    ElemInst,
    MemInst,
    Store,
    TableInst,
    copy_bytes,
    copy_elems,
    fill_bytes,
    fill_elems,
    grow_mem,
    grow_table,
)
from refwasm.execution.values import Ref, RefNullVal
from refwasm.syntax.types import PAGE_SIZE

_Q = struct.Struct("<Q")
_D = struct.Struct("<d")
_F = struct.Struct("<f")
_I = struct.Struct("<I")

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
INF = math.inf

# -- Representation: bits <-> registers -----------------------------------------------------


def f64_of_bits(b: int) -> float:
    """The register of an f64 bit pattern."""
    x: float = _D.unpack(_Q.pack(b))[0]
    return x


def bits_of_f64(x: float) -> int:
    """The bit pattern of an f64 register."""
    b: int = _Q.unpack(_D.pack(x))[0]
    return b


def f32_of_bits(b: int) -> float:
    """The register of an f32 bit pattern (NaNs keep their payload and signalling bit)."""
    if b & 0x7F800000 == 0x7F800000 and b & 0x7FFFFF:
        return f64_of_bits(((b & 0x80000000) << 32) | 0x7FF0000000000000 | ((b & 0x7FFFFF) << 29))
    x: float = _F.unpack(_I.pack(b))[0]
    return x


def bits_of_f32(x: float) -> int:
    """The bit pattern of an f32 register."""
    if x != x:
        d = bits_of_f64(x)
        return ((d >> 32) & 0x80000000) | 0x7F800000 | ((d >> 29) & 0x7FFFFF)
    b: int = _I.unpack(_F.pack(x))[0]
    return b


def round_f32(x: float) -> float:
    """The f32 register nearest a double (ties to even; beyond the largest single, infinity)."""
    try:
        y: float = _F.unpack(_F.pack(x))[0]
    except OverflowError:  # struct refuses a finite double that rounds to infinity
        return math.copysign(INF, x)
    return y


def f32_of_int(n: int) -> float:
    """``convert``: the integer ``n`` rounded once to single precision.  ``float(n)`` is exact
    below 2^53, and a single rounding from there is correct; above, round the integer itself so
    as not to round twice."""
    a = -n if n < 0 else n
    if a < 1 << 53:
        return round_f32(float(n))
    shift = a.bit_length() - 24
    q, r = a >> shift, a & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if r > half or (r == half and q & 1):
        q += 1
    v = float(q << shift)
    return -v if n < 0 else v


# -- Integer operators that need more than one expression ------------------------------------


def idiv_s(a: int, b: int, bits: int) -> int:
    """``op-idiv_s``: truncating signed division; traps on zero and on ``-2^(N-1) / -1``."""
    if b == 0:
        raise TrapError(INTEGER_DIVIDE_BY_ZERO)
    half = 1 << (bits - 1)
    x, y = (a ^ half) - half, (b ^ half) - half
    q = abs(x) // abs(y)
    if (x < 0) != (y < 0):
        q = -q
    if q == half:
        raise TrapError(INTEGER_OVERFLOW)
    return q & ((1 << bits) - 1)


def irem_s(a: int, b: int, bits: int) -> int:
    """``op-irem_s``: remainder with the sign of the dividend; traps on zero."""
    if b == 0:
        raise TrapError(INTEGER_DIVIDE_BY_ZERO)
    half = 1 << (bits - 1)
    x, y = (a ^ half) - half, (b ^ half) - half
    r = abs(x) % abs(y)
    return (-r if x < 0 else r) & ((1 << bits) - 1)


def rotl32(a: int, b: int) -> int:
    """``op-irotl`` at 32 bits."""
    k = b & 31
    return ((a << k) | (a >> (32 - k))) & M32


def rotr32(a: int, b: int) -> int:
    """``op-irotr`` at 32 bits."""
    k = b & 31
    return ((a >> k) | (a << (32 - k))) & M32


def rotl64(a: int, b: int) -> int:
    """``op-irotl`` at 64 bits."""
    k = b & 63
    return ((a << k) | (a >> (64 - k))) & M64


def rotr64(a: int, b: int) -> int:
    """``op-irotr`` at 64 bits."""
    k = b & 63
    return ((a >> k) | (a << (64 - k))) & M64


def ctz(a: int, bits: int) -> int:
    """``op-ictz``"""
    return (a & -a).bit_length() - 1 if a else bits


# -- Float operators with sign-of-zero and NaN rules Python's builtins do not follow --------


def fdiv_zero(a: float, b: float) -> float:
    """``op-fdiv`` by ±0 (Python raises there): NaN for 0/0 and NaN/0, else a signed infinity."""
    if a != a:
        return a + 0.0
    if a == 0.0:
        return math.nan
    return INF if (math.copysign(1.0, a) > 0) == (math.copysign(1.0, b) > 0) else -INF


def fsqrt(a: float) -> float:
    """``op-fsqrt``: NaN for operands below zero (``math.sqrt`` raises there)."""
    if a < 0.0:
        return math.nan
    return math.sqrt(a) if a == a else a + 0.0


def fmin(a: float, b: float) -> float:
    """``op-fmin``: NaN if either is NaN; ``-0`` below ``+0``."""
    if a != a or b != b:
        return a + b
    if a == b:
        return a if math.copysign(1.0, a) < 0 else b
    return a if a < b else b


def fmax(a: float, b: float) -> float:
    """``op-fmax``: NaN if either is NaN; ``+0`` above ``-0``."""
    if a != a or b != b:
        return a + b
    if a == b:
        return b if math.copysign(1.0, a) < 0 else a
    return a if a > b else b


def _integral(a: float, fn: Callable[[float], int]) -> float:
    """An integral rounding: NaN quieted, infinities and values beyond 2^52 (already integral)
    unchanged, the result carrying the operand's sign (so ``ceil(-0.5)`` is ``-0``)."""
    if a != a:
        return a + 0.0
    if not -4503599627370496.0 < a < 4503599627370496.0:
        return a
    return math.copysign(float(fn(a)), a)


def fceil(a: float) -> float:
    """``op-fceil``"""
    return _integral(a, math.ceil)


def ffloor(a: float) -> float:
    """``op-ffloor``"""
    return _integral(a, math.floor)


def ftrunc(a: float) -> float:
    """``op-ftrunc``"""
    return _integral(a, math.trunc)


def fnearest(a: float) -> float:
    """``op-fnearest``: ties to even (``round`` on a float does exactly that)."""
    return _integral(a, round)


def promote(a: float) -> float:
    """``op-promote``: exact, except that a NaN comes out quiet."""
    return a if a == a else a + 0.0


# -- Conversions to integers -------------------------------------------------------------------


def trunc(a: float, lo: int, hi: int) -> int:
    """``op-trunc``: toward zero into ``[lo, hi]`` (as an unsigned bit pattern of the width of
    ``hi - lo``); traps on NaN and out of range."""
    if a != a:
        raise TrapError(INVALID_CONVERSION_TO_INTEGER)
    if a in (INF, -INF):
        raise TrapError(INTEGER_OVERFLOW)
    n = math.trunc(a)
    if not lo <= n <= hi:
        raise TrapError(INTEGER_OVERFLOW)
    return n & (hi - lo)


def trunc_sat(a: float, lo: int, hi: int) -> int:
    """``op-trunc_sat``: toward zero, saturating at ``lo``/``hi``; NaN gives 0."""
    if a != a:
        return 0
    if a == INF:
        return hi & (hi - lo)
    if a == -INF:
        return lo & (hi - lo)
    n = math.trunc(a)
    return min(max(n, lo), hi) & (hi - lo)


# -- Memories (exec-instr-memory) -------------------------------------------------------------
# Bulk operations check bounds here, then write through the store's chunked helpers
# (``runtime.fill_bytes`` ...), shared with the reference: no gigabyte-sized temporary copies.

ld_u32 = _I.unpack_from
ld_u64 = _Q.unpack_from
ld_f64 = _D.unpack_from
ld_u16 = struct.Struct("<H").unpack_from
ld_s8 = struct.Struct("<b").unpack_from
ld_s16 = struct.Struct("<h").unpack_from
ld_s32 = struct.Struct("<i").unpack_from
ld_s64 = struct.Struct("<q").unpack_from
ld_v128 = struct.Struct("<QQ").unpack_from
st_u16 = struct.Struct("<H").pack_into
st_u32 = _I.pack_into
st_u64 = _Q.pack_into
st_f64 = _D.pack_into
st_v128 = struct.Struct("<QQ").pack_into
_ld_f32 = _F.unpack_from

MEMORY_ERRORS = (struct.error, IndexError, OverflowError)
"""What a load or store out of bounds raises in Python (``OverflowError``: a 64-bit address
beyond what ``struct`` takes); generated code turns it into the trap."""


def ld_f32(mem: bytearray, ea: int) -> float:
    """``f32.load``: the register of four bytes, NaN payloads kept."""
    x: float = _ld_f32(mem, ea)[0]
    if x != x:
        return f32_of_bits(_I.unpack_from(mem, ea)[0])
    return x


def st_f32(mem: bytearray, ea: int, x: float) -> None:
    """``f32.store``"""
    _I.pack_into(mem, ea, bits_of_f32(x))


def memory_grow(store: Store, mem: MemInst, n: int) -> int:
    """exec-memory.grow: the old size in pages, or -1 (as an i32) when growing fails."""
    old = len(mem.data) // PAGE_SIZE
    return old if grow_mem(store, mem, n) else (1 << mem.type.addrtype.bits) - 1


def memory_fill(mem: bytearray, d: int, val: int, n: int) -> None:
    """exec-memory.fill: bounds first, then the bytes."""
    if d + n > len(mem):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    fill_bytes(mem, d, val, n)


def memory_copy(dst: bytearray, src: bytearray, d: int, s: int, n: int) -> None:
    """exec-memory.copy: bounds first; overlapping copies as through a buffer."""
    if s + n > len(src) or d + n > len(dst):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    copy_bytes(dst, d, src, s, n)


def memory_init(mem: bytearray, data: DataInst, d: int, s: int, n: int) -> None:
    """exec-memory.init"""
    if s + n > len(data.data) or d + n > len(mem):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    copy_bytes(mem, d, data.data, s, n)


def data_drop(data: DataInst) -> None:
    """exec-data.drop"""
    data.data = b""


def vload_extend(mem: bytearray, ea: int, sz: int, lanes: int, signed: bool) -> int:
    """exec-load-extend (vector): M lanes of N bits, each extended to 2N bits."""
    step = sz // 8
    if ea + step * lanes > len(mem):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    mask = (1 << (2 * sz)) - 1
    c = 0
    for k in range(lanes):
        lane = int.from_bytes(mem[ea + k * step : ea + (k + 1) * step], "little", signed=signed)
        c |= (lane & mask) << (k * 2 * sz)
    return c


def vload_bits(mem: bytearray, ea: int, sz: int) -> int:
    """``sz`` bits read little-endian at ``ea`` (for splat, zero and lane loads)."""
    n = sz // 8
    if ea + n > len(mem):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    return int.from_bytes(mem[ea : ea + n], "little")


def vload_splat(mem: bytearray, ea: int, sz: int) -> int:
    """exec-load-splat"""
    lane = vload_bits(mem, ea, sz)
    c = 0
    for k in range(128 // sz):
        c |= lane << (k * sz)
    return c


def vload_lane(mem: bytearray, ea: int, sz: int, lane: int, v: int) -> int:
    """exec-load-lane: lane ``lane`` of ``v`` replaced by ``sz`` bits from memory."""
    shift = lane * sz
    return (v & ~(((1 << sz) - 1) << shift)) | (vload_bits(mem, ea, sz) << shift)


def vstore_lane(mem: bytearray, ea: int, sz: int, lane: int, v: int) -> None:
    """exec-store-lane"""
    n = sz // 8
    if ea + n > len(mem):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    mem[ea : ea + n] = ((v >> (lane * sz)) & ((1 << sz) - 1)).to_bytes(n, "little")


def v128_of(pair: tuple[int, int]) -> int:
    """A v128 from its two little-endian 64-bit halves."""
    return pair[0] | (pair[1] << 64)


# -- Tables (exec-instr-table) -----------------------------------------------------------------


def table_get(elem: list[Ref], i: int) -> Ref:
    """exec-table.get"""
    if i >= len(elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    return elem[i]


def table_set(elem: list[Ref], i: int, val: Ref) -> None:
    """exec-table.set"""
    if i >= len(elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    elem[i] = val


def table_grow(store: Store, tab: TableInst, val: Ref, n: int) -> int:
    """exec-table.grow: the old size, or -1 when growing fails."""
    old = len(tab.elem)
    return old if grow_table(store, tab, n, val) else (1 << tab.type.addrtype.bits) - 1


def table_fill(elem: list[Ref], i: int, val: Ref, n: int) -> None:
    """exec-table.fill"""
    if i + n > len(elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    fill_elems(elem, i, val, n)


def table_copy(dst: list[Ref], src: list[Ref], d: int, s: int, n: int) -> None:
    """exec-table.copy"""
    if s + n > len(src) or d + n > len(dst):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    copy_elems(dst, d, src, s, n)


def table_init(elem: list[Ref], seg: ElemInst, d: int, s: int, n: int) -> None:
    """exec-table.init"""
    if s + n > len(seg.elem) or d + n > len(elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    copy_elems(elem, d, seg.elem, s, n)


def ref_as_non_null(r: Ref) -> Ref:
    """Step_pure/ref.as_non_null (3.0)"""
    if r.__class__ is RefNullVal:
        raise TrapError(NULL_REFERENCE)
    return r


def elem_drop(seg: ElemInst) -> None:
    """exec-elem.drop"""
    seg.elem = []


HELPERS: dict[str, Any] = {
    name: value
    for name, value in globals().items()
    if not name.startswith("_") and (callable(value) or name in ("M32", "M64", "INF"))
}
"""What generated code sees under the prefix ``_`` (``_idiv_s``, ``_ld_u32`` ...)."""
