"""``refwasm oracle [--spec V] [--engine reference|fast] [--fuel N|none] [--timeout S|none]``:
refwasm as a long-lived oracle process speaking JSON lines on stdin/stdout (the protocol:
docs/oracle.md).

A request without its own ``fuel`` gets ``--fuel`` steps; every instantiation and call gets
``--timeout`` seconds, so every request is answered in bounded time.
"""

from __future__ import annotations

import argparse
import sys

from refwasm.commands.common import add_spec_arguments, features_of
from refwasm.script.limits import add_limit_arguments, resolve_fuel

HELP = "serve refwasm as a differential-testing oracle over JSON lines (stdin -> stdout)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_arguments(parser)
    parser.add_argument("--engine", default="reference", choices=["reference", "fast"],
                        help="what runs the oracle's store (default reference)")
    add_limit_arguments(parser, per="instantiation or call (fuel: unless the request sets it)")


def run(args: argparse.Namespace) -> int:
    from refwasm.oracle.server import serve

    # Bytes, not text: a line that is not UTF-8 gets an error reply like any bad request.
    return serve(sys.stdin.buffer, sys.stdout, features_of(args),
                 engine=args.engine, fuel=resolve_fuel(args.fuel, args.engine),
                 timeout=args.timeout)
