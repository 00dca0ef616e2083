"""Hostile input through every front end gets a typed outcome (issue 15; docs/security.md).

Random and mutated binary modules, text modules and token soups, ``.wast`` scripts, oracle
request lines and JS API import objects go in; only refwasm's typed errors (``WasmError``
subclasses, never ``Crash``), the JS API's errors, oracle error replies and typed script failures
may come out.  Mutations are seeded from the official suite's modules and scripts
(``refwasm.testsuite``).  Every run is bounded by fuel, a time limit and a small memory budget.

The default run is short and derandomized (the same examples every time, so CI is not flaky);
``pytest -m slow properties/test_front_end_robustness.py`` runs a long campaign over every
script of the suite.  The explicit examples are the reproducers of issue 15's items 1, 2, 4, 5
and 6.
"""

from __future__ import annotations

import base64
import json
import random
import re
import types
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from refwasm import embedding
from refwasm.binary import encode_module
from refwasm.engines.reference import ReferenceEngine
from refwasm.errors import Crash, MalformedError, WasmError
from refwasm.execution.runtime import default_value
from refwasm.execution.values import ExternFuncAddr
from refwasm.features import Features, Version
from refwasm.jsapi import UNDEFINED, BigInt, JSError, WebAssembly
from refwasm.oracle.server import Oracle, handle_line
from refwasm.script.limits import time_limit
from refwasm.script.report import FileReport
from refwasm.script.runner import run_script
from refwasm.script.spectest import alloc_spectest
from refwasm.testsuite import missing_reason, suite_root
from refwasm.text import parse_module, parse_script, print_module
from refwasm.text.script_syntax import AssertModule, BinaryModule, ModuleCommand, QuoteModule
from refwasm.text.script_syntax import TextModule as TextSource

FEATURES = Features.for_version("2.0")
SUITE = suite_root() / "wasm-2.0"
# Scripts the default run seeds from: small, and between them most of the 2.0 features.
SEED_SCRIPTS = (
    "binary.wast", "binary-leb128.wast", "custom.wast", "data.wast", "elem.wast", "exports.wast",
    "float_literals.wast", "global.wast", "imports.wast", "int_literals.wast", "linking.wast",
    "memory.wast", "start.wast", "table.wast", "bulk.wast", "ref_func.wast", "func_ptrs.wast",
    "names.wast", "utf8-invalid-encoding.wast", "simd/simd_const.wast",
)
# Bounds of every run: a mutated module may loop, recurse or ask for 4 GiB.
FUEL = 10_000
SECONDS = 5.0
MEMORY_BUDGET = 16 << 20

