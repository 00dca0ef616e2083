"""Abstract syntax of modules (SpecTec ``1.4-syntax.modules``; 2.0 ``syntax-module``).

A ``Module`` holds its fields in the spec's order.  Besides the spec's fields it keeps what the
binary format and the JS API need to observe: custom sections (name, payload and position)
and whether a data count section was present.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from refwasm.syntax.instructions import Expr
from refwasm.syntax.types import (
    ExternType,
    FuncType,
    GlobalType,
    MemType,
    RecType,
    RefType,
    SubType,
    TableType,
    TagType,
    ValType,
)


@dataclass(frozen=True, slots=True)
class Type:
    """``TYPE rectype``"""

    rectype: RecType


@dataclass(frozen=True, slots=True)
class Tag:
    """``TAG tagtype``"""

    tagtype: TagType


@dataclass(frozen=True, slots=True)
class Global:
    """``GLOBAL globaltype expr``"""

    globaltype: GlobalType
    init: Expr


@dataclass(frozen=True, slots=True)
class Mem:
    """``MEMORY memtype``"""

    memtype: MemType


@dataclass(frozen=True, slots=True)
class Table:
    """``TABLE tabletype expr``: ``init`` is ``(ref.null ht)`` unless given (3.0)."""

    tabletype: TableType
    init: Expr | None = None


@dataclass(frozen=True, slots=True)
class Func:
    """``FUNC typeidx local* expr``: ``locals`` lists each local's type (``LOCAL valtype``)."""

    typeidx: int
    locals: tuple[ValType, ...]
    body: Expr


@dataclass(frozen=True, slots=True)
class Active:
    """``ACTIVE idx expr``: the mode of an active element (table) or data (memory) segment."""

    index: int
    offset: Expr


class Passive(enum.Enum):
    """``PASSIVE``"""

    PASSIVE = "passive"


class Declare(enum.Enum):
    """``DECLARE`` (element segments only)"""

    DECLARE = "declare"


PASSIVE = Passive.PASSIVE
DECLARE = Declare.DECLARE

ElemMode = Active | Passive | Declare
DataMode = Active | Passive


@dataclass(frozen=True, slots=True)
class Elem:
    """``ELEM reftype expr* elemmode``"""

    reftype: RefType
    init: tuple[Expr, ...]
    mode: ElemMode


@dataclass(frozen=True, slots=True)
class Data:
    """``DATA byte* datamode``"""

    init: bytes
    mode: DataMode


@dataclass(frozen=True, slots=True)
class Start:
    """``START funcidx``"""

    func: int


@dataclass(frozen=True, slots=True)
class Import:
    """``IMPORT name name externtype``: a function import's type is ``ExternFunc(TypeIdx(x))``."""

    module: str
    name: str
    desc: ExternType


class ExternKind(enum.Enum):
    """The sort of an ``externidx``; values are the JS API's kind strings."""

    FUNC = "function"
    TABLE = "table"
    MEM = "memory"
    GLOBAL = "global"
    TAG = "tag"


@dataclass(frozen=True, slots=True)
class ExternIdx:
    """``externidx``: ``FUNC funcidx | TABLE tableidx | MEM memidx | GLOBAL globalidx | TAG tagidx``"""

    kind: ExternKind
    index: int


@dataclass(frozen=True, slots=True)
class Export:
    """``EXPORT name externidx``"""

    name: str
    desc: ExternIdx


@dataclass(frozen=True, slots=True)
class Custom:
    """A custom section: its name, payload, and ``after``, the id of the last non-custom section
    before it (0 when it precedes all of them), so that the encoder puts it back in place."""

    name: str
    payload: bytes
    after: int = 0


@dataclass(frozen=True, slots=True)
class Module:
    """``MODULE type* import* tag* global* mem* table* func* data* elem* start? export*``"""

    types: tuple[Type, ...] = ()
    imports: tuple[Import, ...] = ()
    tags: tuple[Tag, ...] = ()
    globals: tuple[Global, ...] = ()
    mems: tuple[Mem, ...] = ()
    tables: tuple[Table, ...] = ()
    funcs: tuple[Func, ...] = ()
    datas: tuple[Data, ...] = ()
    elems: tuple[Elem, ...] = ()
    start: Start | None = None
    exports: tuple[Export, ...] = ()
    customs: tuple[Custom, ...] = ()
    # Whether the binary had a data count section (the binary format's ``datacount?``);
    # ``None`` for modules that did not come from bytes.  The encoder emits one when this is
    # True, or when it is None and the code uses ``memory.init``/``data.drop``.
    datacount: bool | None = field(default=None, compare=False)


def subtypes(module: Module) -> tuple[SubType, ...]:
    """The type index space: every sub type of every rec group, in order (``$rolldt``).

    A type index counts sub types, not rec groups (3.0); in a 2.0 module each group holds one.
    Compute it once per module; it is linear in the type section.
    """
    return tuple(st for ty in module.types for st in ty.rectype.subtypes)


def func_type_at(space: tuple[SubType, ...], typeidx: int) -> FuncType | None:
    """The function type at ``typeidx`` of a type index space, or ``None`` when the index is out
    of range or names a struct or array type (callers raise their own error: ``unknown type``)."""
    if not 0 <= typeidx < len(space):
        return None
    comptype = space[typeidx].comptype
    return comptype if isinstance(comptype, FuncType) else None
