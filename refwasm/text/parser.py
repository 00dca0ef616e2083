"""Text format of modules: S-expressions to abstract syntax (2.0 ``text-module`` and friends).

``parse_module`` mirrors the spec's two steps.  First the identifier context ``I`` is built
(``text-context``): one pass over the fields binds every ``$id`` of types, functions, tables,
memories, globals, element and data segments to its index.  Then each field is parsed in that
context, expanding the abbreviations (``text-func-abbrev``, ``text-table-abbrev``, ...) in place.

Type uses without an explicit ``(type x)`` (``text-typeuse-abbrev``) resolve to the first type
of the module whose function type matches; when none does, a new type is appended after all the
explicit ones, in order of appearance (function signature first, then its body), which is also
what ``wat2wasm`` emits.

Instructions are parsed without recursion (``InstrParser``): folded instructions are unfolded
with an explicit task stack and open blocks live on an explicit frame stack, so nesting depth
is bounded only by memory.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from refwasm.errors import (
    ALIGNMENT,
    INLINE_FUNCTION_TYPE,
    INVALID_LANE_LENGTH,
    MALFORMED_LANE_INDEX,
    MALFORMED_UTF8,
    MISMATCHING_LABEL,
    UNEXPECTED_TOKEN,
    UNKNOWN_LABEL,
    UNKNOWN_OPERATOR,
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
    Shape,
    Sx,
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
    VReplaceLane,
    VShuffle,
)
from refwasm.syntax.modules import (
    DECLARE,
    PASSIVE,
    Active,
    Data,
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
    MemType,
    Mut,
    NumType,
    RefType,
    TableType,
    TagType,
    TypeIdx,
    ValType,
    VecType,
    plain_functype,
)
from refwasm.text import mnemonics, typewords
from refwasm.text.lexer import Atom, SExpr, SList, Str, read_sexprs_prefix
from refwasm.text.numbers import is_number, parse_float, parse_int, parse_nat

U32_OUT_OF_RANGE = "i32 constant out of range"
U64_OUT_OF_RANGE = "i64 constant out of range"
WRONG_LANE_COUNT = "wrong number of lane literals"
MULTIPLE_START = "multiple start sections"
UNKNOWN_TYPE = "unknown type"

# Index spaces: the word the spec interpreter uses in "unknown ..." and "duplicate ..." messages.
TYPE, FUNC, TABLE, MEMORY, GLOBAL, ELEM, DATA, LOCAL = (
    "type", "func", "table", "memory", "global", "elem", "data", "local",
)
TAG = "tag"  # 3.0
_UNKNOWN_WORD = {
    TYPE: "type", FUNC: "function", TABLE: "table", MEMORY: "memory", GLOBAL: "global",
    ELEM: "elem segment", DATA: "data segment", LOCAL: "local", TAG: "tag",
}

_NUMTYPES = {nt.value: nt for nt in NumType}
_SHAPES = {sh.value: sh for sh in Shape}


@gc_paused
def parse_module(text: str, features: Features = DEFAULT_FEATURES) -> Module:
    """``text-module``: a whole ``.wat`` text, ``(module $id? field*)`` or bare ``field*``."""
    forest, error = read_sexprs_prefix(text)
    if len(forest) == 1 and isinstance(forest[0], SList) and forest[0].head() == "module":
        module = module_from_sexpr(forest[0], features)
    else:
        module = module_from_fields(forest, features)
    if error is not None:
        raise error  # after the errors of the text before it, as a streaming parser would
    return module


def module_from_sexpr(sexpr: SList, features: Features = DEFAULT_FEATURES) -> Module:
    """``Tmodule`` · ``text-module``: ``(module $id? modulefield*)``, already read as an
    S-expression. """
    items = sexpr.items[1:]
    if items and is_id(items[0]):
        items = items[1:]
    return module_from_fields(items, features)


def module_from_fields(fields: list[SExpr], features: Features = DEFAULT_FEATURES) -> Module:
    """``Tmodule/abbrev`` · ``text-modulefield``: a list of module fields."""
    return ModuleParser(features).parse(fields)


# -- Small helpers ------------------------------------------------------------------------------


def fail(message: str) -> MalformedError:
    return MalformedError(message)


def is_id(item: SExpr | None) -> bool:
    """``Tid`` · ``text-id``: ``$`` and id characters (a glued reserved token holds a quote)."""
    return (isinstance(item, Atom) and item.text.startswith("$") and len(item.text) > 1
            and '"' not in item.text)


def atom_text(item: SExpr | None) -> str:
    """The text of an atom, or "unexpected token" for anything else."""
    if isinstance(item, Atom):
        return item.text
    raise fail(UNEXPECTED_TOKEN)


def string_bytes(item: SExpr | None) -> bytes:
    """``Tstring`` · ``text-string``: the bytes of a string literal."""
    if not isinstance(item, Str):
        raise unexpected_item(item) if item is not None else fail(UNEXPECTED_TOKEN)
    if item.error is not None:
        raise fail(item.error)
    return item.data


def name_text(item: SExpr | None) -> str:
    """``Tname`` · ``text-name``: a string that must be valid UTF-8."""
    try:
        return string_bytes(item).decode("utf-8")
    except UnicodeDecodeError:
        raise fail(MALFORMED_UTF8) from None


def as_list(item: SExpr | None) -> SList:
    """``item`` as a list, or "unexpected token"."""
    if isinstance(item, SList):
        return item
    raise fail(UNEXPECTED_TOKEN)


def as_atom(item: SExpr | None) -> Atom:
    """``item`` as an atom, or "unexpected token"."""
    if isinstance(item, Atom):
        return item
    raise fail(UNEXPECTED_TOKEN)


def is_list(item: SExpr | None, *heads: str) -> bool:
    return isinstance(item, SList) and item.head() in heads


def unexpected_item(item: SExpr) -> MalformedError:
    """The error for a token the grammar does not allow here: a token that is no keyword,
    number or identifier at all is an unknown operator (``Treserved`` · ``text-reserved``), any other token
    is unexpected."""
    if isinstance(item, Atom) and not (is_id(item) or is_number(item.text)
                                       or is_keyword(item.text)):
        return locate(fail(f"{UNKNOWN_OPERATOR} {item.text}"), text_pos=item.pos)
    return locate(fail(UNEXPECTED_TOKEN), text_pos=item_pos([item], 0))


@contextmanager
def located_at(item: SList) -> Iterator[None]:
    """Give a malformed error raised within ``item`` the field's position when no token of
    it was named (the innermost location wins: ``locate``)."""
    try:
        yield
    except MalformedError as error:
        locate(error, text_pos=item.start)
        raise


def item_pos(items: list[SExpr], index: int) -> int | None:
    """The source position of ``items[index]`` (for error locations), if there is one."""
    if not 0 <= index < len(items):
        return None
    item = items[index]
    return item.start if isinstance(item, SList) else item.pos


_STRUCTURAL_KEYWORDS = frozenset((
    "module", "type", "func", "param", "result", "local", "import", "export", "table",
    "memory", "global", "elem", "data", "start", "offset", "item", "declare", "mut", "then",
    "else", "end", "block", "loop", "if", "i32", "i64", "f32", "f64", "v128", "funcref",
    "externref", "extern", "ref", "null", "binary", "quote", "definition", "instance",
    "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2", "nan:canonical", "nan:arithmetic",
))


# The lists a type use is made of (``text-typeuse``).
_TYPEUSE_HEADS = frozenset(("type", "param", "result"))


def is_keyword(text: str) -> bool:
    """Whether ``text`` is a keyword of the text format (``Tkeyword`` · ``text-keyword``)."""
    return (text in _STRUCTURAL_KEYWORDS or text in typewords.KEYWORDS or text in mnemonics.PLAIN or text in _HANDLERS
            or text in mnemonics.MEMORY_OPS or text in mnemonics.LANE_MEMORY_OPS
            or text.startswith(("offset=", "align=")))


def parse_u32(item: SExpr | None, message: str = U32_OUT_OF_RANGE) -> int:
    """``Tu32`` · ``text-int`` ``u32``."""
    text = atom_text(item)
    value = parse_nat(text)
    if value is None:
        raise unexpected_item(item) if isinstance(item, Atom) else fail(UNEXPECTED_TOKEN)
    if value >= 1 << 32:
        raise fail(message)
    return value


@dataclass(slots=True)
class Cursor:
    """A position in a list of S-expressions."""

    items: list[SExpr]
    pos: int = 0

    def peek(self) -> SExpr | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> SExpr:
        if self.pos >= len(self.items):
            raise fail(UNEXPECTED_TOKEN)
        item = self.items[self.pos]
        self.pos += 1
        return item

    def at_end(self) -> bool:
        return self.pos >= len(self.items)

    def take_id(self) -> str | None:
        pos = self.pos
        item = self.items[pos] if pos < len(self.items) else None
        # Most tokens are no identifier: the first character decides them cheaply.
        if isinstance(item, Atom) and item.text[:1] == "$" and is_id(item):
            self.pos = pos + 1
            return item.text
        return None

    def expect_end(self) -> None:
        if self.pos < len(self.items):
            raise unexpected_item(self.items[self.pos])


# -- Types (text-valtype, text-functype, text-limits, ...) --------------------------------------


@dataclass(slots=True)
class TypeUse:
    """A parsed ``typeuse``: the explicit index (if any), the inline signature, param ids."""

    index: int | None
    params: list[ValType]
    results: list[ValType]
    param_ids: list[str | None]
    explicit_sig: bool  # whether (param ...) or (result ...) appeared


class ModuleParser:
    """The identifier context ``I`` and the fields parsed so far (``text-context``)."""

    def __init__(self, features: Features) -> None:
        self.features = features
        self.ids: dict[str, dict[str, int]] = {
            space: {} for space in (TYPE, FUNC, TABLE, MEMORY, GLOBAL, ELEM, DATA, TAG)
        }
        self.counts: dict[str, int] = dict.fromkeys(self.ids, 0)
        self.types: list[Type] = []
        self.imports: list[Import] = []
        self.tags: list[Tag] = []
        self.globals: list[Global] = []
        self.mems: list[Mem] = []
        self.tables: list[Table] = []
        self.funcs: list[Func] = []
        self.datas: list[Data] = []
        self.elems: list[Elem] = []
        self.exports: list[Export] = []
        self.start: Start | None = None
        # The index pass 1 gave each definition field (keyed by the field's identity).
        self.field_index: dict[int, int] = {}
        # Function types of the type index space, and the first index of each, for matching
        # inline type uses (text-typeuse-abbrev).
        self.functypes: list[FuncType | None] = []
        self.type_index_of: dict[FuncType, int] = {}
        # The field identifiers of each struct type, by type index (3.0, ``text/gc.py``).
        self.gc_field_ids: dict[int, dict[str, int]] = {}

    # ---- pass 1: bind identifiers (text-context) ----

    def bind(self, space: str, name: str | None) -> int:
        """Give the next index of ``space`` to ``name`` (``duplicate ...`` if already bound)."""
        index = self.counts[space]
        self.counts[space] = index + 1
        if name is not None:
            if name in self.ids[space]:
                raise fail(f"duplicate {space}")
            self.ids[space][name] = index
        return index

    def resolve(self, space: str, item: SExpr | None) -> int:
        """``Ttypeidx_(I)``, ``Tfuncidx_(I)``, ``Ttableidx_(I)``, ``Tmemidx_(I)``,
        ``Tglobalidx_(I)``, ``Ttagidx_(I)``, ``Telemidx_(I)``, ``Tdataidx_(I)`` · ``text-index``:
        a numeric index or a bound identifier of ``space``."""
        if isinstance(item, Atom) and item.text.startswith("$"):
            index = self.ids[space].get(item.text)
            if index is None:
                raise fail(f"unknown {_UNKNOWN_WORD[space]} {item.text}")
            return index
        return parse_u32(item)

    def parse(self, fields: list[SExpr]) -> Module:
        """``Tmodule`` · ``text-module``: bind all identifiers, then parse every field in order."""
        return self.parse_fields(fields)

    def parse_fields(self, fields: list[SExpr]) -> Module:
        """The two passes of ``Tmodule`` · ``text-module`` over its fields."""
        for item in fields:
            if not isinstance(item, SList) or item.head() is None:
                raise unexpected_item(item) if not isinstance(item, SList) else fail(
                    UNEXPECTED_TOKEN)
        lists = [item for item in fields if isinstance(item, SList)]
        self.collect_types(lists)
        self.bind_all(lists)
        for item in lists:
            with located_at(item):
                self.field(item)
        return Module(
            types=tuple(self.types),
            imports=tuple(self.imports),
            tags=tuple(self.tags),
            globals=tuple(self.globals),
            mems=tuple(self.mems),
            tables=tuple(self.tables),
            funcs=tuple(self.funcs),
            datas=tuple(self.datas),
            elems=tuple(self.elems),
            start=self.start,
            exports=tuple(self.exports),
        )

    def collect_types(self, fields: list[SList]) -> None:
        """``Ttypedef_(I)`` · ``text-typedef``: explicit types come first in the type index space;
        all their identifiers are bound first, as a reference type may name a later type."""
        if self.features.gc:
            from refwasm.text.gc import collect_types  # 3.0 rec groups and sub types

            collect_types(self, fields)
            return
        typedefs = [item for item in fields if item.head() == "type"]
        for item in typedefs:
            self.bind(TYPE, Cursor(item.items, 1).take_id())
        for item in typedefs:
            cur = Cursor(item.items, 1)
            cur.take_id()
            definition = cur.next()
            if not is_list(definition, "func"):
                raise unexpected_item(definition) if definition is not None else locate(
                    fail(UNEXPECTED_TOKEN), text_pos=item.start)
            cur.expect_end()
            definition = as_list(definition)
            ft = self.functype(Cursor(definition.items, 1))
            self.types.append(Type(plain_functype(ft)))
            self.functypes.append(ft)
            self.type_index_of.setdefault(ft, len(self.types) - 1)

    def bind_all(self, fields: list[SList]) -> None:
        """``$concat_idctxt``, ``Idctxt_ok``, ``$ordered`` · ``text-context``: bind the identifiers
        of every index space, checking import order."""
        defined: list[str] = []  # kinds of definitions seen, for "import after ..."
        for item in fields:
            with located_at(item):
                self.bind_field(item, defined)

    def bind_field(self, item: SList, defined: list[str]) -> None:
        """Bind the identifiers one field defines (``bind_all``)."""
        head = item.head()
        cur = Cursor(item.items, 1)
        if head == "tag" and not self.features.exceptions:
            raise fail(f"{UNKNOWN_OPERATOR} tag")
        if head == "import":
            cur.pos = 3
            desc = cur.next()
            if not isinstance(desc, SList) or desc.head() not in _IMPORT_SPACES:
                raise fail(UNEXPECTED_TOKEN)
            self.check_import_order(defined)
            self.bind(_IMPORT_SPACES[desc.head() or ""], Cursor(desc.items, 1).take_id())
        elif head in _DEFINITION_SPACES:
            space = _DEFINITION_SPACES[head]
            name = cur.take_id()
            while is_list(cur.peek(), "export"):
                cur.pos += 1
            if is_list(cur.peek(), "import"):
                self.check_import_order(defined)
            else:
                defined.append(head)
            self.field_index[id(item)] = self.bind(space, name)
            # Inline segments take the next element/data index (text-table-abbrev).
            rest = item.items[cur.pos:]
            if head == "table" and any(is_list(x, "elem") for x in rest):
                self.bind(ELEM, None)
            if head == "memory" and any(is_list(x, "data") for x in rest):
                self.bind(DATA, None)
        elif head == "elem":
            # Segment identifiers came with bulk memory; before, ``$x`` named the table.
            self.bind(ELEM, cur.take_id() if self.features.bulk_memory else None)
        elif head == "data":
            self.bind(DATA, cur.take_id() if self.features.bulk_memory else None)
        elif head not in ("type", "export", "start") and not (
                head == "rec" and self.features.gc):
            raise fail(f"{UNKNOWN_OPERATOR} {head}" if head else UNEXPECTED_TOKEN)

    @staticmethod
    def check_import_order(defined: list[str]) -> None:
        """Imports precede all definitions of functions, tables, memories and globals."""
        if defined:
            raise fail(f"import after {_KIND_WORD[defined[0]]}")

    # ---- pass 2: fields ----

    def field(self, item: SList) -> None:
        """``Tdecl_(I)`` · ``text-modulefield``: one field, in the context of all identifiers."""
        head = item.head()
        cur = Cursor(item.items, 1)
        match head:
            case "type" | "rec":
                pass  # parsed by collect_types
            case "import":
                self.import_(cur)
            case "func":
                self.func(item, cur)
            case "table":
                self.table(item, cur)
            case "memory":
                self.memory(item, cur)
            case "global":
                self.global_(item, cur)
            case "tag":
                self.tag(item, cur)
            case "export":
                self.export(cur)
            case "start":
                self.start_(cur)
            case "elem":
                self.elem(cur)
            case "data":
                self.data(cur)

    def import_(self, cur: Cursor) -> None:
        """``Timport_(I)`` · ``text-import``: ``(import "m" "n" importdesc)``."""
        module = name_text(cur.next())
        name = name_text(cur.next())
        desc = cur.next()
        cur.expect_end()
        desc = as_list(desc)
        dcur = Cursor(desc.items, 1)
        dcur.take_id()
        self.imports.append(Import(module, name, self.importdesc(desc.head() or "", dcur)))

    def importdesc(self, kind: str, cur: Cursor) -> ExternType:
        """``Texterntype_(I)`` · ``text-importdesc``: the description after the identifier."""
        desc: ExternType
        if kind == "func":
            use = self.typeuse(cur)
            desc = ExternFunc(TypeIdx(self.resolve_typeuse(use)))
        elif kind == "table":
            desc = ExternTable(self.tabletype(cur))
        elif kind == "memory":
            desc = ExternMem(self.memtype(cur))
        elif kind == "tag":
            desc = ExternTag(self.tagtype(cur))
        else:
            desc = ExternGlobal(self.globaltype(cur.next()))
        cur.expect_end()
        return desc

    def inline_exports(self, cur: Cursor, kind: ExternKind, index: int) -> None:
        """``Texportfunc_(I)/abbrev``, ``Texporttable_(I)/abbrev``, ``Texportmemory_(I)/abbrev``,
        ``Texportglobal_(I)/abbrev``, ``Texporttag_(I)/abbrev`` · ``text-func-abbrev`` and kin:
        ``(export "n")*`` after a definition's identifier."""
        while is_list(cur.peek(), "export"):
            item = as_list(cur.next())
            ecur = Cursor(item.items, 1)
            name = name_text(ecur.next())
            ecur.expect_end()
            self.exports.append(Export(name, ExternIdx(kind, index)))

    def inline_import(self, cur: Cursor) -> tuple[str, str] | None:
        """``(import "m" "n")`` inside a definition."""
        if not is_list(cur.peek(), "import"):
            return None
        item = as_list(cur.next())
        icur = Cursor(item.items, 1)
        names = (name_text(icur.next()), name_text(icur.next()))
        icur.expect_end()
        return names

    def func(self, item: SList, cur: Cursor) -> None:
        """``Tfunc_(I)`` · ``text-func``, ``text-func-abbrev``."""
        cur.take_id()
        index = self.index_of(item)
        self.inline_exports(cur, ExternKind.FUNC, index)
        imported = self.inline_import(cur)
        use = self.typeuse(cur)
        typeidx = self.resolve_typeuse(use)
        if imported is not None:
            cur.expect_end()
            self.imports.append(Import(imported[0], imported[1], ExternFunc(TypeIdx(typeidx))))
            return
        locals_ids: dict[str, int] = {}
        param_count = self.param_count(use, typeidx)
        for i, pid in enumerate(use.param_ids):
            if pid is not None:
                if pid in locals_ids:
                    raise fail("duplicate local")
                locals_ids[pid] = i
        local_types: list[ValType] = []
        while is_list(cur.peek(), "local"):
            item = as_list(cur.next())
            lcur = Cursor(item.items, 1)
            lid = lcur.take_id()
            if lid is not None:
                if lid in locals_ids:
                    raise fail("duplicate local")
                if param_count is None:
                    raise fail(UNKNOWN_TYPE)
                locals_ids[lid] = param_count + len(local_types)
                local_types.append(self.valtype(lcur.next()))
                lcur.expect_end()
            else:
                while not lcur.at_end():
                    local_types.append(self.valtype(lcur.next()))
        body = InstrParser(self, locals_ids).parse_body(cur.items, cur.pos)
        self.funcs.append(Func(typeidx, tuple(local_types), body))

    def param_count(self, use: TypeUse, typeidx: int) -> int | None:
        """The number of parameters a function's locals are numbered after."""
        if use.index is None or use.explicit_sig:
            return len(use.params)
        ft = self.functypes[typeidx] if typeidx < len(self.functypes) else None
        return None if ft is None else len(ft.params)

    def index_of(self, item: SList) -> int:
        """The index pass 1 gave the definition ``item``."""
        return self.field_index[id(item)]

    def table(self, item: SList, cur: Cursor) -> None:
        """``Ttable_(I)`` · ``text-table``, ``text-table-abbrev``."""
        cur.take_id()
        index = self.index_of(item)
        self.inline_exports(cur, ExternKind.TABLE, index)
        imported = self.inline_import(cur)
        if imported is not None:
            tt = self.tabletype(cur)
            cur.expect_end()
            self.imports.append(Import(imported[0], imported[1], ExternTable(tt)))
            return
        # ``(table reftype (elem ...))``: limits from the number of elements.
        addrtype = self.addrtype(cur)
        reftype_item = cur.peek()
        if reftype_item is not None and not isinstance(reftype_item, Str) and self.is_reftype(
                reftype_item) and is_list(cur.items[cur.pos + 1] if cur.pos + 1 < len(
                    cur.items) else None, "elem"):
            reftype = self.reftype(cur.next())
            elem_item = cur.next()
            cur.expect_end()
            elem_item = as_list(elem_item)
            ecur = Cursor(elem_item.items, 1)
            # The segment has the type its element list names, else the table's
            # (``Telemtable_(I)/abbrev``; ``(table (ref null $t) (elem $f))`` is valid).
            nxt = ecur.peek()
            elem_type = reftype
            if nxt is not None and self.is_reftype(nxt):
                elem_type = self.reftype(nxt)
            inits = self.elem_inits(ecur, reftype, allow_bare_funcs=True)
            n = len(inits)
            self.tables.append(Table(TableType(addrtype, Limits(n, n), reftype)))
            offset: Expr = (Const(NumType(addrtype.value), 0),)
            self.elems.append(Elem(elem_type, inits, Active(index, offset)))
            return
        limits = self.limits(cur, addrtype)
        tabletype = TableType(addrtype, limits, self.reftype(cur.next()))
        if cur.at_end() or not self.features.function_references:
            cur.expect_end()
            self.tables.append(Table(tabletype))
            return
        # ``Ttable_(I)``: the initialiser expression (3.0, typed function references).
        init = InstrParser(self, {}).parse_body(cur.items, cur.pos)
        self.tables.append(Table(tabletype, init))

    def memory(self, item: SList, cur: Cursor) -> None:
        """``Tmem_(I)`` · ``text-mem``, ``text-mem-abbrev``."""
        cur.take_id()
        index = self.index_of(item)
        self.inline_exports(cur, ExternKind.MEM, index)
        imported = self.inline_import(cur)
        if imported is not None:
            mt = self.memtype(cur)
            cur.expect_end()
            self.imports.append(Import(imported[0], imported[1], ExternMem(mt)))
            return
        addrtype = self.addrtype(cur)
        if is_list(cur.peek(), "data"):
            item = as_list(cur.next())
            cur.expect_end()
            data = b"".join(string_bytes(s) for s in item.items[1:])
            pages = -(-len(data) // 65536)
            self.mems.append(Mem(MemType(addrtype, Limits(pages, pages))))
            offset: Expr = (Const(NumType(addrtype.value), 0),)
            self.datas.append(Data(data, Active(index, offset)))
            return
        limits = self.limits(cur, addrtype)
        cur.expect_end()
        self.mems.append(Mem(MemType(addrtype, limits)))

    def global_(self, item: SList, cur: Cursor) -> None:
        """``Tglobal_(I)`` · ``text-global``, ``text-global-abbrev``."""
        cur.take_id()
        index = self.index_of(item)
        self.inline_exports(cur, ExternKind.GLOBAL, index)
        imported = self.inline_import(cur)
        gt = self.globaltype(cur.next())
        if imported is not None:
            cur.expect_end()
            self.imports.append(Import(imported[0], imported[1], ExternGlobal(gt)))
            return
        init = InstrParser(self, {}).parse_body(cur.items, cur.pos)
        self.globals.append(Global(gt, init))

    def tag(self, item: SList, cur: Cursor) -> None:
        """``Ttag_(I)`` and its abbreviations (3.0): ``(tag id? (export n)* (import m n)?
        typeuse)``."""
        cur.take_id()
        index = self.index_of(item)
        self.inline_exports(cur, ExternKind.TAG, index)
        imported = self.inline_import(cur)
        jt = self.tagtype(cur)
        cur.expect_end()
        if imported is not None:
            self.imports.append(Import(imported[0], imported[1], ExternTag(jt)))
            return
        self.tags.append(Tag(jt))

    def tagtype(self, cur: Cursor) -> TagType:
        """``Ttagtype_(I)``: a type use (3.0)."""
        use = self.typeuse(cur)
        if any(pid is not None for pid in use.param_ids) and not use.params:
            raise fail(UNEXPECTED_TOKEN)
        return TagType(TypeIdx(self.resolve_typeuse(use)))

    def export(self, cur: Cursor) -> None:
        """``Texport_(I)`` · ``text-export``: ``(export "n" (kind x))``."""
        name = name_text(cur.next())
        desc = cur.next()
        cur.expect_end()
        if not isinstance(desc, SList) or desc.head() not in _EXPORT_KINDS:
            raise fail(UNEXPECTED_TOKEN)
        kind, space = _EXPORT_KINDS[desc.head() or ""]
        dcur = Cursor(desc.items, 1)
        index = self.resolve(space, dcur.next())
        dcur.expect_end()
        self.exports.append(Export(name, ExternIdx(kind, index)))

    def start_(self, cur: Cursor) -> None:
        """``Tstart_(I)`` · ``text-start``"""
        if self.start is not None:
            raise fail(MULTIPLE_START)
        self.start = Start(self.resolve(FUNC, cur.next()))
        cur.expect_end()

    def elem(self, cur: Cursor) -> None:
        """``Telem_(I)`` · ``text-elem`` and its abbreviations."""
        if self.features.bulk_memory:
            cur.take_id()
        mode: ElemMode
        item = cur.peek()
        if isinstance(item, Atom) and item.text == "declare":
            cur.next()
            mode = DECLARE
        elif is_list(item, "table") or is_list(item, "offset") or (
                isinstance(item, SList) and not self.is_elemlist_start(item)):
            table = 0
            if is_list(item, "table"):
                item = as_list(item)
                tcur = Cursor(item.items, 1)
                table = self.resolve(TABLE, tcur.next())
                tcur.expect_end()
                cur.next()
            mode = Active(table, self.offset(cur.next()))
        elif _is_index_atom(item) and isinstance(
                cur.items[cur.pos + 1] if cur.pos + 1 < len(cur.items) else None, SList):
            # 1.0's ``(elem x (offset ...) ...)`` with a bare table index.
            table = self.resolve(TABLE, cur.next())
            mode = Active(table, self.offset(cur.next()))
        else:
            mode = PASSIVE
        bare_ok = isinstance(mode, Active)
        reftype = self.funcs_reftype()
        nxt = cur.peek()
        if nxt is not None and not (isinstance(nxt, Atom) and nxt.text == "func") and (
                self.is_reftype(nxt)):
            reftype = self.reftype(cur.next())
            inits = self.elem_exprs(cur)
        else:
            inits = self.elem_inits(cur, reftype, allow_bare_funcs=bare_ok)
        self.elems.append(Elem(reftype, inits, mode))

    def funcs_reftype(self) -> RefType:
        """The type of a ``func x*`` element list (``Telemlist_(I)/abbrev``): ``funcref`` in
        2.0, ``(ref func)`` in 3.0 (typed function references)."""
        return RefType(not self.features.function_references, AbsHeapType.FUNC)

    def is_elemlist_start(self, item: SList) -> bool:
        """Whether a list after ``(elem`` is already the element list (``(ref null func)``...)."""
        return item.head() in ("ref", "item")

    def elem_inits(self, cur: Cursor, reftype: RefType, *, allow_bare_funcs: bool
                   ) -> tuple[Expr, ...]:
        """``Telemlist_(I)`` · ``text-elemlist``: ``func funcidx*`` (or, after an offset, bare
        ``funcidx*``) or ``reftype elemexpr*``."""
        item = cur.peek()
        if isinstance(item, Atom) and item.text == "func":
            cur.next()
        elif item is not None and self.is_reftype(item):
            self.reftype(cur.next())
            return self.elem_exprs(cur)
        elif isinstance(item, SList):
            return self.elem_exprs(cur)
        elif not allow_bare_funcs and item is not None:
            raise unexpected_item(item)
        inits: list[Expr] = []
        while not cur.at_end():
            inits.append((RefFunc(self.resolve(FUNC, cur.next())),))
        return tuple(inits)

    def elem_exprs(self, cur: Cursor) -> tuple[Expr, ...]:
        """``Telemexpr_(I)`` · ``text-elemexpr``: ``(item expr)`` or one folded instruction."""
        inits: list[Expr] = []
        while not cur.at_end():
            item = cur.next()
            if not isinstance(item, SList):
                raise unexpected_item(item)
            if item.head() == "item":
                inits.append(InstrParser(self, {}).parse_body(item.items, 1))
            else:
                inits.append(InstrParser(self, {}).parse_body([item], 0))
        return tuple(inits)

    def offset(self, item: SExpr) -> Expr:
        """``(offset expr)`` or its abbreviation, one folded instruction."""
        if not isinstance(item, SList):
            raise unexpected_item(item)
        if item.head() == "offset":
            return InstrParser(self, {}).parse_body(item.items, 1)
        return InstrParser(self, {}).parse_body([item], 0)

    def data(self, cur: Cursor) -> None:
        """``Tdata_(I)`` · ``text-data`` and its abbreviations."""
        if self.features.bulk_memory:
            cur.take_id()
        item = cur.peek()
        mode: Active | None = None
        if is_list(item, "memory"):
            item = as_list(item)
            mcur = Cursor(item.items, 1)
            mem = self.resolve(MEMORY, mcur.next())
            mcur.expect_end()
            cur.next()
            mode = Active(mem, self.offset(cur.next()))
        elif isinstance(item, SList):
            mode = Active(0, self.offset(cur.next()))
        elif isinstance(item, Atom):
            if not _is_index_atom(item):
                raise unexpected_item(item)
            # 1.0's ``(data x (offset ...) ...)`` with a bare memory index.
            mem = self.resolve(MEMORY, cur.next())
            mode = Active(mem, self.offset(cur.next()))
        data = b"".join(string_bytes(s) for s in cur.items[cur.pos:])
        self.datas.append(Data(data, PASSIVE if mode is None else mode))

    # ---- types ----

    def valtype(self, item: SExpr | None) -> ValType:
        """``Tvaltype_(I)`` · ``text-valtype``"""
        if isinstance(item, Atom):
            text = item.text
            if text in _NUMTYPES:
                return _NUMTYPES[text]
            if text == "v128" and self.features.simd:
                return VecType.V128
        if item is not None and self.is_reftype(item):
            return self.reftype(item)
        if isinstance(item, Atom):
            raise unexpected_item(item)
        raise fail(UNEXPECTED_TOKEN)

    def enabled(self, feature: str | None) -> bool:
        """Whether the proposal ``feature`` (a ``Features`` flag, None for 1.0) is on."""
        return feature is None or bool(getattr(self.features, feature))

    def is_reftype(self, item: SExpr) -> bool:
        """``Treftype_(I)`` · ``text-reftype``: whether ``item`` is a reference type: a shorthand
        keyword the features enable, or (typed function references) a ``(ref ...)`` list."""
        if isinstance(item, Atom):
            entry = typewords.REFTYPE_SHORTHANDS.get(item.text)
            return entry is not None and self.enabled(entry[0])
        return self.features.function_references and is_list(item, "ref")

    def reftype(self, item: SExpr | None) -> RefType:
        """``Treftype_(I)``: ``(ref null? heaptype)`` or a shorthand (``funcref`` ...)."""
        if item is not None and self.is_reftype(item):
            if isinstance(item, Atom):
                return RefType(True, typewords.REFTYPE_SHORTHANDS[item.text][1])
            cur = Cursor(as_list(item).items, 1)
            nxt = cur.peek()
            null = isinstance(nxt, Atom) and nxt.text == "null"
            if null:
                cur.next()
            ht = self.heaptype(cur.next())
            cur.expect_end()
            return RefType(null, ht)
        if isinstance(item, Atom) and item.text == "anyfunc":
            raise fail(f"{UNKNOWN_OPERATOR} anyfunc")
        raise fail(UNEXPECTED_TOKEN)

    def heaptype(self, item: SExpr | None) -> HeapType:
        """``Theaptype_(I)``: an abstract heap type keyword, or (typed function references)
        a type index."""
        if isinstance(item, Atom):
            entry = typewords.ABS_HEAPTYPES.get(item.text)
            if entry is not None and self.enabled(entry[0]):
                return entry[1]
            if self.features.function_references and _is_index_atom(item):
                return TypeIdx(self.resolve(TYPE, item))
        raise fail(UNEXPECTED_TOKEN)

    def functype(self, cur: Cursor) -> FuncType:
        """``Tcomptype_(I)`` · ``text-functype``: ``(param ...)* (result ...)*``, ids allowed and
        ignored."""
        params, results, _ = self.signature(cur)
        if is_list(cur.peek(), "param") and self.features == _WASM_1_0:
            raise fail(RESULT_BEFORE_PARAMETER)  # the 1.0 suite's word for type definitions
        cur.expect_end()
        return FuncType(tuple(params), tuple(results))

    def signature(self, cur: Cursor) -> tuple[list[ValType], list[ValType], list[str | None]]:
        """``Tparam_(I)``, ``Tresult_(I)`` · ``text-param``* ``text-result``*: the types and the
        parameter identifiers."""
        params: list[ValType] = []
        ids: list[str | None] = []
        results: list[ValType] = []
        while is_list(cur.peek(), "param"):
            item = as_list(cur.next())
            pcur = Cursor(item.items, 1)
            pid = pcur.take_id()
            if pid is not None:
                params.append(self.valtype(pcur.next()))
                ids.append(pid)
                pcur.expect_end()
            else:
                while not pcur.at_end():
                    params.append(self.valtype(pcur.next()))
                    ids.append(None)
        while is_list(cur.peek(), "result"):
            item = as_list(cur.next())
            for t in item.items[1:]:
                results.append(self.valtype(t))
        return params, results, ids

    def typeuse(self, cur: Cursor) -> TypeUse:
        """``Ttypeuse_(I)`` · ``text-typeuse``: ``(type x)? (param ...)* (result ...)*``."""
        index: int | None = None
        if is_list(cur.peek(), "type"):
            item = as_list(cur.next())
            tcur = Cursor(item.items, 1)
            index = self.resolve(TYPE, tcur.next())
            tcur.expect_end()
        start = cur.pos
        params, results, ids = self.signature(cur)
        if is_list(cur.peek(), "type", "param"):
            raise fail(UNEXPECTED_TOKEN)  # out of order: (type) (param)* (result)*
        return TypeUse(index, params, results, ids, cur.pos > start)

    def resolve_typeuse(self, use: TypeUse) -> int:
        """``Ttypeuse_(I)/base``, ``Ttypeuse_(I)/abbrev`` · ``text-typeuse-abbrev``: the type index
        a type use denotes (maybe a new type)."""
        ft = FuncType(tuple(use.params), tuple(use.results))
        if use.index is not None:
            if use.explicit_sig:
                actual = self.functypes[use.index] if use.index < len(self.functypes) else None
                if actual is None:
                    raise fail(UNKNOWN_TYPE)
                if actual != ft:
                    raise fail(INLINE_FUNCTION_TYPE)
            return use.index
        return self.find_or_add_type(ft)

    def find_or_add_type(self, ft: FuncType) -> int:
        """The first type index holding ``ft``, appending an implicit type if there is none."""
        index = self.type_index_of.get(ft)
        if index is None:
            index = len(self.functypes)  # a type index counts sub types, not rec groups
            self.types.append(Type(plain_functype(ft)))
            self.functypes.append(ft)
            self.type_index_of[ft] = index
        return index


    def addrtype(self, cur: Cursor) -> AddrType:
        """``addrtype?`` before limits (memory64); defaults to i32."""
        item = cur.peek()
        if self.features.memory64 and isinstance(item, Atom) and item.text in ("i32", "i64"):
            cur.next()
            return AddrType(item.text)
        return AddrType.I32

    def limits(self, cur: Cursor, addrtype: AddrType) -> Limits:
        """``text-limits``: ``n m?`` (3.0 ``Tlimits``: ``u64`` bounds whatever the address
        type; validation bounds them by it: ``memory size``, ``table size``)."""
        bits = 64 if self.features.memory64 else addrtype.bits
        minimum = self.limit_value(cur.next(), bits)
        item = cur.peek()
        maximum = None
        if isinstance(item, Atom) and parse_nat(item.text) is not None:
            maximum = self.limit_value(cur.next(), bits)
        return Limits(minimum, maximum)

    @staticmethod
    def limit_value(item: SExpr, bits: int) -> int:
        """A bound of ``Tlimits`` · ``text-limits``: a ``u32`` (a ``u64`` under memory64)."""
        text = atom_text(item)
        value = parse_nat(text)
        if value is None:
            raise unexpected_item(item)
        if value >= 1 << bits:
            raise fail(f"i{bits} constant out of range")
        return value

    def tabletype(self, cur: Cursor) -> TableType:
        """``Ttabletype_(I)`` · ``text-tabletype``: ``limits reftype``."""
        addrtype = self.addrtype(cur)
        limits = self.limits(cur, addrtype)
        return TableType(addrtype, limits, self.reftype(cur.next()))

    def memtype(self, cur: Cursor) -> MemType:
        """``Tmemtype_(I)`` · ``text-memtype``: ``limits``."""
        addrtype = self.addrtype(cur)
        return MemType(addrtype, self.limits(cur, addrtype))

    def globaltype(self, item: SExpr) -> GlobalType:
        """``Tglobaltype_(I)`` · ``text-globaltype``: ``valtype`` or ``(mut valtype)``."""
        if is_list(item, "mut"):
            item = as_list(item)
            mcur = Cursor(item.items, 1)
            vt = self.valtype(mcur.next())
            mcur.expect_end()
            return GlobalType(Mut.VAR, vt)
        return GlobalType(Mut.CONST, self.valtype(item))


_WASM_1_0 = Features.for_version("1.0")
RESULT_BEFORE_PARAMETER = "result before parameter"
_IMPORT_SPACES = {"func": FUNC, "table": TABLE, "memory": MEMORY, "global": GLOBAL}
_DEFINITION_SPACES = {"func": FUNC, "table": TABLE, "memory": MEMORY, "global": GLOBAL}
_KIND_WORD = {"func": "function", "table": "table", "memory": "memory", "global": "global"}
_EXPORT_KINDS = {
    "func": (ExternKind.FUNC, FUNC),
    "table": (ExternKind.TABLE, TABLE),
    "memory": (ExternKind.MEM, MEMORY),
    "global": (ExternKind.GLOBAL, GLOBAL),
}
# Tags (3.0): the parser admits them only with exceptions (``bind_all``).
_IMPORT_SPACES["tag"] = _DEFINITION_SPACES["tag"] = TAG
_KIND_WORD["tag"] = "tag"
_EXPORT_KINDS["tag"] = (ExternKind.TAG, TAG)


# -- Instructions (text-instr, text-foldedinstr) ------------------------------------------------


@dataclass(slots=True)
class Frame:
    """An open structured instruction: ``block``, ``loop`` or ``if`` (or the function body)."""

    kind: str
    label: str | None
    blocktype: BlockType
    folded: bool
    body: list[Instr] = field(default_factory=list)
    then: list[Instr] | None = None  # the then-branch once ``else`` was seen
    catches: tuple[CatchClause, ...] = ()  # a ``try_table``'s (3.0)


class _Marker(enum.Enum):
    """Tasks of the unfolding stack besides instructions to emit, cursors and frames."""

    ELSE = "else"
    CLOSE = "close"


_ELSE, _CLOSE = _Marker.ELSE, _Marker.CLOSE

# A task of the unfolding stack: parse the rest of a sequence (Cursor), open a block (Frame),
# switch to the else branch, close a folded block, or emit an instruction.
Task = Cursor | Frame | _Marker | Instr


TRY_TABLE = "try_table"
_CATCH_KEYWORDS = ("catch", "catch_ref", "catch_all", "catch_all_ref")


class InstrParser:
    """``text-instr``: plain and folded instructions of one body, with its label context."""

    def __init__(self, module: ModuleParser, locals_ids: dict[str, int]) -> None:
        self.m = module
        self.features = module.features
        self.locals_ids = locals_ids
        self.frames: list[Frame] = []

    def parse_body(self, items: list[SExpr], start: int) -> Expr:
        """``Texpr_(I)`` · ``text-expr``: the instructions of ``items[start:]`` as one expression.
        """
        root = Frame("func", None, None, True)
        self.frames = [root]
        tasks: list[Task] = [Cursor(items, start)]
        while tasks:
            task = tasks.pop()
            if isinstance(task, Cursor):
                try:
                    self.steps(task, tasks)
                except MalformedError as error:
                    locate(error, text_pos=item_pos(task.items, task.pos - 1))  # last token read
                    raise
            elif isinstance(task, Frame):
                self.frames.append(task)
            elif task is _ELSE:
                frame = self.frames[-1]
                frame.then, frame.body = frame.body, []
            elif task is _CLOSE:
                self.close_folded()
            elif not isinstance(task, _Marker):
                self.frames[-1].body.append(task)
        if len(self.frames) != 1:
            raise fail(UNEXPECTED_TOKEN)  # a plain block without ``end``
        return tuple(root.body)

    def steps(self, cur: Cursor, tasks: list[Task]) -> None:
        """Parse the instructions of ``cur`` up to its end, or up to a folded instruction: that
        one schedules its parts, and ``cur`` waits under them for its turn."""
        n = len(tasks)
        items = cur.items
        while cur.pos < len(items):
            self.step(cur, tasks)
            if len(tasks) != n:
                tasks.insert(n, cur)
                return

    def close_folded(self) -> None:
        """The end of a folded ``(block ...)``, ``(loop ...)`` or ``(if ...)``."""
        frame = self.frames[-1]
        if not frame.folded or len(self.frames) == 1:
            raise fail(UNEXPECTED_TOKEN)  # a plain block left open inside a folded one
        self.frames.pop()
        self.frames[-1].body.append(self.finish(frame))

    @staticmethod
    def finish(frame: Frame) -> Instr:
        """``Tblockinstr_(I)``, ``Tfoldedinstr_(I)/block`` · ``text-block``, ``text-loop``,
        ``text-if``: the instruction of a closed frame."""
        body = tuple(frame.body)
        if frame.kind == TRY_TABLE:
            return TryTable(frame.blocktype, frame.catches, body)
        if frame.kind == "block":
            return Block(frame.blocktype, body)
        if frame.kind == "loop":
            return Loop(frame.blocktype, body)
        if frame.then is None:
            return If(frame.blocktype, body, ())
        return If(frame.blocktype, tuple(frame.then), body)

    def step(self, cur: Cursor, tasks: list[Task]) -> None:
        """Parse the next plain instruction of ``cur``, or schedule a folded one."""
        item = cur.next()
        if isinstance(item, SList):
            self.folded(item, tasks)
            return
        if not isinstance(item, Atom):
            raise fail(UNEXPECTED_TOKEN)
        keyword = item.text
        if keyword in ("block", "loop", "if"):
            label = cur.take_id()
            bt = self.blocktype(cur)
            self.frames.append(Frame(keyword, label, bt, False))
        elif keyword == TRY_TABLE:
            self.frames.append(self.try_table(cur, folded=False))
        elif keyword == "else":
            frame = self.frames[-1]
            if frame.kind != "if" or frame.folded or frame.then is not None:
                raise fail(UNEXPECTED_TOKEN)
            self.check_end_label(cur, frame)
            frame.then, frame.body = frame.body, []
        elif keyword == "end":
            frame = self.frames[-1]
            if frame.folded:
                raise fail(UNEXPECTED_TOKEN)
            self.check_end_label(cur, frame)
            self.frames.pop()
            self.frames[-1].body.append(self.finish(frame))
        else:
            self.frames[-1].body.append(self.plain(keyword, cur))

    def check_end_label(self, cur: Cursor, frame: Frame) -> None:
        """``Tlabel_(I)`` · ``text-label``: ``end $l``/``else $l`` must repeat the block's label."""
        label = cur.take_id()
        if label is not None and label != frame.label:
            raise fail(MISMATCHING_LABEL)

    def folded(self, item: SList, tasks: list[Task]) -> None:
        """``Tinstrs_(I)/folded``, ``Tfoldedinstr_(I)`` · ``text-foldedinstr``: schedule the parts
        of a folded instruction."""
        keyword = item.head()
        if keyword is None:
            raise unexpected_item(item.items[0]) if item.items else fail(UNEXPECTED_TOKEN)
        cur = Cursor(item.items, 1)
        if keyword in ("block", "loop"):
            label = cur.take_id()
            bt = self.blocktype(cur)
            tasks.append(_CLOSE)
            tasks.append(cur)
            tasks.append(Frame(keyword, label, bt, True))
        elif keyword == "if":
            label = cur.take_id()
            bt = self.blocktype(cur)
            condition: list[SExpr] = []
            while not cur.at_end() and not is_list(cur.peek(), "then"):
                nxt = cur.next()
                if not isinstance(nxt, SList):
                    raise unexpected_item(nxt)
                condition.append(nxt)
            then_item = cur.next()
            then_item = as_list(then_item)
            else_item = cur.peek()
            if else_item is not None:
                if not is_list(else_item, "else"):
                    raise unexpected_item(else_item)
                cur.next()
                cur.expect_end()
            tasks.append(_CLOSE)
            if isinstance(else_item, SList):
                tasks.append(Cursor(else_item.items, 1))
                tasks.append(_ELSE)
            tasks.append(Cursor(then_item.items, 1))
            tasks.append(Frame("if", label, bt, True))
            tasks.append(Cursor(condition))
        elif keyword == TRY_TABLE:
            frame = self.try_table(cur, folded=True)
            tasks.append(_CLOSE)
            tasks.append(cur)
            tasks.append(frame)
        elif keyword in ("then", "else", "end"):
            raise fail(UNEXPECTED_TOKEN)
        else:
            instr = self.plain(keyword, cur)
            tasks.append(instr)
            operands = cur.items[cur.pos:]
            for operand in operands:
                if not isinstance(operand, SList):
                    raise unexpected_item(operand)
            tasks.append(Cursor(operands))

    def try_table(self, cur: Cursor, *, folded: bool) -> Frame:
        """The head of ``try_table`` (3.0): label, block type and catch clauses, the clauses'
        labels resolved outside the ``try_table`` (``Tcatch_(I)``, not ``I'``)."""
        if not self.features.exceptions:
            raise fail(f"{UNKNOWN_OPERATOR} {TRY_TABLE}")
        label = cur.take_id()
        bt = self.blocktype(cur)
        catches: list[CatchClause] = []
        while is_list(cur.peek(), *_CATCH_KEYWORDS):
            catches.append(self.catch(as_list(cur.next())))
        return Frame(TRY_TABLE, label, bt, folded, catches=tuple(catches))

    def catch(self, item: SList) -> CatchClause:
        """``Tcatch_(I)``: ``(catch x l)``, ``(catch_ref x l)``, ``(catch_all l)``,
        ``(catch_all_ref l)``."""
        head = item.head()
        cur = Cursor(item.items, 1)
        clause: CatchClause
        if head in ("catch", "catch_ref"):
            x = self.m.resolve(TAG, cur.next())
            clause = Catch(x, self.label(cur)) if head == "catch" else CatchRef(x, self.label(cur))
        else:
            l = self.label(cur)  # noqa: E741 -- the spec's name for a label index
            clause = CatchAll(l) if head == "catch_all" else CatchAllRef(l)
        cur.expect_end()
        return clause

    def blocktype(self, cur: Cursor) -> BlockType:
        """``Tblocktype_(I)`` · ``text-blocktype``: a type use; ``(result t)?`` alone is the value
        type form."""
        nxt = cur.peek()
        if not (isinstance(nxt, SList) and nxt.head() in _TYPEUSE_HEADS):
            return None  # no type use at all: the common case, kept cheap
        use = self.m.typeuse(cur)
        if any(pid is not None for pid in use.param_ids):
            raise fail(UNEXPECTED_TOKEN)  # block parameters bind no identifiers
        if use.index is None and not use.params and len(use.results) <= 1:
            return use.results[0] if use.results else None
        if use.index is None and not self.features.multi_value:
            raise fail(UNEXPECTED_TOKEN)
        return TypeIdx(self.m.resolve_typeuse(use))

    # ---- plain instructions ----

    def plain(self, keyword: str, cur: Cursor) -> Instr:
        """``Tplaininstr_(I)`` · ``text-plaininstr``: a keyword and its immediates."""
        feature = mnemonics.FEATURE_OF.get(keyword)
        if feature is not None and not getattr(self.features, feature):
            raise fail(f"{UNKNOWN_OPERATOR} {keyword}")
        instr = mnemonics.PLAIN.get(keyword)
        if instr is not None:
            return instr
        handler = _HANDLERS.get(keyword)
        if handler is not None:
            return handler(self, keyword, cur)
        if keyword in mnemonics.MEMORY_OPS:
            op = mnemonics.MEMORY_OPS[keyword]
            x = self.optional_memidx(cur)
            return op.make(x, self.memarg(cur, op.natural_align))
        if keyword in mnemonics.LANE_MEMORY_OPS:
            lane_op = mnemonics.LANE_MEMORY_OPS[keyword]
            x = self.lane_memidx(cur)
            memarg = self.memarg(cur, lane_op.natural_align)
            return lane_op.make(x, memarg, self.lane_index(cur.next()))
        if keyword in _STRUCTURAL_KEYWORDS:
            raise fail(UNEXPECTED_TOKEN)
        raise fail(f"{UNKNOWN_OPERATOR} {keyword}")

    def index(self, space: str, cur: Cursor) -> int:
        """``Tlocalidx_(I)`` · ``text-index`` of ``space``: locals are resolved in the function's
        context, the other spaces by ``ModuleParser.resolve``."""
        if space == LOCAL:
            item = cur.next()
            if is_id(item):
                item = as_atom(item)
                if item.text not in self.locals_ids:
                    raise fail(f"unknown local {item.text}")
                return self.locals_ids[item.text]
            return parse_u32(item)
        return self.m.resolve(space, cur.next())

    def optional_index(self, space: str, cur: Cursor) -> int | None:
        """An index that may be left out (``table.get`` defaults to table 0)."""
        item = cur.peek()
        if isinstance(item, Atom) and (item.text.startswith("$") or parse_nat(item.text)
                                       is not None):
            return self.index(space, cur)
        return None

    def optional_memidx(self, cur: Cursor) -> int:
        """``Tmemidx_(I)`` before a memarg or as a lone immediate, 0 when left out (3.0
        ``Tplaininstr_(I)/memory/abbrev``); without multiple memories there is none to give."""
        if not self.features.multi_memory:
            return 0
        return self.optional_index(MEMORY, cur) or 0

    def lane_memidx(self, cur: Cursor) -> int:
        """The ``Tmemidx_(I)`` of ``v128.loadN_lane``/``v128.storeN_lane``: a lone number is
        the lane index, so a number is a memory index only if a memarg or lane follows."""
        if not self.features.multi_memory:
            return 0
        first = cur.peek()
        second = cur.items[cur.pos + 1] if cur.pos + 1 < len(cur.items) else None
        if is_id(first) or (_is_index_atom(first) and (
                _is_index_atom(second) or _is_memarg_field(second))):
            return self.index(MEMORY, cur)
        return 0

    def label(self, cur: Cursor) -> int:
        """``Tlabelidx_(I)`` · ``text-labelidx``: a depth, or the innermost label with that
        identifier. """
        item = cur.next()
        if is_id(item):
            item = as_atom(item)
            for depth, frame in enumerate(reversed(self.frames[1:])):
                if frame.label == item.text:
                    return depth
            raise fail(f"{UNKNOWN_LABEL} {item.text}")
        return parse_u32(item)

    def memarg(self, cur: Cursor, natural: int) -> MemArg:
        """``Tmemarg_(N)`` · ``text-memarg``: ``offset=n? align=n?``; the alignment is stored as an
        exponent."""
        offset = 0
        align = natural
        item = cur.peek()
        if isinstance(item, Atom) and item.text.startswith("offset="):
            cur.next()
            value = parse_nat(item.text[7:])
            if value is None:
                raise fail(f"{UNKNOWN_OPERATOR} {item.text}")
            if value >= 1 << 32 and not self.features.memory64:
                raise fail(U32_OUT_OF_RANGE)
            if value >= 1 << 64:  # ``Toffset``: a ``u64``
                raise fail(U64_OUT_OF_RANGE)
            offset = value
            item = cur.peek()
        if isinstance(item, Atom) and item.text.startswith("align="):
            cur.next()
            value = parse_nat(item.text[6:])
            if value is None:
                raise fail(f"{UNKNOWN_OPERATOR} {item.text}")
            if value == 0 or value & (value - 1):
                raise fail(f"{ALIGNMENT} must be a power of two")
            align = value.bit_length() - 1
        return MemArg(align, offset)

    def lane_index(self, item: SExpr | None) -> int:
        """``laneidx``: a ``u8``; any other number is a malformed lane index."""
        if not isinstance(item, Atom):
            raise fail(UNEXPECTED_TOKEN)
        value = parse_nat(item.text)
        if value is None:
            raise unexpected_item(item)
        if value > 255:
            raise fail(MALFORMED_LANE_INDEX)
        return value


def _h_br(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/br`` · ``text-br``, ``text-br_if``: ``br l``, ``br_if l``."""
    return Br(p.label(cur)) if keyword == "br" else BrIf(p.label(cur))


def _h_br_table(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/br`` · ``text-br_table``: ``br_table l* l_N``."""
    labels = [p.label(cur)]
    while isinstance(cur.peek(), Atom) and _is_index_atom(cur.peek()):
        labels.append(p.label(cur))
    return BrTable(tuple(labels[:-1]), labels[-1])


def _is_index_atom(item: SExpr | None) -> bool:
    return is_id(item) or (isinstance(item, Atom) and parse_nat(item.text) is not None)


def _is_memarg_field(item: SExpr | None) -> bool:
    return isinstance(item, Atom) and item.text.startswith(("offset=", "align="))


def _h_call(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/func`` · ``text-call``: ``call x``."""
    return Call(p.index(FUNC, cur))


def _h_call_indirect(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/func`` · ``text-call_indirect``: ``call_indirect x? typeuse`` (table 0
    by default); the same for ``return_call_indirect`` (3.0)."""
    table = p.optional_index(TABLE, cur)
    use = p.m.typeuse(cur)
    if any(pid is not None for pid in use.param_ids):
        raise fail(UNEXPECTED_TOKEN)  # call_indirect's params bind no identifiers
    if keyword == "return_call_indirect":
        return ReturnCallIndirect(table or 0, TypeIdx(p.m.resolve_typeuse(use)))
    return CallIndirect(table or 0, TypeIdx(p.m.resolve_typeuse(use)))


def _h_typed_ref(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/func`` and ``Tplaininstr_(I)/br`` of 3.0 (tail calls, typed function
    references): ``return_call x``,
    ``call_ref x``, ``return_call_ref x`` (a type index), ``br_on_null l``,
    ``br_on_non_null l``."""
    match keyword:
        case "return_call":
            return ReturnCall(p.index(FUNC, cur))
        case "call_ref":
            return CallRef(TypeIdx(p.index(TYPE, cur)))
        case "return_call_ref":
            return ReturnCallRef(TypeIdx(p.index(TYPE, cur)))
        case "br_on_null":
            return BrOnNull(p.label(cur))
        case _:
            return BrOnNonNull(p.label(cur))


def _h_var(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/local``, ``Tplaininstr_(I)/global`` · ``text-instr-variable``:
    ``local.get x`` and kin."""
    match keyword:
        case "local.get":
            return LocalGet(p.index(LOCAL, cur))
        case "local.set":
            return LocalSet(p.index(LOCAL, cur))
        case "local.tee":
            return LocalTee(p.index(LOCAL, cur))
        case "global.get":
            return GlobalGet(p.index(GLOBAL, cur))
        case _:
            return GlobalSet(p.index(GLOBAL, cur))


_TABLE_OPS: dict[str, Callable[[int], Instr]] = {
    "table.get": TableGet, "table.set": TableSet, "table.size": TableSize,
    "table.grow": TableGrow, "table.fill": TableFill,
}


def _h_table(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/table``, ``Tplaininstr_(I)/elem`` · ``text-instr-table``: table
    indices default to 0 (``text-table.init`` takes 1 or 2)."""
    if keyword in _TABLE_OPS:
        return _TABLE_OPS[keyword](p.optional_index(TABLE, cur) or 0)
    if keyword == "table.copy":
        dst = p.optional_index(TABLE, cur)
        if dst is None:
            return TableCopy(0, 0)
        return TableCopy(dst, p.index(TABLE, cur))
    if keyword == "table.init":
        first = cur.peek()
        second = cur.items[cur.pos + 1] if cur.pos + 1 < len(cur.items) else None
        if _is_index_atom(first) and _is_index_atom(second):
            table = p.index(TABLE, cur)
            return TableInit(table, p.index(ELEM, cur))
        return TableInit(0, p.index(ELEM, cur))
    return ElemDrop(p.index(ELEM, cur))


def _h_memory(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``text-instr-memory`` without memarg: ``memory.size`` ... ``data.drop x``; memory
    indices default to 0 (3.0 ``Tplaininstr_(I)/memory/abbrev``)."""
    match keyword:
        case "memory.size":
            return MemorySize(p.optional_memidx(cur))
        case "memory.grow":
            return MemoryGrow(p.optional_memidx(cur))
        case "memory.fill":
            return MemoryFill(p.optional_memidx(cur))
        case "memory.copy":
            if not p.features.multi_memory or not _is_index_atom(cur.peek()):
                return MemoryCopy(0, 0)
            dst = p.index(MEMORY, cur)
            return MemoryCopy(dst, p.index(MEMORY, cur))
        case "memory.init":
            return _memory_init(p, cur)
        case _:
            return DataDrop(p.index(DATA, cur))


def _memory_init(p: InstrParser, cur: Cursor) -> Instr:
    """``memory.init x? y``: with two indices the first names the memory."""
    first = cur.peek()
    second = cur.items[cur.pos + 1] if cur.pos + 1 < len(cur.items) else None
    if p.features.multi_memory and _is_index_atom(first) and _is_index_atom(second):
        memory = p.index(MEMORY, cur)
        return MemoryInit(memory, p.index(DATA, cur))
    return MemoryInit(0, p.index(DATA, cur))


def _h_ref(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/ref`` · ``text-ref.null``, ``text-ref.func``."""
    if keyword == "ref.null":
        return RefNull(p.m.heaptype(cur.next()))
    return RefFunc(p.index(FUNC, cur))


def _h_select(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/parametric`` · ``text-select``: ``select (result t*)*``, or untyped
    ``select``."""
    if not is_list(cur.peek(), "result") or not p.features.reference_types:
        return Select(None)  # typed select came with reference types
    types: list[ValType] = []
    while is_list(cur.peek(), "result"):
        item = as_list(cur.next())
        types.extend(p.m.valtype(t) for t in item.items[1:])
    return Select(tuple(types))


def _h_const(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/num-const`` · ``text-const``: ``t.const`` and one literal."""
    nt = _NUMTYPES[keyword[:3]]
    item = cur.next()
    return Const(nt, number(item, nt.value, nt.bits))


def number(item: SExpr, kind: str, bits: int) -> int:
    """A numeric literal of an ``i``/``f`` type of ``bits`` bits, as its bit pattern."""
    if not isinstance(item, Atom):
        raise fail(UNEXPECTED_TOKEN)
    value = parse_int(item.text, bits) if kind[0] == "i" else parse_float(item.text, bits)
    if value is None:
        raise unexpected_item(item)
    return value


_LANE_KIND = {
    Shape.I8X16: "i", Shape.I16X8: "i", Shape.I32X4: "i", Shape.I64X2: "i",
    Shape.F32X4: "f", Shape.F64X2: "f",
}


def _h_v128_const(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/vec-const`` · ``text-instr-vec``: ``v128.const shape lit*``."""
    shape_item = cur.next()
    shape = _SHAPES.get(atom_text(shape_item))
    if shape is None:
        raise fail(UNEXPECTED_TOKEN)
    return VConst(vector_literal(shape, cur))


def vector_literal(shape: Shape, cur: Cursor) -> int:
    """``v128.const shape lit*``: the 128 bits, lane 0 lowest (the count is checked first)."""
    lanes: list[Atom] = []
    while len(lanes) < shape.dim:
        item = cur.peek()
        if not isinstance(item, Atom) or (is_keyword(item.text) and not is_number(item.text)):
            raise fail(WRONG_LANE_COUNT)
        lanes.append(item)
        cur.next()
    nxt = cur.peek()
    if isinstance(nxt, Atom) and is_number(nxt.text):
        raise fail(WRONG_LANE_COUNT)
    bits = shape.lane_bits
    value = 0
    for lane, item in enumerate(lanes):
        value |= number(item, _LANE_KIND[shape], bits) << (lane * bits)
    return value


def _h_shuffle(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/vec-shuffle`` · ``text-instr-vec``: ``i8x16.shuffle`` and 16 lane
    indices."""
    lanes: list[Atom] = []
    while isinstance(cur.peek(), Atom):
        item = cur.peek()
        item = as_atom(item)
        if not is_number(item.text):
            break
        cur.next()
        lanes.append(item)
    if len(lanes) != 16:
        raise fail(INVALID_LANE_LENGTH)
    indices = [parse_nat(lane.text) for lane in lanes]
    if any(x is None or x > 255 for x in indices):
        raise fail(MALFORMED_LANE_INDEX)  # any other number (1.0, -1, inf) in a shuffle
    return VShuffle(tuple(x or 0 for x in indices))


def _h_lane(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/vec-lane`` · ``text-instr-vec``: ``shape.extract_lane_sx? laneidx``,
    ``shape.replace_lane laneidx``."""
    shape_text, _, op = keyword.partition(".")
    shape = _SHAPES[shape_text]
    lane = p.lane_index(cur.next())
    if op.startswith("replace"):
        return VReplaceLane(shape, lane)
    sx = Sx(op[-1]) if op.endswith(("_s", "_u")) else None
    return VExtractLane(shape, sx, lane)


def _h_misplaced(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """A keyword that is no instruction where it stands."""
    raise fail(UNEXPECTED_TOKEN)


def _h_throw(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``Tplaininstr_(I)/exn`` (3.0): ``throw x``, ``throw_ref``."""
    if not p.features.exceptions:
        raise fail(f"{UNKNOWN_OPERATOR} {keyword}")
    if keyword == "throw_ref":
        return ThrowRef()
    return Throw(p.index(TAG, cur))


_HANDLERS: dict[str, Callable[[InstrParser, str, Cursor], Instr]] = {
    "br": _h_br, "br_if": _h_br, "br_table": _h_br_table,
    "call": _h_call, "call_indirect": _h_call_indirect,
    "return_call": _h_typed_ref, "return_call_indirect": _h_call_indirect,
    "call_ref": _h_typed_ref, "return_call_ref": _h_typed_ref,
    "br_on_null": _h_typed_ref, "br_on_non_null": _h_typed_ref,
    "local.get": _h_var, "local.set": _h_var, "local.tee": _h_var,
    "global.get": _h_var, "global.set": _h_var,
    "table.get": _h_table, "table.set": _h_table, "table.size": _h_table,
    "table.grow": _h_table, "table.fill": _h_table, "table.copy": _h_table,
    "table.init": _h_table, "elem.drop": _h_table,
    "memory.size": _h_memory, "memory.grow": _h_memory, "memory.fill": _h_memory,
    "memory.copy": _h_memory, "memory.init": _h_memory, "data.drop": _h_memory,
    "ref.null": _h_ref, "ref.func": _h_ref,
    "select": _h_select,
    "i32.const": _h_const, "i64.const": _h_const, "f32.const": _h_const, "f64.const": _h_const,
    "v128.const": _h_v128_const, "i8x16.shuffle": _h_shuffle,
    "throw": _h_throw, "throw_ref": _h_throw,
}
# A catch clause outside a ``try_table`` head is out of place, not an unknown operator.
_HANDLERS.update(dict.fromkeys(_CATCH_KEYWORDS, _h_misplaced))
for _sh in ("i8x16", "i16x8"):
    _HANDLERS[f"{_sh}.extract_lane_s"] = _HANDLERS[f"{_sh}.extract_lane_u"] = _h_lane
for _sh in ("i32x4", "i64x2", "f32x4", "f64x2"):
    _HANDLERS[f"{_sh}.extract_lane"] = _h_lane
for _sh in ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"):
    _HANDLERS[f"{_sh}.replace_lane"] = _h_lane