SHORT = settings(derandomize=True, deadline=None, database=None, max_examples=250,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LONG = settings(SHORT, derandomize=False, max_examples=5_000)

pytestmark = pytest.mark.skipif(not SUITE.is_dir(), reason=missing_reason())


# -- Seeds from the official suite ---------------------------------------------------------------


def _script_paths(everything: bool) -> list[Path]:
    if everything:
        return sorted(SUITE.rglob("*.wast"))
    return [SUITE / name for name in SEED_SCRIPTS if (SUITE / name).is_file()]


@lru_cache(maxsize=2)
def seeds(everything: bool = False) -> tuple[tuple[bytes, ...], tuple[str, ...], tuple[str, ...]]:
    """The suite's binary modules (encoded from text where given as text), its text modules
    (printed, or as quoted) and its script texts.  The modules that decode come first, then the
    malformed ones (``malformed_from``)."""
    good: tuple[list[bytes], list[str]] = ([], [])
    bad: tuple[list[bytes], list[str]] = ([], [])
    scripts: list[str] = []
    for path in _script_paths(everything):
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        scripts.append(text)
        try:
            script = parse_script(text, FEATURES)
        except WasmError:
            continue
        for command in script.commands:
            if isinstance(command, ModuleCommand):
                _collect(command.source, *good)
            elif isinstance(command, AssertModule):
                _collect(command.source, *(bad if command.kind == "malformed" else good))
    return (tuple(good[0] + bad[0]), tuple(good[1] + bad[1]), tuple(scripts))


def malformed_from(everything: bool) -> tuple[int, int]:
    """Where the malformed binary and text seeds start in ``seeds(everything)``."""
    binaries, texts, _ = seeds(everything)
    return _first_malformed(binaries, _decodes), _first_malformed(texts, _parses)


@lru_cache(maxsize=8)
def _first_malformed(items: tuple[Any, ...], loads: Callable[[Any], bool]) -> int:
    for i in range(len(items) - 1, -1, -1):
        if loads(items[i]):
            return i + 1
    return 0


def _decodes(data: bytes) -> bool:
    try:
        embedding.module_decode(data, FEATURES)
    except WasmError:
        return False
    return True


def _parses(text: str) -> bool:
    try:
        parse_module(text, FEATURES)
    except WasmError:
        return False
    return True


def _collect(source: object, binaries: list[bytes], texts: list[str]) -> None:
    match source:
        case BinaryModule(data):
            binaries.append(data)
        case QuoteModule(text):
            texts.append(text)
        case TextSource(module):
            try:
                binaries.append(encode_module(module))
                texts.append(print_module(module))
            except (ValueError, WasmError):  # a construct without an encoding or text form
                pass


def seed(draw: st.DrawFn, rnd: random.Random, items: tuple[Any, ...], good: int) -> Any:
    """A seed, four times in five one that loads (so that most inputs get past the decoder)."""
    if good and (good == len(items) or draw(st.integers(0, 4))):
        return items[rnd.randrange(good)]
    return items[rnd.randrange(len(items))]


# -- Mutations -----------------------------------------------------------------------------------

# Mutations per input: few, so that many inputs get past the decoder (none: the seed as it is,
# run to its end).
MUTATION_COUNTS = st.sampled_from([0, 1, 1, 1, 1, 2, 2, 3, 5])
# Byte mutations (see ``mutated_bytes``), weighted to those that keep the sizes of sections and
# bodies, so that the result is more often decoded to its end and validated.
BYTE_MUTATIONS = st.sampled_from([0, 0, 1, 1, 5, 5, 5, 2, 3, 4, 6])
INTERESTING_BYTES = [0x00, 0x01, 0x0B, 0x40, 0x41, 0x60, 0x6F, 0x70, 0x7F, 0x80, 0xFD, 0xFF]
LEB_BOMBS = [b"\xff\xff\xff\xff\x0f", b"\x80\x80\x80\x80\x80\x00", b"\xff\xff\xff\xff\x7f"]


@st.composite
def mutated_bytes(draw: st.DrawFn, everything: bool = False) -> bytes:
    """A seed module with a few byte-level mutations (or, rarely, random bytes)."""
    binaries = seeds(everything)[0]
    if not binaries or draw(st.integers(0, 9)) == 0:
        return b"\0asm\x01\0\0\0" + draw(st.binary(max_size=200))
    rnd = draw(st.randoms(use_true_random=False))  # positions: uniform, not Hypothesis' small
    data = bytearray(seed(draw, rnd, binaries, malformed_from(everything)[0]))
    for _ in range(draw(MUTATION_COUNTS)):
        at = rnd.randrange(max(len(data), 1))
        kind = draw(BYTE_MUTATIONS)
        if kind == 0 and data:
            data[at] = draw(st.sampled_from(INTERESTING_BYTES))
        elif kind == 5 and data:
            data[at] = data[rnd.randrange(len(data))]  # a byte that occurs here
        elif kind == 1 and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == 2:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == 3:
            del data[at:at + draw(st.integers(1, 16))]
        elif kind == 4:
            data[at:at] = draw(st.sampled_from(LEB_BOMBS))
        elif kind == 6:
            other = binaries[rnd.randrange(len(binaries))]
            start = rnd.randrange(len(other) + 1)
            data[at:] = other[start:start + draw(st.integers(1, 64))] + data[at:]
    return bytes(data)


TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|[()]|[^\s()"]+')
WEIRD_TOKENS = [
    "(", ")", "module", "func", "param", "result", "local", "block", "loop", "if", "then",
    "else", "end", "br", "br_table", "call_indirect", "type", "memory", "table", "data", "elem",
    "global", "mut", "export", "import", "start", "offset=4294967296", "align=3", "$x", "$",
    "0x", "-0x8000_0000", "nan:0x0", "nan:0x80_0000", "-inf", "1e99999", "0x1p-99999",
    "1" * 4301, "0." + "1" * 500, "1." + "0" * 420 + "1", '"\\ff\\u{110000}"', '"\\"', "(;",
    ";)", ";;", "(@custom", "v128.const", "i8x16", "i32x4", "ref.null", "extern", "funcref",
    "i32.const", "f32.const", "f64.const", "i64.const", "select", "memory.grow", "unreachable",
]


@st.composite
def mutated_text(draw: st.DrawFn, everything: bool = False) -> str:
    """A seed text module (or script) with token-level mutations, or a soup of tokens."""
    texts = seeds(everything)[1]
    if not texts or draw(st.integers(0, 9)) == 0:
        return " ".join(draw(st.lists(st.sampled_from(WEIRD_TOKENS), max_size=40)))
    rnd = draw(st.randoms(use_true_random=False))
    return _mutate_tokens(draw, seed(draw, rnd, texts, malformed_from(everything)[1]))


def _mutate_tokens(draw: st.DrawFn, text: str) -> str:
    rnd = draw(st.randoms(use_true_random=False))
    tokens = TOKEN_RE.findall(text)
    for _ in range(draw(MUTATION_COUNTS)):
        at = rnd.randrange(max(len(tokens), 1))
        kind = draw(st.integers(0, 4))
        if kind == 0 and tokens:
            tokens[at] = draw(st.sampled_from(WEIRD_TOKENS))
        elif kind == 1 and tokens:  # a token of the same text: plausible where it lands
            tokens.insert(at, tokens[rnd.randrange(len(tokens))])
        elif kind == 2:
            del tokens[at:at + draw(st.integers(1, 4))]
        elif kind == 3 and tokens:
            tokens[at] = tokens[rnd.randrange(len(tokens))]
        elif tokens:
            tokens[at] = draw(st.text(min_size=1, max_size=6))
    return " ".join(tokens)


def top_level_forms(script: str) -> list[str]:
    """The script's top-level s-expressions (roughly: strings and comments are not special)."""
    forms: list[str] = []
    depth, start = 0, 0
    for i, c in enumerate(script):
        if c == "(":
            start = i if depth == 0 else start
            depth += 1
        elif c == ")" and depth:
            depth -= 1
            if depth == 0:
                forms.append(script[start:i + 1])
    return forms


@st.composite
def mutated_scripts(draw: st.DrawFn, everything: bool = False) -> str:
    """A run of up to eight commands of a seed script, token-mutated."""
    scripts = seeds(everything)[2]
    rnd = draw(st.randoms(use_true_random=False))
    forms = top_level_forms(scripts[rnd.randrange(len(scripts))]) if scripts else []
    if not forms:
        return draw(st.text(max_size=200))
    start = rnd.randrange(len(forms))
    chunk = "\n".join(forms[start:start + draw(st.integers(1, 8))])
    return _mutate_tokens(draw, chunk) if draw(st.booleans()) else chunk


# -- The front ends, run to their outcome ----------------------------------------------------------


def typed(thunk: Callable[[], object]) -> None:
    """Run ``thunk``: it may end in a ``WasmError`` (not ``Crash``) and in nothing else."""
    try:
        thunk()
    except Crash:
        raise
    except WasmError:
        pass


def run_binary(data: bytes) -> None:
    """Decode, validate, instantiate against ``spectest`` and call every exported function with
    default arguments, within the bounds."""
    store = embedding.store_init(memory_budget=MEMORY_BUDGET)
    module = embedding.module_decode(data, FEATURES)
    run_module(store, module)


def run_module(store: embedding.Store, module: Any) -> None:
    embedding.module_validate(module, FEATURES)
    host = alloc_spectest(store)
    externs = []
    for imp in module.imports:
        if imp.module != "spectest" or imp.name not in host:
            return  # unlinkable: nothing more to run
        externs.append(host[imp.name])
    with time_limit(SECONDS):
        inst = embedding.module_instantiate(store, module, externs, FEATURES, fuel=FUEL)
        for value in inst.exports.values():
            if isinstance(value, ExternFuncAddr):
                typed(lambda addr=value.addr: call_with_defaults(store, addr))


def call_with_defaults(store: embedding.Store, funcaddr: int) -> None:
    params = embedding.func_type(store, funcaddr).params
    embedding.func_invoke(store, funcaddr, [default_value(t) for t in params], fuel=FUEL)


@SHORT
@given(mutated_bytes())
@example(b"\0asm\x01\0\0\0\x01\x05\x01\x60\x00\x01\xff")
def test_mutated_binary_modules(data: bytes) -> None:
    typed(lambda: run_binary(data))


@SHORT
@given(mutated_text())
@example("(module (func (drop (i32.const " + "1" * 4301 + "))))")  # item 1
@example("(module (func (drop (f32.const 1." + "0" * 420 + "1))))")  # item 2
@example("(module (func (drop (f64.const 0." + "1" * 3300 + "))))")  # item 2
@example("(module (func (drop (f64.const 1e" + "9" * 5000 + "))))")
def test_mutated_text_modules(text: str) -> None:
    def run() -> None:
        store = embedding.store_init(memory_budget=MEMORY_BUDGET)
        run_module(store, parse_module(text, FEATURES))

    typed(run)


@SHORT
@given(mutated_scripts())
@example('(module (func (export "spin") (loop br 0)))\n(assert_return (invoke "spin"))')
@example("(assert_return (invoke \"f\" (i32.const " + "1" * 4301 + ")))")
def test_mutated_scripts(text: str) -> None:
    try:
        script = parse_script(text, FEATURES)
    except Crash:
        raise
    except WasmError:
        return
    report = FileReport("mutated.wast")
    session = ReferenceEngine(fuel=FUEL, timeout=SECONDS).session(FEATURES)
    session.store.memory_budget = MEMORY_BUDGET
    run_script(script, session, report, Version.WASM_2_0)
    crashes = [f for f in report.failures if f.reason.startswith("crash")]
    assert not crashes, crashes


# -- Oracle requests -------------------------------------------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**130), 2**130),
                         st.floats(), st.text(max_size=8))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12)
