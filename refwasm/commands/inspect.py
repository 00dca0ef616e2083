"""``refwasm inspect FILE.wasm [--json]``: what the JS API reports about a module's bytes.

The output is what ``WebAssembly.Module.imports(m)``, ``.exports(m)`` and
``.customSections(m, name)`` return: imports as ``{module, name, kind}``, exports as
``{name, kind}``, custom sections as ``{name, size}`` in order.  Like ``new
WebAssembly.Module``, the bytes are decoded and validated first.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from refwasm.errors import WasmError
from refwasm.syntax.modules import ExternKind, Module
from refwasm.syntax.types import ExternFunc, ExternGlobal, ExternMem, ExternTable, ExternType

HELP = "decode and validate a module; list its imports, exports and custom sections"

_IMPORT_KINDS: dict[type, ExternKind] = {
    ExternFunc: ExternKind.FUNC,
    ExternTable: ExternKind.TABLE,
    ExternMem: ExternKind.MEM,
    ExternGlobal: ExternKind.GLOBAL,
}


def extern_kind(desc: ExternType) -> str:
    """The JS API's ``string`` for an extern type's kind (js-api ``Module.imports``)."""
    return _IMPORT_KINDS.get(type(desc), ExternKind.TAG).value


def describe(module: Module) -> dict[str, Any]:
    """The JS API's ``Module.imports``, ``Module.exports`` and every custom section, in order."""
    return {
        "imports": [
            {"module": im.module, "name": im.name, "kind": extern_kind(im.desc)}
            for im in module.imports
        ],
        "exports": [{"name": ex.name, "kind": ex.desc.kind.value} for ex in module.exports],
        "customSections": [{"name": c.name, "size": len(c.payload)} for c in module.customs],
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a binary module (.wasm)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--version", default=None, choices=["1.0", "2.0", "3.0"], help="spec version to apply"
    )


def run(args: argparse.Namespace) -> int:
    from refwasm.binary import decode_module
    from refwasm.features import DEFAULT_FEATURES, Features
    from refwasm.validation import validate_module

    features = DEFAULT_FEATURES if args.version is None else Features.for_version(args.version)
    with open(args.file, "rb") as f:
        data = f.read()
    try:
        module = decode_module(data, features)
        validate_module(module, features)
    except WasmError as e:
        if args.json:
            print(json.dumps({"error": {"kind": e.kind, "message": e.message}}))
        else:
            print(f"{args.file}: {e.kind}: {e.message}", file=sys.stderr)
        return 1
    info = describe(module)
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    for section in ("imports", "exports", "customSections"):
        print(f"{section}:")
        for entry in info[section]:
            print("  " + " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()))
    return 0
