"""Module structure (``binary-module``, ``binary-section`` and each section's rule)."""

from __future__ import annotations

import pytest
from binary_helpers import HEADER, section

from refwasm.binary import decode_module
from refwasm.errors import (
    DATA_COUNT_MISMATCH,
    DATA_COUNT_REQUIRED,
    FUNC_CODE_MISMATCH,
    LENGTH_OUT_OF_BOUNDS,
    MAGIC_HEADER,
    MALFORMED_DATA_SEGMENT_KIND,
    MALFORMED_ELEMENTS_SEGMENT_KIND,
    MALFORMED_EXPORT_KIND,
    MALFORMED_IMPORT_KIND,
    MALFORMED_MUTABILITY,
    MALFORMED_REFERENCE_TYPE,
    MALFORMED_SECTION_ID,
    MALFORMED_UTF8,
    SECTION_SIZE_MISMATCH,
    TOO_MANY_LOCALS,
    UNEXPECTED_CONTENT_AFTER_LAST_SECTION,
    UNEXPECTED_END,
    UNEXPECTED_END_OF_SECTION,
    UNKNOWN_BINARY_VERSION,
    MalformedError,
)
from refwasm.features import Features
from refwasm.syntax import (
    DECLARE,
    EXTERNREF,
    FUNCREF,
    PASSIVE,
    AbsHeapType,
    Active,
    AddrType,
    Const,
    Custom,
    Data,
    Elem,
    Export,
    ExternFunc,
    ExternGlobal,
    ExternIdx,
    ExternKind,
    ExternMem,
    ExternTable,
    Func,
    FuncType,
    Global,
    GlobalType,
    Import,
    Limits,
    Mem,
    MemType,
    Module,
    Mut,
    NumType,
    RefFunc,
    RefNull,
    Start,
    Table,
    TableType,
    Type,
    TypeIdx,
    plain_functype,
)

I32 = NumType.I32
TYPE0 = section(1, b"\x01\x60\x00\x00")
FUNC0 = section(3, b"\x01\x00")
CODE0 = section(10, b"\x01\x02\x00\x0b")


# The tests below pin the 2.0 rules (the default edition is 3.0, where some of these decode).
V2 = Features.for_version("2.0")


def malformed(data: bytes, message: str, features: Features | None = None) -> None:
    with pytest.raises(MalformedError) as info:
        decode_module(data, V2 if features is None else features)
    assert info.value.message == message


# -- Header ---------------------------------------------------------------------------------


def test_empty_module() -> None:
    module = decode_module(HEADER)
    assert module == Module()
    assert module.datacount is False


def test_short_header_is_unexpected_end() -> None:
    malformed(b"\x00as", UNEXPECTED_END)
    malformed(b"\x00asm\x01", UNEXPECTED_END)


def test_wrong_magic() -> None:
    malformed(b"\x00ASM\x01\x00\x00\x00", MAGIC_HEADER)


def test_wrong_version() -> None:
    malformed(b"\x00asm\x02\x00\x00\x00", UNKNOWN_BINARY_VERSION)


# -- Section framing ------------------------------------------------------------------------


def test_unknown_section_id() -> None:
    malformed(HEADER + b"\x0e\x01\x00", MALFORMED_SECTION_ID)


def test_data_count_section_id_needs_bulk_memory() -> None:
    malformed(HEADER + b"\x0c\x01\x00", MALFORMED_SECTION_ID, Features.for_version("1.0"))


def test_section_size_beyond_input_is_length_out_of_bounds() -> None:
    malformed(HEADER + b"\x01\x07\x02\x60\x00\x00", LENGTH_OUT_OF_BOUNDS)


def test_section_longer_than_its_contents() -> None:
    malformed(HEADER + b"\x01\x07\x01\x60\x00\x00\x60\x00\x00", SECTION_SIZE_MISMATCH)


def test_section_shorter_than_its_contents() -> None:
    # The type section claims 3 bytes but its function type needs 4.
    malformed(HEADER + b"\x01\x03\x01\x60\x00\x00", SECTION_SIZE_MISMATCH)


def test_contents_running_past_the_input() -> None:
    malformed(HEADER + b"\x05\x01\x01", UNEXPECTED_END_OF_SECTION)


def test_section_size_missing_is_unexpected_end() -> None:
    malformed(HEADER + b"\x01", UNEXPECTED_END)


# -- Section order --------------------------------------------------------------------------


