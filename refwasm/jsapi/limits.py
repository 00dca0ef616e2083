"""The JS API's "Implementation-defined Limits": a module beyond them is a CompileError, a table
beyond the size limit cannot be allocated (RangeError).  Memories need no check here: the core's
memtype validation already bounds them at 65536 pages."""

from __future__ import annotations

from refwasm.syntax.modules import Module, subtypes
from refwasm.syntax.types import ExternFunc, ExternTable, FuncType

MAX_MODULE_SIZE = 1_073_741_824
MAX_TYPES = 1_000_000
MAX_FUNCTIONS = 1_000_000
MAX_IMPORTS = 1_000_000
MAX_EXPORTS = 1_000_000
MAX_GLOBALS = 1_000_000
MAX_DATA_SEGMENTS = 100_000
MAX_TABLES = 100_000
MAX_TABLE_SIZE = 10_000_000
MAX_MEMORIES = 100
MAX_PARAMS = 1_000
MAX_RESULTS = 1_000
MAX_LOCALS = 50_000


def table_size_limit() -> int:
    """The maximum size of a table."""
    return MAX_TABLE_SIZE


def check_module_limits(data: bytes, module: Module) -> str | None:
    """What limit a decoded, valid module exceeds (``None`` when within all of them)."""
    space = subtypes(module)
    imported_tables = [i.desc.tabletype for i in module.imports if isinstance(i.desc, ExternTable)]
    imported_funcs = sum(isinstance(i.desc, ExternFunc) for i in module.imports)
    checks: list[tuple[int, int, str]] = [
        (len(data), MAX_MODULE_SIZE, "module size"),
        (len(space), MAX_TYPES, "types"),
        (len(module.funcs) + imported_funcs, MAX_FUNCTIONS, "functions"),
        (len(module.imports), MAX_IMPORTS, "imports"),
        (len(module.exports), MAX_EXPORTS, "exports"),
        (len(module.globals), MAX_GLOBALS, "globals"),
        (len(module.datas), MAX_DATA_SEGMENTS, "data segments"),
        (len(module.tables) + len(imported_tables), MAX_TABLES, "tables"),
    ]
    for count, limit, what in checks:
        if count > limit:
            return f"number of {what} ({count}) is larger than implementation limit ({limit})"
    for t in module.tables:
        if t.tabletype.limits.min > MAX_TABLE_SIZE:
            return (
                f"initial table size ({t.tabletype.limits.min} elements) is larger than "
                f"implementation limit ({MAX_TABLE_SIZE} elements)"
            )
    for st in space:
        ft = st.comptype
        if isinstance(ft, FuncType) and (len(ft.params) > MAX_PARAMS or len(ft.results) > MAX_RESULTS):
            return "function type has too many parameters or results"
    for f in module.funcs:
        ft = space[f.typeidx].comptype
        n = len(f.locals) + (len(ft.params) if isinstance(ft, FuncType) else 0)
        if n > MAX_LOCALS:
            return f"local count too large ({n} > {MAX_LOCALS})"
    return None
