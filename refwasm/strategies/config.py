"""Swarm configurations: which instruction classes a generated module may use, and how big.

Swarm testing (Groce et al., 2012) draws a configuration first and then a module under it, so
that each run leaves some features out entirely: a module without calls exercises the numeric
paths of an engine much harder than one where every tenth instruction is a call.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from hypothesis import strategies as st

from refwasm.features import Features


@dataclass(frozen=True, slots=True)
class SwarmConfig:
    """One drawn configuration: instruction classes and proposals on/off, plus size bounds.

    The proposal flags (``sign_extension`` .. ``simd``) also select the ``Features`` a generated
    module needs (``features``), so a module drawn without SIMD validates under 2.0 minus SIMD.
    """

    # Instruction classes of Wasm 1.0.
    int_numeric: bool = True
    float_numeric: bool = True
    control: bool = True
    memory: bool = True
    tables: bool = True
    globals: bool = True
    calls: bool = True
    call_indirect: bool = True
    # Proposals merged in 2.0.
    sign_extension: bool = True
    saturating_conversions: bool = True
    multi_value: bool = True
    reference_types: bool = True
    bulk_memory: bool = True
    simd: bool = True
    # Proposals merged in 3.0 (off unless a configuration is drawn under 3.0 features).
    extended_const: bool = False
    multi_memory: bool = False
    memory64: bool = False
    table64: bool = False
    relaxed_simd: bool = False
    tail_call: bool = False
    function_references: bool = False
    gc: bool = False
    exceptions: bool = False
    # Size bounds.
    max_types: int = 6
    max_funcs: int = 5
    max_globals: int = 4
    max_tables: int = 2
    max_memories: int = 1
    max_datas: int = 3
    max_elems: int = 3
    max_instrs: int = 60

    @property
    def features(self) -> Features:
        """The smallest feature set every module drawn under this configuration needs."""
        return Features.for_version("2.0").with_(
            **{name: getattr(self, name) for name in PROPOSALS_2_0 if name != "bulk_memory"},
            # The reference types proposal builds on bulk memory's element segment encodings
            # (flags 1-7): a module with reference types is encoded and decoded with both.
            bulk_memory=self.bulk_memory or self.reference_types,
            extended_const=self.extended_const,
            multi_memory=self.multi_memory,
            memory64=self.memory64 or self.table64,
            relaxed_simd=self.relaxed_simd,
            tail_call=self.tail_call,
            function_references=self.function_references or self.gc,
            gc=self.gc,
            exceptions=self.exceptions,
        )


_FLAGS = tuple(f.name for f in fields(SwarmConfig) if f.type in ("bool", bool))
PROPOSALS_2_0 = ("sign_extension", "saturating_conversions", "multi_value", "reference_types",
                 "bulk_memory", "simd")  # fmt: skip
# Each 3.0 flag of ``SwarmConfig``, the ``Features`` flag allowing it, and the flags it needs.
PROPOSALS_3_0: dict[str, tuple[str, tuple[str, ...]]] = {
    "extended_const": ("extended_const", ()),
    "multi_memory": ("multi_memory", ()),
    "memory64": ("memory64", ()),
    "table64": ("memory64", ()),
    "relaxed_simd": ("relaxed_simd", ("simd",)),
    "tail_call": ("tail_call", ()),
    # ``ref.func`` in bodies needs the declaring segment: reference types and bulk memory.
    "function_references": ("function_references", ("reference_types", "bulk_memory")),
    # Typed locals of struct/array types, and ``ref.null exn`` for ``exnref`` operands.
    "gc": ("gc", ("reference_types",)),
    "exceptions": ("exceptions", ("reference_types",)),
}
# Proposals whose generation is written but that the reference cannot run yet: never drawn
# by ``swarm_configs`` (a hand-built ``SwarmConfig`` may still switch them on).
NOT_DRAWN: frozenset[str] = frozenset()


def swarm_configs(
    *,
    max_types: int = 6,
    max_funcs: int = 5,
    max_globals: int = 4,
    max_tables: int = 2,
    max_memories: int = 3,
    max_datas: int = 3,
    max_elems: int = 3,
    max_instrs: int = 60,
    features: Features | None = None,
) -> st.SearchStrategy[SwarmConfig]:
    """Configurations with each instruction class and proposal independently on or off (each
    shrinks to "on"), and size bounds drawn up to the given maxima.

    ``features`` caps the proposals: by default 2.0 (no 3.0 proposal is drawn),
    ``Features.for_version("1.0")`` gives 1.0 modules only, ``"3.0"`` draws the 3.0 proposals
    the generator knows too.  ``max_memories`` is capped at 1 without multi-memory and
    ``max_tables`` at 1 without reference types.
    """
    allowed = features or Features.for_version("2.0")

    @st.composite
    def build(draw: st.DrawFn) -> SwarmConfig:
        flags = {name: not draw(st.booleans()) for name in _FLAGS}
        for proposal in PROPOSALS_2_0:
            flags[proposal] = flags[proposal] and getattr(allowed, proposal)
        for proposal, (feature, needs) in PROPOSALS_3_0.items():
            flags[proposal] = (flags[proposal] and getattr(allowed, feature)
                               and proposal not in NOT_DRAWN
                               and all(flags[n] for n in needs))  # fmt: skip
        tables = draw(st.integers(0, max_tables))
        memories = draw(st.integers(1, max(1, max_memories))) if flags["multi_memory"] else 1
        return SwarmConfig(
            **flags,
            max_types=draw(st.integers(1, max(1, max_types))),
            max_funcs=draw(st.integers(1, max(1, max_funcs))),
            max_globals=draw(st.integers(0, max_globals)),
            max_tables=tables if flags["reference_types"] else min(tables, 1),
            max_memories=min(memories, max_memories),
            max_datas=draw(st.integers(0, max_datas)),
            max_elems=draw(st.integers(0, max_elems)),
            max_instrs=draw(st.integers(1, max(1, max_instrs))),
        )

    return build()
