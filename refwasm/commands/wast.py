"""``refwasm wast PATH... [--json] [--jobs N] [--version 1.0|2.0|3.0] [--engine E] [--fuel N|none]
[--timeout S|none]``: run ``.wast`` scripts.

Directories are searched recursively for ``*.wast`` (sorted).  Each file runs in a fresh store;
the output is one line per file, ``FILE: P passed, F failed, S skipped``, then the totals (or one
JSON object with ``--json``).  The exit status is 0 exactly when nothing failed.  The version is
``--version``, else the nearest ``wasm-X.Y`` component of the file's path, else the newest edition
refwasm implements.

Every instantiation and call gets ``--fuel`` steps and ``--timeout`` seconds (defaults in
``refwasm.script.limits``); running out is an exhaustion, so an endless loop fails its command
and the script goes on.  ``--engine`` picks the adapter: ``reference`` (the default), ``fast``
(the same store run by ``refwasm.fast``) or a peer engine (``wasmtime`` takes the fuel as its
own, ``node`` and ``pywasm`` take neither limit).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from refwasm.features import Version
from refwasm.script.limits import add_limit_arguments, resolve_fuel

HELP = "run .wast spec test scripts and report passed/failed/skipped commands"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="a .wast file or a directory")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="processes")
    parser.add_argument(
        "--version",
        choices=[v.value for v in Version],
        help="run under this edition (default: from a wasm-X.Y path component)",
    )
    parser.add_argument("--engine", default="reference", metavar="ENGINE",
                        help="engine adapter: reference (default), fast, wasmtime, node, pywasm")
    add_limit_arguments(parser, per="instantiation or call")
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="list each failure under its file"
    )
    parser.add_argument(
        "--rule-coverage", metavar="OUT", default=None,
        help="count the typing and execution rules that fire (reference engine, one process);"
        " write OUT.json and OUT.html",
    )


def run(args: argparse.Namespace) -> int:
    from refwasm.engines import ENGINES
    from refwasm.script.report import text_lines, to_json, totals
    from refwasm.script.runner import collect, run_files

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:  # before any work, in the words refwasm.cli uses for an unreadable input
        print(f"refwasm wast: {', '.join(missing)}: no such file or directory", file=sys.stderr)
        return 2
    if args.engine not in ENGINES:
        print(f"refwasm wast: unknown engine {args.engine!r}", file=sys.stderr)
        return 2
    version = None if args.version is None else Version(args.version)
    if args.rule_coverage is not None and args.engine != "reference":
        print("refwasm wast: --rule-coverage counts the reference engine's rules", file=sys.stderr)
        return 2
    from refwasm.rule_coverage import counting_into

    with counting_into(args.rule_coverage):  # installs nothing without the option
        reports = run_files(
            collect(args.paths), engine=args.engine, version=version,
            jobs=1 if args.rule_coverage else max(1, args.jobs),
            fuel=resolve_fuel(args.fuel, args.engine), timeout=args.timeout,
        )
    output = (
        json.dumps(to_json(reports), indent=2)
        if args.json
        else "\n".join(text_lines(reports, verbose=args.verbose))
    )
    try:
        print(output, flush=True)
    except BrokenPipeError:
        # The reader (``| head``) left; the status still tells whether anything failed.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0 if totals(reports)[1] == 0 else 1
