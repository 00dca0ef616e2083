"""The version/feature setting every layer (decode, parse, validate, execute) takes.

refwasm runs each official suite under its own version's rules: the 1.0 suite under 1.0 (no
multi-value, no reference types, ...), the 2.0 suite under 2.0 (one memory at most), the 3.0
suite under 3.0.  A layer never hard-wires one version; it asks the ``Features`` it is given.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass


class Version(enum.Enum):
    """A published edition of the core specification."""

    WASM_1_0 = "1.0"
    WASM_2_0 = "2.0"
    WASM_3_0 = "3.0"


@dataclass(frozen=True, slots=True)
class Features:
    """Which proposals are enabled; one flag per proposal merged into the spec."""

    # Merged in 2.0.
    sign_extension: bool = True
    saturating_conversions: bool = True
    multi_value: bool = True
    reference_types: bool = True
    bulk_memory: bool = True
    simd: bool = True
    # Merged in 3.0.
    tail_call: bool = False
    extended_const: bool = False
    function_references: bool = False
    gc: bool = False
    exceptions: bool = False
    multi_memory: bool = False
    memory64: bool = False
    relaxed_simd: bool = False
    # Rules of an edition that no proposal names.
    # A length (section size, vector count, name length) past this bound is ``length out of
    # bounds``: 2.0 bounds it by the input left after it, 1.0 by the size of the whole input
    # (a longer one is read on until the input runs out: ``unexpected end``).
    lengths_bounded_by_rest: bool = True

    @classmethod
    def for_version(cls, version: Version | str) -> Features:
        """The feature set of one edition of the spec."""
        version = Version(version)
        if version is Version.WASM_1_0:
            return cls(
                sign_extension=False,
                saturating_conversions=False,
                multi_value=False,
                reference_types=False,
                bulk_memory=False,
                simd=False,
                lengths_bounded_by_rest=False,
            )
        if version is Version.WASM_2_0:
            return cls()
        return cls(
            tail_call=True,
            extended_const=True,
            function_references=True,
            gc=True,
            exceptions=True,
            multi_memory=True,
            memory64=True,
            relaxed_simd=True,
        )

    def with_(self, **changes: bool) -> Features:
        """A copy with some flags changed (``Features().with_(simd=False)``)."""
        return dataclasses.replace(self, **changes)


# The newest edition refwasm implements; the default everywhere a setting is optional.
LATEST_IMPLEMENTED = Version.WASM_3_0
DEFAULT_FEATURES = Features.for_version(LATEST_IMPLEMENTED)
