"""Abstract syntax to text (the inverse of ``refwasm.text.parser``).

The printer writes the explicit, unabbreviated forms with numeric indices: every type use is
``(type x)``, every segment names its table or memory, blocks are flat ``block ... end``.
Floats are written as hex floats or ``nan:0x...``, so ``parse_module(print_module(m)) == m``
bit for bit.  It covers the 2.0 syntax and 3.0 memory indices; other 3.0-only constructs raise
``ValueError``.
"""

from __future__ import annotations

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
    ThrowRef,
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
    Active,
    Data,
    Declare,
    Elem,
    ExternKind,
    Func,
    Global,
    Module,
    Table,
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
    ExternType,
    FuncType,
    GlobalType,
    HeapType,
    Limits,
    Mut,
    NumType,
    RefType,
    TableType,
    TagType,
    TypeIdx,
    ValType,
    VecType,
)
from refwasm.text import mnemonics, typewords
from refwasm.text.numbers import format_float

_EXPORT_WORD = {
    ExternKind.FUNC: "func", ExternKind.TABLE: "table", ExternKind.MEM: "memory",
    ExternKind.GLOBAL: "global", ExternKind.TAG: "tag",
}


def print_module(m: Module, features: Features = DEFAULT_FEATURES) -> str:
    """The text of a module, one field per line, in the binary format's field order; the
    text is read back under ``features`` (``func x*`` element lists mean ``funcref`` in 2.0,
    ``(ref func)`` in 3.0)."""
    func_list_type = RefType(not features.function_references, AbsHeapType.FUNC)
    lines = ["(module"]
    for ty in m.types:
        subs = ty.rectype.subtypes
        if len(subs) != 1 or not subs[0].final or subs[0].supertypes or not isinstance(
                subs[0].comptype, FuncType):
            from refwasm.text.gc import print_types  # 3.0 rec groups, sub, struct, array

            lines.append(f"  {print_types(ty.rectype, valtype, signature)}")
            continue
        lines.append(f"  (type (func{signature(subs[0].comptype)}))")
    for imp in m.imports:
        lines.append(f"  (import {string(imp.module.encode())} {string(imp.name.encode())} "
                     f"{externtype(imp.desc)})")
    lines.extend(f"  (tag {tagtype(t.tagtype)})" for t in m.tags)
    lines.extend(global_(g) for g in m.globals)
    lines.extend(f"  (memory {addr(mem.memtype.addrtype)}{limits(mem.memtype.limits)})"
                 for mem in m.mems)
    lines.extend(table(t) for t in m.tables)
    lines.extend(func(f) for f in m.funcs)
    lines.extend(data(d) for d in m.datas)
    lines.extend(elem(e, func_list_type) for e in m.elems)
    if m.start is not None:
        lines.append(f"  (start {m.start.func})")
    for ex in m.exports:
        if ex.desc.kind not in _EXPORT_WORD:
            raise ValueError("the printer does not support tag exports (3.0)")
        lines.append(f"  (export {string(ex.name.encode())} "
                     f"({_EXPORT_WORD[ex.desc.kind]} {ex.desc.index}))")
    # Custom sections have no text form in 2.0; the custom annotation keeps them visible
    # (the parser drops annotations, so they do not survive a round trip).
    lines.extend(f"  (@custom {string(c.name.encode())} {string(c.payload)})" for c in m.customs)
    return "\n".join(lines) + ")\n"


def string(data: bytes) -> str:
    """``Tstring`` · ``text-string``: printable ASCII as is, every other byte as ``\\hh``."""
    out = ['"']
    for b in data:
        if 0x20 <= b < 0x7F and b not in (0x22, 0x5C):
            out.append(chr(b))
        else:
            out.append(f"\\{b:02x}")
    out.append('"')
    return "".join(out)


def addr(at: AddrType) -> str:
    # i32 is the default; writing it only for i64 keeps the output valid 2.0 text.
    return "" if at is AddrType.I32 else "i64 "


def limits(lim: Limits) -> str:
    return f"{lim.min}" if lim.max is None else f"{lim.min} {lim.max}"


def heaptype(ht: HeapType) -> str:
    """``Theaptype_(I)``: an abstract heap type keyword or a type index."""
    if isinstance(ht, TypeIdx):
        return str(ht.idx)
    if isinstance(ht, AbsHeapType) and ht in typewords.SHORTHAND_OF:
        return str(ht.value)
    raise ValueError(f"heap type {ht} has no text form")


def reftype(rt: RefType) -> str:
    """``Treftype_(I)``: the shorthand of ``(ref null ht)`` for an abstract ``ht`` (so 2.0
    types print as 2.0 text), else ``(ref null? ht)``."""
    if rt.null and isinstance(rt.heaptype, AbsHeapType) and rt.heaptype in typewords.SHORTHAND_OF:
        return typewords.SHORTHAND_OF[rt.heaptype]
    return f"(ref{' null' if rt.null else ''} {heaptype(rt.heaptype)})"


