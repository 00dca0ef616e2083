"""The ``refwasm`` command line: one subcommand per module in ``refwasm/commands/``.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status).  Modules are imported only when their command runs,
so ``refwasm inspect`` does not pay for the interpreter.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Subcommand name -> module under refwasm.commands.
COMMANDS = {
    "inspect": "inspect",
    "validate": "validate",
    "print": "print_",
    "parse": "parse",
    "wast": "wast",
    "run": "run",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="refwasm", description="An executable model of the WebAssembly specification."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"refwasm.commands.{module_name}")
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``refwasm`` console script and ``python -m refwasm``."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
