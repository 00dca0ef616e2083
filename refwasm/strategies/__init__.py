"""Hypothesis strategies of VALID Wasm 2.0 and 3.0 modules, for differential fuzzing (needs the
``fuzz`` extra: ``pip install refwasm[fuzz]``, i.e. Hypothesis).

Public API (documented in ``docs/strategies.md``):

* ``swarm_configs(...)`` -> ``SwarmConfig``: which instruction classes and proposals a module
  may use, and its size bounds;
* ``modules(config=None, *, ensure_termination=None, canonicalize_nans=False,
  disallow_traps=False, export_everything=False, ...)`` -> ``Module``;
* ``module_bytes(...)`` -> ``bytes`` (the same modules, binary encoded);
* ``values(valtype)`` -> edge-biased runtime values (exact bit patterns).
"""

from __future__ import annotations

from hypothesis import strategies as st

from refwasm.strategies.config import SwarmConfig, swarm_configs
from refwasm.strategies.module import modules
from refwasm.strategies.values import values


def module_bytes(
    config: SwarmConfig | None = None,
    *,
    ensure_termination: int | None = None,
    canonicalize_nans: bool = False,
    disallow_traps: bool = False,
    export_everything: bool = False,
    max_table_size: int = 16,
    max_memory_pages: int = 4,
    require_maximums: bool = False,
) -> st.SearchStrategy[bytes]:
    """``modules(...)`` encoded in the binary format (the same arguments), under the
    configuration's features when one is given (3.0 reads a function-index element segment as
    ``(ref func)``, so a 3.0 module's funcref segments are written as expressions)."""
    from refwasm.binary import encode_module
    from refwasm.features import Features

    # Without a configuration the generator draws 2.0 modules (``swarm_configs``' default).
    features = config.features if config is not None else Features.for_version("2.0")

    return modules(
        config,
        ensure_termination=ensure_termination,
        canonicalize_nans=canonicalize_nans,
        disallow_traps=disallow_traps,
        export_everything=export_everything,
        max_table_size=max_table_size,
        max_memory_pages=max_memory_pages,
        require_maximums=require_maximums,
    ).map(lambda m: encode_module(m, features))


__all__ = ["SwarmConfig", "module_bytes", "modules", "swarm_configs", "values"]
