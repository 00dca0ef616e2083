"""``refwasm run FILE|- [--invoke NAME [ARGS...]] [--spec V] [--fuel N|none] [--timeout S|none]
[--engine reference|fast] [--json]``.

Decodes (or parses), validates and instantiates the module in a fresh store, resolving imports
from the ``spectest`` host module only, invokes the export NAME and prints its results as the
test suite writes values: ``i32:5``, ``f64:-0.5``, ``f32:nan:0x400000``, ``v128:0x...``,
``ref.null func``.  Arguments follow the parameter types (``5``, ``-1``, ``0x10``, ``1.5``,
``nan``, ``inf``); a ``TYPE:`` prefix is accepted (``f32:-inf``: write it for a negative
value that is not a plain number, which the option parser would otherwise take for an option).
Without ``--invoke`` the export ``_start`` is called (as wasmtime does).  A malformed or invalid
module prints its located error and exits 1; a trap or other failure of a valid module (an
exhaustion, an import ``spectest`` does not provide, named) prints its kind and message and
exits 4.

The instantiation and the call each get ``--fuel`` steps, and the whole command ``--timeout``
seconds (defaults in ``refwasm.script.limits``); running out is an exhaustion.  ``--engine fast``
runs the store on ``refwasm.fast`` instead of the reference interpreter.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from refwasm.commands.common import (
    EXIT_INVALID,
    add_spec_arguments,
    features_of,
    is_script,
    read_input,
    status_of,
)
from refwasm.errors import WasmError
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternVal,
    RefExtern,
    RefFuncAddr,
    RefHostAddr,
    RefNullVal,
    Val,
)
from refwasm.script.limits import add_limit_arguments, resolve_fuel, time_limit
from refwasm.syntax.types import (
    AbsHeapType,
    NumType,
    RefType,
    ValType,
    VecType,
)

HELP = "instantiate a module and invoke one of its exported functions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments."""
    parser.add_argument("file", help="a module: binary or text, or - for stdin")
    parser.add_argument(
        "--invoke",
        default=["_start"],
        nargs="+",
        metavar=("NAME", "ARGS"),
        help="the export to call, then its arguments, one per parameter (default _start)",
    )
    add_limit_arguments(parser, per="instantiation or call (time: per command)")
    parser.add_argument("--engine", default="reference", choices=["reference", "fast"],
                        help="what runs the store (default reference)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--preload", action="append", default=[], metavar="NAME=FILE",
                        type=_preload, help="instantiate FILE first and let the module import "
                                            "its exports as NAME (repeatable)")
    parser.add_argument("--trace", action="store_true",
                        help="print each step to stderr: instruction, operand stack before and"
                        " after, rule (reference engine)")
    parser.add_argument("--trace-limit", type=int, default=1000, metavar="N",
                        help="trace at most N steps (default 1000)")
    add_spec_arguments(parser)


def _preload(text: str) -> str:
    """``NAME=FILE`` (argparse reports anything else as a usage error)."""
    name, sep, path = text.partition("=")
    if not (sep and name and path):
        raise argparse.ArgumentTypeError(f"expected NAME=FILE, got {text!r}")
    return text


def run(args: argparse.Namespace) -> int:
    """Instantiate, invoke, print; exit status 1 for a bad module, 4 for a failed run."""
    from refwasm import embedding

    features = features_of(args)
    data = read_input(args.file)  # an OSError is the command line's trouble (refwasm.cli)
    if is_script(args.file, data):
        print(f"refwasm run: {args.file}: this is a .wast script, not a module: use refwasm wast",
              file=sys.stderr)
        return EXIT_INVALID
    try:
        with time_limit(args.timeout):
            return invoke(args, data, features)
    except WasmError as e:
        return fail(args, e.kind, e.message)
    except (embedding.EmbedderError, ValueError) as e:
        return fail(args, "error", str(e))