def test_duplicate_section() -> None:
    malformed(HEADER + TYPE0 + TYPE0, UNEXPECTED_CONTENT_AFTER_LAST_SECTION)


def test_sections_out_of_order() -> None:
    malformed(HEADER + FUNC0 + TYPE0, UNEXPECTED_CONTENT_AFTER_LAST_SECTION)


def test_data_count_goes_before_code() -> None:
    datacount = section(12, b"\x00")
    decode_module(HEADER + TYPE0 + FUNC0 + datacount + CODE0)
    malformed(HEADER + TYPE0 + FUNC0 + CODE0 + datacount, UNEXPECTED_CONTENT_AFTER_LAST_SECTION)


def test_custom_sections_anywhere_with_their_position() -> None:
    custom_a = section(0, b"\x01a" + b"xyz")
    custom_b = section(0, b"\x01b")
    module = decode_module(HEADER + custom_a + TYPE0 + FUNC0 + custom_b + CODE0 + custom_a)
    assert module.customs == (Custom("a", b"xyz", 0), Custom("b", b"", 3),
                              Custom("a", b"xyz", 10))  # fmt: skip


def test_custom_section_name_longer_than_section() -> None:
    # Size 1, name length 2: the name runs past the section, then the payload length is < 0.
    with pytest.raises(MalformedError, match="unexpected end"):
        decode_module(HEADER + b"\x00\x01\x02ab")


def test_custom_section_without_name_is_unexpected_end() -> None:
    with pytest.raises(MalformedError, match="unexpected end"):
        decode_module(HEADER + b"\x00\x00")


# -- UTF-8 names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        b"\xc0\x80",  # overlong NUL
        b"\xe0\x80\xaf",  # overlong '/'
        b"\xed\xa0\x80",  # surrogate U+D800
        b"\xed\xbf\xbf",  # surrogate U+DFFF
        b"\xe2\x82",  # truncated 3-byte sequence
        b"\x80",  # lone continuation byte
        b"\xf4\x90\x80\x80",  # past U+10FFFF
        b"\xff",  # never valid
    ],
)
def test_malformed_utf8_names(name: bytes) -> None:
    payload = bytes([len(name)]) + name
    malformed(HEADER + section(0, payload), MALFORMED_UTF8)
    imports = b"\x01" + payload + b"\x01f\x02\x00\x00"
    malformed(HEADER + section(2, imports), MALFORMED_UTF8)


def test_utf8_names_decode() -> None:
    name = "\u00e9\u4e2d\U0001f600"
    raw = name.encode()
    module = decode_module(HEADER + section(0, bytes([len(raw)]) + raw))
    assert module.customs[0].name == name


# -- Types, imports, functions, tables, memories, globals -----------------------------------


def test_type_section() -> None:
    module = decode_module(HEADER + section(1, b"\x02\x60\x01\x7f\x00\x60\x00\x02\x7e\x7d"))
    assert module.types == (
        Type(plain_functype(FuncType((I32,), ()))),
        Type(plain_functype(FuncType((), (NumType.I64, NumType.F32)))),
    )


def test_import_kinds() -> None:
    payload = (b"\x04"
               + b"\x01m\x01f\x00\x00"
               + b"\x01m\x01t\x01\x70\x01\x01\x02"
               + b"\x01m\x01m\x02\x00\x01"
               + b"\x01m\x01g\x03\x7f\x01")  # fmt: skip
    module = decode_module(HEADER + section(2, payload))
    assert module.imports == (
        Import("m", "f", ExternFunc(TypeIdx(0))),
        Import("m", "t", ExternTable(TableType(AddrType.I32, Limits(1, 2), FUNCREF))),
        Import("m", "m", ExternMem(MemType(AddrType.I32, Limits(1)))),
        Import("m", "g", ExternGlobal(GlobalType(Mut.VAR, I32))),
    )


def test_malformed_import_kind() -> None:
    malformed(HEADER + section(2, b"\x01\x01m\x01f\x04\x00"), MALFORMED_IMPORT_KIND)


def test_table_and_memory_limits() -> None:
    module = decode_module(HEADER + section(4, b"\x01\x6f\x00\x05") + section(5, b"\x01\x01\x00\x10"))
    assert module.tables == (Table(TableType(AddrType.I32, Limits(5), EXTERNREF)),)
    assert module.mems == (Mem(MemType(AddrType.I32, Limits(0, 16))),)


