"""The ``spectest`` host module every official script may import from (the spec interpreter's
``host/spectest.ml``): printing functions that do nothing, four immutable globals holding 666 or
666.6, a ``funcref`` table of 10..20 elements (and its 64-bit twin ``table64``, for memory64)
and a memory of 1..2 pages.

``alloc_spectest`` allocates it in a store through the embedding interface and returns its
exports by name; the runner and ``refwasm run`` resolve ``(import "spectest" ...)`` with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternMemAddr,
    ExternTableAddr,
    ExternVal,
    RefNullVal,
    Val,
)
from refwasm.syntax.types import (
    FUNCREF,
    AbsHeapType,
    AddrType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    Mut,
    NumType,
    TableType,
    ValType,
)

if TYPE_CHECKING:
    from refwasm.execution.runtime import Store

SPECTEST = "spectest"

# The parameter types of each printing function.
PRINT_FUNCS: dict[str, tuple[ValType, ...]] = {
    "print": (),
    "print_i32": (NumType.I32,),
    "print_i64": (NumType.I64,),
    "print_f32": (NumType.F32,),
    "print_f64": (NumType.F64,),
    "print_i32_f32": (NumType.I32, NumType.F32),
    "print_f64_f64": (NumType.F64, NumType.F64),
}

# 666 as an integer; 666.6 rounded to f32 and to f64, as bit patterns.
GLOBALS: dict[str, tuple[NumType, int]] = {
    "global_i32": (NumType.I32, 666),
    "global_i64": (NumType.I64, 666),
    "global_f32": (NumType.F32, 0x4426_A666),
    "global_f64": (NumType.F64, 0x4084_D4CC_CCCC_CCCD),
}

TABLE_TYPE = TableType(AddrType.I32, Limits(10, 20), FUNCREF)
TABLE64_TYPE = TableType(AddrType.I64, Limits(10, 20), FUNCREF)
MEMORY_TYPE = MemType(AddrType.I32, Limits(1, 2))


def print_values(args: list[Val]) -> list[Val]:
    """``print*``: the reference interpreter prints its arguments; refwasm stays silent."""
    return []


def alloc_spectest(store: Store) -> dict[str, ExternVal]:
    """Allocate the ``spectest`` module's functions, globals, table and memory in ``store``."""
    from refwasm import embedding

    exports: dict[str, ExternVal] = {}
    for name, params in PRINT_FUNCS.items():
        addr = embedding.func_alloc(store, FuncType(params, ()), print_values)
        exports[name] = ExternFuncAddr(addr)
    for name, (nt, bits) in GLOBALS.items():
        addr = embedding.global_alloc(store, GlobalType(Mut.CONST, nt), bits)
        exports[name] = ExternGlobalAddr(addr)
    table = embedding.table_alloc(store, TABLE_TYPE, RefNullVal(AbsHeapType.FUNC))
    exports["table"] = ExternTableAddr(table)
    table64 = embedding.table_alloc(store, TABLE64_TYPE, RefNullVal(AbsHeapType.FUNC))
    exports["table64"] = ExternTableAddr(table64)
    exports["memory"] = ExternMemAddr(embedding.mem_alloc(store, MEMORY_TYPE))
    return exports
