"""``refwasm inspect --json`` against V8's ``WebAssembly.Module.imports/exports/customSections``.

The modules are built from abstract syntax with refwasm's encoder, covering every import and
export kind and several custom sections (repeated names, empty and non-ASCII names, positions
between sections).  Node is the independent judge; the test skips when it is absent.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from refwasm.syntax import (
    EXTERNREF,
    FUNCREF,
    AddrType,
    Const,
    Custom,
    Export,
    ExternFunc,
    ExternGlobal,
    ExternIdx,
    ExternKind,
    ExternMem,
    ExternTable,
    Func,
    FuncType,
    Global,
    GlobalType,
    Import,
    Limits,
    Mem,
    MemType,
    Module,
    Mut,
    NumType,
    Table,
    TableType,
    Type,
    TypeIdx,
    plain_functype,
)

NODE = shutil.which("node")

NODE_SCRIPT = r"""
const fs = require('fs');
const mods = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = mods.map(({bytes, names}) => {
  try {
    const m = new WebAssembly.Module(Buffer.from(bytes, 'base64'));
    const customs = {};
    for (const n of names) customs[n] = WebAssembly.Module.customSections(m, n).map(b => b.byteLength);
    return {imports: WebAssembly.Module.imports(m), exports: WebAssembly.Module.exports(m), customs};
  } catch (e) { return {error: e.constructor.name + ': ' + e.message}; }
});
process.stdout.write(JSON.stringify(out));
"""

CUSTOM_NAMES = ["name", "producers", "", "\u00e9t\u00e9", "x" * 40, "\U0001f600", "a b"]


def _module(seed: int) -> Module:
    """A valid 2.0 module drawn from ``seed``: imports and exports of every kind, customs."""
    rng = random.Random(seed)
    sig = FuncType((NumType.I32,) * rng.randrange(3), (NumType.I64,) * rng.randrange(2))
    types = (Type(plain_functype(FuncType((), ()))), Type(plain_functype(sig)))
    imports: list[Import] = []
    for i in range(rng.randrange(4)):
        imports.append(Import("env", f"f{i}", ExternFunc(TypeIdx(rng.randrange(2)))))
    have_mem = rng.random() < 0.4
    if have_mem:
        imports.append(Import("env", "mem", ExternMem(MemType(AddrType.I32, Limits(1)))))
    for i in range(rng.randrange(3)):
        rt = rng.choice([FUNCREF, EXTERNREF])
        imports.append(Import("env", f"t{i}", ExternTable(TableType(AddrType.I32, Limits(0), rt))))
    for i in range(rng.randrange(3)):
        gt = GlobalType(rng.choice([Mut.CONST, Mut.VAR]), rng.choice(list(NumType)))
        imports.append(Import(rng.choice(["env", "js", "\u00fc"]), f"g{i}", ExternGlobal(gt)))
    rng.shuffle(imports)
    funcs = tuple(Func(0, (), ()) for _ in range(rng.randrange(1, 4)))
    mems = () if have_mem or rng.random() < 0.5 else (Mem(MemType(AddrType.I32, Limits(0, 2))),)
    tables = tuple(Table(TableType(AddrType.I32, Limits(1), FUNCREF)) for _ in range(rng.randrange(2)))
    globals_ = tuple(
        Global(GlobalType(Mut.CONST, NumType.I32), (Const(NumType.I32, rng.randrange(2**32)),))
        for _ in range(rng.randrange(3))
    )
    n_imported = {k: sum(1 for im in imports if isinstance(im.desc, c))
                  for k, c in [(ExternKind.FUNC, ExternFunc), (ExternKind.TABLE, ExternTable),
                               (ExternKind.MEM, ExternMem), (ExternKind.GLOBAL, ExternGlobal)]}
    totals = {ExternKind.FUNC: n_imported[ExternKind.FUNC] + len(funcs),
              ExternKind.TABLE: n_imported[ExternKind.TABLE] + len(tables),
              ExternKind.MEM: n_imported[ExternKind.MEM] + len(mems),
              ExternKind.GLOBAL: n_imported[ExternKind.GLOBAL] + len(globals_)}
    exports = []
    for kind, total in totals.items():
        for idx in range(total):
            if rng.random() < 0.7:
                suffix = "\u00df" * rng.randrange(2)
                exports.append(Export(f"{kind.value}{idx}{suffix}", ExternIdx(kind, idx)))
    rng.shuffle(exports)
    customs = tuple(
        Custom(rng.choice(CUSTOM_NAMES), bytes(rng.randrange(50)), after=rng.choice([0, 1, 2, 7, 10, 11]))
        for _ in range(rng.randrange(4))
    )
    return Module(types=types, imports=tuple(imports), funcs=funcs, mems=mems, tables=tables,
                  globals=globals_, exports=tuple(exports), customs=customs)


def _refwasm_inspect(path: Path) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-m", "refwasm", "inspect", "--json", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


@pytest.mark.peer
@pytest.mark.skipif(NODE is None, reason="node (V8) is not on PATH; cannot compare with WebAssembly.Module")
def test_inspect_matches_v8(tmp_path: Path) -> None:
    encode_module = pytest.importorskip("refwasm.binary").encode_module
    modules = [_module(seed) for seed in range(40)]
    blobs = [encode_module(m) for m in modules]
    request = [{"bytes": base64.b64encode(b).decode(), "names": CUSTOM_NAMES} for b in blobs]
    node = subprocess.run([NODE, "-e", NODE_SCRIPT], input=json.dumps(request),
                          capture_output=True, text=True, timeout=120, check=True)
    answers = json.loads(node.stdout)
    kinds_seen: set[str] = set()
    for i, (blob, v8) in enumerate(zip(blobs, answers, strict=True)):
        assert "error" not in v8, f"module {i} rejected by V8: {v8}"
        path = tmp_path / f"m{i}.wasm"
        path.write_bytes(blob)
        ours = _refwasm_inspect(path)
        assert ours["imports"] == v8["imports"], f"module {i}"
        assert ours["exports"] == v8["exports"], f"module {i}"
        by_name: dict[str, list[int]] = {n: [] for n in CUSTOM_NAMES}
        for c in ours["customSections"]:  # type: ignore[attr-defined]
            by_name[c["name"]].append(c["size"])
        assert by_name == v8["customs"], f"module {i}"
        kinds_seen |= {e["kind"] for e in v8["imports"] + v8["exports"]}
    assert kinds_seen == {"function", "table", "memory", "global"}


def test_inspect_reports_malformed(tmp_path: Path) -> None:
    path = tmp_path / "bad.wasm"
    path.write_bytes(b"\x00asm\x02\x00\x00\x00")
    proc = subprocess.run([sys.executable, "-m", "refwasm", "inspect", "--json", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {"error": {"kind": "malformed", "message": "unknown binary version"}}
