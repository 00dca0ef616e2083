"""``refwasm print FILE|- [-o OUT|-] [--spec V]``: a module in the text format
(``wasm2wat``, ``wasm-tools print``; ``refwasm.text.printer``).

A binary module (told by its magic bytes) is decoded, a text module parsed; either way the
module is printed in the printer's explicit form (numeric indices, hex floats), which parses
back to the same syntax.
"""

from __future__ import annotations

import argparse
import sys

from refwasm.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    NotAModule,
    add_spec_arguments,
    features_of,
    load_module,
    read_input,
    show_error,
    write_output,
)

HELP = "print a module (binary or text; - for stdin) in the text format"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a binary or text module, or - for stdin")
    parser.add_argument("-o", "--output", default="-", help="output file (default - : stdout)")
    add_spec_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from refwasm.errors import WasmError
    from refwasm.text import print_module

    features = features_of(args)
    data = read_input(args.file)
    try:
        text = print_module(load_module(args.file, data, features))
    except NotAModule as e:
        print(f"refwasm print: {e}", file=sys.stderr)
        return EXIT_INVALID
    except WasmError as e:
        show_error(args.file, e, data)
        return EXIT_INVALID
    except ValueError as e:  # a construct the printer has no text form for
        print(f"{args.file}: cannot print: {e}", file=sys.stderr)
        return EXIT_INVALID
    write_output(args.output, text.encode("utf-8"))
    return EXIT_OK
