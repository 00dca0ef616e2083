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

from refwasm.commands.common import (
    EXIT_INVALID,
    NotAModule,
    add_spec_arguments,
    features_of,
    load_module,
    read_input,
    show_error,
)
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
    parser.add_argument("file", help="a binary or text module, or - for stdin")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_spec_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from refwasm.validation import validate_module

    features = features_of(args)
    data = read_input(args.file)
    module = None
    try:
        module = load_module(args.file, data, features)
        validate_module(module, features)
    except NotAModule as e:
        print(f"refwasm inspect: {e}", file=sys.stderr)
        return EXIT_INVALID
    except WasmError as e:
        if args.json:
            print(json.dumps({"error": {"kind": e.kind, "message": e.message}}))
        show_error(args.file, e, data, module)
        return EXIT_INVALID
    info = describe(module)
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    for section in ("imports", "exports", "customSections"):
        print(f"{section}:")
        for entry in info[section]:
            print("  " + " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()))
    return 0
