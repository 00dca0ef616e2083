"""The generator's segment-fed arrays, reference-typed fields and tag imports/exports (3.0):
each is drawn under the options ``refwasm diff`` uses, the modules are valid (refwasm and
wasmtime), nothing traps where traps are disallowed, and modules importing tags link to tags
of their types and agree with wasmtime through recording imports (``refwasm diff --modules``).
"""

from __future__ import annotations

import collections
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from refwasm import embedding  # noqa: E402
from refwasm.binary import encode_module  # noqa: E402
from refwasm.errors import (  # noqa: E402
    FUEL_EXHAUSTED,
    UNREACHABLE,
    ExceptionError,
    ExhaustionError,
    TrapError,
)
from refwasm.execution.values import ExternTagAddr  # noqa: E402
from refwasm.features import Features  # noqa: E402
from refwasm.strategies import SwarmConfig, modules, swarm_configs, values  # noqa: E402
from refwasm.strategies.module import walk  # noqa: E402
from refwasm.syntax import ExternFunc, Module  # noqa: E402
from refwasm.syntax.modules import func_type_at, subtypes  # noqa: E402
from refwasm.syntax.types import ArrayType, ExternTag, RefType, StructType, TypeIdx  # noqa: E402
from refwasm.validation import validate_module  # noqa: E402

F3 = Features.for_version("3.0")
FAST = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
NEW_INSTRUCTIONS = ("ArrayNewData", "ArrayNewElem", "ArrayInitData", "ArrayInitElem")


def _gc_eh_configs() -> st.SearchStrategy[SwarmConfig]:
    """3.0 configurations with GC and exception handling on (the rest drawn)."""
    return swarm_configs(features=F3).map(
        lambda c: replace(c, gc=True, exceptions=True, reference_types=True)
    )


def _features(module: Module) -> list[str]:
    """What a module carries of this file's subject, one name each."""
    seen = {type(i).__name__ for f in module.funcs for i in walk(f.body)} & set(NEW_INSTRUCTIONS)
    for t in module.types:
        for sub in t.rectype.subtypes:
            ct = sub.comptype
            fields = ct.fields if isinstance(ct, StructType) else ()
            if isinstance(ct, ArrayType):
                fields = (ct.field,)
            if any(isinstance(f.storage, RefType) for f in fields):
                seen.add(f"ref field in {type(ct).__name__}")
    if any(isinstance(i.desc, ExternTag) for i in module.imports):
        seen.add("tag import")
    if any(e.desc.kind.value == "tag" for e in module.exports):
        seen.add("tag export")
    return sorted(seen)


def test_each_new_form_is_drawn_under_the_diff_options() -> None:
    """Derandomized, as a coverage claim must not depend on luck; prints the share of modules
    carrying each."""
    counts: collections.Counter[str] = collections.Counter()
    total = [0]

    @settings(max_examples=500, deadline=None, suppress_health_check=FAST, database=None,
              derandomize=True)  # fmt: skip
    @given(_gc_eh_configs().flatmap(lambda c: modules(
        c, ensure_termination=1000, canonicalize_nans=True, export_everything=True,
        import_tags=True)))
    def collect(module: Module) -> None:
        total[0] += 1
        counts.update(_features(module))

    collect()
    print({name: f"{counts[name] / total[0]:.0%}" for name in sorted(counts)})
    wanted = {*NEW_INSTRUCTIONS, "ref field in StructType", "ref field in ArrayType",
              "tag import", "tag export"}  # fmt: skip
    assert {name for name in wanted if counts[name] == 0} == set()


def _tag_imports(store: Any, module: Module) -> list[ExternTagAddr]:
    """A fresh tag of each tag import's function type (``tag_alloc``)."""
    space = subtypes(module)
    externs = []
    for im in module.imports:
        assert isinstance(im.desc, ExternTag) and isinstance(im.desc.tagtype.typeuse, TypeIdx)
        ft = func_type_at(space, im.desc.tagtype.typeuse.idx)
        assert ft is not None
        externs.append(ExternTagAddr(embedding.tag_alloc(store, ft)))
    return externs


def _segment_heavy_configs() -> st.SearchStrategy[SwarmConfig]:
    """GC configurations where GC code is most of a body and segments are there to feed
    arrays: the numeric and vector classes off, bulk memory on, segments up to the maxima."""
    return _gc_eh_configs().map(lambda c: replace(
        c, int_numeric=False, float_numeric=False, simd=False, relaxed_simd=False,
        bulk_memory=True, memory=True, max_datas=3, max_elems=3, max_instrs=60))


