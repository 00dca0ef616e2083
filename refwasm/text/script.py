"""``.wast`` scripts: the spec interpreter's script grammar to ``refwasm.text.script_syntax``.

A module that fails to parse does not stop the script: it is kept as a ``QuoteModule`` holding
its source text (re-wrapped as ``(module ...)``), so the runner reports the error against its
own command.  Modules under ``assert_malformed`` and ``assert_invalid`` are always kept as
text, since their parse is what they test.  Only a malformed script (unbalanced parentheses,
unknown command) raises ``MalformedError``.
"""

from __future__ import annotations

from refwasm.errors import UNEXPECTED_TOKEN, MalformedError
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax.gcpause import gc_paused
from refwasm.syntax.instructions import Shape
from refwasm.syntax.types import AbsHeapType, NumType
from refwasm.text.lexer import Atom, LineIndex, SExpr, SList, read_sexprs
from refwasm.text.numbers import parse_float, parse_int, parse_nat
from refwasm.text.parser import Cursor, module_from_sexpr, name_text, string_bytes, vector_literal
from refwasm.text.script_syntax import (
    Action,
    ActionCommand,
    AssertException,
    AssertExhaustion,
    AssertModule,
    AssertReturn,
    AssertTrap,
    BinaryModule,
    Command,
    Const,
    EitherPattern,
    Get,
    Invoke,
    LanePattern,
    ModuleCommand,
    ModuleInstance,
    ModuleSource,
    NanKind,
    NanPattern,
    NumConst,
    QuoteModule,
    RefHostConst,
    RefNullConst,
    RefPattern,
    Register,
    Result,
    Script,
    TextModule,
    Unsupported,
    VecConst,
    VecPattern,
)

_NUMTYPES = {nt.value: nt for nt in NumType}
_SHAPES = {sh.value: sh for sh in Shape}
_NAN_KINDS = {kind.value: kind for kind in NanKind}
_HEAPTYPES = {ht.value: ht for ht in AbsHeapType if ht is not AbsHeapType.BOT}
_MODULE_FIELDS = frozenset((
    "type", "import", "func", "table", "memory", "global", "export", "start", "elem", "data",
))
_LEGACY_NAN_ASSERTIONS = {
    "assert_return_canonical_nan": NanKind.CANONICAL,
    "assert_return_arithmetic_nan": NanKind.ARITHMETIC,
}
_MODULE_ASSERTIONS = {
    "assert_malformed": "malformed",
    "assert_invalid": "invalid",
    "assert_unlinkable": "unlinkable",
    "assert_uninstantiable": "uninstantiable",
}


@gc_paused
def parse_script(text: str, features: Features = DEFAULT_FEATURES) -> Script:
    """A ``.wast`` script: one command per top-level S-expression, with its 1-based line."""
    return ScriptParser(text, features).script()


def bad(message: str = UNEXPECTED_TOKEN) -> MalformedError:
    return MalformedError(message)


