"""Abstract syntax to text (the inverse of ``refwasm.text.parser``).

The printer writes the explicit, unabbreviated forms: every type use is ``(type x)``, every
segment names its table or memory.  Floats are written as hex floats or ``nan:0x...``, so
``parse_module(print_module(m)) == m`` bit for bit (custom sections aside: they print as
annotations, which the parser drops).  It covers the 2.0 syntax, 3.0 memory indices, tail
calls, typed references, exceptions and GC types; a construct without a text form raises
``ValueError``.

A ``Style`` chooses the layout: ``COMPACT`` (one line per field, numeric indices: what tests
and reproducers embed) or ``wasm2wat``'s (one instruction per line, indented, ``$names`` from
the name section, ``(;N;)`` index comments, flat or folded: ``wasm2wat --fold-exprs``'s
S-expressions, operands inside their instruction as far as the stack effects handed in allow,
``refwasm.text.fold``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import NamedTuple, Protocol

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
    subtypes,
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
    SubType,
    TableType,
    TagType,
    TypeIdx,
    ValType,
    VecType,
)
from refwasm.text import mnemonics, typewords
from refwasm.text.fold import Effect, Node, fold_body
from refwasm.text.numbers import format_float

_EXPORT_WORD = {
    ExternKind.FUNC: "func", ExternKind.TABLE: "table", ExternKind.MEM: "memory",
    ExternKind.GLOBAL: "global", ExternKind.TAG: "tag",
}
_IMPORT_SPACE = {ExternFunc: "func", ExternTable: "table", ExternMem: "memory",
                 ExternGlobal: "global", ExternTag: "tag"}


@dataclass(frozen=True)
class Style:
    """A layout.  ``lines``: one instruction, local and field per line, indented by
    ``indent`` spaces a level (else one line per field); ``fold``: instructions as folded
    s-expressions ``(i32.add (local.get 0) (i32.const 1))``, ``(block ...)``, ``(if (then ...)
    (else ...))`` (else ``block ... end``);
    ``index_comments``: ``(;N;)`` after the keyword of a definition without a name, as
    ``wasm2wat`` writes them."""

    lines: bool = False
    fold: bool = False
    indent: int = 2
    index_comments: bool = False


COMPACT = Style()
WAT = Style(lines=True, index_comments=True)


class Names(Protocol):
    """Names for a module's indices (``refwasm.binary.names.NameMap`` reads them from the name
    section): ``spaces[space][index]`` for the spaces ``func``, ``type``, ``table``,
    ``memory``, ``global``, ``elem``, ``data``, ``tag``; ``locals[func][index]``."""

    @property
    def spaces(self) -> dict[str, dict[int, str]]: ...

    @property
    def locals(self) -> dict[int, dict[int, str]]: ...

# The characters of ``Tidchar`` (``text-idchar``); a name's other characters become ``_``.
_NOT_IDCHAR = re.compile(r"[^0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]")


class Ids:
    """The identifiers a printed module uses: the name section's names, made valid identifiers
    (``wasm2wat``: other characters become ``_``) and unique in their index space (``.1``,
    ``.2`` appended), and whether an unnamed definition gets an index comment."""

    def __init__(self, names: Names | None, index_comments: bool,
                 sizes: dict[str, int] | None = None) -> None:
        # Names of indices the module does not define are left out: nothing would define them.
        sizes = sizes or {}
        self.spaces = {space: _unique(ids, sizes.get(space, 0))
                       for space, ids in names.spaces.items()} if names else {}
        self.locals = {func: _unique(ids, size) for func, ids in names.locals.items()
                       if (size := sizes.get(f"locals {func}", 0))} if names else {}
        self.index_comments = index_comments
        self.func: int | None = None  # the function whose locals are in scope
        # wasm2wat's conventions: signed decimal integers, no ``offset=0``, folded constant
        # expressions; else unsigned hex and every immediate written.
        self.wat = False

    def ref(self, space: str, x: int) -> str:
        """A use of index ``x``: its identifier or the number."""
        name = self.spaces.get(space, {}).get(x)
        return f"${name}" if name else str(x)

    def define(self, space: str, x: int) -> str:
        """What follows a definition's keyword: an identifier, an index comment or nothing."""
        name = self.spaces.get(space, {}).get(x)
        if name:
            return f" ${name}"
        return f" (;{x};)" if self.index_comments else ""

    def local(self, x: int) -> str:
        """A use of local ``x`` of the current function."""
        name = self.locals.get(self.func, {}).get(x) if self.func is not None else None
        return f"${name}" if name else str(x)

    def local_id(self, x: int) -> str:
        """The identifier of local ``x`` of the current function, if named."""
        name = self.locals.get(self.func, {}).get(x) if self.func is not None else None
        return f" ${name}" if name else ""


