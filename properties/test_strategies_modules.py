"""Properties of ``refwasm.strategies``: generated modules are valid (in refwasm and in
wasmtime), cover every opcode of the proposals they draw (2.0, and the 3.0 ones the reference
runs), terminate under ``ensure_termination``, and shrink small."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, find, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from refwasm import embedding  # noqa: E402
from refwasm.binary import encode_module  # noqa: E402
from refwasm.errors import FUEL_EXHAUSTED, UNREACHABLE, ExhaustionError, TrapError  # noqa: E402
from refwasm.features import Features  # noqa: E402
from refwasm.strategies import SwarmConfig, module_bytes, modules, swarm_configs, values  # noqa: E402
from refwasm.strategies.body import ALL_KINDS, kind_key  # noqa: E402
from refwasm.strategies.config import NOT_DRAWN  # noqa: E402
from refwasm.syntax import (  # noqa: E402
    Binop,
    Block,
    ExternFunc,
    ExternKind,
    If,
    Instr,
    Loop,
    Module,
    NumType,
)
from refwasm.syntax.instructions import TryTable  # noqa: E402
from refwasm.validation import validate_module  # noqa: E402

try:
    import wasmtime
except ImportError:  # pragma: no cover - depends on the environment
    wasmtime = None

FAST = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


def walk(body: tuple[Instr, ...]) -> Iterator[Instr]:
    for i in body:
        yield i
        if isinstance(i, Block | Loop | TryTable):
            yield from walk(i.body)
        elif isinstance(i, If):
            yield from walk(i.then)
            yield from walk(i.else_)


options = st.fixed_dictionaries(
    {},
    optional={
        "ensure_termination": st.integers(0, 1000),
        "canonicalize_nans": st.booleans(),
        "disallow_traps": st.booleans(),
        "export_everything": st.booleans(),
        "require_maximums": st.booleans(),
    },
)


@settings(max_examples=1000, deadline=None, suppress_health_check=FAST)
@given(st.data())
def test_generated_modules_validate(data: st.DataObject) -> None:
    config = data.draw(swarm_configs())
    module = data.draw(modules(config, **data.draw(options)))
    validate_module(module, config.features)
    binary = encode_module(module)
    assert embedding.module_decode(binary) == module
    if wasmtime is not None:
        wasmtime.Module.validate(_ENGINE, binary)


F3 = Features.for_version("3.0")


@settings(max_examples=300, deadline=None, suppress_health_check=FAST)
@given(st.data())
def test_generated_3_0_modules_validate(data: st.DataObject) -> None:
    config = data.draw(swarm_configs(features=F3, max_memories=3))
    module = data.draw(modules(config, **data.draw(options)))
    validate_module(module, config.features)
    # Encoded under 3.0: a funcref segment of function indices is not elem kind 0x00, which
    # 3.0 reads as (ref func).
    binary = encode_module(module, F3)
    assert embedding.module_decode(binary, F3) == module
    if wasmtime is not None:
        wasmtime.Module.validate(_ENGINE_3_0, binary)


def _engine_3_0() -> Any:
    config = wasmtime.Config()
    for proposal in ("multi_memory", "memory64", "relaxed_simd", "tail_call",
                     "function_references", "gc", "exceptions"):  # fmt: skip
        setattr(config, f"wasm_{proposal}", True)
    return wasmtime.Engine(config)


_ENGINE = wasmtime.Engine() if wasmtime is not None else None
_ENGINE_3_0 = _engine_3_0() if wasmtime is not None else None


def test_wasmtime_is_available_for_the_validation_check() -> None:
    if wasmtime is None:
        pytest.skip("the wasmtime Python package is not installed: modules not checked by it")
    assert _ENGINE is not None


COUNTS: collections.Counter[tuple[object, ...]] = collections.Counter()


# Derandomized: a coverage claim must not depend on the run's luck (the rarest kinds, SIMD
# loads and stores, need both a memory and SIMD in the drawn configuration).
@settings(max_examples=3000, deadline=None, suppress_health_check=FAST, database=None,
          derandomize=True)  # fmt: skip
@given(swarm_configs(max_instrs=200, features=F3).flatmap(modules))
def _collect_kinds(module: Module) -> None:
    for func in module.funcs:
        COUNTS.update(kind_key(i) for i in walk(func.body))


def test_every_opcode_drawn_is_generated() -> None:
    COUNTS.clear()
    _collect_kinds()
    # Every kind but those of proposals not drawn (none at present).
    targets = [k.key for k in ALL_KINDS if k.flag not in NOT_DRAWN]
    rarest = sorted(targets, key=lambda k: COUNTS[k])[:10]
    print("least frequent kinds:", [(COUNTS[k], k) for k in rarest])
    missing = [k for k in targets if COUNTS[k] == 0]
    assert not missing, missing


def _invoke_all(module: Module, args_for: st.DataObject, *, disallow_traps: bool) -> None:
    store = embedding.store_init(max_call_depth=2_000)
    try:
        inst = embedding.module_instantiate(store, module, [], fuel=200_000)
    except TrapError as e:
        assert not disallow_traps or e.message == UNREACHABLE, e.message
        return
    except ExhaustionError as e:
        # The module's own fuel must end it before refwasm's backstop does.
        assert e.message != FUEL_EXHAUSTED
        return
    for name, externtype in embedding.module_exports(module):
        if not isinstance(externtype, ExternFunc):
            continue
        addr = embedding.instance_export(inst, name).addr  # type: ignore[union-attr]
        ft = embedding.func_type(store, addr)
        args = [args_for.draw(values(t)) for t in ft.params]
        try:
            embedding.func_invoke(store, addr, args, fuel=200_000)
        except TrapError as e:
            # With traps disallowed, only the fuel check's ``unreachable`` may trap.
            assert not disallow_traps or e.message == UNREACHABLE, e.message
        except ExhaustionError as e:
            assert e.message != FUEL_EXHAUSTED


@settings(max_examples=200, deadline=None, suppress_health_check=FAST)
@given(st.data())
def test_ensure_termination_ends_every_call(data: st.DataObject) -> None:
    disallow = data.draw(st.booleans())
    module = data.draw(modules(ensure_termination=50, export_everything=True,
                               disallow_traps=disallow))  # fmt: skip
    _invoke_all(module, data, disallow_traps=disallow)


def test_a_failing_module_shrinks_to_a_few_instructions() -> None:
    def has_i64_mul(m: Module) -> bool:
        return any(
            isinstance(i, Binop) and i.nt is NumType.I64 and i.op.value == "mul"
            for f in m.funcs
            for i in walk(f.body)
        )

    # A fixed configuration keeps each shrink attempt cheap (about 20 s in all).
    config = SwarmConfig(max_funcs=3, max_instrs=40)
    smallest = find(
        modules(config),
        has_i64_mul,
        settings=settings(max_examples=2000, database=None, derandomize=True),
    )
    # The minimal module: one function ``i64.const; i64.const; i64.mul; drop``.
    assert len(smallest.funcs) == 1
    assert sum(1 for _ in walk(smallest.funcs[0].body)) <= 4
    assert not smallest.elems and not smallest.globals


@settings(max_examples=200, deadline=None, suppress_health_check=FAST)
@given(st.data())
def test_configs_capped_at_1_0_give_1_0_modules(data: st.DataObject) -> None:

    config = data.draw(swarm_configs(features=Features.for_version("1.0")))
    module = data.draw(modules(config, ensure_termination=10))
    validate_module(module, Features.for_version("1.0"))


@settings(max_examples=100, deadline=None, suppress_health_check=FAST)
@given(module_bytes(export_everything=True))
def test_module_bytes_decode_to_modules_exporting_everything(binary: bytes) -> None:
    module = embedding.module_decode(binary)
    validate_module(module)
    kinds = collections.Counter(e.desc.kind for e in module.exports)
    assert kinds[ExternKind.FUNC] == len(module.funcs)
    assert kinds[ExternKind.TABLE] == len(module.tables)
    assert kinds[ExternKind.MEM] == len(module.mems)
    assert kinds[ExternKind.GLOBAL] == len(module.globals)


_NAN_MAKERS = {"add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc",
               "nearest", "promote", "demote", "demote_zero", "promote_low"}  # fmt: skip


def _may_make_nan(i: Instr) -> bool:
    from refwasm.syntax import Cvtop, Shape, Unop, VBinop, VCvtop, VUnop

    if isinstance(i, Binop | Unop):
        return not i.nt.is_int and i.op.value in _NAN_MAKERS
    if isinstance(i, Cvtop):
        return i.op.value in _NAN_MAKERS
    if isinstance(i, VBinop | VUnop):
        return i.shape in (Shape.F32X4, Shape.F64X2) and i.op.value in _NAN_MAKERS
    return isinstance(i, VCvtop) and i.op.value in _NAN_MAKERS


def _sequences(body: tuple[Instr, ...]) -> Iterator[tuple[Instr, ...]]:
    yield body
    for i in body:
        if isinstance(i, Block | Loop):
            yield from _sequences(i.body)
        elif isinstance(i, If):
            yield from _sequences(i.then)
            yield from _sequences(i.else_)


@settings(max_examples=100, deadline=None, suppress_health_check=FAST)
@given(modules(canonicalize_nans=True))
def test_every_nan_producer_is_followed_by_canonicalisation(module: Module) -> None:
    from refwasm.syntax import LocalSet, Select, VVTernop

    for func in module.funcs:
        for seq in _sequences(func.body):
            for k, i in enumerate(seq):
                if _may_make_nan(i):
                    tail = seq[k + 1 : k + 8]
                    assert len(tail) == 7 and isinstance(tail[0], LocalSet), (i, tail)
                    assert isinstance(tail[-1], Select | VVTernop), (i, tail)
