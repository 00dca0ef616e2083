"""``refwasm parse FILE.wat -o FILE.wasm``: a text module to the binary format.

The text is parsed (``refwasm.text.parse_module``) and encoded (``refwasm.binary``); the
module is not validated, as ``wat2wasm --no-check`` does not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "convert a text module (.wat) to binary (.wasm)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a text module (.wat)")
    parser.add_argument("-o", "--output", default=None, help="output file (default FILE.wasm)")
    parser.add_argument(
        "--version", default=None, choices=["1.0", "2.0", "3.0"], help="spec version to apply"
    )


def run(args: argparse.Namespace) -> int:
    from refwasm.binary import encode_module
    from refwasm.errors import WasmError
    from refwasm.features import DEFAULT_FEATURES, Features
    from refwasm.text import parse_module

    features = DEFAULT_FEATURES if args.version is None else Features.for_version(args.version)
    with open(args.file, "rb") as f:
        text = f.read().decode("utf-8", "surrogateescape")
    try:
        data = encode_module(parse_module(text, features))
    except WasmError as e:
        print(f"{args.file}: {e.kind}: {e.message}", file=sys.stderr)
        return 1
    output = Path(args.output) if args.output else Path(args.file).with_suffix(".wasm")
    output.write_bytes(data)
    return 0
