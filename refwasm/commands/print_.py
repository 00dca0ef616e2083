"""``refwasm print FILE|- [-o OUT|-] [--fold|--flat] [--indent N] [--no-names] [--compact]
[--spec V]``: a module in the text format (``wasm2wat``, ``wasm-tools print``;
``refwasm.text.printer``).

A binary module (told by its magic bytes) is decoded, a text module parsed.  The module is
printed as ``wasm2wat`` lays it out: one instruction per line, ``--indent`` spaces a level,
blocks flat (``block ... end``, the default, ``--flat``) or everything folded as ``wasm2wat
--fold-exprs`` does (``--fold``): each instruction an S-expression holding the expressions
that produce its operands, ``(i32.add (local.get 0) (i32.const 2))``, blocks as ``(block
...)`` and ``(if cond (then ...) (else ...))``; an instruction whose operands the expressions
before it do not produce exactly, or one without results, stays at its place, so the order is
the original; the stack effects come from validation, so in an invalid module only blocks
fold.  ``$names`` come from the name section (unless ``--no-names``) and ``(;N;)`` follows
each unnamed definition.  ``--compact`` prints one line per field with numeric indices and hex
integers instead.  Whatever the layout, the text parses back to the same module (custom
sections aside: they print as ``(@custom ...)`` annotations).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING

from refwasm.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_TROUBLE,
    NotAModule,
    add_spec_arguments,
    features_of,
    load_module,
    read_input,
    show_error,
    write_output,
)
from refwasm.features import Features
from refwasm.text.printer import COMPACT, WAT, Names, Style

if TYPE_CHECKING:
    from refwasm.syntax.modules import Module

HELP = "print a module (binary or text; - for stdin) in the text format"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a binary or text module, or - for stdin")
    parser.add_argument("-o", "--output", default="-", help="output file (default - : stdout)")
    layout = parser.add_mutually_exclusive_group()
    layout.add_argument("--fold", action="store_true",
                        help="folded s-expressions as wasm2wat --fold-exprs writes them: "
                             "operands inside their instruction, (block ...), (if (then ...))")
    layout.add_argument("--flat", action="store_true",
                        help="blocks as block ... end (the default)")
    layout.add_argument("--compact", action="store_true",
                        help="one line per field, numeric indices, hex integers")
    parser.add_argument("--indent", type=int, default=2, metavar="N",
                        help="spaces per nesting level (default 2)")
    parser.add_argument("--no-names", action="store_true",
                        help="numeric indices, not the name section's $names")
    add_spec_arguments(parser)


def style_of(args: argparse.Namespace) -> Style:
    """The printer's layout the options ask for."""
    if args.compact:
        return COMPACT
    return dataclasses.replace(WAT, fold=args.fold, indent=args.indent)


def module_text(module: Module, features: Features, style: Style,
                names: Names | None = None) -> str:
    """The module's text in ``style``; folded, with each instruction's operands folded into
    it as far as the stack effects validation finds allow (none in an invalid module)."""
    from refwasm.text import print_module
    from refwasm.validation.effects import stack_effects

    effects = stack_effects(module, features) if style.fold and style.lines else None
    return print_module(module, features, style, names, effects)


def run(args: argparse.Namespace) -> int:
    from refwasm.binary.names import name_map
    from refwasm.errors import WasmError
    if args.indent < 0:
        print("refwasm print: --indent must not be negative", file=sys.stderr)
        return EXIT_TROUBLE
    features = features_of(args)
    data = read_input(args.file)
    try:
        module = load_module(args.file, data, features)
        names = None if args.no_names or args.compact else name_map(module.customs)
        text = module_text(module, features, style_of(args), names)
    except NotAModule as e:
        print(f"refwasm print: {e}", file=sys.stderr)
        return EXIT_INVALID
    except WasmError as e:
        show_error(args.file, e, data)
        return EXIT_INVALID
    except ValueError as e:  # a construct the printer has no text form for
        print(f"{args.file}: cannot print: {e}", file=sys.stderr)
        return EXIT_INVALID
    write_output(args.output, text.encode("utf-8"))
    return EXIT_OK