def valtype(vt: ValType) -> str:
    if isinstance(vt, NumType | VecType):
        return str(vt.value)
    return reftype(vt)


def signature(ft: FuncType) -> str:
    params = "".join(f" (param {valtype(t)})" for t in ft.params)
    results = "".join(f" (result {valtype(t)})" for t in ft.results)
    return params + results


def globaltype(gt: GlobalType) -> str:
    vt = valtype(gt.valtype)
    return f"(mut {vt})" if gt.mut is Mut.VAR else vt


def tabletype(tt: TableType) -> str:
    return f"{addr(tt.addrtype)}{limits(tt.limits)} {reftype(tt.reftype)}"


def tagtype(jt: TagType) -> str:
    """``Ttagtype_(I)`` (3.0): the type use, by index."""
    if not isinstance(jt.typeuse, TypeIdx):
        raise ValueError(f"tag type {jt} has no text form by index")
    return f"(type {jt.typeuse.idx})"


def catch(c: CatchClause) -> str:
    """``Tcatch_(I)`` (3.0)"""
    match c:
        case Catch(x, l):
            return f"(catch {x} {l})"
        case CatchRef(x, l):
            return f"(catch_ref {x} {l})"
        case CatchAll(l):
            return f"(catch_all {l})"
        case CatchAllRef(l):
            return f"(catch_all_ref {l})"


def externtype(desc: ExternType) -> str:
    match desc:
        case ExternFunc(TypeIdx(x)):
            return f"(func (type {x}))"
        case ExternTable(tt):
            return f"(table {tabletype(tt)})"
        case ExternMem(mt):
            return f"(memory {addr(mt.addrtype)}{limits(mt.limits)})"
        case ExternGlobal(gt):
            return f"(global {globaltype(gt)})"
        case ExternTag(jt):
            return f"(tag {tagtype(jt)})"
    raise ValueError(f"import {desc} has no 2.0 text form")


def global_(g: Global) -> str:
    return f"  (global {globaltype(g.globaltype)} {expr(g.init)})"


def table(t: Table) -> str:
    """``Ttable_(I)``; the initialiser only when given (3.0)."""
    if t.init is None:
        return f"  (table {tabletype(t.tabletype)})"
    return f"  (table {tabletype(t.tabletype)} {expr(t.init)})"


def func(f: Func) -> str:
    local_decl = "".join(f" (local {valtype(t)})" for t in f.locals)
    return f"  (func (type {f.typeidx}){local_decl} {expr(f.body)})"


def data(d: Data) -> str:
    if isinstance(d.mode, Active):
        return (f"  (data (memory {d.mode.index}) (offset {expr(d.mode.offset)}) "
                f"{string(d.init)})")
    return f"  (data {string(d.init)})"


def elem(e: Elem, func_list_type: RefType = FUNCREF) -> str:
    """``text-elem``; a list of plain ``ref.func`` of the type ``func x*`` denotes
    (``func_list_type``) uses that form, which the 1.0 text format can read too."""
    funcs = [init[0].func for init in e.init if len(init) == 1 and isinstance(init[0], RefFunc)]
    if e.reftype == func_list_type and len(funcs) == len(e.init):
        body = " ".join(["func", *map(str, funcs)])
    else:
        items = " ".join(f"(item {expr(init)})" for init in e.init)
        body = f"{reftype(e.reftype)} {items}".rstrip()
    if isinstance(e.mode, Active):
        return f"  (elem (table {e.mode.index}) (offset {expr(e.mode.offset)}) {body})"
    if isinstance(e.mode, Declare):
        return f"  (elem declare {body})"
    return f"  (elem {body})"


def expr(instrs: Expr) -> str:
    """``Texpr_(I)`` · ``text-expr``: flat instructions separated by spaces; blocks closed by
    ``end``. """
    out: list[str] = []
    # An explicit stack of instruction sequences still to print, so depth costs no recursion.
    stack: list[tuple[tuple[Instr, ...], int, str]] = [(instrs, 0, "")]
    while stack:
        seq, pos, closer = stack.pop()
        if pos == len(seq):
            if closer:
                out.append(closer)
            continue
        instr = seq[pos]
        stack.append((seq, pos + 1, closer))
        match instr:
            case Block(bt, body):
                out.append(f"block{blocktype(bt)}")
                stack.append((body, 0, "end"))
            case Loop(bt, body):
                out.append(f"loop{blocktype(bt)}")
                stack.append((body, 0, "end"))
            case TryTable(bt, catches, body):
                out.append(f"try_table{blocktype(bt)}" + "".join(" " + catch(c) for c in catches))
                stack.append((body, 0, "end"))
            case If(bt, then, else_):
                out.append(f"if{blocktype(bt)}")
                stack.append((else_, 0, "end"))
                stack.append((then, 0, "else"))
            case _:
                out.append(plain(instr))
    return " ".join(out)


def blocktype(bt: BlockType) -> str:
    if bt is None:
        return ""
    if isinstance(bt, TypeIdx):
        return f" (type {bt.idx})"
    return f" (result {valtype(bt)})"


