"""What every command shares: the spec edition and proposal flags, input and output paths
(``-`` is stdin or stdout), and telling a binary module from a text one by its bytes.

Commands say ``--spec 1.0|2.0|3.0`` for the edition (``--version X.Y`` still works on a
subcommand as a hidden alias; ``refwasm --version`` is the program's version) and
``--enable-PROPOSAL`` / ``--disable-PROPOSAL`` for one proposal over that edition's set, as wabt
does (``--enable-tail-call``, ``--disable-simd``).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path
from typing import Any

from refwasm.features import LATEST_IMPLEMENTED, Features, Version

EDITIONS = [v.value for v in Version]
DEFAULT_EDITION = LATEST_IMPLEMENTED.value
MAGIC = b"\0asm"

# The proposal flags of ``Features`` (not the edition-only rules such as the length bound).
PROPOSALS = [f.name for f in dataclasses.fields(Features) if f.name != "lengths_bounded_by_rest"]

# A script's commands, which a module never holds at its top level.
_SCRIPT_COMMAND = re.compile(rb"^\s*\((assert_\w+|register|invoke|get|module\s+(definition|instance))\b",
                             re.MULTILINE)


class ToggleFeature(argparse.Action):
    """``--enable-X`` / ``--disable-X``: remember (flag, on) in order."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        changes = list(getattr(namespace, "feature_changes", None) or [])
        changes.append((self.const, bool(option_string and option_string.startswith("--enable-"))))
        namespace.feature_changes = changes


def add_spec_arguments(parser: argparse.ArgumentParser, *, inferred: str | None = None) -> None:
    """``--spec``, its hidden alias ``--version``, and one ``--enable-X``/``--disable-X`` per
    proposal.  ``inferred`` says where the default comes from when it is not fixed."""
    default = inferred or f"default: {DEFAULT_EDITION}"
    parser.add_argument("--spec", choices=EDITIONS, default=None, metavar="{1.0,2.0,3.0}",
                        help=f"the spec edition whose rules apply ({default})")
    parser.add_argument("--version", dest="spec", choices=EDITIONS, default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)
    group = parser.add_argument_group("proposals (over the edition's set)")
    for name in PROPOSALS:
        flag = name.replace("_", "-")
        group.add_argument(f"--enable-{flag}", f"--disable-{flag}", action=ToggleFeature,
                           nargs=0, const=name, dest="feature_changes", default=[],
                           help=argparse.SUPPRESS if name != PROPOSALS[0] else
                           "--enable-X / --disable-X for X in: "
                           + ", ".join(p.replace("_", "-") for p in PROPOSALS))


def edition_of(args: argparse.Namespace) -> Version | None:
    """The edition asked for, if any."""
    spec = getattr(args, "spec", None)
    return None if spec is None else Version(spec)


def features_of(args: argparse.Namespace, edition: Version | None = None) -> Features:
    """The edition's features (``--spec``, else ``edition``, else the default edition) with
    the proposals turned on or off as asked."""
    chosen = edition_of(args) or edition or LATEST_IMPLEMENTED
    features = Features.for_version(chosen)
    changes = dict(getattr(args, "feature_changes", None) or [])
    return features.with_(**changes) if changes else features


def read_input(path: str) -> bytes:
    """The bytes of a file, or of stdin for ``-`` (an ``OSError`` is the caller's trouble)."""
    if path == "-":
        return sys.stdin.buffer.read()
    return Path(path).read_bytes()


def write_output(path: str, data: bytes) -> None:
    """Write to a file, or to stdout for ``-``."""
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    Path(path).write_bytes(data)


def is_binary(data: bytes) -> bool:
    """A binary module starts with the magic ``\\0asm``; anything else is taken for text."""
    return data.startswith(MAGIC)


def is_script(path: str, data: bytes) -> bool:
    """A ``.wast`` script rather than a module: by its name or its top-level commands."""
    return path.endswith(".wast") or (not is_binary(data) and bool(_SCRIPT_COMMAND.search(data)))


