#!/usr/bin/env python3
"""Atheris target: the binary decoder and the validator.

Input: a candidate ``.wasm`` module.  Decoding may fail only with ``MalformedError``, validating
a decoded module only with ``InvalidError``; both are ``WasmError``s, so anything else escapes
as a crash.  Seeds: the official suites' binary modules (``build_corpus.py``).
"""

from __future__ import annotations

from common import FEATURES, instrument, main

instrument("refwasm.binary", "refwasm.validation")

from refwasm.binary import decode_module  # noqa: E402
from refwasm.errors import WasmError  # noqa: E402
from refwasm.validation import validate_module  # noqa: E402


def TestOneInput(data: bytes) -> None:  # noqa: N802 -- the name libFuzzer drivers look for
    try:
        validate_module(decode_module(data, FEATURES), FEATURES)
    except WasmError:
        pass


if __name__ == "__main__":
    main(TestOneInput)
