"""``.wast`` scripts: every command, result patterns, line numbers, kept module texts."""

from __future__ import annotations

import pytest

from refwasm.errors import MalformedError
from refwasm.syntax.instructions import Shape
from refwasm.syntax.types import AbsHeapType, NumType
from refwasm.text import parse_module, parse_script
from refwasm.text.script_syntax import (
    ActionCommand,
    AssertExhaustion,
    AssertModule,
    AssertReturn,
    AssertTrap,
    BinaryModule,
    EitherPattern,
    Get,
    Invoke,
    LanePattern,
    ModuleCommand,
    ModuleInstance,
    NanKind,
    NanPattern,
    NumConst,
    QuoteModule,
    RefHostConst,
    RefNullConst,
    RefPattern,
    Register,
    TextModule,
    VecConst,
    VecPattern,
)

SCRIPT = r'''(module $M (func (export "f") (param i32) (result i32) local.get 0))
(register "m" $M)
(invoke $M "f" (i32.const -1))
(get "g")
(assert_return (invoke "f" (f32.const nan:0x1) (ref.null extern) (ref.extern 7))
  (f32.const nan:canonical) (f64.const nan:arithmetic) (i64.const -1)
  (v128.const f32x4 1 nan:canonical 2 nan:arithmetic) (v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
  (ref.func) (ref.extern) (ref.null) (ref.null func))
(assert_trap (invoke "f") "unreachable")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_exhaustion (invoke "f") "call stack exhausted")
(assert_malformed (module quote "(func" " $x)") "unexpected token")
(assert_invalid
  (module (func (result i32))) "type mismatch")
(assert_unlinkable (module binary "\00asm" "\01\00\00\00") "unknown import")
(module definition $D (func))
(module instance $I $D)
(module (func (i32.frob)))
'''


def test_every_command() -> None:
    commands = parse_script(SCRIPT).commands
    m, reg, inv, get, ret, trap1, trap2, exh, mal, inv2, unl, definition, inst, bad = commands
    assert isinstance(m, ModuleCommand) and m.name == "$M" and m.line == 1
    assert isinstance(m.source, TextModule) and len(m.source.module.funcs) == 1
    assert reg == Register(2, "m", "$M")
    assert inv == ActionCommand(3, Invoke("$M", "f", (NumConst(NumType.I32, 0xFFFFFFFF),)))
    assert get == ActionCommand(4, Get(None, "g"))
    assert isinstance(ret, AssertReturn) and ret.line == 5
    assert ret.action == Invoke(None, "f", (NumConst(NumType.F32, 0x7F800001),
                                            RefNullConst(AbsHeapType.EXTERN), RefHostConst(7)))
    f32_one, f32_two = 0x3F800000, 0x40000000
    assert ret.results == (
        NanPattern(NumType.F32, NanKind.CANONICAL), NanPattern(NumType.F64, NanKind.ARITHMETIC),
        NumConst(NumType.I64, (1 << 64) - 1),
        VecPattern(Shape.F32X4, (LanePattern(f32_one), LanePattern(None, NanKind.CANONICAL),
                                 LanePattern(f32_two), LanePattern(None, NanKind.ARITHMETIC))),
        VecConst(sum((i + 1) << (8 * i) for i in range(16))),
        RefPattern(AbsHeapType.FUNC), RefPattern(AbsHeapType.EXTERN), RefPattern(None, True),
        RefNullConst(AbsHeapType.FUNC),
    )
    assert trap1 == AssertTrap(9, Invoke(None, "f", ()), "unreachable")
    assert isinstance(trap2, AssertTrap) and isinstance(trap2.target, TextModule)
    assert exh == AssertExhaustion(11, Invoke(None, "f", ()), "call stack exhausted")
    assert mal == AssertModule(12, "malformed", QuoteModule("(func $x)"), "unexpected token")
    # assert_invalid keeps the text so that the runner parses it; it re-parses to the module.
    assert isinstance(inv2, AssertModule) and isinstance(inv2.source, QuoteModule)
    assert inv2.source.text == "(module (func (result i32)))" and inv2.line == 13
    assert parse_module(inv2.source.text).funcs[0].body == ()
    assert unl == AssertModule(15, "unlinkable", BinaryModule(b"\0asm\x01\0\0\0"),
                               "unknown import")
    assert isinstance(definition, ModuleCommand) and definition.definition
    assert definition.name == "$D"
    assert inst == ModuleInstance(17, "$I", "$D")
    # A module that does not parse is kept as text; the script goes on.
    assert isinstance(bad, ModuleCommand) and bad.source == QuoteModule(
        "(module (func (i32.frob)))")


def test_legacy_nan_assertions() -> None:
    [cmd] = parse_script('(assert_return_canonical_nan (invoke "f"))').commands
    assert isinstance(cmd, AssertReturn)
    assert cmd.results == (EitherPattern((NanPattern(NumType.F32, NanKind.CANONICAL),
                                          NanPattern(NumType.F64, NanKind.CANONICAL))),)


def test_bare_module_script() -> None:
    [cmd] = parse_script('(func) (memory 0) (func (export "f"))').commands
    assert isinstance(cmd, ModuleCommand) and isinstance(cmd.source, TextModule)
    assert len(cmd.source.module.funcs) == 2


@pytest.mark.parametrize("text", ["(module", "(assert_return (invoke \"f\") (i32.const x))",
                                  "(frobnicate)", "module", "(invoke)"])
def test_malformed_scripts(text: str) -> None:
    with pytest.raises(MalformedError):
        parse_script(text)