def test_limits_flag_other_than_0_or_1() -> None:
    malformed(HEADER + section(5, b"\x01\x02\x00"), "integer too large")


def test_table_reference_type() -> None:
    malformed(HEADER + section(4, b"\x01\x7f\x00\x00"), MALFORMED_REFERENCE_TYPE)


def test_externref_table_needs_reference_types() -> None:
    malformed(HEADER + section(4, b"\x01\x6f\x00\x00"), MALFORMED_REFERENCE_TYPE,
              Features.for_version("1.0"))  # fmt: skip


def test_global_section_and_mutability() -> None:
    module = decode_module(HEADER + section(6, b"\x01\x7f\x00\x41\x2a\x0b"))
    assert module.globals == (Global(GlobalType(Mut.CONST, I32), (Const(I32, 42),)),)
    malformed(HEADER + section(6, b"\x01\x7f\x02\x41\x00\x0b"), MALFORMED_MUTABILITY)


def test_export_section() -> None:
    module = decode_module(HEADER + section(7, b"\x02\x01a\x00\x03\x01b\x03\x00"), V2)
    assert module.exports == (Export("a", ExternIdx(ExternKind.FUNC, 3)),
                              Export("b", ExternIdx(ExternKind.GLOBAL, 0)))  # fmt: skip
    malformed(HEADER + section(7, b"\x01\x01a\x04\x00"), MALFORMED_EXPORT_KIND)


def test_start_section() -> None:
    assert decode_module(HEADER + section(8, b"\x05")).start == Start(5)


# -- Functions and code ---------------------------------------------------------------------


def test_function_and_code() -> None:
    code = section(10, b"\x01\x06\x02\x01\x7f\x02\x7e\x0b")
    module = decode_module(HEADER + TYPE0 + FUNC0 + code)
    assert module.funcs == (Func(0, (I32, NumType.I64, NumType.I64), ()),)


def test_function_without_code() -> None:
    malformed(HEADER + TYPE0 + FUNC0, FUNC_CODE_MISMATCH)


def test_code_without_function() -> None:
    malformed(HEADER + TYPE0 + CODE0, FUNC_CODE_MISMATCH)


def test_function_body_size_mismatch() -> None:
    malformed(HEADER + TYPE0 + FUNC0 + section(10, b"\x01\x03\x00\x0b\x01"), SECTION_SIZE_MISMATCH)


def test_too_many_locals_beyond_u32() -> None:
    body = b"\x02\xff\xff\xff\xff\x0f\x7f\x02\x7e\x0b"
    code = section(10, b"\x01" + bytes([len(body)]) + body)
    malformed(HEADER + TYPE0 + FUNC0 + code, TOO_MANY_LOCALS)


def test_too_many_locals_beyond_the_implementation_limit() -> None:
    body = b"\x01\x80\x80\x80\x01\x7f\x0b"  # 2^21 locals: a valid count refwasm will not list
    code = section(10, b"\x01" + bytes([len(body)]) + body)
    malformed(HEADER + TYPE0 + FUNC0 + code, TOO_MANY_LOCALS)


def test_equal_local_declarations_share_one_tuple() -> None:
    body = b"\x02\x02\x7f\x01\x7e\x0b"  # (local i32 i32 i64)
    n = 3
    code = section(10, bytes([n]) + (bytes([len(body)]) + body) * n)
    funcs = section(3, bytes([n]) + b"\x00" * n)
    module = decode_module(HEADER + TYPE0 + funcs + code)
    assert module.funcs[0].locals == (I32, I32, NumType.I64)
    assert module.funcs[0].locals is module.funcs[1].locals is module.funcs[2].locals


