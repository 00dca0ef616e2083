"""Properties of the GC and exception-handling modules ``refwasm.strategies`` generates (3.0):
valid in refwasm and in wasmtime, ``parse(print(m)) == m`` and ``decode(encode(m)) == m``
(issue 13, item 4), and every call of an export ends (returns, traps, exhausts, or throws)."""

from __future__ import annotations

import collections
from dataclasses import replace
from typing import Any

import pytest

pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from refwasm import embedding  # noqa: E402
from refwasm.binary import encode_module  # noqa: E402
from refwasm.errors import FUEL_EXHAUSTED, ExceptionError, ExhaustionError, TrapError  # noqa: E402
from refwasm.features import Features  # noqa: E402
from refwasm.strategies import SwarmConfig, modules, swarm_configs, values  # noqa: E402
from refwasm.strategies.module import walk  # noqa: E402
from refwasm.syntax import ExternFunc, Module  # noqa: E402
from refwasm.syntax.instructions import StructNew, Throw, TryTable  # noqa: E402
from refwasm.syntax.types import ArrayType, StructType  # noqa: E402
from refwasm.text import parse_module, print_module  # noqa: E402
from refwasm.validation import validate_module  # noqa: E402

try:
    import wasmtime
except ImportError:  # pragma: no cover - depends on the environment
    wasmtime = None

F3 = Features.for_version("3.0")
FAST = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]


def _gc_eh_configs() -> st.SearchStrategy[SwarmConfig]:
    """3.0 configurations with GC and exception handling on (the rest drawn)."""
    return swarm_configs(features=F3).map(
        lambda c: replace(c, gc=True, exceptions=True, reference_types=True)
    )


def _engine() -> Any:
    config = wasmtime.Config()
    for proposal in ("multi_memory", "memory64", "relaxed_simd", "tail_call",
                     "function_references", "gc", "exceptions"):  # fmt: skip
        setattr(config, f"wasm_{proposal}", True)
    return wasmtime.Engine(config)


_ENGINE = _engine() if wasmtime is not None else None

options = st.fixed_dictionaries(
    {},
    optional={
        "ensure_termination": st.integers(0, 1000),
        "canonicalize_nans": st.booleans(),
        "disallow_traps": st.booleans(),
        "export_everything": st.booleans(),
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=FAST)
@given(st.data())
def test_gc_and_exception_modules_round_trip(data: st.DataObject) -> None:
    config = data.draw(_gc_eh_configs())
    module = data.draw(modules(config, **data.draw(options)))
    features = config.features
    assert features.gc and features.exceptions
    validate_module(module, features)
    assert parse_module(print_module(module, features), features) == module
    # Encoded under 3.0, as test_strategies_modules.py does: refwasm's encoder under a
    # configuration's own features mis-encodes an active segment of ``ref.null`` when
    # reference types are on and bulk memory off (a combination older than 3.0's).
    binary = encode_module(module, F3)
    assert embedding.module_decode(binary, F3) == module
    if _ENGINE is not None:
        wasmtime.Module.validate(_ENGINE, binary)


def test_the_modules_have_gc_types_and_tags() -> None:
    """The round trip above is about GC and exceptions: its modules have rec groups with
    struct and array types and ``sub`` declarations, tags, throws and ``try_table``s."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, suppress_health_check=FAST, database=None,
              derandomize=True)  # fmt: skip
    @given(_gc_eh_configs().flatmap(modules))
    def collect(module: Module) -> None:
        for t in module.types:
            groups = t.rectype.subtypes
            seen.update(type(s.comptype).__name__ for s in groups)
            seen.update("rec" for _ in groups[1:])
            seen.update("sub" for s in groups if s.supertypes)
        seen.update("tag" for _ in module.tags)
        for func in module.funcs:
            seen.update(type(i).__name__ for i in walk(func.body)
                        if isinstance(i, StructNew | Throw | TryTable))  # fmt: skip

    collect()
    wanted = {StructType.__name__, ArrayType.__name__, "rec", "sub", "tag", "StructNew",
              "Throw", "TryTable"}  # fmt: skip
    assert wanted - seen == set()


GC_AND_EH = {"StructNew", "StructNewDefault", "StructGet", "StructSet", "ArrayNew",
             "ArrayNewDefault", "ArrayNewFixed", "ArrayGet", "ArraySet", "ArrayLen", "ArrayFill",
             "ArrayCopy", "RefI31", "I31Get", "RefEq", "RefTest", "RefCast", "BrOnCast",
             "BrOnCastFail", "AnyConvertExtern", "ExternConvertAny", "Throw", "ThrowRef",
             "TryTable"}  # fmt: skip


def test_every_gc_and_exception_instruction_is_generated() -> None:
    """Under the options ``refwasm diff`` uses, every GC and exception instruction the
    generator knows appears (derandomized: a coverage claim must not depend on luck)."""
    seen: collections.Counter[str] = collections.Counter()

    @settings(max_examples=500, deadline=None, suppress_health_check=FAST, database=None,
              derandomize=True)  # fmt: skip
    @given(_gc_eh_configs().flatmap(lambda c: modules(
        c, ensure_termination=1000, canonicalize_nans=True, export_everything=True)))
    def collect(module: Module) -> None:
        for func in module.funcs:
            seen.update(type(i).__name__ for i in walk(func.body))

    collect()
    print("least frequent:", sorted((seen[n], n) for n in GC_AND_EH)[:5])
    assert {name for name in GC_AND_EH if seen[name] == 0} == set()


@settings(max_examples=100, deadline=None, suppress_health_check=FAST)
@given(st.data())
def test_every_call_ends(data: st.DataObject) -> None:
    """Under ``ensure_termination`` every export returns, traps, runs out of call stack, or
    throws an exception nobody catches; never the reference's own fuel backstop."""
    config = data.draw(_gc_eh_configs())
    module = data.draw(modules(config, ensure_termination=50, export_everything=True))
    store = embedding.store_init(max_call_depth=2_000)
    try:
        inst = embedding.module_instantiate(store, module, [], F3, fuel=200_000)
    except (TrapError, ExceptionError):
        return
    for name, externtype in embedding.module_exports(module):
        if not isinstance(externtype, ExternFunc):
            continue
        addr = embedding.instance_export(inst, name).addr
        ft = embedding.func_type(store, addr)
        args = [data.draw(values(t)) for t in ft.params]
        try:
            embedding.func_invoke(store, addr, args, fuel=200_000)
        except (TrapError, ExceptionError):
            pass
        except ExhaustionError as e:
            assert e.message != FUEL_EXHAUSTED
