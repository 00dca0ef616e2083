"""What every Atheris target shares (docs/fuzz-at-scale.md).

A target's ``TestOneInput(data)`` returns normally when refwasm answered ``data`` with a result
or with one of its typed errors (``refwasm.errors.WasmError``: malformed, invalid, unlinkable,
trap, exhaustion); any other exception escapes to libFuzzer, which reports it as a crash and
writes the input to ``crash-<sha1>``.

``instrument(...)`` imports the refwasm packages a target exercises instrumented for coverage
(libFuzzer's feedback); ``main(test_one_input)`` starts the fuzzer with the command line's libFuzzer flags (``-max_total_time=60``, a corpus
directory, ``-runs=N``, ...).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

import atheris

from refwasm.features import Features

# The targets run under the newest rules refwasm implements; every proposal flag is on.
FEATURES = Features.for_version("3.0")
# Bounds that keep one input short: Wasm steps per call, seconds per call.
FUEL = 200_000
TIMEOUT = 2.0


def instrument(*names: str) -> None:
    """Import refwasm's modules ``names`` (and what they import) instrumented for coverage.

    A target calls this before it imports anything of refwasm's but ``features``: a module
    imported earlier, or lazily later, runs uninstrumented.  Instrumenting costs seconds of
    start-up per package, so each target names only the packages it exercises.
    """
    with atheris.instrument_imports(include=["refwasm"]):
        for name in names:
            importlib.import_module(name)


def main(test_one_input: Callable[[bytes], None], *defaults: str) -> None:
    """Run libFuzzer on ``test_one_input`` with ``sys.argv``'s flags, and the ``defaults``
    (``-flag=value``) the command line does not set."""
    given = {arg.split("=")[0] for arg in sys.argv[1:]}
    extra = [flag for flag in defaults if flag.split("=")[0] not in given]
    atheris.Setup([sys.argv[0], *extra, *sys.argv[1:]], test_one_input)
    atheris.Fuzz()
