"""``refwasm print --fold``'s operand folding (``refwasm.text.fold``) on hand-written bodies,
the expected text written from the rule ``wasm2wat --fold-exprs`` follows: an instruction
holds the expressions before it when, taken back to front, they produce exactly the values it
pops (each one value, or a multi-value one several); an expression producing nothing stops the
search; an instruction that never completes counts as one value; blocks keep their parameters
outside, an ``if`` holds its condition; nothing is reordered.  Also the stack effects
validation records for it (``refwasm.validation.effects``), an invalid module (no operand
folding) and deep nesting."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest
from text_helpers import script_of, suite_files, text_modules

from refwasm.commands.print_ import module_text
from refwasm.features import Features
from refwasm.syntax.modules import Module
from refwasm.text import parse_module
from refwasm.text.fold import Node, fold_body
from refwasm.text.printer import WAT
from refwasm.text.script_syntax import TextModule
from refwasm.validation.effects import StackEffect, stack_effects

V2 = Features.for_version("2.0")
FOLD = dataclasses.replace(WAT, fold=True)


def folded_body(source: str, features: Features = V2) -> str:
    """The folded text of the last function of ``source``, without its head and locals, not
    indented; and the check that it parses back to the module."""
    module = parse_module(source, features)
    text = module_text(module, features, FOLD)
    assert parse_module(text, features) == module, text
    lines = text.removesuffix(")\n").splitlines()  # without the module's parenthesis
    head = max(i for i, line in enumerate(lines) if line.startswith("  (func"))
    body = [line[4:] for line in lines[head + 1:] if line.startswith("    ")]
    return "\n".join(line for line in body if not line.startswith("(local "))


def expect(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def test_nested_binops() -> None:
    body = folded_body("(module (func (param i32 i32) (result i32) "
                       "local.get 0 local.get 1 i32.const 2 i32.mul i32.add))")
    assert body == expect("""
        (i32.add
          (local.get 0)
          (i32.mul
            (local.get 1)
            (i32.const 2))))
        """)


def test_call_takes_its_params() -> None:
    body = folded_body("(module (func (param i32 i64) (result f32) f32.const 0) "
                       "(func i32.const 1 i64.const 2 call 0 drop))")
    assert body == expect("""
        (drop
          (call 0
            (i32.const 1)
            (i64.const 2))))
        """)


def test_call_indirect_takes_its_params_and_the_index() -> None:
    body = folded_body("(module (type (func (param i32) (result i32))) (table 1 funcref) "
                       "(func (result i32) i32.const 7 i32.const 0 call_indirect (type 0)))")
    assert body == expect("""
        (call_indirect 0 (type 0)
          (i32.const 7)
          (i32.const 0)))
        """)


def test_multi_value_results() -> None:
    two = "(func (result i32 i64) i32.const 1 i64.const 2)"
    body = folded_body(f"(module {two} (func (param i32 i64)) (func call 0 call 1))")
    assert body == expect("""
        (call 1
          (call 0)))
        """)
    # One value and two more make the three select pops.
    body = folded_body("(module (func (result i64 i32) i64.const 1 i32.const 2) "
                       "(func (result i64) i64.const 4 call 0 select))")
    assert body == expect("""
        (select
          (i64.const 4)
          (call 0)))
        """)


def test_part_of_a_multi_value_result_is_not_folded() -> None:
    # i64.eqz would take one of call's two values: it stays flat, and the drops after it too.
    body = folded_body("(module (func (result i32 i64) i32.const 1 i64.const 2) "
                       "(func call 0 i64.eqz drop drop))")
    assert body == expect("""
        (call 0)
        (i64.eqz)
        (drop)
        (drop))
        """)


def test_an_expression_producing_nothing_stops_the_folding() -> None:
    body = folded_body("(module (func i32.const 1 nop i32.const 2 i32.add drop))")
    assert body == expect("""
        (i32.const 1)
        (nop)
        (i32.const 2)
        (drop
          (i32.add)))
        """)


def test_block_keeps_its_params_outside() -> None:
    body = folded_body("(module (type (func (param i32 i32) (result i32))) (func "
                       "i32.const 1 i32.const 2 block (type 0) i32.add end drop))")
    assert body == expect("""
        (i32.const 1)
        (i32.const 2)
        (drop
          (block (type 0)  ;; label = @1
            (i32.add))))
        """)


def test_if_holds_its_condition() -> None:
    body = folded_body("(module (func (param i32) (result i32) local.get 0 "
                       "if (result i32) i32.const 1 else i32.const 2 end))")
    assert body == expect("""
        (if (result i32)  ;; label = @1
          (local.get 0)
          (then
            (i32.const 1))
          (else
            (i32.const 2))))
        """)
    # With parameters, only the condition goes inside; the label numbers in the condition
    # are those outside the if (its label is not in scope there).
    body = folded_body("(module (type (func (param i32) (result i32))) (func (result i32) "
                       "i32.const 3 block (result i32) i32.const 1 end "
                       "if (type 0) i32.const 1 i32.add end))")
    assert body == expect("""
        (i32.const 3)
        (if (type 0)  ;; label = @1
          (block (result i32)  ;; label = @1
            (i32.const 1))
          (then
            (i32.const 1)
            (i32.add))))
        """)


def test_select_drop_and_local_tee() -> None:
    body = folded_body("(module (func (param i32) i32.const 1 i32.const 2 local.get 0 select "
                       "local.tee 0 drop))")
    assert body == expect("""
        (drop
          (local.tee 0
            (select
              (i32.const 1)
              (i32.const 2)
              (local.get 0)))))
        """)


def test_unreachable_code() -> None:
    # An instruction that never completes counts as one value; after it the folding goes on.
    body = folded_body("(module (func (result i32) block (result i32) i32.const 1 br 0 "
                       "i32.add end unreachable i32.const 1 i32.add i32.add drop "
                       "i32.const 3 return i32.eqz))")
    assert body == expect("""
        (drop
          (i32.add
            (block (result i32)  ;; label = @1
              (br 0 (;@1;)
                (i32.const 1))
              (i32.add))
            (i32.add
              (unreachable)
              (i32.const 1))))
        (i32.eqz
          (return
            (i32.const 3))))
        """)


def test_br_if_with_a_value_and_br_table() -> None:
    body = folded_body("(module (func (param i32) (result i32) block (result i32) "
                       "i32.const 7 local.get 0 br_if 0 end drop block (result i32) i32.const 9 "
                       "local.get 0 br_table 0 1 end))")
    assert body == expect("""
        (drop
          (block (result i32)  ;; label = @1
            (br_if 0 (;@1;)
              (i32.const 7)
              (local.get 0))))
        (block (result i32)  ;; label = @1
          (br_table 0 1
            (i32.const 9)
            (local.get 0))))
        """)


def test_memory_instructions() -> None:
    body = folded_body("(module (memory 1) (func i32.const 8 i32.const 8 i32.load offset=4 "
                       "i32.store8 memory.size memory.grow drop i32.const 0 i32.const 1 "
                       "i32.const 2 memory.fill))")
    assert body == expect("""
        (i32.store8 align=1
          (i32.const 8)
          (i32.load offset=4 align=4
            (i32.const 8)))
        (drop
          (memory.grow
            (memory.size)))
        (memory.fill
          (i32.const 0)
          (i32.const 1)
          (i32.const 2)))
        """)


def test_an_invalid_module_folds_blocks_only() -> None:
    # No types, so no stack effects: every instruction stands alone, the text still reads back.
    body = folded_body("(module (func (result i32) i32.const 1 i64.const 2 i32.add "
                       "block (result i32) i32.const 3 end))")
    assert body == expect("""
        (i32.const 1)
        (i64.const 2)
        (i32.add)
        (block (result i32)  ;; label = @1
          (i32.const 3)))
        """)


def test_stack_effects_come_from_the_typing_rules() -> None:
    # (pops, pushes) from each instruction's type in the spec (Instr_ok/...); pushes None for
    # an instruction after which the stack is polymorphic.  Blocks come before their bodies.
    module = parse_module(
        "(module (type (func (param i32 i64) (result f32))) (table 1 funcref)"
        " (func (param i32) (result i32)"
        "  i32.const 1 i64.const 2 i32.const 0 call_indirect (type 0) drop"
        "  i32.const 1 i64.const 2 block (type 0) drop drop f32.const 0 end drop"
        "  local.get 0 if nop end"
        "  block local.get 0 br_table 0 0 end"
        "  unreachable i32.add))")
    effects = stack_effects(module, V2)
    assert effects is not None
    assert effects[0] == [
        (0, 1), (0, 1), (0, 1), (3, 1), (1, 0),  # call_indirect: the params and the index
        (0, 1), (0, 1), (2, 1), (1, 0), (1, 0), (0, 1), (1, 0),  # block: params, results
        (0, 1), (1, 0), (0, 0),  # if: the condition
        (0, 0), (0, 1), (1, None),  # br_table of two labels of no values: the index
        (0, None), (2, 1),  # i32.add pops two even where the stack is polymorphic
    ]
    assert all(isinstance(e, StackEffect) for e in effects[0])
    assert stack_effects(parse_module("(module (func i32.add))"), V2) is None


def test_deep_nesting_needs_no_recursion() -> None:
    n = 20_000  # far beyond Python's recursion limit
    module = parse_module("(module (func (result i32) i32.const 0"
                          + " i32.const 1 i32.add" * n + "))")
    text = module_text(module, V2, FOLD)
    assert text.count("(i32.add") == n
    assert f"\n{' ' * (2 * n + 4)}(i32.const 0)\n" in text  # the innermost operand
    assert parse_module(text, V2) == module


def _folded_share(module: Module, features: Features) -> tuple[int, int]:
    """(instructions popping operands, those holding them) in the folded bodies."""
    effects = stack_effects(module, features)
    assert effects is not None
    nodes: list[Node] = [n for f, e in zip(module.funcs, effects, strict=True)
                         for n in fold_body(f.body, e)]
    popping = holding = 0
    while nodes:
        node = nodes.pop()
        nodes += node.operands + [n for body in node.bodies for n in body]
        if node.operands:
            holding += 1
    for e in effects:
        popping += sum(1 for pops, _ in e if pops)
    return popping, holding


@pytest.mark.parametrize("name", ["i32", "br_table", "call_indirect", "memory_grow", "select"])
def test_suite_bodies_fold_their_operands(name: str) -> None:
    # Most instructions that pop operands hold them in the suite's modules, and every module
    # reads back (the round-trip tests run every style over every module).
    [path] = [p for p in suite_files("2.0") if p.name == f"{name}.wast"]
    popping = holding = 0
    for mod in text_modules(script_of(path, "2.0")):
        source = mod.source
        if mod.malformed_message is None and isinstance(source, TextModule):
            if stack_effects(source.module, V2) is not None:
                p, h = _folded_share(source.module, V2)
                popping, holding = popping + p, holding + h
                text = module_text(source.module, V2, FOLD)
                assert parse_module(text, V2) == source.module
    assert popping > 20 and holding > 0.8 * popping, (popping, holding)
