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
    function_names,
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


def type_listing(module: Module, names: dict[int, str]) -> dict[str, Any]:
    """``--types``: each type as text (``(type 0) (func (param i32) (result i32))``) and each
    function (imported first) with its index, name, signature, and import or exports."""
    from refwasm.syntax.modules import func_type_at, subtypes
    from refwasm.syntax.types import TypeIdx, TypeUse
    from refwasm.text.printer import signature

    space = subtypes(module)

    def sig(typeidx: int) -> str:
        ft = func_type_at(space, typeidx)
        return f"(type {typeidx}){signature(ft) if ft else ''}"

    functions: list[tuple[str | None, TypeUse]] = [
        (f"{im.module}.{im.name}", im.desc.typeuse)
        for im in module.imports if isinstance(im.desc, ExternFunc)]
    functions += [(None, TypeIdx(f.typeidx)) for f in module.funcs]
    listing = []
    for index, (imported, use) in enumerate(functions):
        typeidx = use.idx if isinstance(use, TypeIdx) else -1
        exports = [e.name for e in module.exports
                   if e.desc.kind is ExternKind.FUNC and e.desc.index == index]
        listing.append({"index": index, "name": names.get(index), "signature": sig(typeidx),
                        "import": imported, "exports": exports})
    types = [f"(type {i}) (func{signature(ft)})" if (ft := func_type_at(space, i)) else
             f"(type {i}) {space[i].comptype}" for i in range(len(space))]
    return {"types": types, "functions": listing}


def _tags(function: dict[str, Any]) -> str:
    imported = f" (import {function['import']})" if function["import"] else ""
    return imported + "".join(f' (export "{n}")' for n in function["exports"])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a binary or text module, or - for stdin")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--types", action="store_true",
                        help="also list the types and each function's signature")
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
    if args.types:
        info.update(type_listing(module, function_names(module)))
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return 0
    if args.types:
        print("types:")
        print("".join(f"  {line}\n" for line in info["types"]), end="")
        print("functions:")
        print("".join(f"  {f['index']}{' $' + f['name'] if f['name'] else ''}: "
                      f"{f['signature']}{_tags(f)}\n" for f in info["functions"]), end="")
    for section in ("imports", "exports", "customSections"):
        print(f"{section}:")
        for entry in info[section]:
            print("  " + " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in entry.items()))
    return 0
