"""How far a length may reach, by edition (``binary-vec``, ``binary-section``, ``binary-name``).

2.0 bounds a length (section size, vector count, name length) by the input left after it: a
longer one is ``length out of bounds``.  1.0 bounded it by the size of the whole input only, so
a length that fits the input but not its rest is read on until the input runs out: ``unexpected
end`` (``Features.lengths_bounded_by_rest``)."""

from __future__ import annotations

import pytest
from binary_helpers import HEADER

from refwasm.binary import decode_module
from refwasm.errors import (
    LENGTH_OUT_OF_BOUNDS,
    UNEXPECTED_END,
    UNEXPECTED_END_OF_SECTION,
    MalformedError,
)
from refwasm.features import Features

V1 = Features.for_version("1.0")
V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")

# A type section declaring 7 bytes and 2 types, of which only 1 type (3 bytes) is there.
SHORT_TYPE_SECTION = HEADER + b"\x01\x07\x02\x60\x00\x00"
# A custom section declaring 38 bytes; its name and payload take 36.
SHORT_CUSTOM = HEADER + b"\x00\x26\x10" + b"a custom section" + b"this is the payload"
# A type section whose vector count (16) fits the input (19 bytes) but not what follows it.
LONG_COUNT = HEADER + b"\x01\x04\x10\x60\x00\x00" + b"\x00\x03\x01x\x00"
# A custom section whose size exceeds the whole input.
HUGE_SECTION = HEADER + b"\x00\x61\x00"


def malformed(data: bytes, features: Features) -> str:
    with pytest.raises(MalformedError) as caught:
        decode_module(data, features)
    return caught.value.message


@pytest.mark.parametrize("features", [V2, V3], ids=["2.0", "3.0"])
@pytest.mark.parametrize(
    "data",
    [SHORT_TYPE_SECTION, SHORT_CUSTOM, LONG_COUNT, HUGE_SECTION],
    ids=["short-type-section", "short-custom", "long-count", "huge-section"],
)
def test_2_0_bounds_lengths_by_the_input_left(data: bytes, features: Features) -> None:
    assert malformed(data, features) == LENGTH_OUT_OF_BOUNDS


def test_1_0_reads_an_over_long_section_until_the_input_runs_out() -> None:
    assert malformed(SHORT_TYPE_SECTION, V1) == UNEXPECTED_END_OF_SECTION
    assert malformed(SHORT_CUSTOM, V1).startswith(UNEXPECTED_END)


def test_1_0_bounds_a_count_by_the_whole_input_only() -> None:
    assert malformed(LONG_COUNT, V1) != LENGTH_OUT_OF_BOUNDS


def test_1_0_still_rejects_a_length_past_the_whole_input() -> None:
    assert malformed(HUGE_SECTION, V1) == LENGTH_OUT_OF_BOUNDS


def test_a_length_within_the_rest_decodes_under_every_edition() -> None:
    data = HEADER + b"\x01\x04\x01\x60\x00\x00"
    for features in (V1, V2, V3):
        assert len(decode_module(data, features).types) == 1