def _unique(names: dict[int, str], size: int) -> dict[int, str]:
    """Valid, distinct identifiers for the names of one index space of ``size`` indices (empty
    names and names of other indices dropped)."""
    taken: set[str] = set()
    suffix: dict[str, int] = {}  # the last suffix tried for a base (so repeats stay linear)
    out: dict[int, str] = {}
    for x in sorted(x for x in names if 0 <= x < size):
        base = _NOT_IDCHAR.sub("_", names[x])
        if not base:
            continue
        candidate = base
        while candidate in taken:
            suffix[base] = suffix.get(base, 0) + 1
            candidate = f"{base}.{suffix[base]}"
        taken.add(candidate)
        out[x] = candidate
    return out


_PLAIN_IDS = Ids(None, False)
_CURRENT_IDS: ContextVar[Ids | None] = ContextVar("ids", default=None)


class _IDS:
    """The identifiers of the module being printed (numbers only outside ``print_module``)."""

    @staticmethod
    def get() -> Ids:
        return _CURRENT_IDS.get() or _PLAIN_IDS


@contextmanager
def _identifiers(ids: Ids) -> Iterator[None]:
    token = _CURRENT_IDS.set(ids)
    try:
        yield
    finally:
        _CURRENT_IDS.reset(token)


def print_module(m: Module, features: Features = DEFAULT_FEATURES,
                 style: Style = COMPACT, names: Names | None = None,
                 effects: Sequence[Sequence[Effect]] | None = None) -> str:
    """The text of a module, in the binary format's field order, laid out as ``style`` says,
    with identifiers from ``names`` (made valid and unique); the text is read back under
    ``features`` (``func x*`` element lists mean ``funcref`` in 2.0, ``(ref func)`` in 3.0).
    In the folded layout, ``effects`` (``refwasm.validation.effects.stack_effects``: each
    defined function's instructions' stack effects) lets operands fold into their instruction
    (``refwasm.text.fold``); without them only blocks fold."""
    ids = Ids(names, style.index_comments, _sizes(m) if names else None)
    ids.wat = style.lines
    with _identifiers(ids):
        return _module(m, features, style, ids, effects)


def _sizes(m: Module) -> dict[str, int]:
    """The size of each index space, and of each function's locals (``locals F``)."""
    sizes = dict.fromkeys(_EXPORT_WORD.values(), 0)
    for imp in m.imports:
        sizes[_IMPORT_SPACE[type(imp.desc)]] += 1
    imported = sizes["func"]
    for space, defined in (("func", m.funcs), ("table", m.tables), ("memory", m.mems),
                           ("global", m.globals), ("tag", m.tags)):
        sizes[space] += len(defined)
    type_space = subtypes(m)
    sizes.update(type=len(type_space), elem=len(m.elems), data=len(m.datas))
    for i, f in enumerate(m.funcs):
        ft = type_space[f.typeidx].comptype if 0 <= f.typeidx < len(type_space) else None
        params = len(ft.params) if isinstance(ft, FuncType) else 0
        sizes[f"locals {imported + i}"] = params + len(f.locals)
    return sizes


