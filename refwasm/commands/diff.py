"""``refwasm diff --engine E [--engine E2 ...] [--subject reference|fast] [--examples N | --time
SECONDS] [--seed S] [--spec V] [--out DIR]``: generate valid modules, run their exports in
refwasm and in the other engines, and write a shrunk reproducer for every disagreement
(docs/comparison-rules.md).

refwasm's side (the oracle whose allowed sets judge the others) runs on ``--subject``: the
reference interpreter by default, or ``fast``.  An ``--engine`` is any adapter of
``refwasm.engines`` but the subject itself: ``--engine fast`` checks refwasm's fast path against
the reference, ``--engine wasmtime --subject fast`` uses the fast path as the oracle.

``refwasm diff --modules PATH... --engine E ...`` judges modules made elsewhere instead (files,
directories of ``.wasm`` files, ``-`` for paths on stdin; ``refwasm.oracle.modules``,
docs/fuzzing.md): one JSON line per module on stdout, then a summary line.  ``--engine`` also
takes ``cmd:'COMMAND ARGS'``, any process speaking the oracle protocol (docs/oracle.md).

The exit status is 0 when no disagreement was found, 1 otherwise, 2 for a usage error (unknown
or unavailable engine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from refwasm.commands.common import add_spec_arguments, features_of
from refwasm.features import Features, Version
from refwasm.script.limits import ENGINE_DEFAULT, EngineDefault, fuel_arg, timeout_arg

HELP = "differential testing of generated modules against other engines"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", action="append", required=True, metavar="ENGINE",
                        help="an engine to compare with refwasm (repeatable): wasmtime, node, "
                             "pywasm, fast, reference (not the subject), or cmd:'COMMAND ARGS' "
                             "(a process speaking docs/oracle.md)")
    parser.add_argument("--subject", default="reference", choices=["reference", "fast"],
                        help="the refwasm engine that serves as the oracle (default reference)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--examples", type=int, metavar="N", help="examples to run (default 100)")
    budget.add_argument("--time", type=float, metavar="SECONDS", help="run for this long")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed")
    add_spec_arguments(parser, inferred="default: 2.0 for generated modules, where every "
                       "peer runs them; 3.0 with --modules")
    parser.add_argument("--out", default="spec-tests/found", metavar="DIR",
                        help="where reproducers go (default spec-tests/found)")
    parser.add_argument("--modules", nargs="+", metavar="PATH",
                        help="judge these modules (files, directories, - for paths on stdin) "
                             "instead of generated ones")
    parser.add_argument("--fuel", type=fuel_arg, default=ENGINE_DEFAULT, metavar="N|none",
                        help="with --modules: refwasm's steps per instantiation or call "
                             "(default 2000000; 'none': no limit; running out is "
                             "inconclusive)")
    parser.add_argument("--timeout", type=timeout_arg, default=30.0, metavar="SECONDS|none",
                        help="with --modules: seconds per instantiation or call (default 30)")


def run(args: argparse.Namespace) -> int:
    from refwasm.engines import EngineError, is_engine
    from refwasm.oracle.diff import run_diff

    unknown = [e for e in args.engine if not is_engine(e)]
    if unknown:
        print(f"refwasm diff: unknown engine(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.subject in args.engine:
        print(f"refwasm diff: {args.subject} is the subject; compare it with another engine",
              file=sys.stderr)
        return 2
    if args.modules:
        return _run_modules(args, features_of(args))
    features = features_of(args, Version.WASM_2_0)
    examples = args.examples if args.examples is not None or args.time is not None else 100
    try:
        tally = run_diff(args.engine, features, examples=examples, seconds=args.time,
                         seed=args.seed, out=Path(args.out), subject=args.subject)
    except EngineError as error:
        print(f"refwasm diff: {error}", file=sys.stderr)
        return 2
    return 0 if not tally.disagreements else 1


def _run_modules(args: argparse.Namespace, features: Features) -> int:
    from refwasm.engines import EngineError
    from refwasm.oracle.modules import MODULE_FUEL, diff_modules, module_paths

    try:
        summary = diff_modules(
            module_paths(args.modules), args.engine, features, out=Path(args.out),
            sink=sys.stdout, subject=args.subject,
            fuel=module_fuel(args.fuel, MODULE_FUEL), timeout=args.timeout)
    except EngineError as error:
        print(f"refwasm diff: {error}", file=sys.stderr)
        return 2
    return 1 if summary.disagree else 0


def module_fuel(fuel: int | None | EngineDefault, default: int) -> int | None:
    """``--fuel`` with ``--modules``: ``default`` when not given, ``None`` (no limit) for
    ``none``, else as given."""
    return default if isinstance(fuel, EngineDefault) else fuel
