"""``refwasm validate FILE|- [--spec V] [--enable-X/--disable-X]``: decode or parse, then
validate (``wasm-validate``, ``wasm-tools validate``).

Prints ``valid`` and exits 0 for a valid module; otherwise prints ``FILE: KIND: MESSAGE`` (the
official test suite's wording, with the error's location around it) on stderr and exits 1.
Binary or text is told by the magic bytes; ``-`` reads stdin.
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
)

HELP = "validate a module (binary or text; - for stdin)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a binary or text module, or - for stdin")
    add_spec_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from refwasm.errors import WasmError
    from refwasm.validation import validate_module

    features = features_of(args)
    data = read_input(args.file)
    module = None
    try:
        module = load_module(args.file, data, features)
        validate_module(module, features)
    except NotAModule as e:
        print(f"refwasm validate: {e}", file=sys.stderr)
        return EXIT_INVALID
    except WasmError as e:
        show_error(args.file, e, data, module)
        return EXIT_INVALID
    print("valid")
    return EXIT_OK
