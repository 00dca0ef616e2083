"""``array.new_data`` and ``array.init_data`` name a data segment, so a module whose code uses
them needs the data count section, as ``memory.init`` and ``data.drop`` do (3.0 ``Bmodule``:
``$dataidx_funcs(func*)`` takes the data indices of every instruction, ``$free_instr`` of
``ARRAY.NEW_DATA``/``ARRAY.INIT_DATA`` included).  refwasm wrote such modules without the
section and read them back; wasmtime rejects them ("data count section required")."""

from __future__ import annotations

import pytest

from refwasm.binary import encode_module
from refwasm.embedding import module_decode
from refwasm.errors import DATA_COUNT_REQUIRED, MalformedError
from refwasm.features import Features
from refwasm.text import parse_module

F3 = Features.for_version("3.0")
BODY = {
    "array.new_data": "(array.len (array.new_data $a 0 (i32.const 0) (i32.const 2)))",
    "array.init_data": "(array.init_data $a 0 (array.new_default $a (i32.const 2)) (i32.const 0)"
                       " (i32.const 0) (i32.const 2)) (i32.const 0)",
}
# ``(module (type $a (array i8)) (data "abc") (func (result i32) <array.new_data>))`` as
# refwasm used to encode it: types, functions, code and data sections, no data count section.
WITHOUT_DATACOUNT = bytes.fromhex(
    "0061736d010000000108025e78006000017f030201010a0e010c0041004102fb090000fb0f0b0b06010103616263"
)


@pytest.mark.parametrize("name", sorted(BODY))
def test_the_encoder_writes_the_data_count_section(name: str) -> None:
    mutable = "(mut i8)" if name == "array.init_data" else "i8"
    text = f'(module (type $a (array {mutable})) (data "abc") (func (result i32) {BODY[name]}))'
    binary = encode_module(parse_module(text, F3), F3)
    # Section 12 (data count) of one segment, right before the code section (id 10).
    assert b"\x0c\x01\x01\x0a" in binary
    assert module_decode(binary, F3).datacount is True


def test_the_decoder_requires_the_data_count_section() -> None:
    with pytest.raises(MalformedError) as caught:
        module_decode(WITHOUT_DATACOUNT, F3)
    assert caught.value.message == DATA_COUNT_REQUIRED