def invoke(args: argparse.Namespace, data: bytes, features: Any) -> int:
    """Load, instantiate and call as ``args`` say; print the results."""
    from refwasm import embedding

    if args.trace and args.engine != "reference":
        return fail(args, "error", "--trace follows the reference engine's steps")
    fuel = resolve_fuel(args.fuel, args.engine)
    store = embedding.store_init(engine=args.engine)
    registry: dict[str, Any] = {}
    for preload in args.preload:  # instantiated in order; each may import the ones before it
        as_name, _, path = preload.partition("=")
        pre = load_module(read_input(path), features)
        registry[as_name] = embedding.module_instantiate(
            store, pre, resolve_imports(store, pre, registry), features, fuel=fuel)
    module = load_module(data, features)
    from refwasm.trace import tracing

    with tracing(args.trace, args.trace_limit, sys.stderr):  # installs nothing without --trace
        return call_export(args, store, module, registry, features, fuel)


def call_export(args: argparse.Namespace, store: Any, module: Any, registry: dict[str, Any],
                features: Any, fuel: Any) -> int:
    """Instantiate ``module`` in ``store``, call the export ``args`` name, print the results."""
    from refwasm import embedding

    name, texts = args.invoke[0], args.invoke[1:]
    inst = embedding.module_instantiate(
        store, module, resolve_imports(store, module, registry), features, fuel=fuel
    )
    exported = [e.name for e in module.exports]
    if name not in exported:
        hint = "no --invoke NAME given and no _start export" if name == "_start" and \
            args.invoke == ["_start"] else f"unknown export {name!r}"
        return fail(args, "error", f"{hint} (exports: {', '.join(exported) or 'none'})")
    export = embedding.instance_export(inst, name)
    if not isinstance(export, ExternFuncAddr):
        return fail(args, "error", f"export {name!r} is not a function")
    functype = embedding.func_type(store, export.addr)
    if len(texts) != len(functype.params):
        return fail(args, "error", f"expected {len(functype.params)} arguments")
    values = [parse_value(text, t) for text, t in zip(texts, functype.params, strict=True)]
    results = embedding.func_invoke(store, export.addr, values, fuel=fuel)
    typed = list(zip(functype.results, results, strict=True))
    if args.json:
        print(json.dumps([{"type": type_name(t), "value": json_value(v)} for t, v in typed]))
    else:
        for t, v in typed:
            print(show_value(t, v))
    return 0


def fail(args: argparse.Namespace, kind: str, message: str) -> int:
    """Report a failure (also to stdout as JSON with ``--json``; always to stderr) and return
    its exit status."""
    if args.json:
        print(json.dumps({"error": kind, "message": message}))
    print(f"{kind}: {message}", file=sys.stderr)
    return status_of(kind)


def load_module(data: bytes, features: Any) -> Any:
    """Decode a binary module, or parse a text one (a file not starting with ``\\0asm``)."""
    from refwasm import embedding

    if data.startswith(b"\0asm"):
        module = embedding.module_decode(data, features)
    else:
        module = embedding.module_parse(data.decode("utf-8"), features)
    return module


def resolve_imports(store: Any, module: Any, registry: dict[str, Any] | None = None
                    ) -> list[ExternVal]:
    """The external values of the module's imports: from the instances ``--preload`` named
    (``registry``), else from the ``spectest`` host module."""
    from refwasm.errors import UNKNOWN_IMPORT, UnlinkableError

    if not module.imports:
        return []
    try:
        from refwasm.script.spectest import SPECTEST, alloc_spectest
    except ImportError:
        raise UnlinkableError(UNKNOWN_IMPORT) from None
    registry = registry or {}
    host = alloc_spectest(store)
    externvals = []
    for imp in module.imports:
        provider = registry.get(imp.module)
        if provider is not None and imp.name in provider.exports:
            externvals.append(provider.exports[imp.name])
        elif provider is None and imp.module == SPECTEST and imp.name in host:
            externvals.append(host[imp.name])
        else:
            known = ", ".join([SPECTEST, *registry])
            raise UnlinkableError(f"{UNKNOWN_IMPORT} {imp.module!r} {imp.name!r} (modules "
                                  f"provided: {known}; --preload NAME=FILE adds one)")
    return externvals


