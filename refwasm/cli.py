"""The ``refwasm`` command line: one subcommand per module in ``refwasm/commands/``.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status).  Only the module of the command being run is
imported, so ``refwasm inspect`` does not pay for the interpreter.

``main`` is the one place that turns what a command does not handle itself into one line on
stderr and an exit status, the same for every command:

====  ==========================================================================================
0     success (valid, every assertion passed, no disagreement)
1     the answer is no: a malformed or invalid module (or a script given where a module is
      expected), a failed assertion (``wast``), a disagreement (``diff``)
2     trouble: a usage error, an input that cannot be read (missing, a directory, not
      permitted), an output that cannot be written, an unavailable engine
3     an internal error: a bug in refwasm (the traceback is printed; docs/security.md says how
      to report it)
4     the module is valid but running it failed (``run``): a trap, an exhaustion (fuel, time,
      call depth), an unlinkable import
130   interrupted (Ctrl-C)
====  ==========================================================================================

Every message goes to stderr; stdout carries only the command's output.  ``refwasm --version``
prints the program's version; the spec edition is each command's ``--spec``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys
import traceback
from collections.abc import Sequence

from refwasm.commands.common import (  # noqa: F401 -- the statuses, documented here
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_TRAP,
    EXIT_TROUBLE,
)

EXIT_FAILURE = EXIT_INVALID
EXIT_INTERRUPTED = 128 + signal.SIGINT

# Subcommand name -> (module under refwasm.commands, one-line help).
COMMANDS = {
    "inspect": ("inspect", "decode and validate a module; list imports, exports, custom sections"),
    "validate": ("validate", "validate a module (.wasm or .wat)"),
    "print": ("print_", "print a module in the text format"),
    "parse": ("parse", "convert a text module to binary"),
    "wast": ("wast", "run .wast scripts and report per file"),
    "run": ("run", "instantiate a module and invoke an export"),
    "dump": ("dump", "list a binary module's sections with their offsets and sizes"),
    "oracle": ("oracle", "serve refwasm as a differential-testing oracle over JSON lines"),
    "diff": ("diff", "differential testing of generated modules against other engines"),
    "rules": ("rules", "the spec rules each function implements; the rule coverage of the code"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``refwasm`` console script and ``python -m refwasm``."""
    argv = negative_arguments(list(sys.argv[1:] if argv is None else argv))
    who = " ".join(["refwasm", *[a for a in argv[:1] if a in COMMANDS]])
    try:
        args = parser_for(argv).parse_args(argv)  # usage errors exit 2 (argparse)
        status: int = args.run(args)
    except KeyboardInterrupt:
        print("refwasm: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (``| head``): nothing more can be said on stdout, nor need be.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_TROUBLE
    except OSError as error:
        print(f"{who}: {describe_os_error(error)}", file=sys.stderr)
        return EXIT_TROUBLE
    except ModuleNotFoundError as error:
        if error.name is None or error.name.split(".")[0] not in EXTRAS:
            traceback.print_exc()
            print(f"{who}: internal error (a refwasm bug; see docs/security.md)", file=sys.stderr)
            return EXIT_INTERNAL
        print(f"{who}: {missing_extra(error.name)}", file=sys.stderr)
        return EXIT_TROUBLE
    except Exception:  # noqa: BLE001 -- a bug: say so once, with what a report needs
        traceback.print_exc()
        print(f"{who}: internal error (a refwasm bug; see docs/security.md)", file=sys.stderr)
        return EXIT_INTERNAL
    return status


_NEGATIVE_VALUE = re.compile(r"-(inf|nan(:\S+)?|0[xX]\S+|[0-9.]\S*)")


def negative_arguments(argv: list[str]) -> list[str]:
    """``refwasm run F --invoke f -inf -nan:0x1 -0x1p3``: argparse would take these values for
    options; a leading space (stripped by ``run``'s value parser) keeps them arguments."""
    if not argv or argv[0] != "run" or "--invoke" not in argv:
        return argv
    start = argv.index("--invoke") + 1
    return argv[:start] + [f" {a}" if _NEGATIVE_VALUE.fullmatch(a) else a for a in argv[start:]]


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser, with the arguments of the command ``argv`` names (only that one's module
    is imported)."""
    parser = argparse.ArgumentParser(
        prog="refwasm", description="An executable model of the WebAssembly specification.",
        epilog="exit status: 0 ok, 1 malformed/invalid input or failed assertions, 2 usage or "
               "I/O trouble, 3 internal error, 4 trap or other runtime failure, 130 interrupted",
    )
    parser.add_argument("--version", action="version", version=f"refwasm {program_version()}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(f"refwasm.commands.{module_name}")
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


# Optional packages and the extra that installs each (README "Try it").
EXTRAS = {"hypothesis": "fuzz", "wasmtime": "peers", "pywasm": "peers"}


def missing_extra(module: str) -> str:
    """What to install for a missing optional package."""
    top = module.split(".")[0]
    return f"this needs the {top} package: pip install 'refwasm[{EXTRAS[top]}]'"


def program_version() -> str:
    """The installed distribution's version (the package's own when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("refwasm")
    except PackageNotFoundError:
        from refwasm import __version__

        return __version__


def describe_os_error(error: OSError) -> str:
    """``PATH: reason`` (``no such file or directory``, ``is a directory``, ...)."""
    reason = (error.strerror or str(error)).lower()
    return f"{error.filename}: {reason}" if error.filename is not None else reason


if __name__ == "__main__":
    sys.exit(main())