@settings(max_examples=60, deadline=None, suppress_health_check=FAST)
@given(st.data())
def test_modules_are_valid_and_keep_disallowed_traps_out(data: st.DataObject) -> None:
    """Valid in refwasm and wasmtime; linked to tags of their import types; with traps
    disallowed, only the fuel check's ``unreachable`` traps and nothing is thrown."""
    config = data.draw(st.one_of(_gc_eh_configs(), _segment_heavy_configs()))
    disallow = data.draw(st.booleans())
    module = data.draw(modules(config, ensure_termination=50, export_everything=True,
                               disallow_traps=disallow, import_tags=True))  # fmt: skip
    validate_module(module, config.features)
    binary = encode_module(module, F3)
    assert embedding.module_decode(binary, F3) == module
    wasmtime = pytest.importorskip("wasmtime")
    cfg = wasmtime.Config()
    for proposal in ("multi_memory", "memory64", "tail_call", "function_references", "gc",
                     "exceptions"):  # fmt: skip
        setattr(cfg, f"wasm_{proposal}", True)
    wasmtime.Module.validate(wasmtime.Engine(cfg), binary)
    _run_exports(data, module, disallow)


@settings(max_examples=60, deadline=None, suppress_health_check=FAST)
@given(st.data())
def test_segment_fed_arrays_stay_in_bounds_when_traps_are_disallowed(
    data: st.DataObject,
) -> None:
    """The source range of ``array.new_data`` .. ``array.init_elem`` is in bounds of what the
    segment holds after instantiation (an active or declared segment holds nothing)."""
    module = data.draw(_segment_heavy_configs().flatmap(lambda c: modules(
        c, ensure_termination=50, export_everything=True, disallow_traps=True)))
    _run_exports(data, module, True)


def _run_exports(data: st.DataObject, module: Module, disallow: bool) -> None:
    """Instantiate (tag imports linked to fresh tags) and call every export."""
    store = embedding.store_init(max_call_depth=2_000)
    try:
        inst = embedding.module_instantiate(store, module, _tag_imports(store, module), F3,
                                            fuel=200_000)  # fmt: skip
    except TrapError as e:
        assert not disallow or e.message == UNREACHABLE, e.message
        return
    for name, externtype in embedding.module_exports(module):
        if not isinstance(externtype, ExternFunc):
            continue
        addr = embedding.instance_export(inst, name).addr  # type: ignore[union-attr]
        ft = embedding.func_type(store, addr)
        try:
            embedding.func_invoke(store, addr, [data.draw(values(t)) for t in ft.params],
                                  fuel=200_000)  # fmt: skip
        except TrapError as e:
            assert not disallow or e.message == UNREACHABLE, e.message
        except ExceptionError:
            assert not disallow
        except ExhaustionError as e:
            assert e.message != FUEL_EXHAUSTED


@pytest.mark.peer
def test_modules_importing_tags_agree_with_wasmtime(tmp_path: Path) -> None:
    """``refwasm diff --modules`` (recording imports supply the tags) over generated modules
    that import and export tags: no disagreement with wasmtime."""
    from refwasm.engines import EngineError, engine_named
    from refwasm.oracle.modules import diff_modules

    features = F3.with_(simd=False, relaxed_simd=False)
    try:
        engine_named("wasmtime").session(features)
    except EngineError as error:
        pytest.skip(f"engine wasmtime unavailable: {error}")
    paths: list[str] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=FAST, database=None,
              derandomize=True)  # fmt: skip
    @given(swarm_configs(features=features).map(
        lambda c: replace(c, gc=True, exceptions=True, reference_types=True)).flatmap(
        lambda c: modules(c, ensure_termination=1000, canonicalize_nans=True,
                          export_everything=True, import_tags=True)))
    def write(module: Module) -> None:
        path = tmp_path / f"{len(paths)}.wasm"
        path.write_bytes(encode_module(module, F3))
        paths.append(str(path))

    write()
    sink = io.StringIO()
    summary = diff_modules(paths, ["wasmtime"], F3, out=tmp_path / "out", sink=sink)
    print(summary.json())
    assert summary.disagree == 0, sink.getvalue()
    assert summary.modules == len(paths) >= 40
    assert summary.agree > summary.modules // 2  # most are conclusive
