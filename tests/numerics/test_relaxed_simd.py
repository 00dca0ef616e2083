"""Relaxed SIMD (3.0), instruction by instruction: the opcode (``0xFD 256``-``275``) and the
text mnemonic of each, their gating by ``relaxed_simd``, validation, and execution at the inputs
where the spec allows several results, where refwasm takes the deterministic choice (R = 0,
``refwasm.numerics.vector``'s docstring).  The ``.wast`` runner's ``either`` is checked on both
engines at the end."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from refwasm.binary import decode_module
from refwasm.binary.encode import encode_module
from refwasm.binary.leb128 import encode_u
from refwasm.binary.opcodes import ENCODINGS, FD_OPCODES, Imm
from refwasm.engines import engine_named
from refwasm.errors import (
    ILLEGAL_OPCODE,
    UNKNOWN_OPERATOR,
    UNSUPPORTED_INSTRUCTION,
    InvalidError,
    MalformedError,
)
from refwasm.features import Features, Version
from refwasm.numerics.vector import vector_fn
from refwasm.script.report import FileReport
from refwasm.script.runner import run_script
from refwasm.syntax import (
    Instr,
    Shape,
    VBinOp,
    VBinop,
    VCvtOp,
    VCvtop,
    VExtBinOp,
    VExtbinop,
    VExtTernOp,
    VExtternop,
    VSwizzlOp,
    VSwizzlop,
    VTernOp,
    VTernop,
)
from refwasm.text.parser import parse_module
from refwasm.text.printer import print_module
from refwasm.text.script import parse_script
from refwasm.validation import validate_module

WASM_3_0 = Features.for_version("3.0")
WASM_2_0 = Features.for_version("2.0")
I8X16, I16X8, I32X4, I64X2 = Shape.I8X16, Shape.I16X8, Shape.I32X4, Shape.I64X2
F32X4, F64X2 = Shape.F32X4, Shape.F64X2

# (mnemonic, 0xFD sub-opcode, instruction, v128 operands): 3.0 5.3-binary.instructions and the
# test suite's names (the SpecTec text grammar has no relaxed dot).
RELAXED: list[tuple[str, int, Instr, int]] = [
    ("i8x16.relaxed_swizzle", 256, VSwizzlop(VSwizzlOp.RELAXED_SWIZZLE), 2),
    ("i32x4.relaxed_trunc_f32x4_s", 257, VCvtop(I32X4, F32X4, VCvtOp.RELAXED_TRUNC_S), 1),
    ("i32x4.relaxed_trunc_f32x4_u", 258, VCvtop(I32X4, F32X4, VCvtOp.RELAXED_TRUNC_U), 1),
    ("i32x4.relaxed_trunc_f64x2_s_zero", 259,
     VCvtop(I32X4, F64X2, VCvtOp.RELAXED_TRUNC_S_ZERO), 1),
    ("i32x4.relaxed_trunc_f64x2_u_zero", 260,
     VCvtop(I32X4, F64X2, VCvtOp.RELAXED_TRUNC_U_ZERO), 1),
    ("f32x4.relaxed_madd", 261, VTernop(F32X4, VTernOp.RELAXED_MADD), 3),
    ("f32x4.relaxed_nmadd", 262, VTernop(F32X4, VTernOp.RELAXED_NMADD), 3),
    ("f64x2.relaxed_madd", 263, VTernop(F64X2, VTernOp.RELAXED_MADD), 3),
    ("f64x2.relaxed_nmadd", 264, VTernop(F64X2, VTernOp.RELAXED_NMADD), 3),
    ("i8x16.relaxed_laneselect", 265, VTernop(I8X16, VTernOp.RELAXED_LANESELECT), 3),
    ("i16x8.relaxed_laneselect", 266, VTernop(I16X8, VTernOp.RELAXED_LANESELECT), 3),
    ("i32x4.relaxed_laneselect", 267, VTernop(I32X4, VTernOp.RELAXED_LANESELECT), 3),
    ("i64x2.relaxed_laneselect", 268, VTernop(I64X2, VTernOp.RELAXED_LANESELECT), 3),
    ("f32x4.relaxed_min", 269, VBinop(F32X4, VBinOp.RELAXED_MIN), 2),
    ("f32x4.relaxed_max", 270, VBinop(F32X4, VBinOp.RELAXED_MAX), 2),
    ("f64x2.relaxed_min", 271, VBinop(F64X2, VBinOp.RELAXED_MIN), 2),
    ("f64x2.relaxed_max", 272, VBinop(F64X2, VBinOp.RELAXED_MAX), 2),
    ("i16x8.relaxed_q15mulr_s", 273, VBinop(I16X8, VBinOp.RELAXED_Q15MULR_S), 2),
    ("i16x8.relaxed_dot_i8x16_i7x16_s", 274,
     VExtbinop(I16X8, I8X16, VExtBinOp.RELAXED_DOT_S), 2),
    ("i32x4.relaxed_dot_i8x16_i7x16_add_s", 275,
     VExtternop(I32X4, I8X16, VExtTernOp.RELAXED_DOT_ADD_S), 3),
]  # fmt: skip
IDS = [name for name, *_ in RELAXED]
HEADER = b"\x00asm\x01\x00\x00\x00"


def _section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id]) + encode_u(len(payload)) + payload


def _module_bytes(code: int, operands: int) -> bytes:
    """``(func (param v128 ...) (result v128) local.get 0 ... <op>)``"""
    functype = b"\x60" + encode_u(operands) + b"\x7b" * operands + b"\x01\x7b"
    gets = b"".join(b"\x20" + encode_u(i) for i in range(operands))
    body = b"\x00" + gets + b"\xfd" + encode_u(code) + b"\x0b"
    return (HEADER + _section(1, b"\x01" + functype) + _section(3, b"\x01\x00")
            + _section(10, b"\x01" + encode_u(len(body)) + body))  # fmt: skip


def _module_text(name: str, operands: int) -> str:
    params = " ".join(["v128"] * operands)
    gets = " ".join(f"local.get {i}" for i in range(operands))
    return f"(module (func (param {params}) (result v128) {gets} {name}))"


# -- Binary format -------------------------------------------------------------------------------


def test_the_table_has_every_relaxed_opcode() -> None:
    relaxed = {code for code, op in FD_OPCODES.items() if op.feature == "relaxed_simd"}
    assert relaxed == set(range(256, 276)) == {code for _, code, _, _ in RELAXED}


@pytest.mark.parametrize(("name", "code", "instr", "operands"), RELAXED, ids=IDS)
def test_opcode_decodes_and_encodes(name: str, code: int, instr: Instr, operands: int) -> None:
    data = _module_bytes(code, operands)
    module = decode_module(data, WASM_3_0)
    assert module.funcs[0].body[-1] == instr
    assert ENCODINGS[(Imm.PLAIN, instr)] == b"\xfd" + encode_u(code)
    assert encode_module(module, WASM_3_0) == data


@pytest.mark.parametrize(("name", "code", "instr", "operands"), RELAXED, ids=IDS)
def test_opcode_is_illegal_before_3_0(name: str, code: int, instr: Instr, operands: int) -> None:
    with pytest.raises(MalformedError) as info:
        decode_module(_module_bytes(code, operands), WASM_2_0)
    assert info.value.message == ILLEGAL_OPCODE


@pytest.mark.peer
def test_opcodes_mean_what_wabt_says(tmp_path: Path) -> None:
    if shutil.which("wasm-objdump") is None:
        pytest.skip("wasm-objdump (wabt) is not on PATH")
    for name, code, _, operands in RELAXED:
        path = tmp_path / f"{code}.wasm"
        path.write_bytes(_module_bytes(code, operands))
        listing = subprocess.run(["wasm-objdump", "-d", str(path)], capture_output=True,
                                 text=True, check=True).stdout  # fmt: skip
        assert f"| {name}\n" in listing, (code, listing)


# -- Text format and validation ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "code", "instr", "operands"), RELAXED, ids=IDS)
def test_mnemonic_parses_prints_and_validates(
    name: str, code: int, instr: Instr, operands: int
) -> None:
    module = parse_module(_module_text(name, operands), WASM_3_0)
    assert module.funcs[0].body[-1] == instr
    printed = print_module(module)
    assert f" {name})" in printed
    assert parse_module(printed, WASM_3_0) == module
    validate_module(module, WASM_3_0)


@pytest.mark.parametrize(("name", "code", "instr", "operands"), RELAXED, ids=IDS)
def test_mnemonic_is_unknown_and_instruction_invalid_before_3_0(
    name: str, code: int, instr: Instr, operands: int
) -> None:
    with pytest.raises(MalformedError) as info:
        parse_module(_module_text(name, operands), WASM_2_0)
    assert info.value.message.startswith(UNKNOWN_OPERATOR)
    # A tree built directly (not parsed) is still not valid under 2.0 rules.
    module = parse_module(_module_text(name, operands), WASM_3_0)
    with pytest.raises(InvalidError) as invalid:
        validate_module(module, WASM_2_0)
    assert invalid.value.message == UNSUPPORTED_INSTRUCTION


@pytest.mark.parametrize(("name", "code", "instr", "operands"), RELAXED, ids=IDS)
def test_operand_count_is_checked(name: str, code: int, instr: Instr, operands: int) -> None:
    module = parse_module(_module_text(name, operands - 1), WASM_3_0)
    with pytest.raises(InvalidError):
        validate_module(module, WASM_3_0)


# -- Execution: the deterministic choice at the relaxed inputs -----------------------------------


def _join(w: int, lanes: list[int]) -> int:
    fmt = {8: "B", 16: "H", 32: "I", 64: "Q"}[w]
    return int.from_bytes(struct.pack(f"<{128 // w}{fmt}", *(c & ((1 << w) - 1) for c in lanes)),
                          "little")  # fmt: skip


def _split(w: int, v: int) -> list[int]:
    fmt = {8: "B", 16: "H", 32: "I", 64: "Q"}[w]
    return list(struct.unpack(f"<{128 // w}{fmt}", v.to_bytes(16, "little")))


def f32(x: float) -> int:
    bits: int = struct.unpack("<I", struct.pack("<f", x))[0]
    return bits


def f64(x: float) -> int:
    bits: int = struct.unpack("<Q", struct.pack("<d", x))[0]
    return bits


def run(instr: Instr, *operands: int) -> int:
    arity, fn = vector_fn(instr)
    assert arity == len(operands)
    result: int = fn(*operands)
    return result


F32_NAN, F64_NAN = 0x7FC0_0000, 0x7FF8_0000_0000_0000


def test_relaxed_swizzle_takes_0_for_every_out_of_range_index() -> None:
    a = _join(8, [0x10 + i for i in range(16)])
    # 16 and 0x7F are the relaxed indices (0 or lane i mod 16); 0x80, 0xFF are always 0.
    indices = [0, 15, 16, 0x7F, 0x80, 0xFF, 3, 17] * 2
    expected = [0x10, 0x1F, 0, 0, 0, 0, 0x13, 0] * 2
    assert _split(8, run(VSwizzlop(VSwizzlOp.RELAXED_SWIZZLE), a, _join(8, indices))) == expected


def test_relaxed_trunc_f32x4_saturates_and_maps_nan_to_0() -> None:
    v = _join(32, [F32_NAN, f32(3e9), f32(-3e9), f32(-1.5)])
    signed = run(VCvtop(I32X4, F32X4, VCvtOp.RELAXED_TRUNC_S), v)
    assert _split(32, signed) == [0, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
    v = _join(32, [F32_NAN, f32(5e9), f32(-1.0), f32(2.9)])
    unsigned = run(VCvtop(I32X4, F32X4, VCvtOp.RELAXED_TRUNC_U), v)
    assert _split(32, unsigned) == [0, 0xFFFF_FFFF, 0, 2]


def test_relaxed_trunc_f64x2_zero_saturates_and_zeroes_the_upper_lanes() -> None:
    v = _join(64, [F64_NAN | 1 << 63, f64(-2147483904.0)])
    signed = run(VCvtop(I32X4, F64X2, VCvtOp.RELAXED_TRUNC_S_ZERO), v)
    assert _split(32, signed) == [0, 0x8000_0000, 0, 0]
    v = _join(64, [f64(-1.0), f64(4294967296.0)])
    unsigned = run(VCvtop(I32X4, F64X2, VCvtOp.RELAXED_TRUNC_U_ZERO), v)
    assert _split(32, unsigned) == [0, 0xFFFF_FFFF, 0, 0]


@pytest.mark.parametrize("shape", [F32X4, F64X2])
def test_relaxed_madd_and_nmadd_round_the_product_first(shape: Shape) -> None:
    w, bits = (32, f32) if shape is F32X4 else (64, f64)
    ulp = 2.0 ** (-23 if w == 32 else -52)
    x = bits(1 + ulp)  # x * x = 1 + 2 ulp + ulp^2: the ulp^2 is lost when the product rounds
    y = bits(1 + 2 * ulp)
    neg = 1 << (w - 1)
    dim = 128 // w
    madd = run(VTernop(shape, VTernOp.RELAXED_MADD),
               _join(w, [x] * dim), _join(w, [x] * dim), _join(w, [y | neg] * dim))  # fmt: skip
    assert madd == 0  # unfused: +0; fused would be ulp^2
    nmadd = run(VTernop(shape, VTernOp.RELAXED_NMADD),
                _join(w, [x] * dim), _join(w, [x] * dim), _join(w, [y] * dim))  # fmt: skip
    assert nmadd == 0
    plain = run(VTernop(shape, VTernOp.RELAXED_MADD),
                _join(w, [bits(2.0)] * dim), _join(w, [bits(3.0)] * dim),
                _join(w, [bits(1.0)] * dim))  # fmt: skip
    assert _split(w, plain) == [bits(7.0)] * dim


@pytest.mark.parametrize("shape", [F32X4, F64X2])
def test_relaxed_min_max_behave_as_min_max(shape: Shape) -> None:
    w, bits, nan = (32, f32, F32_NAN) if shape is F32X4 else (64, f64, F64_NAN)
    neg_zero = 1 << (w - 1)
    pad = [bits(1.0)] * (128 // w - 2)
    a = _join(w, [0, nan, *pad])
    b = _join(w, [neg_zero, bits(1.0), *pad])
    low, high = (_split(w, run(VBinop(shape, op), a, b))
                 for op in (VBinOp.RELAXED_MIN, VBinOp.RELAXED_MAX))  # fmt: skip
    assert low[0] == neg_zero and high[0] == 0
    # A NaN operand gives a NaN (fmin/fmax), not the other operand.
    for lane in (low[1], high[1]):
        assert lane & nan == nan and lane != bits(1.0)


def test_relaxed_laneselect_selects_bitwise_at_every_width() -> None:
    a, b = _join(8, [0xAA] * 16), _join(8, [0x55] * 16)
    for shape, w in ((I8X16, 8), (I16X8, 16), (I32X4, 32), (I64X2, 64)):
        # A mask mixing set and cleared bits: bitselect (R = 0), not the top bit spread.
        mask = _join(w, [0x0F] * (128 // w))
        got = run(VTernop(shape, VTernOp.RELAXED_LANESELECT), a, b, mask)
        assert got == (a & mask) | (b & ~mask & ((1 << 128) - 1)), shape


def test_relaxed_q15mulr_saturates_the_one_overflow() -> None:
    a = _join(16, [0x8000, 0x4000, 0xC000, 0x8000] * 2)
    b = _join(16, [0x8000, 0x4000, 0x4000, 0x7FFF] * 2)
    got = run(VBinop(I16X8, VBinOp.RELAXED_Q15MULR_S), a, b)
    assert _split(16, got) == [0x7FFF, 0x2000, 0xE000, 0x8001] * 2


def test_relaxed_dot_reads_the_second_operand_signed() -> None:
    dot = VExtbinop(I16X8, I8X16, VExtBinOp.RELAXED_DOT_S)
    # 0xFF is -1 signed (R = 0), 255 unsigned (R = 1): 1 * -1 + 1 * -1 = -2.
    assert _split(16, run(dot, _join(8, [1] * 16), _join(8, [0xFF] * 16))) == [0xFFFE] * 8
    # -128 * -128 twice is 32768: saturated to 32767.
    assert _split(16, run(dot, _join(8, [0x80] * 16), _join(8, [0x80] * 16))) == [0x7FFF] * 8


def test_relaxed_dot_add_accumulates_the_signed_dot() -> None:
    dot_add = VExtternop(I32X4, I8X16, VExtTernOp.RELAXED_DOT_ADD_S)
    got = run(dot_add, _join(8, [1] * 16), _join(8, [0xFF] * 16), _join(32, [10] * 4))
    assert _split(32, got) == [6] * 4  # four products of -1, plus 10
    got = run(dot_add, _join(8, [0x80] * 16), _join(8, [0x80] * 16), _join(32, [1] * 4))
    assert _split(32, got) == [2 * 0x7FFF + 1] * 4  # the i16 pairs saturate first


# -- The runner: ``either`` on both engines ------------------------------------------------------

SCRIPT = """
(module
  (func (export "swizzle") (param v128 v128) (result v128)
    (i8x16.relaxed_swizzle (local.get 0) (local.get 1))))
(assert_return (invoke "swizzle" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
                                 (v128.const i8x16 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0))
  (either (v128.const i8x16 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)
          (v128.const i8x16 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))
(assert_return (invoke "swizzle" (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
                                 (v128.const i8x16 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0))
  (either (v128.const i8x16 2 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)
          (v128.const i8x16 3 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))
"""


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_either_accepts_any_alternative_on_both_engines(engine: str) -> None:
    script = parse_script(SCRIPT, WASM_3_0)
    session = engine_named(engine).session(WASM_3_0)
    report = run_script(script, session, FileReport("relaxed.wast"), Version.WASM_3_0)
    assert (report.passed, report.failed) == (2, 1)
    assert [f.line for f in report.failures] == [9]
    assert "(either " in report.failures[0].reason
