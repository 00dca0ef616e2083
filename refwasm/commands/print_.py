"""``refwasm print FILE.wasm|FILE.wat``: a module in the text format (``refwasm.text.printer``).

A binary module is decoded, a text module parsed; either way the module is printed in the
printer's explicit form (numeric indices, hex floats), which parses back to the same syntax.
"""

from __future__ import annotations

import argparse
import sys

HELP = "print a module (.wasm or .wat) in the text format"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a binary (.wasm) or text (.wat) module")
    parser.add_argument(
        "--version", default=None, choices=["1.0", "2.0", "3.0"], help="spec version to apply"
    )


def run(args: argparse.Namespace) -> int:
    from refwasm.binary import decode_module
    from refwasm.errors import WasmError
    from refwasm.features import DEFAULT_FEATURES, Features
    from refwasm.text import parse_module, print_module

    features = DEFAULT_FEATURES if args.version is None else Features.for_version(args.version)
    with open(args.file, "rb") as f:
        data = f.read()
    try:
        if data.startswith(b"\0asm"):
            module = decode_module(data, features)
        else:
            module = parse_module(data.decode("utf-8", "surrogateescape"), features)
        text = print_module(module)
    except WasmError as e:
        print(f"{args.file}: {e.kind}: {e.message}", file=sys.stderr)
        return 1
    except ValueError as e:  # a construct the printer has no text form for
        print(f"{args.file}: cannot print: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0
