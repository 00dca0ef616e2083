"""Seed corpora for the Atheris targets, extracted from the official test suites.

    python fuzz/build_corpus.py [--suite DIR ...] [--out fuzz/corpus] [--limit N]

writes ``OUT/<target>/<sha1>`` files (libFuzzer's corpus layout; the name is the content's
hash, so reruns and several suites deduplicate) for:

* ``binary``: every module of every ``.wast`` script, in the binary format (text modules
  encoded, ``(module binary ...)`` as written, malformed ones included: they seed error paths);
* ``text``: the same modules printed in the text format;
* ``wast``: each script cut into pieces of ``PIECE`` top-level commands;
* ``oracle``: an ``instantiate`` request for each module, followed by the ``invoke`` requests
  of the script's actions on it.

The corpora are build products (tens of MB), not committed (``.gitignore``).  ``--limit``
caps the seeds per target, for a quick run.  The differential target has no seed corpus.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from refwasm.binary import encode_module
from refwasm.engines.base import Value
from refwasm.errors import WasmError
from refwasm.features import Features
from refwasm.oracle.wire import WireError, value_to_json
from refwasm.script.runner import version_of
from refwasm.testsuite import suite_root
from refwasm.text import parse_script, print_module
from refwasm.text.script_syntax import (
    ActionCommand,
    AssertReturn,
    AssertTrap,
    BinaryModule,
    Invoke,
    ModuleCommand,
    NumConst,
    TextModule,
)

SUITES = [suite_root() / f"wasm-{v}" for v in ("1.0", "2.0", "3.0")]  # the bundled copy
PIECE = 6  # top-level commands per .wast seed
MAX_SEED = 1 << 16  # bytes; libFuzzer's default -max_len is 4096 anyway
COMMAND_START = re.compile(r"^\(", re.MULTILINE)


def module_bytes(command: ModuleCommand) -> bytes | None:
    """The binary form of a script's module (``None`` for a quoted one)."""
    match command.source:
        case BinaryModule(data):
            return data
        case TextModule(module):
            try:
                return encode_module(module)
            except (WasmError, ValueError):
                return None
    return None


def invoke_line(action: Invoke) -> str | None:
    """An oracle ``invoke`` request for a script action on numeric arguments."""
    if not all(isinstance(a, NumConst) for a in action.args):
        return None
    try:
        args = [value_to_json(Value(a.nt, a.bits)) for a in action.args]  # type: ignore[union-attr]
    except WireError:
        return None
    return json.dumps({"op": "invoke", "name": action.name, "args": args})


def seeds(path: Path) -> Iterator[tuple[str, bytes]]:
    """(target, seed) pairs from one script."""
    text = path.read_text("utf-8")
    starts = [m.start() for m in COMMAND_START.finditer(text)] + [len(text)]
    for i in range(0, len(starts) - 1, PIECE):
        yield "wast", text[starts[i]:starts[min(i + PIECE, len(starts) - 1)]].encode()[:MAX_SEED]
    # A checkout of WebAssembly/testsuite has no wasm-X.Y folder: its scripts are the newest.
    version = version_of(path) or "3.0"
    try:
        script = parse_script(text, Features.for_version(version))
    except WasmError:
        return
    oracle: list[str] = []
    for command in script.commands:
        if isinstance(command, ModuleCommand):
            if oracle:
                yield "oracle", "\n".join(oracle).encode()
            oracle = []
            data = module_bytes(command)
            if data is None or len(data) > MAX_SEED:
                continue
            yield "binary", data
            if isinstance(command.source, TextModule):
                yield "text", print_module(command.source.module).encode()
            oracle = [json.dumps({"op": "instantiate",
                                  "module": base64.b64encode(data).decode()})]
        elif isinstance(command, ActionCommand | AssertReturn | AssertTrap) and oracle:
            action = command.action if not isinstance(command, AssertTrap) else command.target
            if isinstance(action, Invoke) and action.module is None and len(oracle) < 8:
                line = invoke_line(action)
                if line is not None:
                    oracle.append(line)
    if oracle:
        yield "oracle", "\n".join(oracle).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", action="append", type=Path, help="a suite directory")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "corpus")
    parser.add_argument("--limit", type=int, default=None, help="at most N seeds per target")
    args = parser.parse_args(argv)
    counts: dict[str, int] = {}
    for suite in args.suite or SUITES:
        for path in sorted(suite.rglob("*.wast")):
            for target, seed in seeds(path):
                if args.limit is not None and counts.get(target, 0) >= args.limit:
                    continue
                folder = args.out / target
                folder.mkdir(parents=True, exist_ok=True)
                name = folder / hashlib.sha1(seed).hexdigest()
                if not name.exists():
                    name.write_bytes(seed)
                    counts[target] = counts.get(target, 0) + 1
    for target, n in sorted(counts.items()):
        print(f"{target}: {n} seeds in {args.out / target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