class NotAModule(Exception):
    """The input is a script (or otherwise not a module); the message says what to do."""


def load_module(path: str, data: bytes, features: Features) -> Any:
    """Decode (magic bytes) or parse (anything else) a module; ``NotAModule`` for a script."""
    if is_script(path, data):
        raise NotAModule(f"{path}: this is a .wast script, not a module: use refwasm wast")
    if is_binary(data):
        from refwasm.binary import decode_module

        return decode_module(data, features)
    from refwasm.text import parse_module

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from refwasm.errors import MALFORMED_UTF8, MalformedError

        raise MalformedError(MALFORMED_UTF8) from None
    return parse_module(text, features)


# Exit statuses (refwasm.cli documents them).
EXIT_OK = 0
EXIT_INVALID = 1  # malformed or invalid input; a failed assertion; a disagreement
EXIT_TROUBLE = 2  # usage; unreadable input or unwritable output; unavailable engine
EXIT_INTERNAL = 3  # a refwasm bug
EXIT_TRAP = 4  # the module loaded but running it failed: trap, exhaustion, unlinkable import


def status_of(kind: str) -> int:
    """The exit status of a failure of ``kind`` (``WasmError.kind``; ``error``: the command was
    asked something it cannot do, such as calling an export that is not a function)."""
    if kind in ("malformed", "invalid"):
        return EXIT_INVALID
    return EXIT_TROUBLE if kind == "error" else EXIT_TRAP


def show_error(where: str, error: Any, data: bytes = b"", module: Any = None) -> None:
    """``WHERE[:LOCATION]: KIND: MESSAGE[: DETAIL]`` on stderr (``located``)."""
    print(located(where, error, data, module), file=sys.stderr)


def located(where: str, error: Any, data: bytes = b"", module: Any = None) -> str:
    """An error with its location around the suite's message: ``m.wasm:0x1a (code section):
    malformed: ...``; ``m.wat:3:14: malformed: ...`` then the source line and a caret;
    ``m.wasm: func 2 $f (export "f"), instr 4.1: invalid: type mismatch: expected [i32] but
    got [i64]``.  ``data`` is the input (for a text line), ``module`` the decoded module (for
    function names)."""
    place, below = where, ""
    if error.offset is not None:
        place += f":{error.offset:#x}" + (f" ({error.section} section)" if error.section else "")
    elif error.text_pos is not None and data:
        place, below = _text_place(where, data, error.text_pos)
    if error.func is not None:
        place += ": func " + _func_label(error.func, module)
    if error.instr is not None:
        place += f", instr {error.instr}"
    detail = f": {error.detail}" if error.detail else ""
    return f"{place}: {error.kind}: {error.message}{detail}{below}"


def _text_place(where: str, data: bytes, pos: int) -> tuple[str, str]:
    """``FILE:LINE:COL`` and, below, the source line with a caret under the column."""
    text = data.decode("utf-8", "replace")
    line_no = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    source = text[start : end if end >= 0 else len(text)].replace("\t", " ")
    column = pos - start + 1
    return f"{where}:{line_no}:{column}", f"\n  {source}\n  {' ' * (column - 1)}^"


def _func_label(index: int, module: Any) -> str:
    """``3``, with `` $name`` from the name section and `` (export "f")`` when known."""
    label = str(index)
    if module is None:
        return label
    name = function_names(module).get(index)
    if name:
        label += f" ${name}"
    exports = [e.name for e in module.exports
               if e.desc.kind.value == "function" and e.desc.index == index]
    return label + "".join(f' (export "{n}")' for n in exports[:1])


def function_names(module: Any) -> dict[int, str]:
    """The function names of the ``name`` custom section (``refwasm.binary.names``; a bad
    section is ignored from its fault on, the section being advisory)."""
    from refwasm.binary.names import name_map

    return name_map(module.customs).spaces.get("func", {})
