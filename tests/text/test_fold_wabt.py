"""``refwasm print --fold`` against ``wasm2wat --fold-exprs`` (wabt, a peer tool): for every
module of the 2.0 suite and of a selection of the 1.0 suite, as ``wast2json`` writes it, the
folded function bodies agree line for line once whitespace and the spelling differences listed
in ``NORMALISATIONS`` are normalised.  Both tools print the same bytes: wabt's, and refwasm's
decoding of them.  (wabt 1.0.42 does not know all of 3.0, so the 3.0 suite is left out.)"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from text_helpers import file_id, suite_files

from refwasm.binary import decode_module
from refwasm.commands.print_ import module_text
from refwasm.errors import WasmError
from refwasm.features import Features
from refwasm.syntax.modules import Module, subtypes
from refwasm.syntax.types import FuncType
from refwasm.text.printer import WAT, valtype
from refwasm.validation import validate_module

if shutil.which("wast2json") is None or shutil.which("wasm2wat") is None:
    pytest.skip("wast2json/wasm2wat (wabt) not on PATH", allow_module_level=True)
pytestmark = pytest.mark.peer

FOLD = dataclasses.replace(WAT, fold=True)
# The 1.0 files: control flow, calls and the stack, where folding has the most to do.
V1_NAMES = {"block", "br", "br_if", "br_table", "call", "call_indirect", "fac", "if", "loop",
            "nop", "return", "select", "stack", "unreachable", "unwind"}
FILES = [("2.0", p) for p in suite_files("2.0")] + [
    ("1.0", p) for p in suite_files("1.0") if p.stem in V1_NAMES]

_WIDTH = {"i32": 4, "f32": 4, "i64": 8, "f64": 8, "v128": 16}
_MEMOP = re.compile(r"\((\w+)\.(load|store)(\w*)((?: \d+)?(?: offset=\d+)?) align=(\d+)")


def _natural_align(numtype: str, suffix: str) -> int:
    """The natural alignment (bytes) of a load or store: its width, ``8x8`` eight bytes."""
    width = re.match(r"(\d+)(?:x(\d+))?", suffix.lstrip("_"))
    if width is None:
        return _WIDTH[numtype]
    return int(width.group(1)) * int(width.group(2) or 1) // 8


def _drop_natural_align(match: re.Match[str]) -> str:
    numtype, op, suffix, rest, align = match.groups()
    kept = "" if int(align) == _natural_align(numtype, suffix) else f" align={align}"
    return f"({numtype}.{op}{suffix}{rest}{kept}"


def _float(match: re.Match[str]) -> str:
    try:
        return f"({match.group(1)}.const {float.fromhex(match.group(2))!r}"
    except ValueError:  # nan:0x..., inf
        return match.group(0)


# (what, reason, side the rewrite applies to: "ours", "wabt" or "both", pattern, rewrite).
NORMALISATIONS: list[tuple[str, str, str, re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    ("float comments", "wabt follows a float literal with its decimal value, (;=1.5;)",
     "wabt", re.compile(r" \(;=[^;]*;\)"), ""),
    ("float spelling", "wabt writes a subnormal hex float normalised (0x1.p-148), refwasm "
     "with the exponent of the smallest normal (0x0.000004p-126): compared as numbers",
     "both", re.compile(r"\((f32|f64)\.const (-?0x[0-9a-fA-F.]+p[-+]?\d+)"), _float),
    ("canonical NaN", "wabt writes the canonical NaN as nan, refwasm with its payload",
     "ours", re.compile(r"\((f32\.const -?nan):0x400000\)|\((f64\.const -?nan):0x8000000000000\)"),
     lambda m: f"({m.group(1) or m.group(2)})"),
    ("v128 lanes", "wabt writes i32x4 lanes as 8 hex digits (0x00000002), refwasm without "
     "leading zeros: compared as numbers", "both",
     re.compile(r"\(v128\.const i32x4((?: 0x[0-9a-f]+){4})"),
     lambda m: "(v128.const i32x4" + "".join(f" {int(x, 16)}" for x in m.group(1).split())),
    ("natural alignment", "refwasm writes every align=, wabt only one that is not natural",
     "ours", _MEMOP, _drop_natural_align),
    ("table 0", "refwasm names table 0 in call_indirect, table.copy and table.init; wabt "
     "leaves the default out", "ours",
     re.compile(r"\((call_indirect|return_call_indirect) 0 \(|\((table\.copy) 0 0|"
                r"\((table\.init) 0 "),
     lambda m: f"({m.group(1)} (" if m.group(1) else f"({m.group(2)}" if m.group(2)
     else f"({m.group(3)} "),
    ("label numbers", "wabt numbers a block in an if's folded condition as if the if's label "
     "were in scope (the condition runs before the if); refwasm numbers label depths, as "
     "test_fold.py checks; wabt also comments each br_table target", "both",
     re.compile(r"(?<=;; label = )@\d+| \(;@\d+;\)"), ""),
]


def _block_types(module: Module) -> Callable[[re.Match[str]], str]:
    """Block type ``(type x)`` as wabt writes it: its ``(param ...) (result ...)``."""
    space = subtypes(module)

    def spelled(m: re.Match[str]) -> str:
        ft = space[int(m.group(2))].comptype
        if not isinstance(ft, FuncType):
            return m.group(0)
        params = f" (param {' '.join(valtype(t) for t in ft.params)})" if ft.params else ""
        results = f" (result {' '.join(valtype(t) for t in ft.results)})" if ft.results else ""
        return f"({m.group(1)}{params}{results}"
    return spelled


_BLOCKTYPE = re.compile(r"\((block|loop|if) \(type (\d+)\)")


def normalised(text: str, side: str, module: Module) -> list[list[str]]:
    """The lines of each function body (after its head), normalised."""
    bodies: list[list[str]] = []
    current: list[str] | None = None
    block_types = _block_types(module)
    for line in text.splitlines():
        if line.startswith("  (func"):
            current = []
            bodies.append(current)
        elif line.startswith(("  (", "(module")):
            current = None
        elif current is not None:
            if side == "ours":  # block types: wabt writes what (type x) stands for
                line = _BLOCKTYPE.sub(block_types, line)
            for _, _, applies, pattern, rewrite in NORMALISATIONS:
                if applies in (side, "both"):
                    line = pattern.sub(rewrite, line)
            current.append(line.rstrip())
    return bodies


def suite_binaries(path: Path, out: Path) -> list[tuple[int, bytes]]:
    """(line, bytes) of each module command of a script, as ``wast2json`` encodes it."""
    json_path = out / (path.stem + ".json")
    subprocess.run(["wast2json", "--enable-all", str(path), "-o", str(json_path)], check=True,
                   capture_output=True, timeout=120)
    return [(c["line"], (out / c["filename"]).read_bytes())
            for c in json.loads(json_path.read_text())["commands"]
            if c["type"] == "module" and c.get("module_type", "binary") == "binary"]


def wabt_folded(data: bytes, out: Path) -> str | None:
    (out / "m.wasm").write_bytes(data)
    done = subprocess.run(["wasm2wat", "--enable-all", "--fold-exprs", str(out / "m.wasm")],
                          capture_output=True, text=True, timeout=60)
    return done.stdout if done.returncode == 0 else None


@pytest.mark.parametrize(("version", "path"), FILES, ids=[file_id(p) for _, p in FILES])
def test_folded_bodies_agree_with_wasm2wat(version: str, path: Path, tmp_path: Path) -> None:
    features = Features.for_version(version)
    compared = 0
    for line, data in suite_binaries(path, tmp_path):
        try:
            module = decode_module(data, features)
            validate_module(module, features)
        except WasmError:
            continue  # a module the suite expects to fail to link or run may be invalid here
        theirs = wabt_folded(data, tmp_path)
        if theirs is None or not module.funcs:
            continue
        ours = module_text(module, features, FOLD)
        assert normalised(ours, "ours", module) == normalised(theirs, "wabt", module), \
            f"line {line}:\n{ours}\n{theirs}"
        compared += 1
    if not compared:
        pytest.skip("no valid module with functions that wabt reads")