def _module(m: Module, features: Features, style: Style, ids: Ids,
            effects: Sequence[Sequence[Effect]] | None) -> str:
    func_list_type = RefType(not features.function_references, AbsHeapType.FUNC)
    pad = " " * style.indent if style.lines else "  "
    lines = ["(module"]
    typeidx = 0
    type_names = ids.spaces.get("type", {})
    for ty in m.types:
        subs = ty.rectype.subtypes
        if len(subs) != 1 or not subs[0].final or subs[0].supertypes or not isinstance(
                subs[0].comptype, FuncType):
            from refwasm.text.gc import print_types  # 3.0 rec groups, sub, struct, array

            for x in range(typeidx, typeidx + len(subs)):  # printed without names
                type_names.pop(x, None)
            marks = [ids.define("type", x) for x in range(typeidx, typeidx + len(subs))]
            lines.append(f"{pad}{print_types(ty.rectype, valtype, signature, marks)}")
        else:
            lines.append(f"{pad}(type{ids.define('type', typeidx)} "
                         f"(func{signature(subs[0].comptype)}))")
        typeidx += len(subs)
    counts = dict.fromkeys(_EXPORT_WORD.values(), 0)
    for imp in m.imports:
        space = _IMPORT_SPACE[type(imp.desc)]
        label = ids.define(space, counts[space])
        counts[space] += 1
        lines.append(f"{pad}(import {string(imp.module.encode())} {string(imp.name.encode())} "
                     f"{externtype(imp.desc, label)})")
    # wasm2wat's order (the binary format's sections); each index space is in order whatever
    # the order of the kinds.
    if style.lines:
        type_space = subtypes(m)
        for i, f in enumerate(m.funcs):
            lines.extend(func_lines(f, counts["func"] + i, type_space, style,
                                    effects[i] if effects and i < len(effects) else None))
    else:
        lines.extend(func(f) for f in m.funcs)
    lines.extend(pad + table(t, ids.define("table", counts["table"] + i)).lstrip()
                 for i, t in enumerate(m.tables))
    lines.extend(f"{pad}(memory{ids.define('memory', counts['memory'] + i)} "
                 f"{addr(mem.memtype.addrtype)}{limits(mem.memtype.limits)})"
                 for i, mem in enumerate(m.mems))
    lines.extend(f"{pad}(tag{ids.define('tag', counts['tag'] + i)} {tagtype(t.tagtype)})"
                 for i, t in enumerate(m.tags))
    lines.extend(pad + global_(g, ids.define("global", counts["global"] + i)).lstrip()
                 for i, g in enumerate(m.globals))
    for ex in m.exports:
        if ex.desc.kind not in _EXPORT_WORD:
            raise ValueError("the printer does not support tag exports (3.0)")
        word = _EXPORT_WORD[ex.desc.kind]
        lines.append(f"{pad}(export {string(ex.name.encode())} "
                     f"({word} {ids.ref(word, ex.desc.index)}))")
    if m.start is not None:
        lines.append(f"{pad}(start {ids.ref('func', m.start.func)})")
    lines.extend(pad + elem(e, func_list_type, ids.define("elem", i)).lstrip()
                 for i, e in enumerate(m.elems))
    lines.extend(pad + data(d, ids.define("data", i)).lstrip() for i, d in enumerate(m.datas))
    # Custom sections have no text form in 2.0; the custom annotation keeps them visible
    # (the parser drops annotations, so they do not survive a round trip).
    lines.extend(f"{pad}(@custom {string(c.name.encode())} {string(c.payload)})"
                 for c in m.customs)
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


def externtype(desc: ExternType, label: str = "") -> str:
    """An import's description; ``label`` (an identifier or an index comment) follows the keyword."""
    match desc:
        case ExternFunc(TypeIdx(x)):
            return f"(func{label} (type {_IDS.get().ref('type', x)}))"
        case ExternTable(tt):
            return f"(table{label} {tabletype(tt)})"
        case ExternMem(mt):
            return f"(memory{label} {addr(mt.addrtype)}{limits(mt.limits)})"
        case ExternGlobal(gt):
            return f"(global{label} {globaltype(gt)})"
        case ExternTag(jt):
            return f"(tag{label} {tagtype(jt)})"
    raise ValueError(f"import {desc} has no 2.0 text form")


def global_(g: Global, label: str = "") -> str:
    return f"  (global{label} {globaltype(g.globaltype)} {expr(g.init)})"


