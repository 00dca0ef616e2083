"""The ``name`` custom section (2.0 Appendix ``binary-namesec``; the extended name section's
subsections for types, tables, memories, globals, element and data segments and tags).

The section is advisory: a malformed one never makes a module malformed.  As wabt does, the
names read before the fault are kept and the rest of the section is ignored (an unknown
subsection is skipped by its size).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from refwasm.binary.reader import Reader
from refwasm.errors import MalformedError

# Subsection ids (``binary-namesubsection``; 4 to 11 from the extended name section proposal).
MODULE, FUNC, LOCAL, LABEL, TYPE, TABLE, MEM, GLOBAL, ELEM, DATA, FIELD, TAG = range(12)
# The index spaces a name map of each plain subsection names.
_SPACE = {FUNC: "func", TYPE: "type", TABLE: "table", MEM: "memory", GLOBAL: "global",
          ELEM: "elem", DATA: "data", TAG: "tag"}


@dataclass
class NameMap:
    """The names a ``name`` section gives: ``spaces[space][index]`` (spaces ``func``, ``type``,
    ``table``, ``memory``, ``global``, ``elem``, ``data``, ``tag``), and ``locals[func][index]``
    over the function's parameters then locals."""

    module: str | None = None
    spaces: dict[str, dict[int, str]] = field(default_factory=dict)
    locals: dict[int, dict[int, str]] = field(default_factory=dict)


def name_map(customs: tuple[object, ...]) -> NameMap:
    """The names of the first ``name`` custom section among ``customs`` (empty if none)."""
    names = NameMap()
    for custom in customs:
        if getattr(custom, "name", None) == "name":
            read_name_section(getattr(custom, "payload", b""), names)
            break
    return names


def read_name_section(payload: bytes, names: NameMap) -> None:
    """``namesec`` · ``binary-namesec``: ``namesubsection*``, each an id, a size and its
    contents, into ``names``; a fault ends the reading, keeping what was read."""
    r = Reader(payload)
    try:
        while not r.eof():
            sub_id, size = r.byte(), r.u32()
            end = r.pos + size
            if end > len(payload):
                return
            sub = Reader(payload[r.pos:end])
            if sub_id == MODULE:
                names.module = sub.name()
            elif sub_id == LOCAL:
                for _ in range(sub.u32()):
                    func = sub.u32()
                    names.locals[func] = _name_map(sub)
            elif sub_id in _SPACE:
                names.spaces[_SPACE[sub_id]] = _name_map(sub)
            r.pos = end
    except MalformedError:
        return


def _name_map(r: Reader) -> dict[int, str]:
    """``namemap`` · ``binary-namemap``: ``vec(idx name)``."""
    return {r.u32(): r.name() for _ in range(r.u32())}
