#!/usr/bin/env python3
"""Atheris target: the text-format parser (``.wat`` modules).

Input: UTF-8 text (undecodable bytes become U+FFFD, which the lexer must reject as it would
any stray character).  Parsing may fail only with ``MalformedError``; a parsed module is also
validated.  Seeds: the official suites' modules, printed (``build_corpus.py``).
"""

from __future__ import annotations

from common import FEATURES, instrument, main

instrument("refwasm.text", "refwasm.validation")

from refwasm.errors import WasmError  # noqa: E402
from refwasm.text import parse_module  # noqa: E402
from refwasm.validation import validate_module  # noqa: E402


def TestOneInput(data: bytes) -> None:  # noqa: N802 -- the name libFuzzer drivers look for
    try:
        validate_module(parse_module(data.decode("utf-8", "replace"), FEATURES), FEATURES)
    except WasmError:
        pass


if __name__ == "__main__":
    main(TestOneInput)
