"""The ``refwasm`` command line: one subcommand per module in ``refwasm/commands/``.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status).  Only the module of the command being run is
imported, so ``refwasm inspect`` does not pay for the interpreter.

``main`` is the one place that turns what a command does not handle itself into one line on
stderr and an exit status, the same for every command:

====  ==========================================================================================
0     success (valid, every assertion passed, no disagreement)
1     the answer is no: a malformed or invalid module, a trap or other Wasm failure, a failed
      assertion, a disagreement (the command says which)
2     trouble: a usage error, an input that cannot be read (missing, a directory, not
      permitted), an output that cannot be written, an unavailable engine
3     an internal error: a bug in refwasm (the traceback is printed; docs/security.md says how
      to report it)
130   interrupted (Ctrl-C)
====  ==========================================================================================
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import traceback
from collections.abc import Sequence

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_TROUBLE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 128 + signal.SIGINT

# Subcommand name -> (module under refwasm.commands, one-line help).
COMMANDS = {
    "inspect": ("inspect", "decode and validate a module; list imports, exports, custom sections"),
    "validate": ("validate", "validate a module (.wasm or .wat)"),
    "print": ("print_", "print a module in the text format"),
    "parse": ("parse", "convert a text module to binary"),
    "wast": ("wast", "run .wast scripts and report per file"),
    "run": ("run", "instantiate a module and invoke an export"),
    "oracle": ("oracle", "serve refwasm as a differential-testing oracle over JSON lines"),
    "diff": ("diff", "differential testing of generated modules against other engines"),
    "rules": ("rules", "the spec rules each function implements; the rule coverage of the code"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``refwasm`` console script and ``python -m refwasm``."""
    argv = list(sys.argv[1:] if argv is None else argv)
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
    except Exception:  # noqa: BLE001 -- a bug: say so once, with what a report needs
        traceback.print_exc()
        print(f"{who}: internal error (a refwasm bug; see docs/security.md)", file=sys.stderr)
        return EXIT_INTERNAL
    return status


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser, with the arguments of the command ``argv`` names (only that one's module
    is imported)."""
    parser = argparse.ArgumentParser(
        prog="refwasm", description="An executable model of the WebAssembly specification."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(f"refwasm.commands.{module_name}")
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


def describe_os_error(error: OSError) -> str:
    """``PATH: reason`` (``no such file or directory``, ``is a directory``, ...)."""
    reason = (error.strerror or str(error)).lower()
    return f"{error.filename}: {reason}" if error.filename is not None else reason


if __name__ == "__main__":
    sys.exit(main())
