#!/usr/bin/env python3
"""Atheris target: the oracle's request handler (``refwasm oracle``, docs/oracle.md).

Input: request lines, one JSON request per line, answered in order by one ``Oracle`` (so an
``instantiate`` is followed by ``invoke``/``global``/``memory`` on its instance).  The handler
never raises; it answers a request it cannot handle with ``internal error: ...``, and such a
reply is turned into this target's crash.  Seeds: ``instantiate`` requests for the official
suites' modules followed by a few requests (``build_corpus.py``).
"""

from __future__ import annotations

import json

from common import FEATURES, FUEL, TIMEOUT, instrument, main

instrument("refwasm.binary", "refwasm.validation", "refwasm.numerics", "refwasm.execution",
           "refwasm.oracle.server")

from refwasm.oracle.server import Oracle, handle_line  # noqa: E402


class OracleCrash(Exception):
    """A request the oracle answered with an internal error."""


def TestOneInput(data: bytes) -> None:  # noqa: N802 -- the name libFuzzer drivers look for
    oracle = Oracle(FEATURES, fuel=FUEL, timeout=TIMEOUT)
    for line in data.split(b"\n")[:16]:
        if not line.strip():
            continue
        reply = json.loads(handle_line(oracle, line))
        if str(reply.get("error", "")).startswith("internal error"):
            raise OracleCrash(f"{line[:200]!r} -> {reply['error']}")


if __name__ == "__main__":
    main(TestOneInput)