def table(t: Table, label: str = "") -> str:
    """``Ttable_(I)``; the initialiser only when given (3.0)."""
    if t.init is None:
        return f"  (table{label} {tabletype(t.tabletype)})"
    return f"  (table{label} {tabletype(t.tabletype)} {expr(t.init)})"


def func(f: Func) -> str:
    local_decl = "".join(f" (local {valtype(t)})" for t in f.locals)
    return f"  (func (type {f.typeidx}){local_decl} {expr(f.body)})"


def func_lines(f: Func, index: int, space: tuple[SubType, ...], style: Style,
               effects: Sequence[Effect] | None = None) -> list[str]:
    """``Tfunc_(I)`` in ``wasm2wat``'s layout: the head with the type use (and, for a function
    type, its parameters with their names and results), then one local and one instruction
    (or folded expression, given the body's ``effects``) per line, the closing parenthesis on
    the last."""
    ids = _IDS.get()
    ids.func = index
    try:
        pad = " " * style.indent
        ft = space[f.typeidx].comptype if 0 <= f.typeidx < len(space) else None
        head = f"{pad}(func{ids.define('func', index)} (type {ids.ref('type', f.typeidx)})"
        if isinstance(ft, FuncType):
            head += _decls("param", ft.params, 0) + "".join(
                f" (result {valtype(t)})" for t in ft.results)
        first = len(ft.params) if isinstance(ft, FuncType) else 0
        locals_ = _decls("local", f.locals, first)
        lines = [head] + ([pad * 2 + locals_.lstrip()] if locals_ else [])
        if style.fold:
            lines += folded_lines(fold_body(f.body, effects), 2, style.indent)
        else:
            lines += body_lines(f.body, 2, style)
        lines[-1] += ")"
        return lines
    finally:
        ids.func = None


def _decls(word: str, types: tuple[ValType, ...], first: int) -> str:
    """`` (param $x i32) (param i64 f32)``: a named one alone, unnamed neighbours together."""
    ids = _IDS.get()
    out: list[str] = []
    group: list[str] = []
    for i, t in enumerate(types):
        name = ids.local_id(first + i)
        if name and group:
            out.append(f" ({word} {' '.join(group)})")
            group = []
        if name:
            out.append(f" ({word}{name} {valtype(t)})")
        else:
            group.append(valtype(t))
    if group:
        out.append(f" ({word} {' '.join(group)})")
    return "".join(out)


def data(d: Data, label: str = "") -> str:
    if isinstance(d.mode, Active):
        return (f"  (data{label} (memory {_IDS.get().ref('memory', d.mode.index)}) "
                f"(offset {expr(d.mode.offset)}) {string(d.init)})")
    return f"  (data{label} {string(d.init)})"


def elem(e: Elem, func_list_type: RefType = FUNCREF, label: str = "") -> str:
    """``Telem_(I)`` · ``text-elem``; a list of plain ``ref.func`` of the type ``func x*`` denotes
    (``func_list_type``) uses that form, which the 1.0 text format can read too."""
    ids = _IDS.get()
    funcs = [init[0].func for init in e.init if len(init) == 1 and isinstance(init[0], RefFunc)]
    if e.reftype == func_list_type and len(funcs) == len(e.init):
        body = " ".join(["func", *(ids.ref("func", x) for x in funcs)])
    else:
        items = " ".join(f"(item {expr(init)})" for init in e.init)
        body = f"{reftype(e.reftype)} {items}".rstrip()
    if isinstance(e.mode, Active):
        return (f"  (elem{label} (table {ids.ref('table', e.mode.index)}) "
                f"(offset {expr(e.mode.offset)}) {body})")
    if isinstance(e.mode, Declare):
        return f"  (elem{label} declare {body})"
    return f"  (elem{label} {body})"


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
                # wasm2wat folds a constant expression's instructions: (i32.const 0).
                out.append(f"({plain(instr)})" if _IDS.get().wat else plain(instr))
    return " ".join(out)


class _Seq(NamedTuple):
    """A sequence ``body_lines`` has yet to print from ``pos``, at an indentation depth and a
    label depth."""

    seq: tuple[Instr, ...]
    pos: int
    depth: int
    labels: int


