"""The official suite's binary modules through the decoder (via ``wast2json``).

* every ``assert_malformed (module binary ...)`` of the 2.0 suite raises ``MalformedError``
  whose message starts with the expected text (the suite's runners compare prefixes);
* every module the suite expects well formed decodes, and re-encodes to bytes that decode to
  the same module;
* the 1.0 suite under 1.0 features: well-formed modules decode, malformed ones are rejected
  (the 1.0 reference interpreter worded several messages differently, so only the outcome is
  checked there).
"""

from __future__ import annotations

import pytest
from binary_helpers import SuiteModule

from refwasm.binary import decode_module, encode_module
from refwasm.errors import MalformedError
from refwasm.features import Features

V2 = Features.for_version("2.0")  # the 2.0 suite under its own rules

pytestmark = pytest.mark.peer

# Commands whose module the suite expects to decode (instantiate, link, run or trap later).
_WELL_FORMED = {"module", "assert_unlinkable", "assert_uninstantiable", "assert_trap"}


def _malformed(modules: list[SuiteModule]) -> list[SuiteModule]:
    return [m for m in modules if m.command == "assert_malformed"]


def _well_formed(modules: list[SuiteModule]) -> list[SuiteModule]:
    return [m for m in modules if m.command in _WELL_FORMED]


def test_2_0_assert_malformed_messages(suite_modules: dict[str, list[SuiteModule]]) -> None:
    cases = _malformed(suite_modules["2.0"])
    assert len(cases) >= 700  # binary.wast, binary-leb128.wast, custom.wast, utf8-*.wast, ...
    failures = []
    for case in cases:
        assert case.text is not None
        try:
            decode_module(case.data, V2)
        except MalformedError as e:
            if not e.message.startswith(case.text):
                failures.append(f"{case.id}: expected {case.text!r}, got {e.message!r}")
        else:
            failures.append(f"{case.id}: expected {case.text!r}, decoded")
    assert failures == []


def test_2_0_well_formed_modules_decode_and_round_trip(
    suite_modules: dict[str, list[SuiteModule]],
) -> None:
    cases = _well_formed(suite_modules["2.0"])
    assert len(cases) >= 1500
    canonical = 0
    for case in cases:
        module = decode_module(case.data, V2)
        encoded = encode_module(module, V2)
        assert decode_module(encoded, V2) == module, case.id
        canonical += encoded == case.data
    # wat2wasm writes canonical bytes; only the suite's hand-written binaries differ.
    assert canonical >= 0.95 * len(cases)


def test_1_0_suite_under_1_0(suite_modules: dict[str, list[SuiteModule]]) -> None:
    features = Features.for_version("1.0")
    modules = suite_modules["1.0"]
    for case in _well_formed(modules):
        decode_module(case.data, features)
    malformed = _malformed(modules)
    assert len(malformed) >= 600
    for case in malformed:
        with pytest.raises(MalformedError):
            decode_module(case.data, features)
