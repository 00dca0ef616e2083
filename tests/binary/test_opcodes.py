"""The opcode tables against an independent reader, and their feature gating.

``test_every_opcode_means_what_wabt_says`` writes one instruction per table entry, decodes
the function with refwasm, names each decoded instruction from the abstract syntax alone
(``mnemonic`` below, built from the syntax's enum values, not from the tables) and compares
with the disassembly of ``wasm-objdump`` (wabt).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from binary_helpers import HEADER, section

from refwasm.binary import decode_module
from refwasm.binary.leb128 import encode_u
from refwasm.binary.opcodes import FC_OPCODES, FD_OPCODES, OPCODES, Imm, Op
from refwasm.errors import ILLEGAL_OPCODE, MalformedError
from refwasm.features import Features
from refwasm.syntax import (
    BrTable,
    CallIndirect,
    Const,
    Cvtop,
    DataDrop,
    Drop,
    ElemDrop,
    GlobalGet,
    GlobalSet,
    Instr,
    Load,
    LocalGet,
    LocalSet,
    LocalTee,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    Nop,
    RefFunc,
    RefIsNull,
    RefNull,
    Return,
    Select,
    Store,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
    Unreachable,
    VBinop,
    VBitmask,
    VConst,
    VCvtop,
    VExtbinop,
    VExtractLane,
    VExtunop,
    VLoad,
    VLoadLane,
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VNarrow,
    VRelop,
    VReplaceLane,
    VShiftop,
    VShuffle,
    VSplat,
    VStore,
    VStoreLane,
    VSwizzlop,
    VTestop,
    VUnop,
    VVBinop,
    VVTernop,
    VVTestop,
    VVUnop,
)
from refwasm.syntax import instructions as ins

# Dummy immediates per kind: enough bytes for any reader to accept.
_IMMEDIATES: dict[Imm, bytes] = {
    Imm.PLAIN: b"", Imm.BR: b"\x00", Imm.BR_IF: b"\x00", Imm.BR_TABLE: b"\x00\x00",
    Imm.CALL: b"\x00", Imm.CALL_INDIRECT: b"\x00\x00", Imm.SELECT_T: b"\x01\x7f",
    Imm.LOCAL_GET: b"\x00", Imm.LOCAL_SET: b"\x00", Imm.LOCAL_TEE: b"\x00",
    Imm.GLOBAL_GET: b"\x00", Imm.GLOBAL_SET: b"\x00", Imm.TABLE_GET: b"\x00",
    Imm.TABLE_SET: b"\x00", Imm.TABLE_SIZE: b"\x00", Imm.TABLE_GROW: b"\x00",
    Imm.TABLE_FILL: b"\x00", Imm.TABLE_COPY: b"\x00\x00", Imm.TABLE_INIT: b"\x00\x00",
    Imm.ELEM_DROP: b"\x00", Imm.LOAD: b"\x00\x00", Imm.STORE: b"\x00\x00",
    Imm.MEMORY_SIZE: b"\x00", Imm.MEMORY_GROW: b"\x00", Imm.MEMORY_INIT: b"\x00\x00",
    Imm.DATA_DROP: b"\x00", Imm.MEMORY_COPY: b"\x00\x00", Imm.MEMORY_FILL: b"\x00",
    Imm.REF_NULL: b"\x70", Imm.REF_FUNC: b"\x00", Imm.VLOAD: b"\x00\x00",
    Imm.VSTORE: b"\x00\x00", Imm.VLOAD_LANE: b"\x00\x00\x00", Imm.VSTORE_LANE: b"\x00\x00\x00",
    Imm.VCONST: bytes(16), Imm.VSHUFFLE: bytes(16), Imm.VEXTRACT_LANE: b"\x00",
    Imm.VREPLACE_LANE: b"\x00", Imm.RETURN_CALL: b"\x00", Imm.RETURN_CALL_INDIRECT: b"\x00\x00",
    Imm.CALL_REF: b"\x00", Imm.RETURN_CALL_REF: b"\x00", Imm.BR_ON_NULL: b"\x00",
    Imm.BR_ON_NON_NULL: b"\x00",
    Imm.THROW: b"\x00",
}  # fmt: skip


def _entries() -> list[tuple[bytes, Op]]:
    """Every non-structured opcode of the tables with its bytes."""
    out: list[tuple[bytes, Op]] = []
    for prefix, table in [(b"", OPCODES), (b"\xfc", FC_OPCODES), (b"\xfd", FD_OPCODES)]:
        for code, op in sorted(table.items()):
            if op.imm in (Imm.BLOCK, Imm.LOOP, Imm.IF, Imm.TRY_TABLE, Imm.PREFIX_FC, Imm.PREFIX_FD,
                          Imm.PREFIX_FB):
                continue
            opcode = prefix + (encode_u(code) if prefix else bytes([code]))
            out.append((opcode, op))
    return out


def _instr_bytes(opcode: bytes, op: Op) -> bytes:
    if op.imm is Imm.CONST:
        return opcode + b"\x00" * {"i32": 1, "i64": 1, "f32": 4, "f64": 8}[op.static[0].value]
    return opcode + _IMMEDIATES[op.imm]


def _function_module(body: bytes, datacount: bool = True) -> bytes:
    code = b"\x00" + body + b"\x0b"
    return (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
            + (section(12, b"\x00") if datacount else b"")
            + section(10, b"\x01" + encode_u(len(code)) + code))  # fmt: skip


def _sx_split(op: str) -> tuple[str, str]:
    """``trunc_sat_s_zero`` -> (``trunc_sat``, ``_s_zero``): the operator and its suffix."""
    for suffix in ("_s_zero", "_u_zero", "_zero", "_s", "_u"):
        if op.endswith(suffix):
            return op[: -len(suffix)], suffix
    return op, ""


def mnemonic(i: Instr) -> str:
    """The text-format name of an instruction, from the abstract syntax alone."""
    match i:
        case ins.Unop(nt, op) | ins.Binop(nt, op) | ins.Testop(nt, op) | ins.Relop(nt, op):
            return f"{nt.value}.{op.value}"
        case Cvtop(nt1, nt2, op):
            base, suffix = _sx_split(op.value)
            return f"{nt1.value}.{base}_{nt2.value}{suffix}"
        case Const(nt, _):
            return f"{nt.value}.const"
        case Load(nt, pack, _, _):
            return f"{nt.value}.load" + ("" if pack is None else f"{pack.sz}_{pack.sx.value}")
        case Store(nt, sz, _, _):
            return f"{nt.value}.store" + ("" if sz is None else str(sz))
        case VLoad(None, _, _):
            return "v128.load"
        case VLoad(VLoadShape(sz, m, sx), _, _):
            return f"v128.load{sz}x{m}_{sx.value}"
        case VLoad(VLoadSplat(sz), _, _):
            return f"v128.load{sz}_splat"
        case VLoad(VLoadZero(sz), _, _):
            return f"v128.load{sz}_zero"
        case VStore():
            return "v128.store"
        case VLoadLane(sz, _, _, _):
            return f"v128.load{sz}_lane"
        case VStoreLane(sz, _, _, _):
            return f"v128.store{sz}_lane"
        case VConst():
            return "v128.const"
        case VShuffle():
            return "i8x16.shuffle"
        case VSwizzlop(op):
            return f"i8x16.{op.value}"
        case VExtractLane(shape, sx, _):
            return f"{shape.value}.extract_lane" + ("" if sx is None else f"_{sx.value}")
        case VReplaceLane(shape, _):
            return f"{shape.value}.replace_lane"
        case VSplat(shape) | VBitmask(shape):
            return f"{shape.value}.{type(i).__name__[1:].lower()}"
        case VUnop(shape, op) | VBinop(shape, op) | VTestop(shape, op) | VRelop(shape, op) \
                | VShiftop(shape, op):  # fmt: skip
            return f"{shape.value}.{op.value}"
        case VVUnop(op) | VVBinop(op) | VVTernop(op) | VVTestop(op):
            return f"v128.{op.value}"
        case VNarrow(s1, s2, sx):
            return f"{s1.value}.narrow_{s2.value}_{sx.value}"
        case VExtunop(s1, s2, op) | VExtbinop(s1, s2, op) | VCvtop(s1, s2, op):
            base, suffix = _sx_split(op.value)
            return f"{s1.value}.{base}_{s2.value}{suffix}"
    simple: dict[type, str] = {
        Unreachable: "unreachable", Nop: "nop", Drop: "drop", Select: "select",
        Return: "return", RefIsNull: "ref.is_null", ins.Br: "br", ins.BrIf: "br_if",
        BrTable: "br_table", ins.Call: "call", CallIndirect: "call_indirect",
        LocalGet: "local.get", LocalSet: "local.set", LocalTee: "local.tee",
        GlobalGet: "global.get", GlobalSet: "global.set", TableGet: "table.get",
        TableSet: "table.set", TableSize: "table.size", TableGrow: "table.grow",
        TableFill: "table.fill", TableCopy: "table.copy", TableInit: "table.init",
        ElemDrop: "elem.drop", MemorySize: "memory.size", MemoryGrow: "memory.grow",
        MemoryInit: "memory.init", DataDrop: "data.drop", MemoryCopy: "memory.copy",
        MemoryFill: "memory.fill", RefNull: "ref.null", RefFunc: "ref.func",
    }  # fmt: skip
    return simple[type(i)]


@pytest.mark.peer
def test_every_opcode_means_what_wabt_says(tmp_path: Path) -> None:
    if shutil.which("wasm-objdump") is None:
        pytest.skip("wasm-objdump (wabt) is not on PATH")
    # Relaxed SIMD (3.0) is checked against wabt in tests/numerics/test_relaxed_simd.py; the
    # other 3.0 opcodes in tests/binary/test_typed_references.py.
    entries = [(code, op) for code, op in _entries()
               if op.feature is None or getattr(Features(), op.feature)]
    assert len(entries) > 400  # 1.0 + 2.0 (SIMD alone has 236)
    data = _function_module(b"".join(_instr_bytes(code, op) for code, op in entries))
    ours = [mnemonic(i) for i in decode_module(data).funcs[0].body]
    path = tmp_path / "all.wasm"
    path.write_bytes(data)
    listing = subprocess.run(["wasm-objdump", "-d", str(path)], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    theirs = [line.split("|", 1)[1].split()[0] for line in listing.splitlines()
              if "|" in line and line.split("|", 1)[1].strip()]  # fmt: skip
    assert theirs[-1] == "end"
    assert ours == theirs[:-1]


def test_2_0_opcodes_are_illegal_under_1_0() -> None:
    features = Features.for_version("1.0")
    for code, op in _entries():
        if op.feature is None:
            continue
        data = _function_module(_instr_bytes(code, op), datacount=False)
        with pytest.raises(MalformedError) as info:
            decode_module(data, features)
        assert info.value.message.startswith(ILLEGAL_OPCODE), (code.hex(), op)


def test_each_feature_flag_gates_only_its_opcodes() -> None:
    for flag in ("sign_extension", "saturating_conversions", "reference_types",
                 "bulk_memory", "simd"):  # fmt: skip
        features = Features().with_(**{flag: False})
        for code, op in _entries():
            data = _function_module(_instr_bytes(code, op), datacount=flag != "bulk_memory")
            if op.feature == flag:
                with pytest.raises(MalformedError, match=ILLEGAL_OPCODE):
                    decode_module(data, features)
            elif op.feature is None:
                decode_module(data, features)


@pytest.mark.parametrize("body", [b"\x06", b"\x0a", b"\x12", b"\x1f", b"\xc5", b"\xd3", b"\xfb",
                                  b"\xff", b"\xfc\x12", b"\xfd\x9a\x01", b"\xfd\x80\x02"])
def test_unassigned_and_3_0_opcodes_are_illegal_in_2_0(body: bytes) -> None:
    with pytest.raises(MalformedError, match=ILLEGAL_OPCODE):
        decode_module(_function_module(body), Features.for_version("2.0"))


def test_prefixed_sub_opcode_is_a_u32() -> None:
    # 0xFC 0x03 written in two bytes is still i32.trunc_sat_f64_u.
    body = decode_module(_function_module(b"\xfc\x83\x00")).funcs[0].body
    assert mnemonic(body[0]) == "i32.trunc_sat_f64_u"
