"""Encoding modules in the binary format (the inverse of ``decode.py``; 2.0 ``binary-module``).

``encode_module(module)`` writes the canonical encoding: minimal LEB128, empty sections left
out, locals grouped in runs, the most compact element segment encoding, ``else`` only when
the else branch is not empty.  Custom sections go back after the section they followed.
Opcode bytes come only from the inverted tables of ``opcodes.py``.

A tree that the binary format cannot express (a 3.0 construct refwasm does not encode yet, a
value out of its integer range) raises ``EncodeError``: a caller's mistake, not a Wasm error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from refwasm.binary.decode import (
    DATACOUNT_SECTION_ID,
    LIMITS_FLAG_I64,
    LIMITS_FLAG_MAX,
    MAGIC,
    SECTION_ORDER,
    TAG_SECTION_ID,
    VERSION,
)
from refwasm.binary.gc import DATA_INDEXED, write_gc, write_rectype
from refwasm.binary.leb128 import encode_i, encode_u
from refwasm.binary.opcodes import (
    ABSHEAPTYPES,
    CATCH,
    CATCH_ALL,
    CATCH_ALL_REF,
    CATCH_REF,
    ELSE,
    EMPTY_BLOCK_TYPE,
    ENCODINGS,
    END,
    FUNC_TYPE_CODE,
    REF_CODE,
    REF_NULL_CODE,
    TABLE_INIT_CODE,
    VALTYPES,
    Imm,
)
from refwasm.features import DEFAULT_FEATURES, Features
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
    PASSIVE,
    Active,
    Custom,
    Data,
    Elem,
    Export,
    ExternKind,
    Func,
    Global,
    Import,
    Module,
    Table,
    Type,
)
from refwasm.syntax.types import (
    FUNCREF,
    AbsHeapType,
    AddrType,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    FuncType,
    GlobalType,
    HeapType,
    Limits,
    MemType,
    Mut,
    NumType,
    RefType,
    TableType,
    TagType,
    TypeIdx,
    ValType,
)


class EncodeError(ValueError):
    """The abstract syntax tree has no encoding (in what refwasm encodes so far)."""


_VALTYPE_CODES: dict[ValType, int] = {t: code for code, (_, t) in VALTYPES.items()}
_HEAPTYPE_CODES: dict[HeapType, int] = {t: code for code, (_, t) in ABSHEAPTYPES.items()}
_EXTERN_KIND_CODES = {ExternKind.FUNC: 0, ExternKind.TABLE: 1, ExternKind.MEM: 2,
                      ExternKind.GLOBAL: 3, ExternKind.TAG: 4}  # fmt: skip
_END = bytes([END])
_ELSE = bytes([ELSE])


def encode_module(m: Module, features: Features = DEFAULT_FEATURES) -> bytes:
    """``Bmodule`` · ``binary-module``: the canonical bytes of ``m``."""
    return _Encoder(features).module(m)


def _u32(value: int) -> bytes:
    if not 0 <= value < 1 << 32:
        raise EncodeError(f"not a u32: {value}")
    return encode_u(value)


def _u64(value: int) -> bytes:
    if not 0 <= value < 1 << 64:
        raise EncodeError(f"not a u64: {value}")
    return encode_u(value)


def _vec(items: list[bytes]) -> bytes:
    """``Blist`` · ``binary-vec``"""
    return _u32(len(items)) + b"".join(items)


def _name(s: str) -> bytes:
    """``Bname`` · ``binary-name``"""
    try:
        raw = s.encode("utf-8")
    except UnicodeEncodeError:
        raise EncodeError("a name must be Unicode scalar values") from None
    return _u32(len(raw)) + raw


def _lookup(table: Mapping[Any, int], key: object, what: str) -> bytes:
    code = table.get(key)
    if code is None:
        raise EncodeError(f"no binary encoding for {what} {key!r}")
    return bytes([code])


def valtype(t: ValType) -> bytes:
    """``binary-valtype`` (3.0 ``Bvaltype``)"""
    if isinstance(t, RefType):
        return reftype(t)
    return _lookup(_VALTYPE_CODES, t, "value type")


def reftype(t: RefType) -> bytes:
    """``binary-reftype`` (3.0 ``Breftype``): the one-byte abbreviation of ``(ref null ht)``
    for an abstract ``ht``, else ``0x63``/``0x64`` and the heap type."""
    if t.null and isinstance(t.heaptype, AbsHeapType):
        return heaptype(t.heaptype)
    return bytes([REF_NULL_CODE if t.null else REF_CODE]) + heaptype(t.heaptype)


def heaptype(ht: HeapType) -> bytes:
    """``Bheaptype``: an abstract heap type code, or a type index as a positive ``s33``."""
    if isinstance(ht, TypeIdx):
        if not 0 <= ht.idx < 1 << 32:
            raise EncodeError(f"not a type index: {ht.idx}")
        return encode_i(ht.idx, 33)
    return _lookup(_HEAPTYPE_CODES, ht, "heap type")


def limits(lim: Limits, addrtype: AddrType = AddrType.I32) -> bytes:
    """``binary-limits`` (3.0 ``Blimits``: flag bit 2 for the ``i64`` address type, whose
    bounds are ``u64``; an ``i32`` type keeps 2.0's encoding)."""
    # Minimal LEB128 writes a u32 and a u64 below 2^32 alike; a larger bound of an i32 type
    # is 3.0's (``Blimits`` reads u64 bounds whatever the address type) and invalid.
    flags, bound = (0 if addrtype is AddrType.I32 else LIMITS_FLAG_I64), _u64
    if lim.max is None:
        return bytes([flags]) + bound(lim.min)
    return bytes([flags | LIMITS_FLAG_MAX]) + bound(lim.min) + bound(lim.max)


def tabletype(tt: TableType) -> bytes:
    """``Btabletype`` · ``binary-tabletype``"""
    return reftype(tt.reftype) + limits(tt.limits, tt.addrtype)


def memtype(mt: MemType) -> bytes:
    """``Bmemtype`` · ``binary-memtype``"""
    return limits(mt.limits, mt.addrtype)


def globaltype(gt: GlobalType) -> bytes:
    """``Bglobaltype`` · ``binary-globaltype``"""
    return valtype(gt.valtype) + (b"\x01" if gt.mut is Mut.VAR else b"\x00")


def functype(ty: Type) -> bytes:
    """``Btype`` · ``binary-functype`` (only the 2.0 shape: a rec group of one final function
    type)."""
    subtypes = ty.rectype.subtypes
    ft = subtypes[0].comptype if len(subtypes) == 1 else None
    if not isinstance(ft, FuncType) or not subtypes[0].final or subtypes[0].supertypes:
        try:
            return write_rectype(ty.rectype, valtype)  # 3.0 (GC): ``Brectype``
        except ValueError as e:
            raise EncodeError(str(e)) from e
    params = [valtype(t) for t in ft.params]
    results = [valtype(t) for t in ft.results]
    return bytes([FUNC_TYPE_CODE]) + _vec(params) + _vec(results)


def tagtype(jt: TagType) -> bytes:
    """``Btagtype`` (3.0): the attribute 0, then the type index."""
    if not isinstance(jt.typeuse, TypeIdx):
        raise EncodeError(f"type use not encoded yet: {jt.typeuse!r}")
    return b"\x00" + _u32(jt.typeuse.idx)


def catch(c: CatchClause) -> bytes:
    """``Bcatch`` (3.0): the clause's kind byte, its tag index if any, its label index."""
    match c:
        case Catch(x, l):
            return bytes([CATCH]) + _u32(x) + _u32(l)
        case CatchRef(x, l):
            return bytes([CATCH_REF]) + _u32(x) + _u32(l)
        case CatchAll(l):
            return bytes([CATCH_ALL]) + _u32(l)
        case CatchAllRef(l):
            return bytes([CATCH_ALL_REF]) + _u32(l)


def blocktype(bt: BlockType) -> bytes:
    """``Bblocktype`` · ``binary-blocktype``: a type index is a non-negative ``s33``."""
    if bt is None:
        return bytes([EMPTY_BLOCK_TYPE])
    if isinstance(bt, TypeIdx):
        if not 0 <= bt.idx < 1 << 32:
            raise EncodeError(f"not a type index: {bt.idx}")
        return encode_i(bt.idx, 33)
    return valtype(bt)


def _opcode(key: tuple[object, ...]) -> bytes:
    code = ENCODINGS.get(key)
    if code is None:
        raise EncodeError(f"no opcode for {key!r}")
    return code


def memarg(mem: int, arg: MemArg) -> bytes:
    """``Bmemarg`` · ``binary-memarg``: a memory other than 0 sets bit 6 of the flags (multiple
    memories)."""
    if mem == 0:
        return _u32(arg.align) + _u64(arg.offset)
    return _u32(arg.align | 0x40) + _u32(mem) + _u64(arg.offset)


class _Encoder:
    """One encoding: the feature set and whether the code uses a data index."""

    def __init__(self, features: Features) -> None:
        self.features = features
        self.uses_data_index = False
        self.writers = self._writers()

    def module(self, m: Module) -> bytes:
        """``Bmodule`` · ``binary-module``: header, then the sections in order with customs in
        place."""
        contents: dict[int, bytes | None] = {
            1: self.nonempty([functype(t) for t in m.types]),
            2: self.nonempty([self.import_(i) for i in m.imports]),
            3: self.nonempty([_u32(f.typeidx) for f in m.funcs]),
            4: self.nonempty([self.table(t) for t in m.tables]),
            5: self.nonempty([memtype(mem.memtype) for mem in m.mems]),
            TAG_SECTION_ID: self.nonempty([tagtype(t.tagtype) for t in m.tags]),
            6: self.nonempty([self.global_(g) for g in m.globals]),
            7: self.nonempty([self.export(e) for e in m.exports]),
            8: None if m.start is None else _u32(m.start.func),
            9: self.nonempty([self.elem(e) for e in m.elems]),
            10: self.codesec(m.funcs),
            11: self.nonempty([self.data(d) for d in m.datas]),
        }
        # Decided last: any expression written above may have used a data index.
        want_datacount = m.datacount or (m.datacount is None and self.uses_data_index)
        contents[DATACOUNT_SECTION_ID] = _u32(len(m.datas)) if want_datacount else None
        # An empty section is written only when a custom section must follow it.
        empty: dict[int, bytes] = {
            1: b"\x00", 2: b"\x00", 3: b"\x00", 4: b"\x00", 5: b"\x00", 6: b"\x00",
            7: b"\x00", 9: b"\x00", 12: _u32(len(m.datas)), 10: b"\x00", 11: b"\x00",
        }  # fmt: skip
        if self.features.exceptions:  # a tag section exists only with exceptions (3.0)
            empty[TAG_SECTION_ID] = b"\x00"
        out = bytearray(MAGIC + VERSION)
        placed = {0, *SECTION_ORDER}
        for custom in m.customs:
            if custom.after == 0:
                out += self.custom(custom)
        for section_id in SECTION_ORDER:
            followers = [c for c in m.customs if c.after == section_id]
            payload = contents[section_id]
            if payload is None and followers:
                payload = empty.get(section_id)
            if payload is not None:
                out += bytes([section_id]) + _u32(len(payload)) + payload
            for custom in followers:
                out += self.custom(custom)
        for custom in m.customs:
            if custom.after not in placed:
                out += self.custom(custom)
        return bytes(out)

    @staticmethod
    def nonempty(items: list[bytes]) -> bytes | None:
        """A vector section's contents, or ``None`` when it has no entries."""
        return _vec(items) if items else None

    def custom(self, c: Custom) -> bytes:
        """``Bcustomsec`` · ``binary-customsec``"""
        payload = _name(c.name) + c.payload
        return b"\x00" + _u32(len(payload)) + payload

    def import_(self, imp: Import) -> bytes:
        """``Bimport`` · ``binary-import``"""
        desc = imp.desc
        if isinstance(desc, ExternFunc) and isinstance(desc.typeuse, TypeIdx):
            encoded = b"\x00" + _u32(desc.typeuse.idx)
        elif isinstance(desc, ExternTable):
            encoded = b"\x01" + tabletype(desc.tabletype)
        elif isinstance(desc, ExternMem):
            encoded = b"\x02" + memtype(desc.memtype)
        elif isinstance(desc, ExternGlobal):
            encoded = b"\x03" + globaltype(desc.globaltype)
        elif isinstance(desc, ExternTag):
            encoded = b"\x04" + tagtype(desc.tagtype)
        else:
            raise EncodeError(f"import not encoded yet: {desc!r}")
        return _name(imp.module) + _name(imp.name) + encoded

    def table(self, t: Table) -> bytes:
        """``Btable``: a table type, or ``0x40 0x00``, the type and its initialiser."""
        if t.init is None:
            return tabletype(t.tabletype)
        return bytes([TABLE_INIT_CODE, 0x00]) + tabletype(t.tabletype) + self.expr(t.init)

    def global_(self, g: Global) -> bytes:
        """``Bglobal`` · ``binary-global``"""
        return globaltype(g.globaltype) + self.expr(g.init)

    def export(self, e: Export) -> bytes:
        """``Bexport`` · ``binary-export``"""
        kind = _EXTERN_KIND_CODES.get(e.desc.kind)
        if kind is None:
            raise EncodeError(f"export kind not encoded yet: {e.desc.kind}")
        return _name(e.name) + bytes([kind]) + _u32(e.desc.index)

    def elem(self, e: Elem) -> bytes:
        """``Belem`` · ``binary-elem``: the most compact of the encodings 0-7 that says exactly
        ``e``. """
        funcidxs = [init[0].func for init in e.init
                    if len(init) == 1 and isinstance(init[0], RefFunc)]  # fmt: skip
        by_index = len(funcidxs) == len(e.init)
        # What encoding 0 and the element kind ``0x00`` mean: funcref in 2.0, (ref func) in 3.0.
        form0_type = RefType(not self.features.function_references, AbsHeapType.FUNC)
        mode = e.mode
        if isinstance(mode, Active):
            offset = self.expr(mode.offset)
            table = _u32(mode.index)
            if by_index and mode.index == 0 and e.reftype == form0_type:
                return b"\x00" + offset + _vec([_u32(x) for x in funcidxs])
            if by_index and e.reftype == form0_type:
                return b"\x02" + table + offset + b"\x00" + _vec([_u32(x) for x in funcidxs])
            exprs = _vec([self.expr(x) for x in e.init])
            if mode.index == 0 and e.reftype == FUNCREF:
                return b"\x04" + offset + exprs
            return b"\x06" + table + offset + reftype(e.reftype) + exprs
        flag = 1 if mode is PASSIVE else 3
        if by_index and e.reftype == form0_type:
            return bytes([flag]) + b"\x00" + _vec([_u32(x) for x in funcidxs])
        exprs = _vec([self.expr(x) for x in e.init])
        return bytes([flag + 4]) + reftype(e.reftype) + exprs

    def data(self, d: Data) -> bytes:
        """``Bdata`` · ``binary-data``"""
        init = _u32(len(d.init)) + d.init
        mode = d.mode
        if isinstance(mode, Active):
            if mode.index == 0:
                return b"\x00" + self.expr(mode.offset) + init
            return b"\x02" + _u32(mode.index) + self.expr(mode.offset) + init
        return b"\x01" + init

    def codesec(self, funcs: tuple[Func, ...]) -> bytes | None:
        """``Bcodesec`` · ``binary-codesec``"""
        return self.nonempty([self.code(f) for f in funcs])

    def code(self, f: Func) -> bytes:
        """``Bcode`` · ``binary-code``: the size, then the locals in runs of equal types, then the
        body."""
        runs: list[tuple[int, ValType]] = []
        for t in f.locals:
            if runs and runs[-1][1] == t:
                runs[-1] = (runs[-1][0] + 1, t)
            else:
                runs.append((1, t))
        body = _vec([_u32(n) + valtype(t) for n, t in runs]) + self.expr(f.body)
        return _u32(len(body)) + body

    # -- Instructions -------------------------------------------------------------------------

    def expr(self, body: Expr) -> bytes:
        """``Bexpr`` · ``binary-expr``: the instructions, then ``end``.

        Nested blocks are written from an explicit work list (no recursion on depth).
        """
        out = bytearray()
        work: list[Instr | bytes] = [_END, *reversed(body)]
        while work:
            item = work.pop()
            if isinstance(item, bytes):
                out += item
            elif isinstance(item, Block | Loop):
                out += _opcode((Imm.BLOCK if isinstance(item, Block) else Imm.LOOP,))
                out += blocktype(item.blocktype)
                work.append(_END)
                work.extend(reversed(item.body))
            elif isinstance(item, TryTable):
                out += _opcode((Imm.TRY_TABLE,)) + blocktype(item.blocktype)
                out += _vec([catch(c) for c in item.catches])
                work.append(_END)
                work.extend(reversed(item.body))
            elif isinstance(item, If):
                out += _opcode((Imm.IF,)) + blocktype(item.blocktype)
                work.append(_END)
                if item.else_:
                    work.extend(reversed(item.else_))
                    work.append(_ELSE)
                work.extend(reversed(item.then))
            else:
                out += self.instr(item)
        return bytes(out)

    def instr(self, i: Instr) -> bytes:
        """``Binstr`` · ``binary-instr``: one non-structured instruction."""
        writer = self.writers.get(type(i))
        if writer is None or (isinstance(i, Select) and i.types is None):
            gc = write_gc(i, heaptype)  # 3.0 GC instructions (``0xFB``)
            if gc is not None:
                self.uses_data_index |= isinstance(i, DATA_INDEXED)
                return gc
            return _opcode((Imm.PLAIN, i))
        return writer(i)

    def _writers(self) -> dict[type, Callable[[Any], bytes]]:
        """One writer per instruction shape with immediates (the inverse of the decoder's
        readers); shapes without immediates are looked up whole in ``ENCODINGS``."""
        op = _opcode
        u32 = _u32
        lane = self.lane

        def memory_init(i: MemoryInit) -> bytes:
            self.uses_data_index = True
            return op((Imm.MEMORY_INIT,)) + u32(i.data) + u32(i.mem)

        def data_drop(i: DataDrop) -> bytes:
            self.uses_data_index = True
            return op((Imm.DATA_DROP,)) + u32(i.data)

        def call_indirect(i: CallIndirect) -> bytes:
            if not isinstance(i.typeuse, TypeIdx):
                raise EncodeError(f"type use not encoded yet: {i.typeuse!r}")
            return op((Imm.CALL_INDIRECT,)) + u32(i.typeuse.idx) + u32(i.table)

        def typeidx(use: object) -> bytes:
            if not isinstance(use, TypeIdx):
                raise EncodeError(f"type use not encoded yet: {use!r}")
            return u32(use.idx)

        def vconst(i: VConst) -> bytes:
            if not 0 <= i.bits < 1 << 128:
                raise EncodeError(f"not a v128: {i.bits}")
            return op((Imm.VCONST,)) + i.bits.to_bytes(16, "little")

        def vshuffle(i: VShuffle) -> bytes:
            if len(i.lanes) != 16:
                raise EncodeError("i8x16.shuffle takes 16 lane indices")
            return op((Imm.VSHUFFLE,)) + b"".join(lane(x) for x in i.lanes)

        return {
            Br: lambda i: op((Imm.BR,)) + u32(i.label),
            BrIf: lambda i: op((Imm.BR_IF,)) + u32(i.label),
            BrTable: lambda i: op((Imm.BR_TABLE,)) + _vec([u32(x) for x in i.labels])
            + u32(i.default),
            Call: lambda i: op((Imm.CALL,)) + u32(i.func),
            Throw: lambda i: op((Imm.THROW,)) + u32(i.tag),
            CallIndirect: call_indirect,
            ReturnCall: lambda i: op((Imm.RETURN_CALL,)) + u32(i.func),
            ReturnCallIndirect: lambda i: op((Imm.RETURN_CALL_INDIRECT,)) + typeidx(i.typeuse)
            + u32(i.table),
            CallRef: lambda i: op((Imm.CALL_REF,)) + typeidx(i.typeuse),
            ReturnCallRef: lambda i: op((Imm.RETURN_CALL_REF,)) + typeidx(i.typeuse),
            BrOnNull: lambda i: op((Imm.BR_ON_NULL,)) + u32(i.label),
            BrOnNonNull: lambda i: op((Imm.BR_ON_NON_NULL,)) + u32(i.label),
            Select: lambda i: op((Imm.SELECT_T,)) + _vec([valtype(t) for t in i.types]),
            LocalGet: lambda i: op((Imm.LOCAL_GET,)) + u32(i.local),
            LocalSet: lambda i: op((Imm.LOCAL_SET,)) + u32(i.local),
            LocalTee: lambda i: op((Imm.LOCAL_TEE,)) + u32(i.local),
            GlobalGet: lambda i: op((Imm.GLOBAL_GET,)) + u32(i.global_),
            GlobalSet: lambda i: op((Imm.GLOBAL_SET,)) + u32(i.global_),
            TableGet: lambda i: op((Imm.TABLE_GET,)) + u32(i.table),
            TableSet: lambda i: op((Imm.TABLE_SET,)) + u32(i.table),
            TableSize: lambda i: op((Imm.TABLE_SIZE,)) + u32(i.table),
            TableGrow: lambda i: op((Imm.TABLE_GROW,)) + u32(i.table),
            TableFill: lambda i: op((Imm.TABLE_FILL,)) + u32(i.table),
            TableCopy: lambda i: op((Imm.TABLE_COPY,)) + u32(i.dst) + u32(i.src),
            TableInit: lambda i: op((Imm.TABLE_INIT,)) + u32(i.elem) + u32(i.table),
            ElemDrop: lambda i: op((Imm.ELEM_DROP,)) + u32(i.elem),
            Load: lambda i: op((Imm.LOAD, i.nt, i.pack)) + memarg(i.mem, i.memarg),
            Store: lambda i: op((Imm.STORE, i.nt, i.sz)) + memarg(i.mem, i.memarg),
            MemorySize: lambda i: op((Imm.MEMORY_SIZE,)) + u32(i.mem),
            MemoryGrow: lambda i: op((Imm.MEMORY_GROW,)) + u32(i.mem),
            MemoryInit: memory_init,
            DataDrop: data_drop,
            MemoryCopy: lambda i: op((Imm.MEMORY_COPY,)) + u32(i.dst) + u32(i.src),
            MemoryFill: lambda i: op((Imm.MEMORY_FILL,)) + u32(i.mem),
            RefNull: lambda i: op((Imm.REF_NULL,)) + heaptype(i.heaptype),
            RefFunc: lambda i: op((Imm.REF_FUNC,)) + u32(i.func),
            Const: lambda i: op((Imm.CONST, i.nt)) + self.const(i.nt, i.bits),
            VLoad: lambda i: op((Imm.VLOAD, i.op)) + memarg(i.mem, i.memarg),
            VStore: lambda i: op((Imm.VSTORE,)) + memarg(i.mem, i.memarg),
            VLoadLane: lambda i: op((Imm.VLOAD_LANE, i.sz)) + memarg(i.mem, i.memarg)
            + lane(i.lane),
            VStoreLane: lambda i: op((Imm.VSTORE_LANE, i.sz)) + memarg(i.mem, i.memarg)
            + lane(i.lane),
            VConst: vconst,
            VShuffle: vshuffle,
            VExtractLane: lambda i: op((Imm.VEXTRACT_LANE, i.shape, i.sx)) + lane(i.lane),
            VReplaceLane: lambda i: op((Imm.VREPLACE_LANE, i.shape)) + lane(i.lane),
        }  # fmt: skip

    @staticmethod
    def const(nt: NumType, bits: int) -> bytes:
        """``Binstr/num-const`` · ``binary-instr-numeric`` constants: ``iN`` as signed LEB128,
        floats as raw bytes."""
        if not 0 <= bits < 1 << nt.bits:
            raise EncodeError(f"not a {nt.value} bit pattern: {bits}")
        if nt.is_int:
            return encode_i(bits, nt.bits)
        return bits.to_bytes(nt.bits // 8, "little")

    @staticmethod
    def lane(x: int) -> bytes:
        """``Blaneidx`` · ``binary-laneidx``"""
        if not 0 <= x < 256:
            raise EncodeError(f"not a lane index: {x}")
        return bytes([x])
