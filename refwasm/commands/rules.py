"""``refwasm rules [--markdown] [NAME] [--json]``: which spec rules the code implements.

Without options, prints the rule coverage of the code per chapter (rules of the 3.0 SpecTec
sources with an implementing function).  ``--markdown`` prints ``docs/rules.md``: each rule,
the functions citing it and the tests naming it.  ``refwasm rules i32.trunc_f32_s`` (an
instruction) or ``refwasm rules Step_read/call_indirect`` (a rule or a family) prints what that
page holds for it: opcodes, grammar cases, typing, execution and operator rules, the functions
citing them with file and line, and the test files naming it; ``--json`` as one object.  An
unknown name exits 1 with the closest names.  Needs the spec sources (``../shared/spec`` or
``$REFWASM_SPEC``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refwasm.rules import SpecIndex

HELP = "the spec rules each function implements, and the rule coverage of the code"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "name",
        nargs="?",
        metavar="INSTR|RULE",
        help="an instruction (i32.trunc_f32_s) or a rule (Step_read/call_indirect): where it is",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print docs/rules.md (the full rule map)"
    )
    parser.add_argument("--json", action="store_true", help="print the lookup as one JSON object")


def run(args: argparse.Namespace) -> int:
    from refwasm import rules

    if not (rules.spec_root() / "wasm-3.0-spectec").is_dir():
        print(
            f"refwasm rules: no spec sources at {rules.spec_root()} (set REFWASM_SPEC)",
            file=sys.stderr,
        )
        return 2
    spec = rules.load_spec()
    if args.name is not None:
        return look_up(args.name, spec, as_json=args.json)
    if args.markdown:
        sys.stdout.write(rules.markdown(spec))
        return 0
    for cov in rules.code_coverage(spec, rules.citations()):
        n, k = len(cov.rules), len(cov.implemented)
        print(f"{cov.chapter:<11} {k:>4} / {n:<4} rules implemented, {len(cov.missing)} not")
    return 0


def look_up(name: str, spec: SpecIndex, *, as_json: bool) -> int:
    """Print where an instruction's or a rule's code is; 1 with suggestions for an unknown name."""
    from refwasm import rules

    found = rules.lookup(name, spec)
    if found is None:
        near = rules.close_names(name, spec)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        print(f"refwasm rules: no instruction or rule named {name!r}{hint}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(found, indent=1) + "\n" if as_json else rules.lookup_text(found))
    return 0
