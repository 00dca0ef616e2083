"""``print_module``'s layouts over the official suites: whatever the style (flat or folded,
operands folded into their instructions, any indentation, index comments, ``$names``),
``parse_module(print_module(m)) == m`` for every well-formed text module of the 2.0 and 3.0
suites.  The names come from a name map that names
every index of every space with clashing and invalid characters, so that the printer must make
them valid and unique identifiers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from text_helpers import file_id, script_of, suite_files, text_modules

from refwasm.commands.print_ import module_text
from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.syntax.modules import Module
from refwasm.syntax.types import ExternFunc, ExternGlobal, ExternMem, ExternTable, ExternTag
from refwasm.text import parse_module, print_module
from refwasm.text.printer import WAT, Style
from refwasm.text.script_syntax import QuoteModule, TextModule
from refwasm.validation.effects import stack_effects

STYLES = [WAT, dataclasses.replace(WAT, fold=True), dataclasses.replace(WAT, indent=5),
          dataclasses.replace(WAT, fold=True, indent=0, index_comments=False)]
FILES = [("2.0", p) for p in suite_files("2.0")] + [("3.0", p) for p in suite_files("3.0")]
_KIND_SPACE = {ExternFunc: "func", ExternTable: "table", ExternMem: "memory",
               ExternGlobal: "global", ExternTag: "tag"}


@dataclass
class EveryIndexNamed:
    """A name map naming each index ``a b`` or ``a_b`` (the space makes ``a b`` ``a_b``, so
    every name clashes) and each local ``x y``."""

    spaces: dict[str, dict[int, str]] = field(default_factory=dict)
    locals: dict[int, dict[int, str]] = field(default_factory=dict)


def every_index_named(m: Module) -> EveryIndexNamed:
    counts = {space: sum(1 for i in m.imports if _KIND_SPACE.get(type(i.desc)) == space)
              for space in _KIND_SPACE.values()}
    counts["func"] += len(m.funcs)
    counts["table"] += len(m.tables)
    counts["memory"] += len(m.mems)
    counts["global"] += len(m.globals)
    counts["tag"] += len(m.tags)
    counts.update(type=sum(len(t.rectype.subtypes) for t in m.types), elem=len(m.elems),
                  data=len(m.datas))
    names = EveryIndexNamed()
    for space, n in counts.items():
        names.spaces[space] = {x: "a b" if x % 2 else "a_b" for x in range(n)}
    imported = counts["func"] - len(m.funcs)
    for i, f in enumerate(m.funcs):
        names.locals[imported + i] = {x: "x y" for x in range(len(f.locals) + 8)}
    return names


def test_names_become_valid_unique_identifiers() -> None:
    m = parse_module('(module (func (param i32) (local i64) local.get 0 drop) '
                     '(func call 0 call 1))')
    text = print_module(m, style=WAT, names=every_index_named(m))
    assert "(func $a_b (type $a_b) (param $x_y i32)\n    (local $x_y.1 i64)" in text
    assert "call $a_b\n    call $a_b.1)" in text
    assert parse_module(text) == m


@pytest.mark.parametrize("style", STYLES, ids=["flat", "fold", "indent5", "fold-indent0"])
def test_layouts(style: Style) -> None:
    m = parse_module('(module (func (result i32) (block (result i32) (if (result i32) '
                     '(i32.const -1) (then (i32.const 1)) (else (loop (result i32) (br 1 (i32.const 2))))))))')
    text = module_text(m, Features(), style)
    assert parse_module(text) == m
    pad = " " * style.indent
    if style.fold:
        # The condition folds into the if, the branch's operand into the br.
        assert (f"\n{pad * 3}(if (result i32)  ;; label = @2\n{pad * 4}(i32.const -1)\n"
                f"{pad * 4}(then") in text
        assert f"(br 1 (;@2;)\n{pad * 7}(i32.const 2))" in text
    else:
        assert f"\n{pad * 3}if (result i32)  ;; label = @2\n" in text
        assert f"\n{pad * 3}else\n" in text and f"\n{pad * 3}end\n" in text
        assert "i32.const -1\n" in text
        assert "br 1 (;@2;)" in text  # the if's label, opened at depth 2


@pytest.mark.skipif(not FILES, reason="official test suite not found")
@pytest.mark.parametrize(("version", "path"), FILES,
                         ids=[f"{v}:{file_id(p)}" for v, p in FILES])
def test_every_style_round_trips(version: str, path: Path) -> None:
    features = Features.for_version(version)
    for mod in text_modules(script_of(path, version)):
        if mod.malformed_message is not None:
            continue
        source = mod.source
        try:
            module = source.module if isinstance(source, TextModule) else parse_module(
                source.text, features) if isinstance(source, QuoteModule) else None
        except MalformedError:
            continue  # a quote module that the suite expects to be invalid may not parse
        if module is None:
            continue
        try:
            print_module(module, features)
        except ValueError:
            continue  # no text form in any layout (tag exports)
        names = every_index_named(module)
        # The folded styles fold operands as far as validation's stack effects allow.
        effects = stack_effects(module, features)
        for style in STYLES:
            text = print_module(module, features, style, names, effects)
            assert parse_module(text, features) == module, f"line {mod.line}:\n{text}"
