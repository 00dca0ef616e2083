"""Numeric literals of the text format (2.0 ``text-int``, ``text-float``; SpecTec ``6.1-text.values``).

Parsing is exact: a float literal denotes a rational number (or inf/nan) and is rounded once,
to nearest with ties to even, directly into the target format with integer arithmetic
(``float-rounding``); no Python float is involved, so f32 literals are never double-rounded
through f64.  The printer's ``format_float`` writes hex floats, which denote their bits exactly.

Literals may be arbitrarily long (a fuzzer's input is), so no step is worse than linear in the
literal's length but ``parse_nat``'s exact value of a long decimal, which is subquadratic:
integers are range-checked by their number of digits before any conversion, float mantissas are
cut to the digits that can matter for rounding, and exponents saturate.  Python's limit on
converting long decimal strings (``sys.get_int_max_str_digits``) is never reached, and never
changed, since it is process-wide.
"""

from __future__ import annotations

import re
from functools import lru_cache

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


# Decimal digit strings no longer than this are converted by ``int`` directly: well below
# Python's default limit of 4,300 digits (which a program may lower to no less than 640).
_INT_CHUNK = 600
# Significant decimal digits of a float mantissa kept for rounding.  Every number a literal can
# round to or away from (an f64 or f32, or a midpoint between two) has at most 767 significant
# digits, so a mantissa cut after 800 digits, with a nonzero digit standing for any nonzero
# digits cut off, lies strictly between the same two of them as the whole mantissa.
_KEPT_DIGITS = 800
# Exponents saturate here: beyond it, every literal of any length is out of range or zero.
_EXPONENT_LIMIT = 10**18


def decimal_value(digits: str) -> int:
    """The value of a string of decimal digits, of any length (divide and conquer)."""
    if len(digits) <= _INT_CHUNK:
        return int(digits, 10)
    half = len(digits) // 2
    low = len(digits) - half
    return decimal_value(digits[:half]) * _power_of_ten(low) + decimal_value(digits[half:])


@lru_cache(maxsize=128)
def _power_of_ten(n: int) -> int:
    power: int = 10**n
    return power


def parse_nat(text: str) -> int | None:
    """The value of an unsigned literal ``uN`` without range check, or None if not one."""
    m = NAT_RE.fullmatch(text)
    if m is None:
        return None
    dec, hexa = m.groups()
    return decimal_value(dec.replace("_", "")) if dec is not None else int(hexa, 16)


def _magnitude(dec: str | None, hexa: str | None, bound: int) -> int:
    """The value of a decimal or hex integer literal, known not to exceed ``bound`` (a larger
    value raises "constant out of range", decided on the digit count before any conversion)."""
    if dec is not None:
        digits = dec.replace("_", "").lstrip("0") or "0"
        if len(digits) > len(str(bound)):
            raise MalformedError(CONSTANT_OUT_OF_RANGE)
        value = int(digits, 10)
    else:
        value = int(hexa or "0", 16)  # powers of two are converted in linear time
    if value > bound:
        raise MalformedError(CONSTANT_OUT_OF_RANGE)
    return value


def parse_uint(text: str, bits: int, message: str = CONSTANT_OUT_OF_RANGE) -> int | None:
    """``Tu8``, ``Tu32``, ``Tu64`` (``TuN(N)``) · ``text-int`` ``uN``: the value, None if the atom
    is not an unsigned literal."""
    value = parse_nat(text)
    if value is not None and value >= 1 << bits:
        raise MalformedError(message)
    return value


def parse_int(text: str, bits: int) -> int | None:
    """``Ti8``, ``Ti16``, ``Ti32``, ``Ti64`` (``TiN(N)``) · ``text-int`` ``iN`` (``uN`` or ``sN``):
    the unsigned bit pattern, None if no integer."""
    m = INT_RE.fullmatch(text)
    if m is None:
        return None
    sign, dec, hexa = m.groups()
    if sign == "-":
        return -_magnitude(dec, hexa, 1 << (bits - 1)) & ((1 << bits) - 1)
    return _magnitude(dec, hexa, (1 << bits) - 1)


