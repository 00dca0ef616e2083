"""refwasm's text -> binary against ``wat2wasm`` (via ``wast2json``), module by module.

For every text module of the 2.0 suite that wabt accepts, ``encode_module(parse_module(t))``
must equal wabt's bytes.  One difference is allowed, an encoding choice: for a block type
written ``(type x)`` whose type is ``[] -> [t?]``, the spec's text grammar (``text-blocktype``)
gives the type index ``x``, while wabt writes the equivalent short form (empty or one value
type).  Such modules must then agree after that normalisation, compared as syntax.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from text_helpers import file_id, script_of, suite_files, text_modules

from refwasm.features import Features
from refwasm.syntax.instructions import Block, BlockType, If, Instr, Loop
from refwasm.syntax.modules import Func, Module, func_type_at, subtypes
from refwasm.syntax.types import TypeIdx
from refwasm.text import parse_module
from refwasm.text.script_syntax import QuoteModule, TextModule

binary = pytest.importorskip("refwasm.binary", reason="the binary encoder (helper A) is missing")
if shutil.which("wast2json") is None:
    pytest.skip("wast2json (wabt) is not on PATH", allow_module_level=True)

FILES = suite_files("2.0")
V2 = Features.for_version("2.0")  # wabt's edition, and the suite's
pytestmark = pytest.mark.peer


def wabt_modules(path: Path, out: Path) -> list[tuple[int, bytes]]:
    """(line, bytes) of every binary module ``wast2json`` writes for a script."""
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / (path.stem + ".json")
    subprocess.run(["wast2json", str(path), "-o", str(json_path)], check=True,
                   capture_output=True)
    found: list[tuple[int, bytes]] = []
    for command in json.loads(json_path.read_text())["commands"]:
        name = command.get("filename", "")
        if name.endswith(".wasm") and command.get("module_type", "binary") == "binary":
            found.append((command["line"], (out / name).read_bytes()))
    return found


def without_empty_datacount(data: bytes) -> bytes:
    """The module's bytes without a data count section that counts 0 segments."""
    out = bytearray(data[:8])
    pos = 8
    while pos < len(data):
        section_id = data[pos]
        size, shift, cursor = 0, 0, pos + 1
        while True:  # the section size, a u32 in LEB128
            byte = data[cursor]
            size |= (byte & 0x7F) << shift
            shift += 7
            cursor += 1
            if byte < 0x80:
                break
        end = cursor + size
        if not (section_id == 12 and data[cursor:end] == b"\x00"):
            out += data[pos:end]
        pos = end
    return bytes(out)


def short_blocktypes(module: Module) -> Module:
    """``module`` with every ``(type x)`` block type of type ``[] -> [t?]`` in short form."""
    space = subtypes(module)

    def bt(blocktype: BlockType) -> BlockType:
        if isinstance(blocktype, TypeIdx):
            ft = func_type_at(space, blocktype.idx)
            if ft is not None and not ft.params and len(ft.results) <= 1:
                return ft.results[0] if ft.results else None
        return blocktype

    def instrs(body: tuple[Instr, ...]) -> tuple[Instr, ...]:
        out: list[Instr] = []
        for instr in body:
            match instr:
                case Block(b, inner):
                    instr = Block(bt(b), instrs(inner))
                case Loop(b, inner):
                    instr = Loop(bt(b), instrs(inner))
                case If(b, then, else_):
                    instr = If(bt(b), instrs(then), instrs(else_))
            out.append(instr)
        return tuple(out)

    funcs = tuple(Func(f.typeidx, f.locals, instrs(f.body)) for f in module.funcs)
    return Module(module.types, module.imports, module.tags, module.globals, module.mems,
                  module.tables, funcs, module.datas, module.elems, module.start,
                  module.exports, module.customs)


@pytest.mark.parametrize("path", FILES, ids=[file_id(p) for p in FILES])
def test_text_to_binary_matches_wat2wasm(path: Path, tmp_path: Path) -> None:
    wabt = wabt_modules(path, tmp_path)
    script = script_of(path, "2.0")
    command_lines = sorted(c.line for c in script.commands) + [1 << 60]
    mismatches: list[str] = []
    compared = 0
    for mod in text_modules(script):
        if mod.malformed_message is not None:
            continue
        assert isinstance(mod.source, TextModule | QuoteModule)
        next_line = command_lines[command_lines.index(mod.line) + 1]
        matches = [data for line, data in wabt if mod.line <= line < next_line]
        if not matches:
            continue  # wabt rejected it or wrote it as text
        module = (mod.source.module if isinstance(mod.source, TextModule)
                  else parse_module(mod.source.text, V2))
        ours = binary.encode_module(module, V2)
        compared += 1
        if ours == matches[0] or without_empty_datacount(ours) == matches[0]:
            continue
        theirs = binary.decode_module(matches[0], V2)
        if short_blocktypes(module) != short_blocktypes(theirs):
            mismatches.append(f"line {mod.line}")
    assert not mismatches, f"{len(mismatches)}/{compared} differ: " + ", ".join(mismatches)
