"""Binary and text formats of exception handling (3.0): the tag section (id 13), tag imports
and exports (kind 4), ``throw`` (0x08), ``throw_ref`` (0x0A), ``try_table`` (0x1F) and its
catch clauses; the printer's round trip; all of it absent under 2.0."""

from __future__ import annotations

import pytest

from refwasm.binary.decode import decode_module
from refwasm.binary.encode import encode_module
from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.syntax.instructions import (
    Catch,
    CatchAll,
    CatchAllRef,
    CatchRef,
    Throw,
    ThrowRef,
    TryTable,
)
from refwasm.syntax.modules import ExternKind, Tag
from refwasm.syntax.types import ExternTag, TagType, TypeIdx
from refwasm.text.parser import parse_module
from refwasm.text.printer import print_module

V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")

HEADER = b"\x00asm\x01\x00\x00\x00"
TYPE_SECTION = b"\x01\x04\x01\x60\x00\x00"  # one type: [] -> []


def section(section_id: int, payload: bytes) -> bytes:
    return bytes([section_id, len(payload)]) + payload


def test_tag_section_decodes() -> None:
    m = decode_module(HEADER + TYPE_SECTION + section(13, b"\x01\x00\x00"), V3)
    assert m.tags == (Tag(TagType(TypeIdx(0))),)


def test_tag_section_sits_between_memory_and_global() -> None:
    globalsec = section(6, b"\x01\x7f\x00\x41\x00\x0b")
    decode_module(HEADER + TYPE_SECTION + section(13, b"\x01\x00\x00") + globalsec, V3)
    with pytest.raises(MalformedError, match="unexpected content after last section"):
        decode_module(HEADER + TYPE_SECTION + globalsec + section(13, b"\x01\x00\x00"), V3)


def test_tag_attribute_must_be_zero() -> None:
    with pytest.raises(MalformedError, match="malformed tag attribute"):
        decode_module(HEADER + TYPE_SECTION + section(13, b"\x01\x01\x00"), V3)


def test_no_tag_section_before_3_0() -> None:
    with pytest.raises(MalformedError, match="malformed section id"):
        decode_module(HEADER + TYPE_SECTION + section(13, b"\x01\x00\x00"), V2)


def test_tag_import_and_export_kind_4() -> None:
    imports = section(2, b"\x01\x01m\x01t\x04\x00\x00")
    exports = section(7, b"\x01\x01e\x04\x00")
    m = decode_module(HEADER + TYPE_SECTION + imports + exports, V3)
    assert m.imports[0].desc == ExternTag(TagType(TypeIdx(0)))
    assert m.exports[0].desc.kind is ExternKind.TAG
    with pytest.raises(MalformedError, match="malformed import kind"):
        decode_module(HEADER + TYPE_SECTION + imports, V2)
    with pytest.raises(MalformedError, match="malformed export kind"):
        decode_module(HEADER + TYPE_SECTION + exports, V2)


def code(body: bytes, between: bytes = b"") -> bytes:
    """A function section and a code section of one function of type 0 with ``body``, and
    the sections that go ``between`` them (the tag section does)."""
    entry = b"\x00" + body + b"\x0b"
    return section(3, b"\x01\x00") + between + section(10, b"\x01" + bytes([len(entry)]) + entry)


def test_throw_throw_ref_try_table_opcodes() -> None:
    # try_table (no type) with catch 0 0, catch_ref 0 1, catch_all 2, catch_all_ref 3;
    # body: throw 0; end; throw_ref (unreachable code, decoded all the same)
    body = b"\x1f\x40\x04\x00\x00\x00\x01\x00\x01\x02\x02\x03\x03\x08\x00\x0b\x0a"
    m = decode_module(HEADER + TYPE_SECTION + code(body, section(13, b"\x01\x00\x00")), V3)
    assert m.funcs[0].body == (
        TryTable(None, (Catch(0, 0), CatchRef(0, 1), CatchAll(2), CatchAllRef(3)), (Throw(0),)),
        ThrowRef(),
    )


def test_bad_catch_kind() -> None:
    body = b"\x1f\x40\x01\x04\x00\x0b"
    with pytest.raises(MalformedError, match="malformed catch clause"):
        decode_module(HEADER + TYPE_SECTION + code(body), V3)


@pytest.mark.parametrize("opcode", [b"\x08\x00", b"\x0a", b"\x1f\x40\x00\x0b"])
def test_exception_opcodes_are_illegal_before_3_0(opcode: bytes) -> None:
    with pytest.raises(MalformedError, match="illegal opcode"):
        decode_module(HEADER + TYPE_SECTION + code(opcode), V2)


ROUND_TRIP = """(module
  (import "m" "t" (tag $imported (param i64)))
  (tag $a)
  (tag $b (export "b") (param i32))
  (func (export "f") (param i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $b $h) (catch_all 1) (local.get 0) (throw $b)))
    (block $x (try_table (catch $a $x) (catch_all $x) (i64.const 1) (throw $imported))))
  (func
    block $l try_table $t (catch_all $l) throw $a end $t end))"""


def test_text_binary_and_printer_round_trips() -> None:
    m = parse_module(ROUND_TRIP, V3)
    assert parse_module(print_module(m), V3) == m
    assert decode_module(encode_module(m, V3), V3) == m


def test_text_forms_of_tags() -> None:
    m = parse_module(ROUND_TRIP, V3)
    assert len(m.tags) == 2 and len(m.imports) == 1
    assert m.funcs[0].body[1].body[0] == TryTable(  # type: ignore[attr-defined]
        None, (Catch(1, 0), CatchAll(0)), m.funcs[0].body[1].body[0].body)  # type: ignore[attr-defined]
    # The plain form's catch label $l names the label around the try_table: here none, so
    # ``$l`` is the try_table's own label only inside it; outside it is unknown.
    with pytest.raises(MalformedError, match="unknown label"):
        parse_module("(module (tag) (func try_table $l (catch_all $l) end))", V3)


@pytest.mark.parametrize("text, message", [
    ("(module (tag))", "unknown operator tag"),
    ("(module (tag) (func (throw 0)))", "unknown operator tag"),
    ("(module (func (try_table)))", "unknown operator try_table"),
    ("(module (func throw_ref))", "unknown operator throw_ref"),
])
def test_text_exceptions_absent_before_3_0(text: str, message: str) -> None:
    with pytest.raises(MalformedError, match=message):
        parse_module(text, V2)


@pytest.mark.parametrize("text", [
    "(module (func (catch_all)))",
    "(module (tag $e) (func (catch $e)))",
])
def test_a_catch_clause_outside_try_table_is_unexpected(text: str) -> None:
    with pytest.raises(MalformedError, match="unexpected token"):
        parse_module(text, V3)
