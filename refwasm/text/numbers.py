"""Numeric literals of the text format (2.0 ``text-int``, ``text-float``; SpecTec ``6.1-text.values``).

Parsing is exact: a float literal denotes a rational number (or inf/nan) and is rounded once,
to nearest with ties to even, directly into the target format with integer arithmetic
(``float-rounding``); no Python float is involved, so f32 literals are never double-rounded
through f64.  The printer's ``format_float`` writes hex floats, which denote their bits exactly.
"""

from __future__ import annotations

import re

from refwasm.errors import CONSTANT_OUT_OF_RANGE, MalformedError

_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9A-Fa-f](?:_?[0-9A-Fa-f])*"
INT_RE = re.compile(rf"([+-]?)(?:({_DEC})|0x({_HEX}))")
NAT_RE = re.compile(rf"(?:({_DEC})|0x({_HEX}))")
_DEC_FLOAT_RE = re.compile(rf"([+-]?)({_DEC})(?:\.({_DEC})?)?(?:[eE]([+-]?{_DEC}))?")
_HEX_FLOAT_RE = re.compile(rf"([+-]?)0x({_HEX})(?:\.({_HEX})?)?(?:[pP]([+-]?{_DEC}))?")
_SPECIAL_FLOAT_RE = re.compile(rf"([+-]?)(inf|nan(?::0x({_HEX}))?)")


class FloatFormat:
    """An IEEE 754 binary format: significand bits (without the implicit one), exponent bits."""

    __slots__ = ("bits", "mant", "exp_bits", "bias")

    def __init__(self, bits: int, mant: int) -> None:
        self.bits = bits
        self.mant = mant
        self.exp_bits = bits - 1 - mant
        self.bias = (1 << (self.exp_bits - 1)) - 1

    @property
    def inf(self) -> int:
        return ((1 << self.exp_bits) - 1) << self.mant

    @property
    def sign(self) -> int:
        return 1 << (self.bits - 1)


F32_FORMAT = FloatFormat(32, 23)
F64_FORMAT = FloatFormat(64, 52)


def float_format(bits: int) -> FloatFormat:
    """The format of an f32 (``bits=32``) or f64 (``bits=64``)."""
    return F32_FORMAT if bits == 32 else F64_FORMAT


def is_number(text: str) -> bool:
    """Whether an atom has the shape of an integer or float literal."""
    return bool(
        INT_RE.fullmatch(text)
        or _DEC_FLOAT_RE.fullmatch(text)
        or _HEX_FLOAT_RE.fullmatch(text)
        or _SPECIAL_FLOAT_RE.fullmatch(text)
    )


def parse_nat(text: str) -> int | None:
    """The value of an unsigned literal ``uN`` without range check, or None if not one."""
    m = NAT_RE.fullmatch(text)
    if m is None:
        return None
    dec, hexa = m.groups()
    return int(dec, 10) if dec is not None else int(hexa, 16)


def parse_uint(text: str, bits: int, message: str = CONSTANT_OUT_OF_RANGE) -> int | None:
    """``text-int`` ``uN``: the value, None if the atom is not an unsigned literal."""
    value = parse_nat(text)
    if value is not None and value >= 1 << bits:
        raise MalformedError(message)
    return value


def parse_int(text: str, bits: int) -> int | None:
    """``text-int`` ``iN`` (``uN`` or ``sN``): the unsigned bit pattern, None if no integer."""
    m = INT_RE.fullmatch(text)
    if m is None:
        return None
    sign, dec, hexa = m.groups()
    magnitude = int(dec, 10) if dec is not None else int(hexa, 16)
    if sign == "-":
        if magnitude > 1 << (bits - 1):
            raise MalformedError(CONSTANT_OUT_OF_RANGE)
        return -magnitude & ((1 << bits) - 1)
    if magnitude >= 1 << bits:
        raise MalformedError(CONSTANT_OUT_OF_RANGE)
    return magnitude