class ScriptParser:
    """The script grammar over the S-expressions of one ``.wast`` text."""

    def __init__(self, text: str, features: Features) -> None:
        self.text = text
        self.features = features
        self.lines = LineIndex(text)

    def script(self) -> Script:
        forest = read_sexprs(self.text)
        if forest and all(isinstance(x, SList) and x.head() in _MODULE_FIELDS for x in forest):
            # A script that is a bare module (its fields without ``(module ...)``).
            first = as_list(forest[0])
            module = SList(first.start)
            module.items = [Atom("module", first.start), *forest]
            module.end = len(self.text) + 1
            return Script((self.module_command(module),))
        commands: list[Command] = []
        for item in forest:
            if not isinstance(item, SList) or item.head() is None:
                raise bad()
            commands.append(self.command(item))
        return Script(tuple(commands))

    def command(self, item: SList) -> Command:
        head = item.head()
        line = self.lines.line(item.start)
        cur = Cursor(item.items, 1)
        if head == "module":
            return self.module_command(item)
        if head == "register":
            name = name_text(cur.next())
            module = cur.take_id()
            cur.expect_end()
            return Register(line, name, module)
        if head in ("invoke", "get"):
            return ActionCommand(line, self.action(item))
        if head == "assert_return":
            action = self.action(cur.next())
            results = tuple(self.result(r) for r in cur.items[cur.pos:])
            return AssertReturn(line, action, results)
        if head in _LEGACY_NAN_ASSERTIONS:
            # 1.0's ``assert_return_canonical_nan action``: the result is a NaN of that class,
            # of whichever float type the function returns.
            nan = _LEGACY_NAN_ASSERTIONS[head]
            action = self.action(cur.next())
            cur.expect_end()
            either = EitherPattern((NanPattern(NumType.F32, nan), NanPattern(NumType.F64, nan)))
            return AssertReturn(line, action, (either,))
        if head == "assert_trap":
            target_item = as_list(cur.next())
            message = self.message(cur)
            if target_item.head() == "module":
                return AssertTrap(line, self.module_source(target_item, keep_text=False),
                                  message)
            return AssertTrap(line, self.action(target_item), message)
        if head == "assert_exhaustion":
            action = self.action(cur.next())
            return AssertExhaustion(line, action, self.message(cur))
        if head == "assert_exception":
            action = self.action(cur.next())
            cur.expect_end()
            return AssertException(line, action)
        if head in _MODULE_ASSERTIONS:
            kind = _MODULE_ASSERTIONS[head]
            module_item = as_list(cur.next())
            if module_item.head() != "module":
                raise bad()
            keep_text = kind in ("malformed", "invalid")
            source = self.module_source(module_item, keep_text=keep_text)
            return AssertModule(line, kind, source, self.message(cur))
        if head in ("script", "input", "output", "assert_suspension", "thread", "wait"):
            return Unsupported(line, head, f"the {head} command is not supported")
        raise bad(f"unknown command {head}")

    def message(self, cur: Cursor) -> str:
        message = name_text(cur.next())
        cur.expect_end()
        return message

    # ---- modules ----

    def module_command(self, item: SList) -> Command:
        cur = Cursor(item.items, 1)
        first = cur.peek()
        if isinstance(first, Atom) and first.text == "instance":
            cur.next()
            name = cur.take_id()
            definition = cur.take_id()
            cur.expect_end()
            return ModuleInstance(self.lines.line(item.start), name, definition)
        is_definition = isinstance(first, Atom) and first.text == "definition"
        name_pos = 2 if is_definition else 1
        name_item = item.items[name_pos] if len(item.items) > name_pos else None
        name = name_item.text if isinstance(name_item, Atom) and name_item.text.startswith(
            "$") else None
        source = self.module_source(item, keep_text=False)
        return ModuleCommand(self.lines.line(item.start), name, source, is_definition)

    def module_source(self, item: SList, *, keep_text: bool) -> ModuleSource:
        """``(module $id? ...)``, ``(module $id? binary ...)``, ``(module $id? quote ...)``."""
        cur = Cursor(item.items, 1)
        if isinstance(cur.peek(), Atom) and as_atom(cur.peek()).text == "definition":
            cur.next()
        cur.take_id()
        kind = cur.peek()
        if isinstance(kind, Atom) and kind.text in ("binary", "quote"):
            cur.next()
            strings = [string_bytes(s) for s in cur.items[cur.pos:]]
            if kind.text == "binary":
                return BinaryModule(b"".join(strings))
            return QuoteModule(b"".join(strings).decode("utf-8", "surrogateescape"))
        fields_text = self.rewrap(item, cur.items[cur.pos:])
        if keep_text:
            return QuoteModule(fields_text)
        try:
            fields = SList(item.start)
            fields.items = [Atom("module", item.start), *cur.items[cur.pos:]]
            return TextModule(module_from_sexpr(fields, self.features))
        except MalformedError:
            return QuoteModule(fields_text)

    def rewrap(self, item: SList, fields: list[SExpr]) -> str:
        """The source text of a module's fields, as ``(module ...)``."""
        if not fields:
            return "(module)"
        first = fields[0]
        start = first.start if isinstance(first, SList) else first.pos
        return "(module " + self.text[start : item.end - 1] + ")"

    # ---- actions and values ----

    def action(self, item: SExpr) -> Action:
        """``(invoke $id? "name" const*)`` or ``(get $id? "name")``."""
        lst = as_list(item)
        cur = Cursor(lst.items, 1)
        head = lst.head()
        module = cur.take_id()
        name = name_text(cur.next())
        if head == "invoke":
            args = tuple(self.const(arg) for arg in cur.items[cur.pos:])
            return Invoke(module, name, args)
        if head == "get":
            cur.expect_end()
            return Get(module, name)
        raise bad()

    def const(self, item: SExpr) -> Const:
        """A constant argument: numbers, vectors, ``ref.null ht``, ``ref.extern n``."""
        result = self.result(item)
        if isinstance(result, NumConst | VecConst | RefNullConst | RefHostConst):
            return result
        raise bad()

    def result(self, item: SExpr) -> Result:
        """A result pattern (``result`` of the script grammar)."""
        lst = as_list(item)
        head = lst.head() or ""
        cur = Cursor(lst.items, 1)
        if head.endswith(".const") and head[:-6] in _NUMTYPES:
            nt = _NUMTYPES[head[:-6]]
            lit = as_atom(cur.next())
            cur.expect_end()
            if lit.text in _NAN_KINDS and not nt.is_int:
                return NanPattern(nt, _NAN_KINDS[lit.text])
            return NumConst(nt, literal(lit.text, nt.is_int, nt.bits))
        if head == "v128.const":
            shape = _SHAPES.get(as_atom(cur.next()).text)
            if shape is None:
                raise bad()
            rest = cur.items[cur.pos:]
            if any(isinstance(x, Atom) and x.text in _NAN_KINDS for x in rest):
                return self.vec_pattern(shape, rest)
            bits = vector_literal(shape, cur)
            cur.expect_end()
            return VecConst(bits)
        if head == "ref.null":
            ht_item = cur.peek()
            if ht_item is None:
                return RefPattern(None, null=True)
            ht = _HEAPTYPES.get(as_atom(cur.next()).text)
            if ht is None:
                raise bad()
            return RefNullConst(ht)
        if head in ("ref.extern", "ref.host"):
            if cur.at_end():
                return RefPattern(AbsHeapType.EXTERN)
            n = parse_nat(as_atom(cur.next()).text)
            if n is None:
                raise bad()
            cur.expect_end()
            return RefHostConst(n)
        if head.startswith("ref.") and head[4:] in _HEAPTYPES:
            return RefPattern(_HEAPTYPES[head[4:]])
        if head == "either":
            return EitherPattern(tuple(self.result(r) for r in cur.items[cur.pos:]))
        raise bad()

    def vec_pattern(self, shape: Shape, lanes: list[SExpr]) -> VecPattern:
        """``(v128.const f32x4 1.0 nan:canonical ...)``: one pattern per lane."""
        if len(lanes) != shape.dim:
            raise bad("wrong number of lane literals")
        patterns: list[LanePattern] = []
        is_int = shape.value[0] == "i"
        for lane in lanes:
            text = as_atom(lane).text
            if text in _NAN_KINDS and not is_int:
                patterns.append(LanePattern(None, _NAN_KINDS[text]))
            else:
                patterns.append(LanePattern(literal(text, is_int, shape.lane_bits)))
        return VecPattern(shape, tuple(patterns))


def literal(text: str, is_int: bool, bits: int) -> int:
    value = parse_int(text, bits) if is_int else parse_float(text, bits)
    if value is None:
        raise bad()
    return value


def as_list(item: SExpr | None) -> SList:
    if isinstance(item, SList):
        return item
    raise bad()


def as_atom(item: SExpr | None) -> Atom:
    if isinstance(item, Atom):
        return item
    raise bad()



