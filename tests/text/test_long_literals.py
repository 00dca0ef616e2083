"""Long numeric literals (issue 15, items 1 and 2): a typed outcome for any length, the correct
value when in range, correct rounding of long decimal floats, and no superlinear work."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from refwasm.binary import encode_module
from refwasm.errors import MalformedError
from refwasm.text import parse_module
from refwasm.text.numbers import decimal_value, parse_float, parse_int, parse_nat

F32_ONE, F64_ONE = 0x3F800000, 0x3FF0000000000000
F32_NINTH, F64_NINTH = 0x3DE38E39, 0x3FBC71C71C71C71C  # 0.111... rounded


def test_issue_reproducer_is_out_of_range() -> None:
    with pytest.raises(MalformedError, match="constant out of range"):
        parse_module("(module (func (drop (i32.const " + "1" * 4301 + "))))")


@pytest.mark.parametrize("bits", [32, 64])
def test_long_decimal_integers_out_of_range(bits: int) -> None:
    for text in ("1" * 4301, "-" + "9" * 5000, "1_" * 3000 + "1"):
        with pytest.raises(MalformedError, match="constant out of range"):
            parse_int(text, bits)


def test_long_decimal_integers_in_range() -> None:
    assert parse_int("0" * 5000 + "42", 32) == 42
    assert parse_int("-" + "0" * 5000 + "1", 64) == (1 << 64) - 1
    assert parse_int("0" * 5000 + "18446744073709551615", 64) == (1 << 64) - 1
    assert parse_int("0x" + "0" * 5000 + "ff", 32) == 255


def test_long_nat_is_exact() -> None:
    digits = "123456789" * 1000
    parts = [int(digits[i:i + 3000]) for i in range(0, 9000, 3000)]
    assert parse_nat(digits) == (parts[0] * 10**3000 + parts[1]) * 10**3000 + parts[2]
    assert parse_nat("1_" + "0" * 5000) == 10**5000
    assert decimal_value("0" * 9000 + "5") == 5


@pytest.mark.parametrize(
    ("text", "bits", "expected"),
    [
        ("1." + "0" * 420 + "1", 32, F32_ONE),
        ("0." + "1" * 500, 32, F32_NINTH),
        ("0." + "1" * 3300, 64, F64_NINTH),
        ("1" * 5000 + "e-5000", 64, F64_NINTH),
        ("0." + "0" * 5000 + "1e5001", 32, F32_ONE),
        ("1e-" + "0" * 5000 + "1", 64, 0x3FB999999999999A),
        ("0x1" + "0" * 5000 + "p-20000", 64, F64_ONE),
        ("0x1p-" + "0" * 5000 + "1", 32, 0x3F000000),
        ("1e-" + "9" * 5000, 64, 0),
        ("0." + "0" * 5000 + "1", 64, 0),
        # The midpoint between 1 and the next f32 (1 + 2^-24, exactly 25 digits), then just
        # above it by a digit thousands of places down: ties to even, then up.
        ("1.000000059604644775390625" + "0" * 3000, 32, F32_ONE),
        ("1.000000059604644775390625" + "0" * 3000 + "1", 32, F32_ONE + 1),
    ],
)
def test_long_floats_round_correctly(text: str, bits: int, expected: int) -> None:
    assert parse_float(text, bits) == expected


@pytest.mark.parametrize(
    "text",
    ["1e" + "9" * 5000, "1" * 5000, "0x1p" + "1" * 5000, "0." + "1" * 5000 + "e" + "1" * 5000],
)
def test_long_floats_out_of_range(text: str) -> None:
    with pytest.raises(MalformedError, match="constant out of range"):
        parse_float(text, 64)


def test_a_million_digits_stays_fast() -> None:
    """Linear work (the bound is loose: a loaded machine; the quadratic path took minutes)."""
    start = time.monotonic()
    parse_float("1" * 1_000_000 + "e-1000000", 64)
    parse_float("0x1" + "0" * 1_000_000 + "p-4000000", 32)
    with pytest.raises(MalformedError):
        parse_int("7" * 1_000_000, 64)
    parse_nat("7" * 200_000)
    assert time.monotonic() - start < 10


# -- Against wat2wasm ------------------------------------------------------------------------

WAT2WASM = shutil.which("wat2wasm")


def _wabt_bits(text: str, bits: int, tmp: Path) -> int | None:
    """The bits wat2wasm gives the literal in ``(fN.const text)``, None when it rejects it."""
    wat = tmp / "lit.wat"
    wat.write_text(f"(module (func (result f{bits}) (f{bits}.const {text})))")
    done = subprocess.run([WAT2WASM or "wat2wasm", str(wat), "-o", str(tmp / "lit.wasm")],
                          capture_output=True, check=False)
    if done.returncode != 0:
        return None
    data = (tmp / "lit.wasm").read_bytes()
    return int.from_bytes(data[-(bits // 8) - 1:-1], "little")  # the const's bytes, then end


def _ours(text: str, bits: int) -> int | None:
    try:
        module = parse_module(f"(module (func (result f{bits}) (f{bits}.const {text})))")
    except MalformedError:
        return None
    return int.from_bytes(encode_module(module)[-(bits // 8) - 1:-1], "little")


@pytest.mark.peer
@pytest.mark.skipif(WAT2WASM is None, reason="wat2wasm (wabt) is not on PATH")
@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    whole=st.text("0123456789", min_size=1, max_size=40),
    frac=st.text("0123456789", max_size=3500),
    exp=st.integers(-400, 400),
    bits=st.sampled_from([32, 64]),
)
@example(whole="1", frac="0" * 420 + "1", exp=0, bits=32)
@example(whole="0", frac="1" * 500, exp=0, bits=32)
@example(whole="0", frac="1" * 3300, exp=0, bits=64)
def test_long_decimal_floats_agree_with_wat2wasm(
    whole: str, frac: str, exp: int, bits: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    text = f"{whole}.{frac}e{exp}"
    assert _ours(text, bits) == _wabt_bits(text, bits, tmp_path_factory.mktemp("lit"))