def parse_float(text: str, bits: int) -> int | None:
    """``text-float`` ``fN``: the IEEE bit pattern, None if the atom is not a float literal."""
    fmt = float_format(bits)
    if m := _SPECIAL_FLOAT_RE.fullmatch(text):
        sign_text, word, payload_text = m.groups()
        sign = fmt.sign if sign_text == "-" else 0
        if word == "inf":
            return sign | fmt.inf
        if payload_text is None:
            return sign | fmt.inf | 1 << (fmt.mant - 1)  # the canonical NaN
        payload = int(payload_text, 16)
        if not 1 <= payload < 1 << fmt.mant:
            raise MalformedError(CONSTANT_OUT_OF_RANGE)
        return sign | fmt.inf | payload
    if m := _HEX_FLOAT_RE.fullmatch(text):
        sign_text, whole, frac, exp = m.groups()
        digits = (whole + (frac or "")).replace("_", "")
        mantissa = int(digits, 16)
        exponent = int(exp.replace("_", "")) if exp else 0
        exponent -= 4 * len((frac or "").replace("_", ""))
        return _round(sign_text == "-", mantissa, exponent, 2, fmt)
    if m := _DEC_FLOAT_RE.fullmatch(text):
        sign_text, whole, frac, exp = m.groups()
        digits = (whole + (frac or "")).replace("_", "")
        mantissa = int(digits, 10)
        exponent = int(exp.replace("_", "")) if exp else 0
        exponent -= len((frac or "").replace("_", ""))
        return _round(sign_text == "-", mantissa, exponent, 10, fmt)
    return None


def _round(negative: bool, mantissa: int, exponent: int, base: int, fmt: FloatFormat) -> int:
    """``float-rounding``: round ``mantissa * base**exponent`` to nearest, ties to even.

    Overflow to infinity is malformed (the literal is out of range).  Exponents far outside
    the format's range are decided before building huge integers.
    """
    sign = fmt.sign if negative else 0
    if mantissa == 0:
        return sign
    # Bounds on log2 of the magnitude (10**k lies between 2**(3k) and 2**(4k)), so that
    # absurd exponents are decided before building huge integers.
    scale = 3 if base == 10 else 1
    if mantissa.bit_length() - 1 + scale * exponent > fmt.bias + 1:
        raise MalformedError(CONSTANT_OUT_OF_RANGE)
    if mantissa.bit_length() + scale * exponent < -(fmt.bias + fmt.mant + 2):
        return sign  # far below the smallest subnormal: rounds to zero
    if exponent >= 0:
        num, den = mantissa * base**exponent, 1
    else:
        num, den = mantissa, base**-exponent
    return sign | round_fraction(num, den, fmt)


def round_fraction(num: int, den: int, fmt: FloatFormat) -> int:
    """The bits of the positive rational ``num/den`` rounded to nearest-even in ``fmt``."""
    # e = floor(log2(num/den)), clamped to the subnormal exponent.
    e = num.bit_length() - den.bit_length()
    if (num << -e if e < 0 else num) < (den << e if e > 0 else den):
        e -= 1
    emin = 1 - fmt.bias
    e = max(e, emin)
    shift = fmt.mant - e  # scale so that the significand has mant+1 bits
    if shift >= 0:
        q, r = divmod(num << shift, den)
    else:
        q, r = divmod(num, den << -shift)
        den <<= -shift
    if 2 * r > den or (2 * r == den and q & 1):
        q += 1
    if q >> (fmt.mant + 1):  # rounding carried into a new binade
        q >>= 1
        e += 1
    if e > fmt.bias:
        raise MalformedError(CONSTANT_OUT_OF_RANGE)
    if q < 1 << fmt.mant:
        return q  # subnormal (or zero)
    return ((e + fmt.bias) << fmt.mant) | (q - (1 << fmt.mant))


def format_float(bits: int, width: int) -> str:
    """An exact literal for an f32/f64 bit pattern: ``nan:0x..``, ``inf`` or a hex float."""
    fmt = float_format(width)
    sign = "-" if bits & fmt.sign else ""
    exp = (bits >> fmt.mant) & ((1 << fmt.exp_bits) - 1)
    frac = bits & ((1 << fmt.mant) - 1)
    if exp == (1 << fmt.exp_bits) - 1:
        return f"{sign}inf" if frac == 0 else f"{sign}nan:0x{frac:x}"
    if exp == 0 and frac == 0:
        return f"{sign}0x0p+0"
    # ``0x1.hhhp+e`` (``0x0.hhhp-126`` for subnormals), as wat2wasm and C's %a write them.
    digits = (fmt.mant + 3) // 4
    hexfrac = f"{frac << (4 * digits - fmt.mant):0{digits}x}".rstrip("0")
    lead = "1" if exp else "0"
    power = exp - fmt.bias if exp else 1 - fmt.bias
    return f"{sign}0x{lead}{'.' + hexfrac if hexfrac else ''}p{power:+d}"
