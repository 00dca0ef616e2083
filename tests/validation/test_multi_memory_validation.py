"""Multi-memory validation (3.0 ``2.3-validation.instructions``, ``2.4-validation.modules``):
every memory instruction looks up ``C.MEMS[x]`` of its own index, ``memory.copy`` its two,
data segments and exports name any memory; under 2.0 a second memory, defined or imported, is
``multiple memories``."""

from __future__ import annotations

import pytest

from refwasm.errors import InvalidError
from refwasm.features import Features
from refwasm.syntax import (
    Active,
    AddrType,
    Const,
    Data,
    Drop,
    Export,
    ExternIdx,
    ExternKind,
    ExternMem,
    Func,
    FuncType,
    Import,
    Instr,
    Limits,
    Load,
    LoadPack,
    Mem,
    MemArg,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    MemType,
    Module,
    NumType,
    Store,
    Sx,
    Type,
    VConst,
    VLoad,
    VLoadLane,
    VStore,
    VStoreLane,
    plain_functype,
)
from refwasm.validation import validate_module

V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")
I32, I64 = NumType.I32, NumType.I64
MEMORY = Mem(MemType(AddrType.I32, Limits(1, None)))
IMPORTED = Import("m", "mem", ExternMem(MemType(AddrType.I32, Limits(1, None))))


def i32(n: int = 0) -> Const:
    return Const(I32, n)


def two_memories(*body: Instr, **fields: object) -> Module:
    """A module with memories 0 and 1, one data segment and one function ``[] -> []``."""
    ft = Type(plain_functype(FuncType((), ())))
    fields.setdefault("datas", (Data(b"x", Active(0, (i32(),))),))
    return Module(types=(ft,), mems=(MEMORY, MEMORY), funcs=(Func(0, (), body),),
                  **fields)  # type: ignore[arg-type]


def invalid(module: Module, message: str, features: Features = V3) -> None:
    with pytest.raises(InvalidError) as info:
        validate_module(module, features)
    assert info.value.message == message


def bodies(x: int, y: int = 0) -> dict[str, tuple[Instr, ...]]:
    """One valid use of each memory instruction on memory ``x`` (``memory.copy``: ``x`` to
    ``y``), keyed by its ``Instr_ok`` rule."""
    return {
        "load": (i32(), Load(I32, None, x, MemArg(2, 0)), Drop()),
        "load-pack": (i32(), Load(I64, LoadPack(8, Sx.S), x, MemArg(0, 0)), Drop()),
        "store": (i32(), Const(I64, 0), Store(I64, 32, x, MemArg(2, 0))),
        "vload": (i32(), VLoad(None, x, MemArg(4, 0)), Drop()),
        "vload_lane": (i32(), VConst(0), VLoadLane(8, x, MemArg(0, 0), 15), Drop()),
        "vstore": (i32(), VConst(0), VStore(x, MemArg(4, 0))),
        "vstore_lane": (i32(), VConst(0), VStoreLane(64, x, MemArg(3, 0), 1)),
        "memory.size": (MemorySize(x), Drop()),
        "memory.grow": (i32(), MemoryGrow(x), Drop()),
        "memory.fill": (i32(), i32(), i32(), MemoryFill(x)),
        "memory.copy": (i32(), i32(), i32(), MemoryCopy(x, y)),
        "memory.init": (i32(), i32(), i32(), MemoryInit(x, 0)),
    }


RULES = list(bodies(0))


@pytest.mark.parametrize("rule", RULES)
def test_memory_instruction_on_memory_1_is_valid(rule: str) -> None:
    """``Instr_ok/<rule>``: ``C.MEMS[x]`` is memory 1's type."""
    validate_module(two_memories(*bodies(1)[rule]), V3)


@pytest.mark.parametrize("rule", RULES)
def test_memory_instruction_on_a_missing_memory_is_unknown(rule: str) -> None:
    invalid(two_memories(*bodies(2)[rule]), "unknown memory 2")


def test_memory_copy_looks_up_both_memories() -> None:
    """``Instr_ok/memory.copy``: ``C.MEMS[x_1]`` and ``C.MEMS[x_2]``."""
    validate_module(two_memories(*bodies(1, 0)["memory.copy"]), V3)
    invalid(two_memories(*bodies(1, 2)["memory.copy"]), "unknown memory 2")


def test_alignment_is_checked_per_instruction_on_any_memory() -> None:
    invalid(two_memories(i32(), Load(I32, None, 1, MemArg(3, 0)), Drop()),
            "alignment must not be larger than natural")


def test_data_segment_names_any_memory() -> None:
    """``Datamode_ok/active``: ``C.MEMS[x]``."""
    validate_module(two_memories(datas=(Data(b"x", Active(1, (i32(),))),)), V3)
    invalid(two_memories(datas=(Data(b"x", Active(2, (i32(),))),)), "unknown memory 2")


def test_exports_of_several_memories() -> None:
    """``Externidx_ok/mem``, and distinct export names."""
    exports = (Export("a", ExternIdx(ExternKind.MEM, 0)), Export("b", ExternIdx(ExternKind.MEM, 1)))
    validate_module(two_memories(exports=exports), V3)
    invalid(two_memories(exports=(Export("c", ExternIdx(ExternKind.MEM, 2)),)),
            "unknown memory 2")


def test_imported_memories_come_first_in_the_index_space() -> None:
    module = two_memories(MemorySize(2), Drop(), imports=(IMPORTED,))
    validate_module(module, V3)
    invalid(two_memories(MemorySize(3), Drop(), imports=(IMPORTED,)), "unknown memory 3")


@pytest.mark.parametrize(
    "module",
    [
        two_memories(),
        Module(imports=(IMPORTED, IMPORTED)),
        Module(imports=(IMPORTED,), mems=(MEMORY,)),
    ],
    ids=["defined", "imported", "imported-and-defined"],
)
def test_2_0_allows_one_memory(module: Module) -> None:
    """2.0 ``valid-module``: ``|C.mems| <= 1``; 3.0 dropped the condition."""
    invalid(module, "multiple memories", V2)
    validate_module(module, V3)
