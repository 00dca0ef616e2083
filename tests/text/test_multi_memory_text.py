"""Multi-memory in the text format (3.0 ``6.3-text.instructions``, ``6.3-text.modules``):
``Tmemidx_(I)`` on every memory instruction and its abbreviations
(``Tplaininstr_(I)/memory/abbrev``: a left-out index is memory 0), data segments and inline
imports/exports of several memories, and the printer's inverse of all of it.  The official
``multi-memory`` folder parses, prints back and encodes back to the same module."""

from __future__ import annotations

from pathlib import Path

import pytest
from text_helpers import file_id, script_of, suite_files, text_modules

from refwasm.binary import decode_module
from refwasm.binary.encode import encode_module
from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.syntax import (
    Active,
    Const,
    Export,
    ExternIdx,
    ExternKind,
    ExternMem,
    Instr,
    Load,
    LoadPack,
    LocalGet,
    MemArg,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    Module,
    NumType,
    Store,
    Sx,
    VLoad,
    VLoadLane,
    VStore,
    VStoreLane,
)
from refwasm.text import parse_module, print_module
from refwasm.text.script_syntax import TextModule

V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")
I32, I64 = NumType.I32, NumType.I64
MEMS = '(memory $a 1) (memory $b 1) (data $d "")'


def body(text: str, features: Features = V3) -> tuple[Instr, ...]:
    module = parse_module(f"(module {MEMS} (func {text}))", features)
    return module.funcs[0].body


@pytest.mark.parametrize(
    ("text", "instr"),
    [
        ("i32.load $b", Load(I32, None, 1, MemArg(2, 0))),
        ("i32.load 1 offset=4", Load(I32, None, 1, MemArg(2, 4))),
        ("i64.load8_u $b offset=4 align=1", Load(I64, LoadPack(8, Sx.U), 1, MemArg(0, 4))),
        ("i32.load offset=4", Load(I32, None, 0, MemArg(2, 4))),
        ("i64.store32 $b align=2", Store(I64, 32, 1, MemArg(1, 0))),
        ("v128.load $b", VLoad(None, 1, MemArg(4, 0))),
        ("v128.store 1 offset=16", VStore(1, MemArg(4, 16))),
        ("memory.size $b", MemorySize(1)),
        ("memory.size", MemorySize(0)),
        ("memory.grow 1", MemoryGrow(1)),
        ("memory.fill $b", MemoryFill(1)),
        ("memory.copy", MemoryCopy(0, 0)),
        ("memory.copy $b $a", MemoryCopy(1, 0)),
        ("memory.copy 0 1", MemoryCopy(0, 1)),
        ("memory.init $d", MemoryInit(0, 0)),
        ("memory.init $b $d", MemoryInit(1, 0)),
        ("memory.init 1 0", MemoryInit(1, 0)),
    ],
)
def test_memory_index_and_its_abbreviation(text: str, instr: Instr) -> None:
    """``Tplaininstr_(I)/memory`` and ``.../memory/abbrev``."""
    assert body(text) == (instr,)


@pytest.mark.parametrize(
    ("text", "instr"),
    [
        ("v128.load8_lane 1", VLoadLane(8, 0, MemArg(0, 0), 1)),
        ("v128.load8_lane 1 2", VLoadLane(8, 1, MemArg(0, 0), 2)),
        ("v128.load16_lane $b 3", VLoadLane(16, 1, MemArg(1, 0), 3)),
        ("v128.store32_lane 1 offset=8 0", VStoreLane(32, 1, MemArg(2, 8), 0)),
        ("v128.store64_lane offset=8 1", VStoreLane(64, 0, MemArg(3, 8), 1)),
    ],
)
def test_lane_instructions_tell_memory_from_lane(text: str, instr: Instr) -> None:
    """A lone number after ``v128.loadN_lane`` is the lane; a memory index needs a lane after."""
    assert body(text) == (instr,)


