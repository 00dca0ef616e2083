"""``refwasm rules [--markdown]``: which spec rules the code implements.

Without options, prints the rule coverage of the code per chapter (rules of the 3.0 SpecTec
sources with an implementing function).  ``--markdown`` prints ``docs/rules.md``: each rule,
the functions citing it and the tests naming it.  Needs the spec sources
(``../shared/spec`` or ``$REFWASM_SPEC``).
"""

from __future__ import annotations

import argparse
import sys

HELP = "the spec rules each function implements, and the rule coverage of the code"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--markdown", action="store_true", help="print docs/rules.md (the full rule map)"
    )


def run(args: argparse.Namespace) -> int:
    from refwasm import rules

    if not (rules.spec_root() / "wasm-3.0-spectec").is_dir():
        print(
            f"refwasm rules: no spec sources at {rules.spec_root()} (set REFWASM_SPEC)",
            file=sys.stderr,
        )
        return 2
    spec = rules.load_spec()
    if args.markdown:
        sys.stdout.write(rules.markdown(spec))
        return 0
    for cov in rules.code_coverage(spec, rules.citations()):
        n, k = len(cov.rules), len(cov.implemented)
        print(f"{cov.chapter:<11} {k:>4} / {n:<4} rules implemented, {len(cov.missing)} not")
    return 0
