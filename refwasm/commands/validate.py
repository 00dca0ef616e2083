"""``refwasm validate FILE.wasm|FILE.wat [--version V]``: decode or parse, then validate.

Prints ``valid`` and exits 0 for a valid module; otherwise prints the error's message (the
official test suite's wording) and exits 1.  A ``.wasm`` file is decoded, anything else is
parsed as the text format.
"""

from __future__ import annotations

import argparse

HELP = "validate a module (.wasm or .wat)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a binary (.wasm) or text (.wat) module")
    parser.add_argument(
        "--version", default=None, choices=["1.0", "2.0", "3.0"], help="spec version to apply"
    )


def run(args: argparse.Namespace) -> int:
    from refwasm.errors import WasmError
    from refwasm.features import DEFAULT_FEATURES, Features
    from refwasm.validation import validate_module

    features = DEFAULT_FEATURES if args.version is None else Features.for_version(args.version)
    with open(args.file, "rb") as f:
        data = f.read()
    try:
        if args.file.endswith(".wasm"):
            from refwasm.binary import decode_module

            module = decode_module(data, features)
        else:
            from refwasm.text import parse_module

            module = parse_module(data.decode("utf-8"), features)
        validate_module(module, features)
    except UnicodeDecodeError:
        print("malformed UTF-8 encoding")
        return 1
    except WasmError as e:
        print(e.message)
        return 1
    print("valid")
    return 0
