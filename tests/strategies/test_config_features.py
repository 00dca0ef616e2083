"""A configuration's ``features`` are a set the binary format can encode its modules under."""

from refwasm.binary import decode_module, encode_module
from refwasm.strategies.config import SwarmConfig
from refwasm.text import parse_module


def test_reference_types_bring_the_bulk_memory_element_encodings() -> None:
    """An element segment of ``ref.null`` needs encoding 4 (bulk memory's); a configuration with
    reference types and without bulk memory instructions once encoded it under features that
    could not decode it."""
    features = SwarmConfig(reference_types=True, bulk_memory=False).features
    module = parse_module("(module (table 2 funcref) (elem (i32.const 0) funcref (ref.null func)))")
    assert decode_module(encode_module(module, features), features) == module


def test_without_reference_types_bulk_memory_stays_off() -> None:
    assert not SwarmConfig(reference_types=False, bulk_memory=False).features.bulk_memory