def test_too_many_distinct_locals_in_a_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Distinct declarations are bounded module-wide (``MAX_MODULE_LOCALS``): a few bytes
    declare 50,000 locals; equal declarations count once."""
    from refwasm.binary import decode

    monkeypatch.setattr(decode, "MAX_MODULE_LOCALS", 5)
    bodies = [b"\x01\x02\x7f\x0b", b"\x01\x02\x7f\x0b", b"\x01\x03\x7f\x0b"]
    funcs = section(3, b"\x03" + b"\x00" * 3)
    code = section(10, b"\x03" + b"".join(bytes([len(b)]) + b for b in bodies))
    assert len(decode_module(HEADER + TYPE0 + funcs + code).funcs) == 3  # 2 + 3 locals
    bodies[1] = b"\x01\x01\x7f\x0b"  # now 2 + 1 + 3
    code = section(10, b"\x03" + b"".join(bytes([len(b)]) + b for b in bodies))
    malformed(HEADER + TYPE0 + funcs + code, TOO_MANY_LOCALS)


# -- Element segments -----------------------------------------------------------------------

OFFSET = b"\x41\x00\x0b"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        (b"\x00" + OFFSET + b"\x02\x00\x01",
         Elem(FUNCREF, ((RefFunc(0),), (RefFunc(1),)), Active(0, (Const(I32, 0),)))),
        (b"\x01\x00\x01\x07", Elem(FUNCREF, ((RefFunc(7),),), PASSIVE)),
        (b"\x02\x01" + OFFSET + b"\x00\x01\x02",
         Elem(FUNCREF, ((RefFunc(2),),), Active(1, (Const(I32, 0),)))),
        (b"\x03\x00\x01\x03", Elem(FUNCREF, ((RefFunc(3),),), DECLARE)),
        (b"\x04" + OFFSET + b"\x01\xd0\x70\x0b",
         Elem(FUNCREF, ((RefNull(AbsHeapType.FUNC),),), Active(0, (Const(I32, 0),)))),
        (b"\x05\x6f\x01\xd0\x6f\x0b", Elem(EXTERNREF, ((RefNull(AbsHeapType.EXTERN),),), PASSIVE)),
        (b"\x06\x02" + OFFSET + b"\x70\x01\xd2\x04\x0b",
         Elem(FUNCREF, ((RefFunc(4),),), Active(2, (Const(I32, 0),)))),
        (b"\x07\x70\x00", Elem(FUNCREF, (), DECLARE)),
    ],
)
def test_element_segment_encodings(encoding: bytes, expected: Elem) -> None:
    assert decode_module(HEADER + section(9, b"\x01" + encoding), V2).elems == (expected,)


def test_element_segment_kind_beyond_7() -> None:
    malformed(HEADER + section(9, b"\x01\x08"), MALFORMED_ELEMENTS_SEGMENT_KIND)


def test_element_kind_must_be_zero() -> None:
    malformed(HEADER + section(9, b"\x01\x01\x01\x00"), "malformed element kind")


def test_element_segment_1_0_reads_a_table_index() -> None:
    module = decode_module(HEADER + section(9, b"\x01\x01" + OFFSET + b"\x00"),
                           Features.for_version("1.0"))  # fmt: skip
    assert module.elems == (Elem(FUNCREF, (), Active(1, (Const(I32, 0),))),)


# -- Data segments and the data count -------------------------------------------------------


def test_data_segment_encodings() -> None:
    payload = b"\x03" + b"\x00" + OFFSET + b"\x02hi" + b"\x01\x00" + b"\x02\x01" + OFFSET + b"\x00"
    module = decode_module(HEADER + section(11, payload))
    assert module.datas == (
        Data(b"hi", Active(0, (Const(I32, 0),))),
        Data(b"", PASSIVE),
        Data(b"", Active(1, (Const(I32, 0),))),
    )
    assert module.datacount is False


def test_data_segment_kind_beyond_2() -> None:
    malformed(HEADER + section(11, b"\x01\x03"), MALFORMED_DATA_SEGMENT_KIND)


def test_data_count_present() -> None:
    module = decode_module(HEADER + section(12, b"\x01") + section(11, b"\x01\x01\x00"))
    assert module.datacount is True


def test_data_count_mismatch() -> None:
    malformed(HEADER + section(12, b"\x02") + section(11, b"\x01\x01\x00"), DATA_COUNT_MISMATCH)
    malformed(HEADER + section(12, b"\x01"), DATA_COUNT_MISMATCH)


@pytest.mark.parametrize("instr", [b"\xfc\x09\x00", b"\x41\x00\x41\x00\x41\x00\xfc\x08\x00\x00"])
def test_data_count_required_by_data_indices(instr: bytes) -> None:
    body = b"\x00" + instr + b"\x0b"
    code = section(10, b"\x01" + bytes([len(body)]) + body)
    data = section(11, b"\x01\x01\x00")
    malformed(HEADER + TYPE0 + FUNC0 + code + data, DATA_COUNT_REQUIRED)
    decode_module(HEADER + TYPE0 + FUNC0 + section(12, b"\x01") + code + data)
