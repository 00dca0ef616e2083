"""Abstract syntax of types (SpecTec ``1.2-syntax.types``; 2.0 document ``syntax-type``).

Shaped after Wasm 3.0 so that later proposals need no rewrite: reference types carry
nullability and a heap type, limits carry an address type, the type section holds recursive
types of sub types.  2.0 modules use the subset: ``funcref``/``externref`` and one-element
final rec groups holding a function type.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class NumType(enum.Enum):
    """``numtype``"""

    I32 = "i32"
    I64 = "i64"
    F32 = "f32"
    F64 = "f64"

    @property
    def bits(self) -> int:
        """``$size(numtype)``"""
        return 32 if self in (NumType.I32, NumType.F32) else 64

    @property
    def is_int(self) -> bool:
        return self in (NumType.I32, NumType.I64)


class VecType(enum.Enum):
    """``vectype``"""

    V128 = "v128"

    @property
    def bits(self) -> int:
        """``$vsize(vectype)``"""
        return 128


class AddrType(enum.Enum):
    """``addrtype``: the index type of a memory or table (i64 with memory64)."""

    I32 = "i32"
    I64 = "i64"

    @property
    def bits(self) -> int:
        return 32 if self is AddrType.I32 else 64


class PackType(enum.Enum):
    """``packtype``"""

    I8 = "i8"
    I16 = "i16"

    @property
    def bits(self) -> int:
        """``$psize(packtype)``"""
        return 8 if self is PackType.I8 else 16


class AbsHeapType(enum.Enum):
    """``absheaptype``; ``BOT`` is the semantic bottom used only by validation."""

    ANY = "any"
    EQ = "eq"
    I31 = "i31"
    STRUCT = "struct"
    ARRAY = "array"
    NONE = "none"
    FUNC = "func"
    NOFUNC = "nofunc"
    EXN = "exn"
    NOEXN = "noexn"
    EXTERN = "extern"
    NOEXTERN = "noextern"
    BOT = "bot"


@dataclass(frozen=True, slots=True)
class TypeIdx:
    """``_IDX typeidx``: a type use by index into the module's type section."""

    idx: int


@dataclass(frozen=True, slots=True)
class RecIdx:
    """``REC n``: a reference to the n-th sub type of the enclosing recursive type."""

    idx: int


@dataclass(frozen=True, slots=True, eq=False)
class DefType:
    """``_DEF rectype n``: the n-th sub type of a closed recursive type (semantic types).

    Made by ``refwasm.syntax.deftypes`` from the canonical representative of its group, so
    equality (iso-recursive type equivalence) is the identity of that group and the index:
    comparing and hashing never walk the graph of groups (``deftypes.py``).  It holds its
    group, which keeps the group canonical (and its ``id`` unique) while the ``DefType``
    lives; the canonical table holds groups weakly.  ``unrolled`` memoises ``$unrolldt``
    (``deftypes.unroll``), which never refers back to this object."""

    rectype: RecType
    idx: int
    unrolled: SubType | None = field(default=None, init=False, repr=False, compare=False)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DefType) and self.rectype is other.rectype and self.idx == other.idx
        )

    def __hash__(self) -> int:
        return hash((id(self.rectype), self.idx))


TypeUse = TypeIdx | RecIdx | DefType
HeapType = AbsHeapType | TypeUse


@dataclass(frozen=True, slots=True)
class RefType:
    """``REF null? heaptype``"""

    null: bool
    heaptype: HeapType


class BotType(enum.Enum):
    """``BOT``: the bottom value type of validation (an unknown operand after ``unreachable``)."""

    BOT = "bot"


ValType = NumType | VecType | RefType
StorageType = ValType | PackType
LaneType = NumType | PackType
ResultType = tuple[ValType, ...]

FUNCREF = RefType(True, AbsHeapType.FUNC)
EXTERNREF = RefType(True, AbsHeapType.EXTERN)
ANYREF = RefType(True, AbsHeapType.ANY)
EQREF = RefType(True, AbsHeapType.EQ)
I31REF = RefType(True, AbsHeapType.I31)
STRUCTREF = RefType(True, AbsHeapType.STRUCT)
ARRAYREF = RefType(True, AbsHeapType.ARRAY)
EXNREF = RefType(True, AbsHeapType.EXN)
NULLREF = RefType(True, AbsHeapType.NONE)
NULLFUNCREF = RefType(True, AbsHeapType.NOFUNC)
NULLEXNREF = RefType(True, AbsHeapType.NOEXN)
NULLEXTERNREF = RefType(True, AbsHeapType.NOEXTERN)


class Mut(enum.Enum):
    """``mut?``: mutability of globals and fields."""

    CONST = "const"
    VAR = "var"


@dataclass(frozen=True, slots=True)
class FieldType:
    """``mut? storagetype``"""

    mut: Mut
    storage: StorageType


@dataclass(frozen=True, slots=True)
class FuncType:
    """``FUNC resulttype -> resulttype``"""

    params: ResultType
    results: ResultType


@dataclass(frozen=True, slots=True)
class StructType:
    """``STRUCT list(fieldtype)``"""

    fields: tuple[FieldType, ...]


@dataclass(frozen=True, slots=True)
class ArrayType:
    """``ARRAY fieldtype``"""

    field: FieldType


CompType = FuncType | StructType | ArrayType


@dataclass(frozen=True, slots=True)
class SubType:
    """``SUB final? typeuse* comptype``"""

    final: bool
    supertypes: tuple[TypeUse, ...]
    comptype: CompType


@dataclass(frozen=True, slots=True, weakref_slot=True)
class RecType:
    """``REC list(subtype)`` (weakly referable: the canonical table of closed groups holds
    them weakly, ``refwasm.syntax.deftypes``)"""

    subtypes: tuple[SubType, ...]


def plain_functype(ft: FuncType) -> RecType:
    """The rec group a 2.0 ``(type (func ...))`` denotes: one final sub type, no supertypes."""
    return RecType((SubType(True, (), ft),))


@dataclass(frozen=True, slots=True)
class Limits:
    """``[u64 .. u64?]``"""

    min: int
    max: int | None = None


@dataclass(frozen=True, slots=True)
class TagType:
    """``tagtype`` = ``typeuse`` (its type must expand to a function type)."""

    typeuse: TypeUse


@dataclass(frozen=True, slots=True)
class GlobalType:
    """``mut? valtype``"""

    mut: Mut
    valtype: ValType


@dataclass(frozen=True, slots=True)
class MemType:
    """``addrtype limits PAGE``"""

    addrtype: AddrType
    limits: Limits


@dataclass(frozen=True, slots=True)
class TableType:
    """``addrtype limits reftype``"""

    addrtype: AddrType
    limits: Limits
    reftype: RefType


@dataclass(frozen=True, slots=True)
class ExternFunc:
    """``FUNC typeuse``"""

    typeuse: TypeUse


@dataclass(frozen=True, slots=True)
class ExternTable:
    """``TABLE tabletype``"""

    tabletype: TableType


@dataclass(frozen=True, slots=True)
class ExternMem:
    """``MEM memtype``"""

    memtype: MemType


@dataclass(frozen=True, slots=True)
class ExternGlobal:
    """``GLOBAL globaltype``"""

    globaltype: GlobalType


@dataclass(frozen=True, slots=True)
class ExternTag:
    """``TAG tagtype``"""

    tagtype: TagType


ExternType = ExternFunc | ExternTable | ExternMem | ExternGlobal | ExternTag

PAGE_SIZE = 65536
