"""``refwasm oracle [--version V]``: refwasm as a long-lived oracle process speaking JSON lines on
stdin/stdout (the protocol: docs/oracle.md)."""

from __future__ import annotations

import argparse
import sys

from refwasm.features import Version

HELP = "serve refwasm as a differential-testing oracle over JSON lines (stdin -> stdout)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--version",
        choices=[v.value for v in Version],
        default="2.0",
        help="the edition whose features the oracle runs (default 2.0)",
    )


def run(args: argparse.Namespace) -> int:
    from refwasm.features import Features
    from refwasm.oracle.server import serve

    return serve(sys.stdin, sys.stdout, Features.for_version(args.version))
