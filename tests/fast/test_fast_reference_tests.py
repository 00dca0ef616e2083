"""The reference's own execution tests, run again with every store on the fast engine.

The modules and expected values are those of ``tests/execution``; only ``store_init`` changes.
Functions using instructions the translator does not take (tail calls) run on the reference
inside the fast store, so those tests check the fallback too.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from refwasm import embedding

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "execution"))

MODULES = ["test_exec_tail_calls_refs", "test_exec_control", "test_exec_memory",
           "test_exec_numeric", "test_exec_tables_variables", "test_exec_exhaustion"]


def collected() -> list[Any]:
    params = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in sorted(dir(module)):
            fn = getattr(module, attr)
            if attr.startswith("test_") and callable(fn) and not hasattr(fn, "pytestmark"):
                params.append(pytest.param(fn, id=f"{name}::{attr}"))
    return params


@pytest.mark.parametrize("test", collected())
def test_on_fast_engine(test: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    original = embedding.store_init

    def fast_store(**kw: Any) -> Any:
        kw.setdefault("engine", "fast")
        return original(**kw)

    monkeypatch.setattr(embedding, "store_init", fast_store)
    test()
