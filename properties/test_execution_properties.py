"""Properties of the reference interpreter against small independent models: memory accesses,
branch unwinding, br_table selection, fuel accounting."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# The module builders of the execution unit tests (one place for them).
sys.path.insert(0, str(Path(__file__).parent.parent / "tests" / "execution"))

from exec_helpers import I32, I64, call, func_module, instance  # noqa: E402

from refwasm.errors import ExhaustionError, TrapError  # noqa: E402
from refwasm.syntax.instructions import (  # noqa: E402
    Block,
    Br,
    BrTable,
    Const,
    Drop,
    Load,
    LoadPack,
    LocalGet,
    MemArg,
    Return,
    Store,
    Sx,
)
from refwasm.syntax.modules import Mem  # noqa: E402
from refwasm.syntax.types import AddrType, Limits, MemType  # noqa: E402

PAGE = 65536
EXAMPLES = settings(max_examples=200, deadline=None)

addresses = st.one_of(st.integers(0, PAGE + 8), st.integers(0, 2**32 - 1))
offsets = st.one_of(st.integers(0, 16), st.integers(0, 2**32 - 1))


@EXAMPLES
@given(addr=addresses, offset=offsets, width=st.sampled_from([1, 2, 4, 8]), value=st.integers(0, 2**64 - 1))
def test_store_then_load_round_trips_or_traps(addr: int, offset: int, width: int, value: int) -> None:
    nt = I64
    sz = None if width == 8 else width * 8
    pack = None if width == 8 else LoadPack(width * 8, Sx.U)
    body = (
        LocalGet(0), LocalGet(1), Store(nt, sz, 0, MemArg(0, offset)),
        LocalGet(0), Load(nt, pack, 0, MemArg(0, offset)),
    )
    m = func_module((I32, I64), (I64,), body, mems=(Mem(MemType(AddrType.I32, Limits(1)),),))
    store, inst = instance(m)
    if addr + offset + width > PAGE:
        with pytest.raises(TrapError, match="^out of bounds memory access$"):
            call(store, inst, "f", addr, value)
        assert not any(store.mems[0].data)  # a trapping store writes nothing
    else:
        assert call(store, inst, "f", addr, value) == [value % (1 << (8 * width))]
        ea = addr + offset
        assert bytes(store.mems[0].data[ea : ea + width]) == (value % (1 << (8 * width))).to_bytes(width, "little")


@EXAMPLES
@given(
    values=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=6),
    depth=st.integers(0, 5),
    extra=st.integers(0, 3),
)
def test_br_keeps_the_top_value_and_unwinds_the_rest(values: list[int], depth: int, extra: int) -> None:
    # `depth` empty blocks inside a block (result i32) whose code pushes `values`, then br.
    inner: tuple = tuple(Const(I32, v) for v in values) + (Br(depth),)
    for _ in range(depth):
        inner = (Block(None, inner),)
    below = tuple(Const(I32, 7) for _ in range(extra))
    body = below + (Block(I32, inner), Return())
    results = (I32,) * (extra + 1)
    store, inst = instance(func_module((), results, body))
    assert call(store, inst, "f") == [7] * extra + [values[-1]]


@EXAMPLES
@given(
    labels=st.lists(st.integers(0, 3), max_size=8),
    default=st.integers(0, 3),
    index=st.one_of(st.integers(0, 10), st.integers(0, 2**32 - 1)),
)
def test_br_table_selects_label(labels: list[int], default: int, index: int) -> None:
    # Four nested blocks; leaving block k (label k from the innermost) returns 100 + k.
    code: tuple = (LocalGet(0), BrTable(tuple(labels), default))
    for k in range(4):
        code = (Block(None, code), Const(I32, 100 + k), Return())
    store, inst = instance(func_module((I32,), (I32,), code))
    chosen = labels[index] if index < len(labels) else default
    assert call(store, inst, "f", index) == [100 + chosen]


@EXAMPLES
@given(n=st.integers(0, 40), fuel=st.integers(0, 50))
def test_fuel_is_one_per_instruction(n: int, fuel: int) -> None:
    body = tuple(Const(I32, i) for i in range(n)) + tuple(Drop() for _ in range(n))
    store, inst = instance(func_module((), (), body))
    needed = 2 * n + 1  # every instruction and the function's end
    if fuel >= needed:
        assert call(store, inst, "f", fuel=fuel) == []
    else:
        with pytest.raises(ExhaustionError, match="^fuel exhausted$"):
            call(store, inst, "f", fuel=fuel)


# syntax_strategies' recursive strategy warns once per draw; the warning is not about this test.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_arbitrary_modules_only_raise_wasm_errors(data: st.DataObject) -> None:
    """Bad input never crashes: instantiating an arbitrary module (validated first) and
    invoking its exported functions with zero arguments under fuel either works or raises one
    of refwasm's errors (a Wasm outcome or the embedder's error)."""
    pytest.importorskip("refwasm.validation")
    from syntax_strategies import modules

    from refwasm import embedding
    from refwasm.errors import WasmError
    from refwasm.execution.runtime import default_value
    from refwasm.execution.values import ExternFuncAddr

    module = data.draw(modules())
    store = embedding.store_init(memory_budget=1 << 24)
    try:
        inst = embedding.module_instantiate(store, module, [], fuel=10_000)
    except (WasmError, embedding.EmbedderError):
        return
    for ev in inst.exports.values():
        if isinstance(ev, ExternFuncAddr):
            args = [default_value(t) for t in embedding.func_type(store, ev.addr).params]
            try:
                embedding.func_invoke(store, ev.addr, args, fuel=10_000)
            except WasmError:
                pass