def memidx(x: int) -> str:
    """A ``Tmemidx_(I)`` immediate, left out for memory 0 (3.0 ``Tplaininstr_(I)/memory/abbrev``)
    so that 2.0 text stays 2.0 text."""
    return f" {x}" if x else ""


def memarg(ma: MemArg) -> str:
    return f" offset={ma.offset} align={1 << ma.align}"


def plain(instr: Instr) -> str:
    """``text-plaininstr``: one instruction without a body."""
    name = mnemonics.PLAIN_NAMES.get(instr)
    if name is not None:
        return name
    match instr:
        case Br(label):
            return f"br {label}"
        case BrIf(label):
            return f"br_if {label}"
        case BrTable(labels, default):
            return "br_table " + " ".join(str(x) for x in (*labels, default))
        case Call(x):
            return f"call {x}"
        case Throw(x):
            return f"throw {x}"
        case ThrowRef():
            return "throw_ref"
        case CallIndirect(x, TypeIdx(y)):
            return f"call_indirect {x} (type {y})"
        case ReturnCall(x):
            return f"return_call {x}"
        case ReturnCallIndirect(x, TypeIdx(y)):
            return f"return_call_indirect {x} (type {y})"
        case CallRef(TypeIdx(y)):
            return f"call_ref {y}"
        case ReturnCallRef(TypeIdx(y)):
            return f"return_call_ref {y}"
        case BrOnNull(label):
            return f"br_on_null {label}"
        case BrOnNonNull(label):
            return f"br_on_non_null {label}"
        case Select(None):
            return "select"
        case Select(()):
            return "select (result)"
        case Select(types):
            return "select" + "".join(f" (result {valtype(t)})" for t in types or ())
        case LocalGet(x):
            return f"local.get {x}"
        case LocalSet(x):
            return f"local.set {x}"
        case LocalTee(x):
            return f"local.tee {x}"
        case GlobalGet(x):
            return f"global.get {x}"
        case GlobalSet(x):
            return f"global.set {x}"
        case TableGet(x):
            return f"table.get {x}"
        case TableSet(x):
            return f"table.set {x}"
        case TableSize(x):
            return f"table.size {x}"
        case TableGrow(x):
            return f"table.grow {x}"
        case TableFill(x):
            return f"table.fill {x}"
        case TableCopy(x, y):
            return f"table.copy {x} {y}"
        case TableInit(x, y):
            return f"table.init {x} {y}"
        case ElemDrop(x):
            return f"elem.drop {x}"
        case Load() as load:
            return mnemonics.load_name(load) + memidx(load.mem) + memarg(load.memarg)
        case Store() as store:
            return mnemonics.store_name(store) + memidx(store.mem) + memarg(store.memarg)
        case VLoad() as vload:
            return mnemonics.vload_name(vload) + memidx(vload.mem) + memarg(vload.memarg)
        case VStore(x, ma):
            return "v128.store" + memidx(x) + memarg(ma)
        case VLoadLane(sz, x, ma, lane):
            return f"v128.load{sz}_lane{memidx(x)}{memarg(ma)} {lane}"
        case VStoreLane(sz, x, ma, lane):
            return f"v128.store{sz}_lane{memidx(x)}{memarg(ma)} {lane}"
        case MemorySize(x):
            return "memory.size" + memidx(x)
        case MemoryGrow(x):
            return "memory.grow" + memidx(x)
        case MemoryFill(x):
            return "memory.fill" + memidx(x)
        case MemoryCopy(0, 0):
            return "memory.copy"
        case MemoryCopy(x, y):
            return f"memory.copy {x} {y}"
        case MemoryInit(x, y):
            return f"memory.init{memidx(x)} {y}"
        case DataDrop(x):
            return f"data.drop {x}"
        case RefNull(ht):
            return f"ref.null {heaptype(ht)}"
        case RefFunc(x):
            return f"ref.func {x}"
        case Const(nt, bits):
            return f"{nt.value}.const {number(nt, bits)}"
        case VConst(bits):
            lanes = " ".join(f"0x{(bits >> (32 * i)) & 0xFFFFFFFF:x}" for i in range(4))
            return f"v128.const i32x4 {lanes}"
        case VShuffle(lanes):
            return "i8x16.shuffle " + " ".join(str(x) for x in lanes)
        case VExtractLane(shape, sx, lane):
            suffix = "" if sx is None else f"_{sx.value}"
            return f"{shape.value}.extract_lane{suffix} {lane}"
        case VReplaceLane(shape, lane):
            return f"{shape.value}.replace_lane {lane}"
    from refwasm.text.gc import print_instr  # 3.0 GC instructions

    gc = print_instr(instr, reftype)
    if gc is not None:
        return gc
    raise ValueError(f"{instr} has no 2.0 text form")


def number(nt: NumType, bits: int) -> str:
    """A literal denoting exactly ``bits``: unsigned hex for integers, hex floats for floats."""
    if nt.is_int:
        return f"0x{bits:x}"
    return format_float(bits, nt.bits)
