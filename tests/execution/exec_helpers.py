"""Builders of small modules as syntax trees, for the execution tests."""

from __future__ import annotations

from collections.abc import Sequence

from refwasm import embedding
from refwasm.execution.modules import instantiate_valid
from refwasm.execution.runtime import ModuleInst, Store
from refwasm.execution.values import ExternFuncAddr, ExternVal, Val
from refwasm.syntax.instructions import Instr
from refwasm.syntax.modules import (
    Export,
    ExternIdx,
    ExternKind,
    Func,
    Module,
    Type,
)
from refwasm.syntax.types import FuncType, NumType, ValType, plain_functype

I32 = NumType.I32
I64 = NumType.I64
F32 = NumType.F32
F64 = NumType.F64


def func_module(
    params: Sequence[ValType],
    results: Sequence[ValType],
    body: Sequence[Instr],
    locals_: Sequence[ValType] = (),
    **fields: object,
) -> Module:
    """A module whose type 0 is ``params -> results`` and whose first function, exported as
    ``f``, has that type and ``body``; ``fields`` add or override other module fields."""
    ft = FuncType(tuple(params), tuple(results))
    types = (Type(plain_functype(ft)),) + tuple(fields.pop("types", ()))  # type: ignore[arg-type]
    funcs = (Func(0, tuple(locals_), tuple(body)),) + tuple(fields.pop("funcs", ()))  # type: ignore[arg-type]
    exports = (Export("f", ExternIdx(ExternKind.FUNC, len(_func_imports(fields)))),)
    exports += tuple(fields.pop("exports", ()))  # type: ignore[arg-type]
    return Module(types=types, funcs=funcs, exports=exports, **fields)  # type: ignore[arg-type]


def _func_imports(fields: dict[str, object]) -> list[object]:
    from refwasm.syntax.types import ExternFunc

    imports = fields.get("imports", ())
    return [i for i in imports if isinstance(i.desc, ExternFunc)]  # type: ignore[attr-defined, union-attr]


def instance(
    module: Module, externvals: Sequence[ExternVal] = (), store: Store | None = None
) -> tuple[Store, ModuleInst]:
    """Instantiate a (valid) module in a new or given store."""
    store = store if store is not None else embedding.store_init()
    return store, instantiate_valid(store, module, list(externvals))


def call(store: Store, inst: ModuleInst, name: str, *args: Val, fuel: int | None = None) -> list[Val]:
    """Invoke an exported function."""
    ev = embedding.instance_export(inst, name)
    assert isinstance(ev, ExternFuncAddr)
    return embedding.func_invoke(store, ev.addr, list(args), fuel=fuel)


def run_body(
    params: Sequence[ValType],
    results: Sequence[ValType],
    body: Sequence[Instr],
    *args: Val,
    locals_: Sequence[ValType] = (),
    **fields: object,
) -> list[Val]:
    """Build, instantiate and invoke a one-function module."""
    store, inst = instance(func_module(params, results, body, locals_, **fields))
    return call(store, inst, "f", *args)
