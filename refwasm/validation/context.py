"""Validation contexts (SpecTec ``2.0-validation.contexts``; 2.0 ``context``).

A ``Context`` records the types of everything an index may name.  Its lookups are one-liners
that raise ``unknown <category> <index>`` for an index outside the list, as the suite expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar, overload

from refwasm.errors import TYPE_MISMATCH, InvalidError, unknown
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax.modules import func_type_at
from refwasm.syntax.types import (
    DefType,
    FuncType,
    GlobalType,
    MemType,
    RecIdx,
    RefType,
    ResultType,
    SubType,
    TableType,
    TypeUse,
    ValType,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Context:
    """``context``: ``types``, ``funcs``, ``globals``, ``tables``, ``mems``, ``elems``,
    ``datas``, ``locals``, ``return`` and ``refs`` (labels live on the validator's control
    stack, which is the algorithm's equivalent of ``C.labels``)."""

    types: tuple[SubType, ...] = ()
    funcs: tuple[FuncType, ...] = ()
    # The type use each function was declared with: ``ref.func`` yields ``(ref $t)`` in 3.0.
    func_typeuses: tuple[TypeUse, ...] = ()
    globals: Sequence[GlobalType] = ()
    tables: tuple[TableType, ...] = ()
    mems: tuple[MemType, ...] = ()
    elems: tuple[RefType, ...] = ()
    datas: int = 0  # only the number of data segments matters (``ok`` each)
    locals: tuple[ValType, ...] = ()
    return_: ResultType | None = None
    # The locals that start ``UNSET`` (3.0 ``Local_ok/unset``: non-defaultable ones).
    unset_locals: frozenset[int] = frozenset()
    refs: frozenset[int] = frozenset()
    features: Features = field(default=DEFAULT_FEATURES)

    def with_(self, **changes: object) -> Context:
        """A copy with some components replaced (the spec's ``C, locals t*`` notation)."""
        return replace(self, **changes)  # type: ignore[arg-type]


class Prefix(Sequence[T]):
    """The first ``n`` items of a tuple, without copying them: 3.0's ``C.globals`` for a
    global's initializer (the globals before it); slicing for each global would make
    validation quadratic in the number of globals."""

    __slots__ = ("items", "n")

    def __init__(self, items: tuple[T, ...], n: int) -> None:
        self.items = items
        self.n = min(n, len(items))

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return self.items[: self.n][index]
        if not -self.n <= index < self.n:
            raise IndexError(index)
        return self.items[index % self.n]


def lookup(category: str, items: Sequence[T], index: int) -> T:
    """``C.<category>[index]``, or ``unknown <category> <index>`` when it is not defined."""
    if 0 <= index < len(items):
        return items[index]
    raise unknown(category, index)


def functype(ctx: Context, typeuse: TypeUse | int) -> FuncType:
    """``C.types[x]`` expanded to a function type (``unknown type x`` otherwise)."""
    if isinstance(typeuse, DefType):
        subtypes = typeuse.rectype.subtypes
        if 0 <= typeuse.idx < len(subtypes):
            comptype = subtypes[typeuse.idx].comptype
            if isinstance(comptype, FuncType):
                return comptype
        raise InvalidError(TYPE_MISMATCH)
    # A ``RecIdx`` only occurs inside a rec group being defined, never in code.
    index = typeuse if isinstance(typeuse, int) else typeuse.idx
    if isinstance(typeuse, RecIdx):
        raise unknown("type", index)
    ft = func_type_at(ctx.types, index)
    if ft is None:
        raise unknown("type", index)
    return ft


def func(ctx: Context, x: int) -> FuncType:
    """``C.funcs[x]``"""
    return lookup("function", ctx.funcs, x)


def table(ctx: Context, x: int) -> TableType:
    """``C.tables[x]``"""
    return lookup("table", ctx.tables, x)


def mem(ctx: Context, x: int) -> MemType:
    """``C.mems[x]``"""
    return lookup("memory", ctx.mems, x)


def global_(ctx: Context, x: int) -> GlobalType:
    """``C.globals[x]``"""
    return lookup("global", ctx.globals, x)


def elem(ctx: Context, x: int) -> RefType:
    """``C.elems[x]``"""
    return lookup("elem segment", ctx.elems, x)


def data(ctx: Context, x: int) -> None:
    """``C.datas[x] = ok``"""
    if not 0 <= x < ctx.datas:
        raise unknown("data segment", x)


def local(ctx: Context, x: int) -> ValType:
    """``C.locals[x]``"""
    return lookup("local", ctx.locals, x)
