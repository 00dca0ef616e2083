"""``refwasm wast [PATH...] [--suite 1.0|2.0|3.0] [--spec 1.0|2.0|3.0] [--filter GLOB]
[--enable-X|--disable-X ...] [--line N] [--fail-fast] [--jobs N] [--engine E] [--json] [--junit FILE] [--html FILE]
[--fuel N|none] [--timeout S|none]``: run ``.wast`` scripts.

Directories are searched recursively for ``*.wast`` (sorted); ``--suite 2.0`` adds the bundled
official suite of that edition (``refwasm.testsuite``).  Each file runs in a fresh store.  As each
file finishes, a line ``FILE: P passed, F failed, S skipped (T s)`` is printed, then each of its
failures as ``FILE:LINE: COMMAND: REASON`` (coloured on a terminal, where a progress bar also
runs on stderr), and at the end the totals; ``--json`` prints one JSON object instead.
``--junit`` and ``--html`` write reports for CI and for people.  Ctrl-C prints the summary of
the files finished so far.  The exit status is 0 exactly when nothing failed, 1 when something
failed, 2 on a usage error, 130 when interrupted.

The edition is ``--spec``, else the nearest ``wasm-X.Y`` component of the file's path, else the
newest edition refwasm implements; ``--enable-X`` / ``--disable-X`` turn one proposal on or off
over that edition's set, as for the module commands.  Every instantiation and call gets ``--fuel`` steps and
``--timeout`` seconds (defaults in ``refwasm.script.limits``); running out is an exhaustion, so
an endless loop fails its command and the script goes on.  ``--engine`` picks the adapter:
``reference`` (the default), ``fast`` (the same store run by ``refwasm.fast``) or a peer engine
(``wasmtime`` takes the fuel as its own, ``node`` and ``pywasm`` take neither limit).
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from refwasm.commands.common import (
    EDITIONS,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_TROUBLE,
    add_spec_arguments,
)
from refwasm.features import LATEST_IMPLEMENTED, Version
from refwasm.script.limits import add_limit_arguments, resolve_fuel

if TYPE_CHECKING:
    from refwasm.script.report import FileReport

HELP = "run .wast spec test scripts and report passed/failed/skipped commands"
EXIT_INTERRUPTED = 130
# The Python package each peer engine drives (the ``peers`` extra installs them).
PEER_PACKAGES = {"wasmtime": "wasmtime", "pywasm": "pywasm"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="a .wast file or a directory")
    parser.add_argument("--suite", choices=EDITIONS, action="append", default=[],
                        help="run the bundled official suite of this edition")
    add_spec_arguments(parser, inferred=f"default: {LATEST_IMPLEMENTED.value}, or the edition "
                                        "a wasm-X.Y component of the file's path names")
    parser.add_argument("--filter", action="append", default=[], metavar="GLOB",
                        help="only the files whose path or name matches (repeatable)")
    parser.add_argument("--line", type=int, default=None, metavar="N",
                        help="run only the command at line N (and the modules it needs)")
    parser.add_argument("--fail-fast", "-x", action="store_true",
                        help="stop after the first file with a failure")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="processes")
    parser.add_argument("--engine", default="reference", metavar="ENGINE",
                        help="engine adapter: reference (default), fast, wasmtime, node, pywasm, or "
                             "cmd:'COMMAND ARGS' (a process speaking docs/oracle.md)")
    add_limit_arguments(parser, per="instantiation or call")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    parser.add_argument("--verbose", "-v", action="store_true", help="list the skips too")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no line for a file without failures")
    parser.add_argument(
        "--rule-coverage", metavar="OUT", default=None,
        help="count the typing and execution rules that fire (reference engine, one process);"
        " write OUT.json and OUT.html",
    )


def run(args: argparse.Namespace) -> int:
    from refwasm import testsuite
    from refwasm.engines import is_engine
    from refwasm.script.runner import collect

    suites = [testsuite.edition_folder(e) for e in args.suite]
    for folder in suites:
        if not folder.is_dir():
            print(f"refwasm wast: no official suite at {folder}: run from the root of a refwasm "
                  "checkout (spec-tests/official) or set REFWASM_TESTSUITE", file=sys.stderr)
            return EXIT_TROUBLE
    paths = [*args.paths, *(shown(folder) for folder in suites)]
    if not paths:
        print("refwasm wast: give a PATH or --suite 1.0|2.0|3.0", file=sys.stderr)
        return EXIT_TROUBLE
    missing = [p for p in paths if not Path(p).exists()]
    if missing:  # before any work, in the words refwasm.cli uses for an unreadable input
        print(f"refwasm wast: {', '.join(missing)}: no such file or directory", file=sys.stderr)
        return EXIT_TROUBLE
    if not is_engine(args.engine):
        print(f"refwasm wast: unknown engine {args.engine!r}", file=sys.stderr)
        return EXIT_TROUBLE
    missing_package = PEER_PACKAGES.get(args.engine)
    if missing_package and importlib.util.find_spec(missing_package) is None:
        print(f"refwasm wast: engine {args.engine} needs the {missing_package} package: "
              "pip install 'refwasm[peers]'", file=sys.stderr)
        return EXIT_TROUBLE
    files = [f for f in collect(paths) if matches(f, args.filter)]
    if not files:
        print("refwasm wast: no .wast files" + (" match" if args.filter else ""),
              file=sys.stderr)
        return EXIT_TROUBLE
    if args.rule_coverage is not None and args.engine != "reference":
        print("refwasm wast: --rule-coverage counts the reference engine's rules", file=sys.stderr)
        return EXIT_TROUBLE
    from refwasm.rule_coverage import counting_into

    with counting_into(args.rule_coverage):  # installs nothing without the option
        reports, interrupted = run_and_show(files, args)
    write_reports(reports, args)
    if interrupted:
        print("refwasm: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if all(r.failed == 0 for r in reports) else EXIT_INVALID


def shown(path: Path) -> str:
    """A path as the report shows it: relative to the working directory when under it."""
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else relative


def matches(path: str, globs: list[str]) -> bool:
    """Whether ``--filter`` keeps the file: no glob, or one matching its path or name."""
    return not globs or any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(Path(path).name, g)
                            for g in globs)


def run_and_show(files: list[str], args: argparse.Namespace) -> tuple[list[FileReport], bool]:
    """Run the files, printing each as it finishes; the reports in the files' order and whether
    Ctrl-C ended the run early."""
    from refwasm.script.console import Progress, wants_color
    from refwasm.script.report import file_lines, total_line
    from refwasm.script.runner import iter_run_files

    version = None if args.spec is None else Version(args.spec)
    progress = Progress(len(files))
    color = wants_color(sys.stdout)
    reports: list[FileReport] = []
    interrupted = False
    jobs = 1 if args.rule_coverage else max(1, args.jobs)  # the counts live in this process
    runs = iter_run_files(files, engine=args.engine, version=version, jobs=jobs,
                          only_line=args.line, feature_changes=tuple(args.feature_changes),
                          fuel=resolve_fuel(args.fuel, args.engine),
                          timeout=args.timeout)
    progress.draw()  # the bar shows at once, before the first file ends
    try:
        for report in runs:
            reports.append(report)
            if not args.json and not (args.quiet and report.failed == 0):
                progress.clear()
                emit(file_lines(report, verbose=args.verbose, color=color))
            progress.advance(report)
            if args.fail_fast and report.failed:
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        runs.close()
        progress.clear()
    order = {path: i for i, path in enumerate(files)}
    reports.sort(key=lambda r: order[r.path])
    if args.json:
        from refwasm.script.report import to_json

        emit([json.dumps(to_json(reports), indent=2)])
    else:
        done = f" ({len(reports)} of {len(files)} files)" if len(reports) < len(files) else ""
        seconds = sum(r.seconds for r in reports)
        emit([f"{total_line(reports)} in {seconds:.1f}s{done}"])
    return reports, interrupted


def emit(lines: list[str]) -> None:
    """Print lines now; a reader that left (``| head``) is not an error."""
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def write_reports(reports: list[FileReport], args: argparse.Namespace) -> None:
    """``--junit`` and ``--html`` files (an ``OSError`` is the command line's trouble)."""
    if args.junit:
        from refwasm.script.junit import junit_xml

        Path(args.junit).write_bytes(junit_xml(reports))
    if args.html:
        from refwasm.script.html import html_report

        Path(args.html).write_text(html_report(reports), encoding="utf-8")
