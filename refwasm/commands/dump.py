"""``refwasm dump FILE|- [--json]``: the section and offset listing of a binary module, like
``wasm-objdump -h`` or ``wasm-tools dump`` at the section level.

One line per section: its name (a custom section's own name in quotes), the offsets where its
contents start and end, its size, and its entry count where the section starts with one.  A
text module is parsed and encoded first.  The listing walks the section headers only, so it
also shows how far a malformed module goes before its error, which follows the sections.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from refwasm.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    NotAModule,
    add_spec_arguments,
    features_of,
    is_binary,
    load_module,
    read_input,
    show_error,
)

HELP = "list a binary module's sections with their offsets and sizes"

# Sections whose contents start with an entry count (``vec``).
_COUNTED = frozenset({"type", "import", "function", "table", "memory", "global", "export",
                      "element", "code", "data", "tag"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a binary or text module, or - for stdin")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_spec_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from refwasm.binary import decode_module, encode_module
    from refwasm.errors import WasmError

    features = features_of(args)
    data = read_input(args.file)
    try:
        if not is_binary(data):
            data = encode_module(load_module(args.file, data, features))
        sections, trouble = list_sections(data)
        error: WasmError | None = None
        try:
            decode_module(data, features)
        except WasmError as raised:
            error = raised
    except NotAModule as e:
        print(f"refwasm dump: {e}", file=sys.stderr)
        return EXIT_INVALID
    except WasmError as e:
        show_error(args.file, e, data)
        return EXIT_INVALID
    if args.json:
        print(json.dumps({"size": len(data), "sections": sections}))
    else:
        print(f"{args.file}: {len(data)} bytes, version {int.from_bytes(data[4:8], 'little')}")
        for s in sections:
            label = f'custom "{s["custom"]}"' if "custom" in s else s["name"]
            count = f"  count {s['count']}" if "count" in s else ""
            print(f"  {label:<20} start={s['start']:#010x} end={s['end']:#010x} "
                  f"(size {s['size']:#x}){count}")
    if trouble:
        print(f"{args.file}: the section headers stop at {trouble}", file=sys.stderr)
    if error is not None:
        show_error(args.file, error, data)
        return EXIT_INVALID
    return EXIT_OK


def list_sections(data: bytes) -> tuple[list[dict[str, Any]], str | None]:
    """Each section's id, name, content offsets, size and entry count, from the headers; and,
    if the headers do not reach the end, where they stop."""
    from refwasm.binary.decode import SECTION_NAMES
    from refwasm.binary.reader import Reader
    from refwasm.errors import MalformedError

    r = Reader(data)
    r.pos = 8
    sections: list[dict[str, Any]] = []
    try:
        while not r.eof():
            header = r.pos
            section_id = r.byte()
            size = r.u(32)
            start = r.pos
            entry: dict[str, Any] = {"id": section_id, "name": SECTION_NAMES.get(section_id,
                                     f"unknown {section_id}"), "header": header,
                                     "start": start, "end": start + size, "size": size}
            if section_id == 0:
                entry["custom"] = r.bytes_(r.u(32)).decode("utf-8", "replace")
            elif entry["name"] in _COUNTED and size:
                entry["count"] = r.u(32)
            sections.append(entry)
            r.pos = start + size
    except MalformedError as error:
        return sections, f"offset {r.pos:#x}: {error.message}"
    if r.pos > len(data):
        return sections, f"offset {len(data):#x}: the last section runs past the end"
    return sections, None
