"""``refwasm parse FILE|- [-o OUT|-] [--no-check] [--spec V]``: a text module to the binary
format (``wat2wasm``, ``wasm-tools parse``).

The text is parsed (``refwasm.text.parse_module``), validated (unless ``--no-check``, as
``wat2wasm --no-check``) and encoded (``refwasm.binary``).  The output is ``-o``, else ``FILE``
with the suffix ``.wasm``, else (stdin) stdout; ``-o -`` is stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refwasm.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    NotAModule,
    add_spec_arguments,
    features_of,
    is_binary,
    load_module,
    read_input,
    show_error,
    write_output,
)

HELP = "convert a text module to binary (validates unless --no-check)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a text module (.wat), or - for stdin")
    parser.add_argument("-o", "--output", default=None,
                        help="output file, - for stdout (default FILE.wasm; stdout for stdin)")
    parser.add_argument("--no-check", action="store_true", help="do not validate the module")
    add_spec_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from refwasm.binary import encode_module
    from refwasm.errors import WasmError
    from refwasm.validation import validate_module

    features = features_of(args)
    data = read_input(args.file)
    if is_binary(data):
        print(f"refwasm parse: {args.file}: already a binary module (refwasm print shows it "
              "as text)", file=sys.stderr)
        return EXIT_INVALID
    module = None
    try:
        module = load_module(args.file, data, features)
        if not args.no_check:
            validate_module(module, features)
        encoded = encode_module(module)
    except NotAModule as e:
        print(f"refwasm parse: {e}", file=sys.stderr)
        return EXIT_INVALID
    except WasmError as e:
        show_error(args.file, e, data, module)
        return EXIT_INVALID
    write_output(output_path(args), encoded)
    return EXIT_OK


def output_path(args: argparse.Namespace) -> str:
    """``-o``, else the input with ``.wasm``, else stdout."""
    if args.output is not None:
        return str(args.output)
    if args.file == "-":
        return "-"
    return str(Path(args.file).with_suffix(".wasm"))