# -- Values as the test suite writes them -----------------------------------------------------


def type_name(t: ValType) -> str:
    """``i32``, ``v128``, ``funcref``, ``externref``."""
    if isinstance(t, NumType | VecType):
        return str(t.value)
    if t.heaptype is AbsHeapType.FUNC:
        return "funcref"
    return "externref"


def parse_value(text: str, t: ValType) -> Val:
    """An argument of type ``t`` from the command line (ValueError when it is not one)."""
    from refwasm.errors import MalformedError
    from refwasm.text.numbers import parse_float, parse_int

    text = text.strip()  # refwasm.cli.negative_arguments protects ``-inf`` with a space
    prefix, sep, rest = text.partition(":")
    if sep and prefix == type_name(t) and not text.startswith(("nan:", "-nan:", "+nan:")):
        text = rest
    try:
        bits: int | None
        if isinstance(t, RefType):
            return parse_ref(text, t)
        if isinstance(t, VecType):
            bits = parse_int(text, 128)
        elif t.is_int:
            bits = parse_int(text, t.bits)
        else:
            bits = parse_float(text, t.bits)
    except MalformedError as e:
        raise ValueError(f"{text!r}: {e.message}") from None
    if bits is None:
        raise ValueError(f"{text!r} is not a {type_name(t)} value")
    return bits


def parse_ref(text: str, t: RefType) -> Val:
    """``null`` or, for externref, a host reference number."""
    if text in ("null", "ref.null"):
        return RefNullVal(t.heaptype)
    if t.heaptype is AbsHeapType.EXTERN and text.isdigit():
        return RefHostAddr(int(text))
    raise ValueError(f"{text!r} is not a {type_name(t)} value")


def show_value(t: ValType, v: Val) -> str:
    """``i32:5``: integers unsigned (as the suite's JSON writes them; with the signed reading
    after it when that differs: ``i32:4294967295 (signed -1)``), floats as the shortest
    decimal that reads back exactly, NaNs with their payload, vectors as 128-bit hex."""
    if isinstance(v, int):
        if isinstance(t, VecType):
            return f"v128:{v:#034x}"
        if isinstance(t, NumType) and not t.is_int:
            return f"{t.value}:{show_float(v, t.bits)}"
        if isinstance(t, NumType) and v >> (t.bits - 1):  # the signed reading differs
            return f"{type_name(t)}:{v} (signed {v - (1 << t.bits)})"
        return f"{type_name(t)}:{v}"
    return show_ref(v)


def show_ref(v: Val) -> str:
    """``ref.null func``, ``ref.func 3``, ``ref.extern 1``."""
    match v:
        case RefNullVal(ht):
            return f"ref.null {ht.value if isinstance(ht, AbsHeapType) else ht}"
        case RefFuncAddr(a):
            return f"ref.func {a}"
        case RefHostAddr(n):
            return f"ref.extern {n}"
        case RefExtern(r):
            return show_ref(r)
    return repr(v)


def show_float(bits: int, width: int) -> str:
    """The shortest decimal literal that reads back as exactly these bits (inf and NaNs as
    the text format writes them: ``-inf``, ``nan:0x400000``)."""
    import struct

    from refwasm.text.numbers import float_format, format_float, parse_float

    fmt = float_format(width)
    if (bits >> fmt.mant) & ((1 << fmt.exp_bits) - 1) == (1 << fmt.exp_bits) - 1:
        return str(format_float(bits, width))
    # An f32 widens to a double exactly, so ``value`` is the number itself in both widths.
    if width == 32:
        value = struct.unpack("<f", struct.pack("<I", bits))[0]
    else:
        value = struct.unpack("<d", struct.pack("<Q", bits))[0]
    for precision in range(1, 18):
        text = f"{value:.{precision}g}"
        if parse_float(text, width) == bits:
            return text
    return str(format_float(bits, width))


def json_value(v: Val) -> Any:
    """The suite's JSON form: numbers as the decimal string of their bits, refs as text."""
    if isinstance(v, int):
        return str(v)
    return show_ref(v)