# What ``body_lines`` has left to do: a sequence, or a line to print.
_Todo = _Seq | str


def body_lines(instrs: Expr, depth: int, style: Style) -> list[str]:
    """``Tinstr_(I)*``, one instruction per line at ``depth`` levels of ``style.indent``,
    blocks flat (``block ... end``, a ``;; label = @N`` comment naming the label depth as
    ``wasm2wat`` does).  An explicit stack of work, so that nesting costs no recursion."""
    out: list[str] = []
    todo: list[_Todo] = [_Seq(instrs, 0, depth, 0)]
    while todo:
        item = todo.pop()
        if not isinstance(item, _Seq):
            out.append(item)
            continue
        seq, pos, d, labels = item
        if pos == len(seq):
            continue
        todo.append(_Seq(seq, pos + 1, d, labels))
        pad = " " * (style.indent * d)
        instr = seq[pos]
        head = _block_head(instr)
        if head is None:
            out.append(pad + plain(instr) + _label_comment(instr, labels))
            continue
        out.append(f"{pad}{head}  ;; label = @{labels + 1}")
        todo.append(f"{pad}end")
        if isinstance(instr, If):
            if instr.else_:
                todo += [_Seq(instr.else_, 0, d + 1, labels + 1), f"{pad}else"]
            todo.append(_Seq(instr.then, 0, d + 1, labels + 1))
        else:
            todo.append(_Seq(_body_of(instr), 0, d + 1, labels + 1))
    return out


class _Node(NamedTuple):
    """A folded expression ``folded_lines`` has yet to print, at an indentation depth and a
    label depth."""

    node: Node
    depth: int
    labels: int


def folded_lines(nodes: list[Node], depth: int, indent: int) -> list[str]:
    """``Tfoldedinstr_(I)``: each expression in parentheses on its own line at ``depth``
    levels of ``indent``, its operands on the lines below one level deeper, as ``wasm2wat
    --fold-exprs`` writes them; blocks as ``(block ...)``, ``(if cond (then ...) (else ...))``
    with a ``;; label = @N`` comment.  An explicit stack of work, so that nesting costs no
    recursion."""
    out: list[str] = []
    todo: list[_Node | tuple[bool, str]] = [_Node(n, depth, 0) for n in reversed(nodes)]
    while todo:
        item = todo.pop()
        if not isinstance(item, _Node):
            closing, text = item
            if closing:
                _close(out, text)
            else:
                out.append(text)
            continue
        node, d, labels = item
        instr = node.instr
        pad = " " * (indent * d)
        head = _block_head(instr)
        todo.append((True, pad))
        if head is None:
            out.append(f"{pad}({plain(instr)}{_label_comment(instr, labels)}")
        else:
            out.append(f"{pad}({head}  ;; label = @{labels + 1}")
            inner = " " * (indent * (d + 1))
            if isinstance(instr, If):
                for word, body in reversed(list(zip(("then", "else"), node.bodies, strict=True))):
                    if body or word == "then":
                        todo += [(True, inner), *_nodes(body, d + 2, labels + 1),
                                 (False, f"{inner}({word}")]
            else:
                todo += _nodes(node.bodies[0], d + 1, labels + 1)
        todo += _nodes(node.operands, d + 1, labels)
    return out


def _nodes(nodes: list[Node], depth: int, labels: int) -> list[_Node]:
    """Work items printing ``nodes`` in order (the last popped first)."""
    return [_Node(n, depth, labels) for n in reversed(nodes)]


def _label_comment(instr: Instr, labels: int) -> str:
    """`` (;@N;)`` after a branch: the label depth its target was opened at, as ``wasm2wat``
    writes it (``@0`` is the function's own label)."""
    match instr:
        case Br(label) | BrIf(label) | BrOnNull(label) | BrOnNonNull(label) if label <= labels:
            return f" (;@{labels - label};)"
    return ""  # no branch, or an invalid one (printed all the same)


def _close(out: list[str], pad: str) -> None:
    """End a folded form: ``)`` on the last line, or on a line of its own after a comment."""
    if ";;" in out[-1]:
        out.append(f"{pad})")
    else:
        out[-1] += ")"


