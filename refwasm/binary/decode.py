"""Decoding the binary format (2.0 ``binary-module`` and its sub-grammars; SpecTec ``5.*-binary``).

``decode_module(data, features)`` turns bytes into a ``Module`` or raises ``MalformedError``
with the official test suite's message.  Each method reads one production of the grammar and
names it in its docstring.  Which opcodes and type codes exist under which feature is decided
only by the tables of ``opcodes.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from refwasm.binary.gc import DATA_INDEXED, read_gc
from refwasm.binary.opcodes import (
    ABSHEAPTYPES,
    ARRAY_TYPE_CODE,
    CATCH,
    CATCH_ALL,
    CATCH_ALL_REF,
    CATCH_REF,
    ELSE,
    EMPTY_BLOCK_TYPE,
    END,
    FC_OPCODES,
    FD_OPCODES,
    FUNC_TYPE_CODE,
    HEAPTYPES,
    OPCODES,
    PACKTYPES,
    REC_TYPE_CODE,
    REF_CODE,
    REF_NULL_CODE,
    REFTYPES,
    STRUCT_TYPE_CODE,
    SUB_FINAL_TYPE_CODE,
    SUB_TYPE_CODE,
    TABLE_INIT_CODE,
    VALTYPES,
    Imm,
    Op,
)
from refwasm.binary.reader import Reader, enter_section
from refwasm.errors import (
    DATA_COUNT_MISMATCH,
    DATA_COUNT_REQUIRED,
    END_OPCODE_EXPECTED,
    FUNC_CODE_MISMATCH,
    ILLEGAL_OPCODE,
    INTEGER_TOO_LONG,
    MAGIC_HEADER,
    MALFORMED_BLOCK_TYPE,
    MALFORMED_CATCH_CLAUSE,
    MALFORMED_DATA_SEGMENT_KIND,
    MALFORMED_ELEMENT_KIND,
    MALFORMED_ELEMENTS_SEGMENT_KIND,
    MALFORMED_EXPORT_KIND,
    MALFORMED_FUNCTION_TYPE,
    MALFORMED_IMPORT_KIND,
    MALFORMED_LIMITS_FLAGS,
    MALFORMED_MEMOP_FLAGS,
    MALFORMED_MUTABILITY,
    MALFORMED_REFERENCE_TYPE,
    MALFORMED_SECTION_ID,
    MALFORMED_TABLE,
    MALFORMED_TAG_ATTRIBUTE,
    MALFORMED_VALUE_TYPE,
    SECTION_SIZE_MISMATCH,
    TOO_MANY_LOCALS,
    UNEXPECTED_CONTENT_AFTER_LAST_SECTION,
    UNEXPECTED_END,
    UNKNOWN_BINARY_VERSION,
    ZERO_BYTE_EXPECTED,
    MalformedError,
    locate,
)
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax.gcpause import gc_paused
from refwasm.syntax.instructions import (
    Block,
    BlockType,
    Br,
    BrIf,
    BrOnNonNull,
    BrOnNull,
    BrTable,
    Call,
    CallIndirect,
    CallRef,
    Catch,
    CatchAll,
    CatchAllRef,
    CatchClause,
    CatchRef,
    Const,
    DataDrop,
    ElemDrop,
    Expr,
    GlobalGet,
    GlobalSet,
    If,
    Instr,
    Load,
    LocalGet,
    LocalSet,
    LocalTee,
    Loop,
    MemArg,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    RefFunc,
    RefNull,
    ReturnCall,
    ReturnCallIndirect,
    ReturnCallRef,
    Select,
    Store,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
    Throw,
    TryTable,
    VConst,
    VExtractLane,
    VLoad,
    VLoadLane,
    VReplaceLane,
    VShuffle,
    VStore,
    VStoreLane,
)
from refwasm.syntax.modules import (
    DECLARE,
    PASSIVE,
    Active,
    Custom,
    Data,
    DataMode,
    Elem,
    ElemMode,
    Export,
    ExternIdx,
    ExternKind,
    Func,
    Global,
    Import,
    Mem,
    Module,
    Start,
    Table,
    Tag,
    Type,
)
from refwasm.syntax.types import (
    FUNCREF,
    AbsHeapType,
    AddrType,
    ArrayType,
    CompType,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    ExternType,
    FieldType,
    FuncType,
    GlobalType,
    HeapType,
    Limits,
    MemType,
    Mut,
    NumType,
    RecType,
    RefType,
    StorageType,
    StructType,
    SubType,
    TableType,
    TagType,
    TypeIdx,
    ValType,
    plain_functype,
)

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# An implementation limit (as in wasmtime): more locals in one function is ``too many
# locals``.  It keeps a hostile local count from allocating a huge list; the spec's own bound
# (fewer than 2^32) is far above it.
MAX_LOCALS = 50_000
# And for a whole module, counting each distinct declaration once (equal ones share one
# tuple): a few bytes declare 50,000 locals, so without it a small binary could make the
# decoder expand gigabytes of them.  2^24 locals take 128 MiB (once more in validation).
MAX_MODULE_LOCALS = 1 << 24

# Section ids (``binary-section``) and the order non-custom sections must come in: the data
# count section (12) sits between the element (9) and code (10) sections.
SECTION_ORDER: tuple[int, ...] = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)
DATACOUNT_SECTION_ID = 12
TAG_SECTION_ID = 13  # 3.0, between the memory and global sections
# The flag byte of 3.0 ``Blimits``: bit 0 announces a maximum, bit 2 the ``i64`` address type.
LIMITS_FLAG_MAX = 0x01
LIMITS_FLAG_I64 = 0x04
LIMITS_FLAG_BITS = LIMITS_FLAG_MAX | LIMITS_FLAG_I64

_EXTERN_KINDS = {
    0: ExternKind.FUNC, 1: ExternKind.TABLE, 2: ExternKind.MEM, 3: ExternKind.GLOBAL,
    4: ExternKind.TAG,  # 3.0, with exceptions
}  # fmt: skip


@gc_paused
def decode_module(data: bytes, features: Features = DEFAULT_FEATURES) -> Module:
    """``binary-module``: decode a whole module, or raise ``MalformedError`` (located at the
    byte offset the decoder reached, and its section)."""
    decoder = _Decoder(bytes(data), features)
    try:
        return decoder.module()
    except MalformedError as error:
        offset = min(decoder.r.pos, len(decoder.r.data))
        locate(error, offset=offset, section=section_at(decoder.r.data, offset))
        raise


# The sections' names (``binary-section``), for error locations.
SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
    7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "data count", 13: "tag",
}  # fmt: skip


def section_at(data: bytes, offset: int) -> str | None:
    """The name of the section whose bytes hold ``offset`` (walking the section headers), if
    the headers up to it are well formed."""
    r = Reader(data)
    r.pos = 8
    section_id = None
    try:
        while r.pos < offset and not r.eof():
            section_id = r.byte()
            end = r.u(32) + r.pos
            if offset < end or r.pos >= offset:
                break
            r.pos, section_id = end, None
    except MalformedError:
        pass  # a header cut short: the error is in it
    return None if section_id is None else SECTION_NAMES.get(section_id)


@functools.lru_cache(maxsize=16)
def _enabled(table_id: str, features: Features) -> dict[int, Any]:
    """The entries of one table of ``opcodes.py`` that ``features`` enables (cached per set)."""
    tables: dict[str, dict[int, Any]] = {
        "ops": OPCODES, "fc": FC_OPCODES, "fd": FD_OPCODES,
        "valtypes": VALTYPES, "reftypes": REFTYPES, "heaptypes": HEAPTYPES,
        "absheaptypes": ABSHEAPTYPES,
    }  # fmt: skip
    table = tables[table_id]

    def on(feature: str | None) -> bool:
        return feature is None or bool(getattr(features, feature))

    if table_id in ("ops", "fc", "fd"):
        return {code: op for code, op in table.items() if on(op.feature)}
    return {code: entry[1] for code, entry in table.items() if on(entry[0])}


# The kinds of opcode in ``_Decoder.dispatch`` (compared by identity).
_PLAIN = "plain"
_STRUCTURED = "structured"
_IMMEDIATES = "immediates"


class _Frame:
    """An open structured instruction while decoding (explicit stack: no recursion limit)."""

    __slots__ = ("imm", "blocktype", "outer", "then", "catches")

    def __init__(self, imm: Imm, blocktype: BlockType, outer: list[Instr]) -> None:
        self.imm = imm
        self.blocktype = blocktype
        self.outer = outer
        self.then: list[Instr] | None = None
        self.catches: tuple[CatchClause, ...] = ()  # a try_table's (3.0)


class _Decoder:
    """The state of one decoding: the reader, the feature set and what sections said so far."""

    def __init__(self, data: bytes, features: Features) -> None:
        self.r = Reader(data, features.lengths_bounded_by_rest)
        self.features = features
        self.ops: dict[int, Op] = _enabled("ops", features)
        self.valtypes: dict[int, ValType] = _enabled("valtypes", features)
        self.reftypes: dict[int, RefType] = _enabled("reftypes", features)
        self.heaptypes: dict[int, AbsHeapType] = _enabled("heaptypes", features)
        self.absheaptypes: dict[int, AbsHeapType] = _enabled("absheaptypes", features)
        self.uses_data_index = False
        # The locals' tuple of each distinct declaration (``locals_``), and their total size.
        self.locals_seen: dict[tuple[tuple[int, ValType], ...], tuple[ValType, ...]] = {}
        self.locals_total = 0
        self.readers: dict[Imm, Callable[[Op], Instr]] = self._readers()
        self.dispatch = self._dispatch(self.ops)
        self.fc_dispatch = self._dispatch(_enabled("fc", features))
        self.fd_dispatch = self._dispatch(_enabled("fd", features))
        self.sections: dict[int, Callable[[], Any]] = self.section_readers()

    # -- Module structure ---------------------------------------------------------------------

    def module(self) -> Module:
        """``Bmodule`` · ``binary-module``: magic, version, then sections in order, customs
        anywhere. """
        r = self.r
        if r.bytes_(4) != MAGIC:
            raise MalformedError(MAGIC_HEADER)
        if r.bytes_(4) != VERSION:
            raise MalformedError(UNKNOWN_BINARY_VERSION)
        fields: dict[int, Any] = {}
        customs: list[Custom] = []
        last_id = 0
        while not r.eof():
            section_id = r.byte()
            if section_id == 0:
                customs.append(self.section(0, last_id))
                continue
            if section_id not in self.sections:
                raise MalformedError(MALFORMED_SECTION_ID)
            if last_id and SECTION_ORDER.index(section_id) <= SECTION_ORDER.index(last_id):
                raise MalformedError(UNEXPECTED_CONTENT_AFTER_LAST_SECTION)
            fields[section_id] = self.section(section_id, last_id)
            last_id = section_id
        return self.assemble(fields, tuple(customs))

    def section_readers(self) -> dict[int, Callable[[], Any]]:
        """``Bsection_`` · ``binary-section``: the reader of each non-custom section id."""
        readers: dict[int, Callable[[], Any]] = {
            1: self.typesec, 2: self.importsec, 3: self.funcsec, 4: self.tablesec,
            5: self.memsec, 6: self.globalsec, 7: self.exportsec, 8: self.startsec,
            9: self.elemsec, 10: self.codesec, 11: self.datasec,
        }  # fmt: skip
        if self.features.bulk_memory:
            readers[DATACOUNT_SECTION_ID] = self.datacountsec
        if self.features.exceptions:
            readers[TAG_SECTION_ID] = self.tagsec
        return readers

    def section(self, section_id: int, last_id: int) -> Any:
        """``Bsection_`` · ``binary-section``: ``size:u32`` then contents that must take exactly
        ``size`` bytes (a custom section records ``last_id``, the section it follows)."""
        r = self.r
        size = r.length()
        start = r.pos
        enter_section(r)
        if section_id == 0:
            value: Any = self.custom(size, last_id)
        else:
            value = self.sections[section_id]()
        if r.pos != start + size:
            raise MalformedError(SECTION_SIZE_MISMATCH)
        r.end_message = UNEXPECTED_END
        return value

    def assemble(self, fields: dict[int, Any], customs: tuple[Custom, ...]) -> Module:
        """``Bmodule`` · ``binary-module``: put the sections together, checking the cross-section
        counts."""
        typeidxs: list[int] = fields.get(3, [])
        codes: list[tuple[tuple[ValType, ...], Expr]] = fields.get(10, [])
        if len(typeidxs) != len(codes):
            raise MalformedError(FUNC_CODE_MISMATCH)
        datas: tuple[Data, ...] = tuple(fields.get(11, ()))
        datacount: int | None = fields.get(DATACOUNT_SECTION_ID)
        if datacount is not None and datacount != len(datas):
            raise MalformedError(DATA_COUNT_MISMATCH)
        if datacount is None and self.uses_data_index:
            raise MalformedError(DATA_COUNT_REQUIRED)
        start: int | None = fields.get(8)
        return Module(
            types=tuple(fields.get(1, ())),
            imports=tuple(fields.get(2, ())),
            tags=tuple(fields.get(TAG_SECTION_ID, ())),
            globals=tuple(fields.get(6, ())),
            mems=tuple(fields.get(5, ())),
            tables=tuple(fields.get(4, ())),
            funcs=tuple(Func(x, locs, body) for x, (locs, body) in zip(typeidxs, codes, strict=True)),
            datas=datas,
            elems=tuple(fields.get(9, ())),
            start=None if start is None else Start(start),
            exports=tuple(fields.get(7, ())),
            customs=customs,
            datacount=datacount is not None,
        )

    def vec(self, item: Callable[[], Any]) -> list[Any]:
        """``Blist`` · ``binary-vec``: a ``u32`` count (bounded by the remaining input), then the
        items."""
        return [item() for _ in range(self.r.length())]

    def custom(self, size: int, last_id: int) -> Custom:
        """``Bcustomsec`` · ``binary-customsec``: a name, then the rest of the section as the
        payload. """
        r = self.r
        start = r.pos
        name = r.name()
        payload = r.bytes_(size - (r.pos - start))
        return Custom(name, payload, last_id)

    def typesec(self) -> list[Type]:
        """``Btypesec`` · ``binary-typesec``"""
        return self.vec(self.type_)

    def type_(self) -> Type:
        """``Btype`` · ``binary-functype``: a 2.0 type is a one-element rec group of a final
        function type (3.0's ``rec``/``sub``/``struct``/``array`` codes go here under ``gc``)."""
        if self.features.gc:
            return self.rectype()
        code = self.r.byte()
        if code != FUNC_TYPE_CODE:
            raise MalformedError(INTEGER_TOO_LONG if code & 0x80 else MALFORMED_FUNCTION_TYPE)
        params = tuple(self.vec(self.valtype))
        results = tuple(self.vec(self.valtype))
        return Type(plain_functype(FuncType(params, results)))

    def rectype(self) -> Type:
        """``Brectype`` (3.0): ``0x4E`` and a vector of sub types, or one sub type alone."""
        r = self.r
        if r.peek() == REC_TYPE_CODE:
            r.pos += 1
            return Type(RecType(tuple(self.vec(self.subtype))))
        return Type(RecType((self.subtype(),)))

    def subtype(self) -> SubType:
        """``Bsubtype``: ``0x50`` (open) or ``0x4F`` (final) with supertype indices, or a
        composite type alone (final, no supertypes)."""
        r = self.r
        code = r.peek()
        if code in (SUB_TYPE_CODE, SUB_FINAL_TYPE_CODE):
            r.pos += 1
            supers = tuple(TypeIdx(x) for x in self.vec(r.u32))
            return SubType(code == SUB_FINAL_TYPE_CODE, supers, self.comptype())
        return SubType(True, (), self.comptype())

    def comptype(self) -> CompType:
        """``Bcomptype``: ``0x5E`` array, ``0x5F`` struct, ``0x60`` function type."""
        code = self.r.byte()
        if code == ARRAY_TYPE_CODE:
            return ArrayType(self.fieldtype())
        if code == STRUCT_TYPE_CODE:
            return StructType(tuple(self.vec(self.fieldtype)))
        if code != FUNC_TYPE_CODE:
            raise MalformedError(INTEGER_TOO_LONG if code & 0x80 else MALFORMED_FUNCTION_TYPE)
        params = tuple(self.vec(self.valtype))
        return FuncType(params, tuple(self.vec(self.valtype)))

    def fieldtype(self) -> FieldType:
        """``Bfieldtype``: a storage type (``Bstoragetype``: a value type, or ``0x78`` i8,
        ``0x77`` i16), then the mutability byte."""
        r = self.r
        pack = PACKTYPES.get(r.peek() or 0)
        storage: StorageType
        if pack is not None:
            r.pos += 1
            storage = pack
        else:
            storage = self.valtype()
        return FieldType(self.mut(), storage)

    def mut(self) -> Mut:
        """``Bmut``: 0 (constant) or 1 (variable)."""
        mut = self.r.byte()
        if mut not in (0, 1):
            raise MalformedError(MALFORMED_MUTABILITY)
        return Mut.VAR if mut else Mut.CONST

    def importsec(self) -> list[Import]:
        """``Bimportsec`` · ``binary-importsec``"""
        return self.vec(self.import_)

    def import_(self) -> Import:
        """``Bimport`` · ``binary-import``"""
        module = self.r.name()
        name = self.r.name()
        kind = self.r.byte()
        desc: ExternType
        if kind == 0:
            desc = ExternFunc(TypeIdx(self.r.u32()))
        elif kind == 1:
            desc = ExternTable(self.tabletype())
        elif kind == 2:
            desc = ExternMem(self.memtype())
        elif kind == 3:
            desc = ExternGlobal(self.globaltype())
        elif kind == 4 and self.features.exceptions:
            desc = ExternTag(self.tagtype())
        else:
            raise MalformedError(MALFORMED_IMPORT_KIND)
        return Import(module, name, desc)

    def funcsec(self) -> list[int]:
        """``Bfuncsec`` · ``binary-funcsec``"""
        return self.vec(self.r.u32)

    def tablesec(self) -> list[Table]:
        """``Btablesec`` · ``binary-tablesec``"""
        return self.vec(self.table)

    def table(self) -> Table:
        """``Btable``: a table type, or (typed function references) ``0x40 0x00``, a table
        type and its initialiser expression."""
        r = self.r
        if not self.features.function_references or r.peek() != TABLE_INIT_CODE:
            return Table(self.tabletype())
        r.pos += 1
        if r.byte() != 0x00:
            raise MalformedError(MALFORMED_TABLE)
        tabletype = self.tabletype()
        return Table(tabletype, self.expr())

    def memsec(self) -> list[Mem]:
        """``Bmemsec`` · ``binary-memsec``"""
        return self.vec(lambda: Mem(self.memtype()))

    def globalsec(self) -> list[Global]:
        """``Bglobalsec`` · ``binary-globalsec``"""
        return self.vec(lambda: Global(self.globaltype(), self.expr()))

    def exportsec(self) -> list[Export]:
        """``Bexportsec`` · ``binary-exportsec``"""
        return self.vec(self.export)

    def export(self) -> Export:
        """``Bexport`` · ``binary-export``"""
        name = self.r.name()
        kind = _EXTERN_KINDS.get(self.r.byte())
        if kind is ExternKind.TAG and not self.features.exceptions:
            kind = None
        if kind is None:
            raise MalformedError(MALFORMED_EXPORT_KIND)
        return Export(name, ExternIdx(kind, self.r.u32()))

    def tagsec(self) -> list[Tag]:
        """``Btagsec`` (3.0)"""
        return self.vec(lambda: Tag(self.tagtype()))

    def tagtype(self) -> TagType:
        """``Btagtype`` (3.0): an attribute byte, 0 (exception), then a type index."""
        if self.r.byte() != 0x00:
            raise MalformedError(MALFORMED_TAG_ATTRIBUTE)
        return TagType(TypeIdx(self.r.u32()))

    def startsec(self) -> int:
        """``Bstartsec`` · ``binary-startsec``"""
        return self.r.u32()

    def datacountsec(self) -> int:
        """``Bdatacntsec`` · ``binary-datacountsec``"""
        return self.r.u32()

    def elemsec(self) -> list[Elem]:
        """``Belemsec`` · ``binary-elemsec``"""
        return self.vec(self.elem)

    def elem(self) -> Elem:
        """``Belem`` · ``binary-elem``: the eight encodings 0-7 (bit 0: passive or declarative, bit
        1: explicit table index or declarative, bit 2: expressions instead of function indices).
        Without bulk memory the first field is a table index (the 1.0 encoding)."""
        r = self.r
        flags = r.u32()
        if not self.features.bulk_memory:
            table = flags
            offset = self.expr()
            return Elem(FUNCREF, self.funcidx_inits(), Active(table, offset))
        if flags > 7:
            raise MalformedError(MALFORMED_ELEMENTS_SEGMENT_KIND)
        mode: ElemMode
        if flags & 1:
            mode = DECLARE if flags & 2 else PASSIVE
        else:
            table = r.u32() if flags & 2 else 0
            mode = Active(table, self.expr())
        if flags & 4:
            reftype = self.reftype() if flags & 3 else FUNCREF
            return Elem(reftype, tuple(self.vec(self.expr)), mode)
        reftype = self.elemkind() if flags & 3 else self.func_index_reftype()
        return Elem(reftype, self.funcidx_inits(), mode)

    def func_index_reftype(self) -> RefType:
        """The type of encoding 0's segment: ``funcref`` in 2.0, ``(ref func)`` in 3.0."""
        return RefType(not self.features.function_references, AbsHeapType.FUNC)

    def funcidx_inits(self) -> tuple[Expr, ...]:
        """``vec(funcidx)`` of an element segment, as ``ref.func`` expressions."""
        return tuple((RefFunc(x),) for x in self.vec(self.r.u32))

    def elemkind(self) -> RefType:
        """``Belemkind`` · ``binary-elemkind``: ``0x00`` is ``funcref`` in 2.0; in 3.0 the function
        indices are ``(ref func)``, as in encoding 0 (the 3.0 suite's ``elem.wast`` puts such a
        segment into a ``(ref func)`` table)."""
        if self.r.byte() != 0x00:
            raise MalformedError(MALFORMED_ELEMENT_KIND)
        return self.func_index_reftype()

    def codesec(self) -> list[tuple[tuple[ValType, ...], Expr]]:
        """``Bcodesec`` · ``binary-codesec``"""
        return self.vec(self.code)

    def code(self) -> tuple[tuple[ValType, ...], Expr]:
        """``Bcode`` · ``binary-code``: ``size:u32`` then a ``func`` of exactly that size."""
        r = self.r
        size = r.length()
        start = r.pos
        locals_ = self.locals_()
        body = self.expr()
        if r.pos != start + size:
            raise MalformedError(SECTION_SIZE_MISMATCH)
        return locals_, body

    def locals_(self) -> tuple[ValType, ...]:
        """``Bfunc`` · ``binary-func``: ``vec(locals)`` where ``locals ::= n:u32 t:valtype``; the
        total must stay below 2^32 (and below ``MAX_LOCALS`` here) or it is ``too many locals``."""
        groups: list[tuple[int, ValType]] = []
        total = 0
        for _ in range(self.r.length()):
            n = self.r.u32()
            total += n
            if total > MAX_LOCALS:
                raise MalformedError(TOO_MANY_LOCALS)
            groups.append((n, self.valtype()))
        if not groups:
            return ()
        return self.expand_locals(tuple(groups), total)

    def expand_locals(
        self, groups: tuple[tuple[int, ValType], ...], total: int
    ) -> tuple[ValType, ...]:
        """The locals a declaration's groups stand for: one shared tuple per distinct
        declaration, and at most ``MAX_MODULE_LOCALS`` in distinct ones (``too many locals``)."""
        expanded = self.locals_seen.get(groups)
        if expanded is None:
            self.locals_total += total
            if self.locals_total > MAX_MODULE_LOCALS:
                raise MalformedError(TOO_MANY_LOCALS)
            ts: list[ValType] = []
            for n, t in groups:
                ts += [t] * n
            expanded = self.locals_seen[groups] = tuple(ts)
        return expanded

    def datasec(self) -> list[Data]:
        """``Bdatasec`` · ``binary-datasec``"""
        return self.vec(self.data)

    def data(self) -> Data:
        """``Bdata`` · ``binary-data``: encodings 0 (active, memory 0), 1 (passive), 2 (active,
        explicit memory).  Without bulk memory the first field is a memory index (the 1.0 encoding).
        """
        r = self.r
        flags = r.u32()
        mode: DataMode
        if not self.features.bulk_memory:
            mode = Active(flags, self.expr())
        elif flags == 0:
            mode = Active(0, self.expr())
        elif flags == 1:
            mode = PASSIVE
        elif flags == 2:
            memory = r.u32()
            mode = Active(memory, self.expr())
        else:
            raise MalformedError(MALFORMED_DATA_SEGMENT_KIND)
        return Data(r.bytes_(r.length()), mode)

    # -- Types --------------------------------------------------------------------------------

    def valtype(self) -> ValType:
        """``binary-valtype`` (3.0 ``Bvaltype``): one byte (a continuation bit makes it an
        over-long ``s7``), or ``0x63``/``0x64`` and a heap type."""
        b = self.r.byte()
        t = self.valtypes.get(b)
        if t is None:
            if self.features.function_references and b in (REF_NULL_CODE, REF_CODE):
                return RefType(b == REF_NULL_CODE, self.heaptype())
            raise MalformedError(INTEGER_TOO_LONG if b & 0x80 else MALFORMED_VALUE_TYPE)
        return t

    def reftype(self) -> RefType:
        """``binary-reftype`` (3.0 ``Breftype``: ``0x63 ht``, ``0x64 ht`` or an abstract heap
        type code abbreviating ``(ref null ht)``)."""
        b = self.r.byte()
        if self.features.function_references:
            if b in (REF_NULL_CODE, REF_CODE):
                return RefType(b == REF_NULL_CODE, self.heaptype())
            ht = self.absheaptypes.get(b)
            t = None if ht is None else RefType(True, ht)
        else:
            t = self.reftypes.get(b)
        if t is None:
            raise MalformedError(INTEGER_TOO_LONG if b & 0x80 else MALFORMED_REFERENCE_TYPE)
        return t

    def heaptype(self) -> HeapType:
        """``Bheaptype``: an abstract heap type code, or a type index as a positive ``s33``."""
        r = self.r
        b = r.peek()
        if b is not None and b in self.absheaptypes:
            r.pos += 1
            return self.absheaptypes[b]
        x = r.s(33)
        if x < 0:
            raise MalformedError(MALFORMED_REFERENCE_TYPE)
        return TypeIdx(x)

    def limits(self) -> tuple[AddrType, Limits]:
        """``Blimits`` · ``binary-limits``: flag 0 (min) or 1 (min, max); 2.0 reads the flag as a
        ``u1``."""
        if self.features.memory64:
            return self.limits64()
        r = self.r
        if r.u(1):
            return AddrType.I32, Limits(r.u32(), r.u32())
        return AddrType.I32, Limits(r.u32())

    def limits64(self) -> tuple[AddrType, Limits]:
        """``Blimits`` (3.0): a flag byte, bit 0 for a maximum and bit 2 for the ``i64``
        address type, any other bit ``malformed limits flags``; both bounds are ``u64``."""
        r = self.r
        flags = r.byte()
        if flags & ~LIMITS_FLAG_BITS:
            raise MalformedError(MALFORMED_LIMITS_FLAGS)
        addrtype = AddrType.I64 if flags & LIMITS_FLAG_I64 else AddrType.I32
        minimum = r.u(64)
        return addrtype, Limits(minimum, r.u(64) if flags & LIMITS_FLAG_MAX else None)

    def tabletype(self) -> TableType:
        """``binary-tabletype`` (3.0 ``Btabletype``: the limits carry the address type)"""
        reftype = self.reftype()
        addrtype, limits = self.limits()
        return TableType(addrtype, limits, reftype)

    def memtype(self) -> MemType:
        """``binary-memtype`` (3.0 ``Bmemtype``: the limits carry the address type)"""
        return MemType(*self.limits())

    def globaltype(self) -> GlobalType:
        """``Bglobaltype`` · ``binary-globaltype``"""
        valtype = self.valtype()
        mut = self.r.byte()
        if mut not in (0, 1):
            raise MalformedError(MALFORMED_MUTABILITY)
        return GlobalType(Mut.VAR if mut else Mut.CONST, valtype)

    def blocktype(self) -> BlockType:
        """``Bblocktype`` · ``binary-blocktype``: ``0x40``, a value type, or a type index as a
        positive ``s33``."""
        r = self.r
        b = r.peek()
        if b == EMPTY_BLOCK_TYPE:
            r.pos += 1
            return None
        if b is not None and b & 0xC0 == 0x40:  # one-byte negative s33: a value type
            return self.valtype()
        if not self.features.multi_value:
            raise MalformedError(MALFORMED_VALUE_TYPE)
        x = r.s(33)
        if x < 0:
            raise MalformedError(MALFORMED_BLOCK_TYPE)
        return TypeIdx(x)

    # -- Instructions -------------------------------------------------------------------------

    def expr(self) -> Expr:
        """``Bexpr`` · ``binary-expr``: instructions up to the matching ``end``.

        Structured instructions are decoded with an explicit stack of open blocks, so nesting
        depth costs heap, not Python recursion.
        """
        r = self.r
        data = r.data
        size = len(data)
        dispatch = self.dispatch
        stack: list[_Frame] = []
        current: list[Instr] = []
        while True:
            pos = r.pos  # r.byte(), inlined: this loop is the decoder's hot path
            if pos >= size:
                raise MalformedError(r.end_message)
            code = data[pos]
            r.pos = pos + 1
            entry = dispatch.get(code)
            if entry is None:
                if code == END:
                    if not stack:
                        return tuple(current)
                    current = self.close(stack.pop(), current)
                elif code == ELSE:
                    if not stack or stack[-1].imm is not Imm.IF or stack[-1].then is not None:
                        raise MalformedError(END_OPCODE_EXPECTED)
                    stack[-1].then = current
                    current = []
                else:
                    # The 3.0 suite names the byte (``illegal opcode ff``); "illegal opcode"
                    # alone, the older suites' words, is a prefix of that.
                    raise MalformedError(f"{ILLEGAL_OPCODE} {code:02x}")
                continue
            kind, payload, op = entry
            if kind is _PLAIN:
                current.append(payload)
            elif kind is _STRUCTURED:
                frame = _Frame(op.imm, self.blocktype(), current)
                if op.imm is Imm.TRY_TABLE:
                    frame.catches = tuple(self.vec(self.catch))
                stack.append(frame)
                current = []
            else:
                current.append(payload(op))

    def _dispatch(self, table: dict[int, Op]) -> dict[int, tuple[str, Any, Op]]:
        """Per opcode: its kind, and the instruction itself (no immediates) or the reader of
        its immediates; precomputed so the hot loop does one lookup per opcode."""
        dispatch: dict[int, tuple[str, Any, Op]] = {}
        for code, op in table.items():
            if op.imm is Imm.PLAIN:
                dispatch[code] = (_PLAIN, op.static[0], op)
            elif op.imm in (Imm.BLOCK, Imm.LOOP, Imm.IF, Imm.TRY_TABLE):
                dispatch[code] = (_STRUCTURED, None, op)
            else:
                dispatch[code] = (_IMMEDIATES, self.readers[op.imm], op)
        return dispatch

    def close(self, frame: _Frame, body: list[Instr]) -> list[Instr]:
        """``Binstr/block`` · ``binary-block``, ``binary-loop``, ``binary-if``: finish an open
        structured instruction and return the enclosing sequence with it appended."""
        instr: Instr
        if frame.imm is Imm.BLOCK:
            instr = Block(frame.blocktype, tuple(body))
        elif frame.imm is Imm.LOOP:
            instr = Loop(frame.blocktype, tuple(body))
        elif frame.imm is Imm.TRY_TABLE:
            instr = TryTable(frame.blocktype, frame.catches, tuple(body))
        elif frame.then is None:
            instr = If(frame.blocktype, tuple(body), ())
        else:
            instr = If(frame.blocktype, tuple(frame.then), tuple(body))
        frame.outer.append(instr)
        return frame.outer

    def catch(self) -> CatchClause:
        """``Bcatch`` (3.0): a kind byte, then the tag index (``catch``, ``catch_ref``) and
        the label index."""
        r = self.r
        kind = r.byte()
        if kind == CATCH:
            return Catch(r.u32(), r.u32())
        if kind == CATCH_REF:
            return CatchRef(r.u32(), r.u32())
        if kind == CATCH_ALL:
            return CatchAll(r.u32())
        if kind == CATCH_ALL_REF:
            return CatchAllRef(r.u32())
        raise MalformedError(MALFORMED_CATCH_CLAUSE)

    def prefixed(self, dispatch: dict[int, tuple[str, Any, Op]]) -> Instr:
        """An ``0xFC``/``0xFD`` instruction: the sub-opcode is a ``u32``."""
        entry = dispatch.get(self.r.u32())
        if entry is None:
            raise MalformedError(ILLEGAL_OPCODE)
        kind, payload, op = entry
        if kind is _PLAIN:
            instr: Instr = payload
            return instr
        return payload(op)  # type: ignore[no-any-return]

    def zero_byte(self) -> None:
        """The reserved ``0x00`` of ``memory.size`` and its kin (a byte, not a LEB128)."""
        if self.r.byte() != 0x00:
            raise MalformedError(ZERO_BYTE_EXPECTED)

    def memidx(self) -> int:
        """A memory index immediate: a zero byte until multiple memories."""
        if self.features.multi_memory:
            return self.r.u32()
        self.zero_byte()
        return 0

    def memarg(self) -> tuple[int, MemArg]:
        """``Bmemarg`` · ``binary-memarg``: alignment exponent and offset (and, with multiple
        memories, a memory index flagged by bit 6 of the alignment field)."""
        r = self.r
        align = r.u32()
        mem = 0
        if self.features.multi_memory and 64 <= align < 128:
            align -= 64
            mem = r.u32()
        if align >= (64 if self.features.multi_memory else 32):
            raise MalformedError(MALFORMED_MEMOP_FLAGS)
        # memory64 widens the offset to a ``u64`` (validation bounds it by the address type).
        return mem, MemArg(align, r.u(64) if self.features.memory64 else r.u32())

    def laneidx(self) -> int:
        """``Blaneidx`` · ``binary-laneidx``: one byte."""
        return self.r.byte()

    def _readers(self) -> dict[Imm, Callable[[Op], Instr]]:
        """``Binstr`` · ``binary-instr``: one immediate reader per ``Imm`` kind."""
        r = self.r
        u32 = r.u32

        def br_table(op: Op) -> Instr:
            labels = tuple(self.vec(u32))
            return BrTable(labels, u32())

        def call_indirect(op: Op) -> Instr:
            y = u32()
            if self.features.reference_types:
                return CallIndirect(u32(), TypeIdx(y))
            self.zero_byte()
            return CallIndirect(0, TypeIdx(y))

        def ref_null(op: Op) -> Instr:
            if self.features.function_references:
                return RefNull(self.heaptype())
            b = r.byte()
            ht = self.heaptypes.get(b)
            if ht is None:
                raise MalformedError(INTEGER_TOO_LONG if b & 0x80 else MALFORMED_REFERENCE_TYPE)
            return RefNull(ht)

        def return_call_indirect(op: Op) -> Instr:
            y = u32()
            return ReturnCallIndirect(u32(), TypeIdx(y))

        def const(op: Op) -> Instr:
            nt: NumType = op.static[0]
            if nt is NumType.I32:
                return Const(nt, r.i(32))
            if nt is NumType.I64:
                return Const(nt, r.i(64))
            return Const(nt, r.fixed(nt.bits // 8))

        def load(op: Op) -> Instr:
            mem, memarg = self.memarg()
            return Load(op.static[0], op.static[1], mem, memarg)

        def store(op: Op) -> Instr:
            mem, memarg = self.memarg()
            return Store(op.static[0], op.static[1], mem, memarg)

        def gc_instr() -> Instr:
            i = read_gc(r, self.heaptype)
            self.uses_data_index |= isinstance(i, DATA_INDEXED)
            return i

        def memory_init(op: Op) -> Instr:
            self.uses_data_index = True
            x = u32()
            return MemoryInit(self.memidx(), x)

        def data_drop(op: Op) -> Instr:
            self.uses_data_index = True
            return DataDrop(u32())

        def memory_copy(op: Op) -> Instr:
            dst = self.memidx()
            return MemoryCopy(dst, self.memidx())

        def table_init(op: Op) -> Instr:
            y = u32()
            return TableInit(u32(), y)

        def table_copy(op: Op) -> Instr:
            dst = u32()
            return TableCopy(dst, u32())

        def vload(op: Op) -> Instr:
            mem, memarg = self.memarg()
            return VLoad(op.static[0], mem, memarg)

        def vstore(op: Op) -> Instr:
            mem, memarg = self.memarg()
            return VStore(mem, memarg)

        def vload_lane(op: Op) -> Instr:
            mem, memarg = self.memarg()
            return VLoadLane(op.static[0], mem, memarg, self.laneidx())

        def vstore_lane(op: Op) -> Instr:
            mem, memarg = self.memarg()
            return VStoreLane(op.static[0], mem, memarg, self.laneidx())

        def vshuffle(op: Op) -> Instr:
            return VShuffle(tuple(self.laneidx() for _ in range(16)))

        return {
            Imm.BR: lambda op: Br(u32()),
            Imm.BR_IF: lambda op: BrIf(u32()),
            Imm.BR_TABLE: br_table,
            Imm.CALL: lambda op: Call(u32()),
            Imm.CALL_INDIRECT: call_indirect,
            Imm.RETURN_CALL: lambda op: ReturnCall(u32()),
            Imm.RETURN_CALL_INDIRECT: return_call_indirect,
            Imm.CALL_REF: lambda op: CallRef(TypeIdx(u32())),
            Imm.RETURN_CALL_REF: lambda op: ReturnCallRef(TypeIdx(u32())),
            Imm.BR_ON_NULL: lambda op: BrOnNull(u32()),
            Imm.BR_ON_NON_NULL: lambda op: BrOnNonNull(u32()),
            Imm.SELECT_T: lambda op: Select(tuple(self.vec(self.valtype))),
            Imm.LOCAL_GET: lambda op: LocalGet(u32()),
            Imm.LOCAL_SET: lambda op: LocalSet(u32()),
            Imm.LOCAL_TEE: lambda op: LocalTee(u32()),
            Imm.GLOBAL_GET: lambda op: GlobalGet(u32()),
            Imm.GLOBAL_SET: lambda op: GlobalSet(u32()),
            Imm.TABLE_GET: lambda op: TableGet(u32()),
            Imm.TABLE_SET: lambda op: TableSet(u32()),
            Imm.TABLE_SIZE: lambda op: TableSize(u32()),
            Imm.TABLE_GROW: lambda op: TableGrow(u32()),
            Imm.TABLE_FILL: lambda op: TableFill(u32()),
            Imm.TABLE_COPY: table_copy,
            Imm.TABLE_INIT: table_init,
            Imm.ELEM_DROP: lambda op: ElemDrop(u32()),
            Imm.LOAD: load,
            Imm.STORE: store,
            Imm.MEMORY_SIZE: lambda op: MemorySize(self.memidx()),
            Imm.MEMORY_GROW: lambda op: MemoryGrow(self.memidx()),
            Imm.MEMORY_INIT: memory_init,
            Imm.DATA_DROP: data_drop,
            Imm.MEMORY_COPY: memory_copy,
            Imm.MEMORY_FILL: lambda op: MemoryFill(self.memidx()),
            Imm.REF_NULL: ref_null,
            Imm.REF_FUNC: lambda op: RefFunc(u32()),
            Imm.CONST: const,
            Imm.VLOAD: vload,
            Imm.VSTORE: vstore,
            Imm.VLOAD_LANE: vload_lane,
            Imm.VSTORE_LANE: vstore_lane,
            Imm.VCONST: lambda op: VConst(r.fixed(16)),
            Imm.VSHUFFLE: vshuffle,
            Imm.VEXTRACT_LANE: lambda op: VExtractLane(op.static[0], op.static[1], self.laneidx()),
            Imm.VREPLACE_LANE: lambda op: VReplaceLane(op.static[0], self.laneidx()),
            Imm.THROW: lambda op: Throw(u32()),
            Imm.PREFIX_FC: lambda op: self.prefixed(self.fc_dispatch),
            Imm.PREFIX_FD: lambda op: self.prefixed(self.fd_dispatch),
            Imm.PREFIX_FB: lambda op: gc_instr(),
        }