def parse_float(text: str, bits: int) -> int | None:
    """``Tfloat`` · ``text-float`` ``fN``: the IEEE bit pattern, None if the atom is not a float
    literal."""
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
        frac = (frac or "").replace("_", "")
        mantissa = int(whole.replace("_", "") + frac, 16)
        exponent = _exponent(exp) - 4 * len(frac)
        sign = fmt.sign if sign_text == "-" else 0
        return sign | _round_binary(mantissa, exponent, fmt)
    if m := _DEC_FLOAT_RE.fullmatch(text):
        sign_text, whole, frac, exp = m.groups()
        frac = (frac or "").replace("_", "")
        exponent = _exponent(exp) - len(frac)
        sign = fmt.sign if sign_text == "-" else 0
        return sign | _round_decimal(whole.replace("_", "") + frac, exponent, fmt)
    return None


def _exponent(text: str | None) -> int:
    """A literal's exponent, saturated at ``±_EXPONENT_LIMIT`` (so a long one costs nothing)."""
    if text is None:
        return 0
    text = text.replace("_", "")
    negative = text.startswith("-")
    digits = text.lstrip("+-").lstrip("0") or "0"
    magnitude = int(digits) if len(digits) < 19 else _EXPONENT_LIMIT
    magnitude = min(magnitude, _EXPONENT_LIMIT)
    return -magnitude if negative else magnitude


def _round_decimal(digits: str, exponent: int, fmt: FloatFormat) -> int:
    """``float-rounding`` of ``digits * 10**exponent``: the bits of the nearest value, ties to
    even ("constant out of range" when that is infinity)."""
    digits = digits.lstrip("0")
    if not digits:
        return 0
    kept, cut = digits[:_KEPT_DIGITS], digits[_KEPT_DIGITS:]
    exponent += len(cut)
    if cut.strip("0"):
        kept += "1"  # stands for the nonzero digits cut off (see _KEPT_DIGITS)
        exponent -= 1
    # 10**(len-1+exponent) <= value < 10**(len+exponent): decide the exponents far outside the
    # format's range by digit counts, so that no power of ten is ever large.
    if len(kept) - 1 + exponent >= _digits_of_power(fmt.bias + 1):
        raise MalformedError(CONSTANT_OUT_OF_RANGE)  # above 2**(bias+1): infinity
    if len(kept) + exponent <= -_digits_of_power(fmt.bias + fmt.mant + 1):
        return 0  # below half the smallest subnormal
    mantissa = int(kept, 10)
    if exponent >= 0:
        return round_fraction(mantissa * 10**exponent, 1, fmt)
    return round_fraction(mantissa, 10**-exponent, fmt)


@lru_cache(maxsize=8)
def _digits_of_power(n: int) -> int:
    """The number of decimal digits of ``2**n`` (so ``2**n < 10**_digits_of_power(n)``)."""
    return len(str(1 << n))


def _round_binary(mantissa: int, exponent: int, fmt: FloatFormat) -> int:
    """``float-rounding`` of ``mantissa * 2**exponent``, as ``_round_decimal``."""
    if mantissa == 0:
        return 0
    # Bits below the format's rounding position (mant+1 bits under the leading one) matter only
    # through a guard bit and whether any is set: keep a few more and a sticky bit for the rest.
    excess = mantissa.bit_length() - (fmt.mant + 8)
    if excess > 0:
        sticky = 1 if mantissa & ((1 << excess) - 1) else 0
        mantissa = (mantissa >> excess) << 1 | sticky
        exponent += excess - 1
    if mantissa.bit_length() - 1 + exponent > fmt.bias + 1:
        raise MalformedError(CONSTANT_OUT_OF_RANGE)
    if mantissa.bit_length() + exponent < -(fmt.bias + fmt.mant + 2):
        return 0  # far below the smallest subnormal: rounds to zero
    if exponent >= 0:
        return round_fraction(mantissa << exponent, 1, fmt)
    return round_fraction(mantissa, 1 << -exponent, fmt)


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