def _block_head(instr: Instr) -> str | None:
    """A block instruction's keyword and immediates (``block (result i32)``), else ``None``."""
    match instr:
        case Block(bt, _):
            return f"block{blocktype(bt)}"
        case Loop(bt, _):
            return f"loop{blocktype(bt)}"
        case TryTable(bt, catches, _):
            return f"try_table{blocktype(bt)}" + "".join(" " + catch(c) for c in catches)
        case If(bt, _, _):
            return f"if{blocktype(bt)}"
    return None


def _body_of(instr: Instr) -> tuple[Instr, ...]:
    return instr.body if isinstance(instr, Block | Loop | TryTable) else ()


def blocktype(bt: BlockType) -> str:
    if bt is None:
        return ""
    if isinstance(bt, TypeIdx):
        return f" (type {_IDS.get().ref('type', bt.idx)})"
    return f" (result {valtype(bt)})"


def memidx(x: int) -> str:
    """A ``Tmemidx_(I)`` immediate, left out for memory 0 (3.0 ``Tplaininstr_(I)/memory/abbrev``)
    so that 2.0 text stays 2.0 text."""
    return f" {x}" if x else ""


def memarg(ma: MemArg) -> str:
    offset = "" if ma.offset == 0 and _IDS.get().wat else f" offset={ma.offset}"
    return f"{offset} align={1 << ma.align}"


def plain(instr: Instr) -> str:
    """``Tplaininstr_(I)`` · ``text-plaininstr``: one instruction without a body."""
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
            return f"call {_IDS.get().ref('func', x)}"
        case Throw(x):
            return f"throw {_IDS.get().ref('tag', x)}"
        case ThrowRef():
            return "throw_ref"
        case CallIndirect(x, TypeIdx(y)):
            return f"call_indirect {_table(x)} (type {_type(y)})"
        case ReturnCall(x):
            return f"return_call {_IDS.get().ref('func', x)}"
        case ReturnCallIndirect(x, TypeIdx(y)):
            return f"return_call_indirect {_table(x)} (type {_type(y)})"
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
            return f"local.get {_IDS.get().local(x)}"
        case LocalSet(x):
            return f"local.set {_IDS.get().local(x)}"
        case LocalTee(x):
            return f"local.tee {_IDS.get().local(x)}"
        case GlobalGet(x):
            return f"global.get {_IDS.get().ref('global', x)}"
        case GlobalSet(x):
            return f"global.set {_IDS.get().ref('global', x)}"
        case TableGet(x):
            return f"table.get {_table(x)}"
        case TableSet(x):
            return f"table.set {_table(x)}"
        case TableSize(x):
            return f"table.size {_table(x)}"
        case TableGrow(x):
            return f"table.grow {_table(x)}"
        case TableFill(x):
            return f"table.fill {_table(x)}"
        case TableCopy(x, y):
            return f"table.copy {_table(x)} {_table(y)}"
        case TableInit(x, y):
            return f"table.init {_table(x)} {_IDS.get().ref('elem', y)}"
        case ElemDrop(x):
            return f"elem.drop {_IDS.get().ref('elem', x)}"
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
            return f"memory.init{memidx(x)} {_IDS.get().ref('data', y)}"
        case DataDrop(x):
            return f"data.drop {_IDS.get().ref('data', x)}"
        case RefNull(ht):
            return f"ref.null {heaptype(ht)}"
        case RefFunc(x):
            return f"ref.func {_IDS.get().ref('func', x)}"
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


def _table(x: int) -> str:
    return _IDS.get().ref("table", x)


def _type(x: int) -> str:
    return _IDS.get().ref("type", x)


def number(nt: NumType, bits: int) -> str:
    """A literal denoting exactly ``bits``: unsigned hex (or, in ``wasm2wat``'s layout, signed
    decimal) for integers, hex floats for floats."""
    if nt.is_int:
        if _IDS.get().wat:
            return str(bits - (1 << nt.bits) if bits >> (nt.bits - 1) else bits)
        return f"0x{bits:x}"
    return format_float(bits, nt.bits)