def test_folded_instructions_take_memory_indices() -> None:
    text = "(memory.copy $b $a (i32.const 0) (i32.const 1) (i32.const 2))" \
        " (drop (i32.load $b offset=4 (local.get 0)))"
    assert body(f"(param i32) {text}")[3:6] == (
        MemoryCopy(1, 0), LocalGet(0), Load(I32, None, 1, MemArg(2, 4)),
    )


def test_data_segments_name_their_memory() -> None:
    """``Tdata``: ``(memory x)``, also written as a bare index (1.0) or left out."""
    module = parse_module(f"(module {MEMS} (data (memory $b) (i32.const 1) \"x\")"
                          " (data (memory 0) (offset (i32.const 2)) \"y\"))", V3)
    assert [d.mode for d in module.datas[1:]] == [
        Active(1, (Const(I32, 1),)), Active(0, (Const(I32, 2),)),
    ]


def test_inline_imports_exports_and_data_of_several_memories() -> None:
    module = parse_module(
        '(module (memory $i (import "m" "i") 1) (memory $e (export "e") (data "ab"))'
        ' (memory (export "x") (export "y") 2) (export "i" (memory $i)))', V3)
    assert module.imports[0].desc == ExternMem(module.imports[0].desc.memtype)  # type: ignore[union-attr]
    assert [m.memtype.limits.min for m in module.mems] == [1, 2]
    assert module.exports == (
        Export("e", ExternIdx(ExternKind.MEM, 1)), Export("x", ExternIdx(ExternKind.MEM, 2)),
        Export("y", ExternIdx(ExternKind.MEM, 2)), Export("i", ExternIdx(ExternKind.MEM, 0)),
    )
    assert module.datas[0].mode == Active(1, (Const(I32, 0),))


@pytest.mark.parametrize("text", ["memory.size 0", "i32.load 0", "memory.copy 0 0"])
def test_2_0_text_has_no_memory_indices(text: str) -> None:
    with pytest.raises(MalformedError):
        parse_module(f"(module (memory 1) (func {text} drop))", V2)


def test_unbound_memory_identifier_is_malformed() -> None:
    with pytest.raises(MalformedError, match="unknown memory"):
        body("i32.load $c")


def test_printer_writes_memory_indices_other_than_0() -> None:
    instrs = ("i32.load $b offset=4", "v128.store8_lane $b 3", "memory.copy $a $b",
              "memory.init $b $d", "memory.grow 1", "memory.size")
    module = parse_module(f"(module {MEMS} (func {' '.join(instrs)}))", V3)
    text = print_module(module)
    assert "i32.load 1 offset=4 align=4" in text
    assert "v128.store8_lane 1 offset=0 align=1 3" in text
    assert "memory.copy 0 1" in text and "memory.init 1 0" in text
    assert "memory.grow 1" in text and "memory.size\n" not in text
    assert parse_module(text, V3) == module


def test_printer_keeps_memory_0_in_2_0_text() -> None:
    module = parse_module("(module (memory 1) (func i32.const 0 i32.load memory.size"
                          " memory.copy drop drop))", V2)
    text = print_module(module)
    assert "i32.load offset=0 align=4" in text
    assert parse_module(text, V2) == module


FOLDER = [p for p in suite_files("3.0") if p.parent.name == "multi-memory"]


def _modules(path: Path) -> list[tuple[int, Module]]:
    out = []
    for mod in text_modules(script_of(path, "3.0")):
        if mod.malformed_message is None and isinstance(mod.source, TextModule):
            out.append((mod.line, mod.source.module))
    return out


@pytest.mark.skipif(not FOLDER, reason="official test suite not found")
@pytest.mark.parametrize("path", FOLDER, ids=[file_id(p) for p in FOLDER])
def test_suite_modules_print_and_encode_back(path: Path) -> None:
    for line, module in _modules(path):
        assert parse_module(print_module(module, V3), V3) == module, f"line {line}"
        assert decode_module(encode_module(module, V3), V3) == module, f"line {line}"