# References travel as null, host values or function addresses, forged ones included (issue
# 15's item 3: the embedding refuses an address the store does not have).
wire_values = st.fixed_dictionaries(
    {"type": st.sampled_from(["i32", "i64", "f32", "f64", "v128", "externref", "funcref", "x"])},
    optional={"bits": st.one_of(st.integers(-5, 2**129), st.text(max_size=10)),
              "null": st.booleans(), "host": st.integers(-1, 10),
              "func": st.one_of(st.integers(-3, 5), st.integers(2**16, 2**70))},
)


@st.composite
def oracle_lines(draw: st.DrawFn) -> str | bytes:
    """A request line: structured requests with random fields, random JSON, or random bytes."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=60))
    if kind == 1:
        return json.dumps(draw(json_values))
    request: dict[str, Any] = {"op": draw(st.one_of(
        st.sampled_from(["instantiate", "invoke", "global", "memory", "reset"]), json_values))}
    if draw(st.booleans()):
        data = draw(mutated_bytes()) if draw(st.booleans()) else draw(st.binary(max_size=40))
        request["module"] = base64.b64encode(data).decode()
    for key, values in [("name", st.sampled_from(["", "f", "e", "m", "g", "main", "run"])),
                        ("args", st.lists(wire_values, max_size=3)),
                        ("fuel", st.integers(-1, 2**41)), ("depth", st.integers(-1, 10**6)),
                        ("offset", st.integers(-1, 2**65)), ("length", st.integers(-1, 2**30)),
                        ("hash", st.booleans()), ("id", json_values)]:
        if draw(st.integers(0, 2)) == 0:
            request[key] = draw(values)
    return json.dumps(request)


class SmallOracle(Oracle):
    """The oracle with a small memory budget in every store it makes."""

    def reset(self) -> None:
        super().reset()
        if self.store is not None:
            self.store.memory_budget = MEMORY_BUDGET


ORACLE = SmallOracle(FEATURES, fuel=FUEL, timeout=SECONDS)


@SHORT
@given(st.lists(oracle_lines(), min_size=1, max_size=6))
@example(['{"op": []}'])  # item 4
@example(['{"op": "reset", "id": ' + "1" * 4301 + "}"])  # item 4
@example([b'{"op": "\xff"}', b"\xc3\x28"])  # item 4
def test_oracle_requests(lines: list[str | bytes]) -> None:
    ORACLE.reset()
    for line in lines:
        reply = json.loads(handle_line(ORACLE, line))
        assert isinstance(reply.get("ok"), bool), reply
        assert "internal error" not in reply.get("error", ""), (line, reply)
        assert reply.get("outcome") != "crash", (line, reply)


# -- JS API import objects -----------------------------------------------------------------------


class Planted(Exception):
    """An exception the test's own getters and host functions throw (the caller's to see)."""


class PlantedAttributeError(AttributeError):
    pass


IMPORTER = encode_module(parse_module(
    '(module (import "env" "f" (func $f (param i32 i64 f32) (result i32)))'
    ' (import "env" "g" (global $g i32)) (import "env" "h" (global $h (mut f64)))'
    ' (import "env" "mem" (memory 1)) (import "env" "tab" (table 1 funcref))'
    ' (import "m" "x" (func $x (param externref) (result f64 i32)))'
    ' (func (export "run") (param i32 i64 f32) (result i32)'
    '   local.get 0 local.get 1 local.get 2 call $f)'
    ' (func (export "run2") (param externref) (result f64 i32) local.get 0 call $x))'))

js_primitives = st.one_of(st.none(), st.just(UNDEFINED), st.booleans(), st.floats(),
                          st.integers(-(2**65), 2**65), st.integers(-(2**65), 2**65).map(BigInt),
                          st.text(max_size=5))


def _host_function(arity: int, returns: object, throws: bool) -> Callable[..., object]:
    """A host function declaring ``arity`` parameters (JavaScript calls it with any number)."""
    def body() -> object:
        if throws:
            raise Planted("thrown by a host function")
        return returns

    declared: list[Callable[..., object]] = [
        lambda: body(), lambda a: body(), lambda a, b: body(), lambda a, b, c: body(),
        lambda a, b, c, d: body(), lambda a, b, c, d, e: body(),
    ]
    return declared[arity]


def _getter_object(name: str, error: BaseException) -> object:
    """An object whose property ``name`` throws ``error``."""
    def getter(self: object) -> object:
        raise error

    return type("Throwing", (), {name: property(getter)})()


js_things = st.deferred(lambda: st.one_of(
    js_primitives,
    st.builds(_host_function, st.integers(0, 5),
              st.one_of(js_primitives, st.lists(js_primitives, max_size=3)), st.booleans()),
    st.lists(js_primitives, max_size=3),
))


@st.composite
def import_objects(draw: st.DrawFn) -> object:
    """An import object: mappings, namespaces and throwing getters, holding random values."""
    def holder(fields: dict[str, object]) -> object:
        match draw(st.integers(0, 3)):
            case 0:
                return types.SimpleNamespace(**fields)
            case 1 if fields:
                name = draw(st.sampled_from(sorted(fields)))
                error = draw(st.sampled_from([Planted("getter"), PlantedAttributeError("getter")]))
                return _getter_object(name, error)
            case _:
                return fields

    names = {"env": ["f", "g", "h", "mem", "tab"], "m": ["x"]}
    outer = {module: holder({n: draw(js_things) for n in fields if draw(st.integers(0, 5))})
             for module, fields in names.items() if draw(st.integers(0, 7))}
    return holder(outer)


@SHORT
@given(import_objects(), st.lists(js_primitives, max_size=4))
@example({"env": _getter_object("f", PlantedAttributeError("item 6"))}, [])
@example({"env": {"f": _host_function(0, 7, False), "g": 1.0, "h": 2.0}}, [1, 2, 3])  # item 6
def test_import_objects(imports: object, args: list[object]) -> None:
    wa = WebAssembly(FEATURES)
    module = wa.Module(IMPORTER)
    try:
        if isinstance(imports, dict) and isinstance(imports.get("env"), dict):
            env = imports["env"]
            env.setdefault("mem", wa.Memory({"initial": 1}))
            env.setdefault("tab", wa.Table({"initial": 1, "element": "anyfunc"}))
        exports = wa.Instance(module, imports).exports
        exports.run(*args)
        exports.run2(*args)
    except (JSError, Planted, PlantedAttributeError):
        pass


# -- The command line's troubles (item 5) --------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["validate", "{missing}"], ["validate", "{dir}"], ["print", "{missing}"],
    ["parse", "{missing}"], ["parse", "{wat}", "-o", "{dir}"], ["inspect", "{dir}"],
    ["run", "{missing}", "--invoke", "f"],
])
def test_cli_troubles_are_one_line(argv: list[str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from refwasm.cli import EXIT_TROUBLE, main

    (tmp_path / "m.wat").write_text("(module)")
    paths = {"missing": str(tmp_path / "nope"), "dir": str(tmp_path), "wat": str(tmp_path / "m.wat")}
    assert main([a.format(**paths) for a in argv]) == EXIT_TROUBLE
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_item_6_a_getter_s_attribute_error_is_not_swallowed() -> None:
    wa = WebAssembly(FEATURES)
    planted = PlantedAttributeError("item 6")
    with pytest.raises(PlantedAttributeError) as raised:
        wa.Instance(wa.Module(IMPORTER), {"env": _getter_object("f", planted)})
    assert raised.value is planted


def test_item_1_and_2_values() -> None:
    from refwasm.text.numbers import parse_float

    with pytest.raises(MalformedError, match="constant out of range"):
        parse_module("(module (func (drop (i32.const " + "1" * 4301 + "))))")
    assert parse_float("1." + "0" * 420 + "1", 32) == 0x3F800000
    assert parse_float("0." + "1" * 500, 32) == 0x3DE38E39


# -- The long campaign ---------------------------------------------------------------------------


@pytest.mark.slow
@LONG
@given(st.data())
def test_long_campaign(data: st.DataObject) -> None:
    """Every front end, seeded from every script of the suite, many more examples."""
    match data.draw(st.integers(0, 4)):
        case 0:
            binary = data.draw(mutated_bytes(everything=True))
            typed(lambda: run_binary(binary))
        case 1:
            text = data.draw(mutated_text(everything=True))
            typed(lambda: run_module(embedding.store_init(memory_budget=MEMORY_BUDGET),
                                     parse_module(text, FEATURES)))
        case 2:
            test_mutated_scripts.hypothesis.inner_test(  # type: ignore[attr-defined]
                data.draw(mutated_scripts(everything=True)))
        case 3:
            test_oracle_requests.hypothesis.inner_test(  # type: ignore[attr-defined]
                data.draw(st.lists(oracle_lines(), min_size=1, max_size=6)))
        case _:
            test_import_objects.hypothesis.inner_test(  # type: ignore[attr-defined]
                data.draw(import_objects()), data.draw(st.lists(js_primitives, max_size=4)))
