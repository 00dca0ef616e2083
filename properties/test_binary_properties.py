"""Properties of the binary format.

* ``decode(encode(m)) == m`` for arbitrary (not necessarily valid) modules;
* encoding is canonical: ``encode(decode(encode(m))) == encode(m)``;
* ``decode`` on arbitrary bytes, and on mutations of real encodings (which get past the
  header and into sections and code), raises nothing but ``MalformedError``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from syntax_strategies import instrs, modules

from refwasm.binary import decode_module, encode_module
from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.syntax import Func, FuncType, Module, Type, plain_functype

HEADER = b"\x00asm\x01\x00\x00\x00"
MANY = settings(max_examples=2000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
FEWER = settings(max_examples=400, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip


def decodes_or_is_malformed(data: bytes, features: Features | None = None) -> None:
    """The only acceptable outcomes of decoding any bytes."""
    try:
        decode_module(data) if features is None else decode_module(data, features)
    except MalformedError:
        pass


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules(max_items=2))
def test_decode_inverts_encode(m: Module) -> None:
    data = encode_module(m)
    assert decode_module(data) == m
    assert encode_module(decode_module(data)) == data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(instrs(max_leaves=30), max_size=20))
def test_decode_inverts_encode_on_long_function_bodies(body: list) -> None:  # type: ignore[type-arg]
    m = Module(types=(Type(plain_functype(FuncType((), ()))),), funcs=(Func(0, (), tuple(body)),),
               datacount=True)  # fmt: skip
    assert decode_module(encode_module(m)) == m


@MANY
@given(st.binary(max_size=64))
def test_arbitrary_bytes_are_decoded_or_malformed(data: bytes) -> None:
    decodes_or_is_malformed(data)


@MANY
@given(st.binary(max_size=96))
def test_arbitrary_bytes_after_the_header_are_decoded_or_malformed(data: bytes) -> None:
    decodes_or_is_malformed(HEADER + data)


@st.composite
def mutated_encodings(draw: st.DrawFn) -> bytes:
    """The encoding of a generated module with a few bytes flipped, inserted, deleted or the
    tail cut off: mostly well framed, so decoding gets deep before anything goes wrong."""
    data = bytearray(encode_module(draw(modules(max_items=1))))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        at = draw(st.integers(8, max(8, len(data) - 1)))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and at < len(data):
            data[at] = draw(st.sampled_from([0x00, 0x0B, 0x40, 0x7F, 0x80, 0xFF, 0xFC, 0xFD]))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=3))
        elif kind == "delete" and at < len(data):
            del data[at]
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


@MANY
@given(mutated_encodings())
def test_mutated_encodings_are_decoded_or_malformed(data: bytes) -> None:
    decodes_or_is_malformed(data)


@FEWER
@given(mutated_encodings(), st.sampled_from(["1.0", "2.0", "3.0"]))
def test_every_version_decodes_or_rejects_as_malformed(data: bytes, version: str) -> None:
    decodes_or_is_malformed(data, Features.for_version(version))
