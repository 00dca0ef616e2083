"""The official SIMD tests' ``assert_return`` lines on single-instruction functions, run directly
against ``vector_fn`` (no decoder, validator or interpreter involved).

Each ``simd_*.wast`` of the 2.0 suite and each 3.0 ``relaxed-simd`` test is converted with
``wast2json`` (a peer tool).  A function whose body is one vector instruction applied to its
parameters in order, such as
``(func (export "i8x16.add_sat_s") (param v128 v128) (result v128) (i8x16.add_sat_s (local.get 0)
(local.get 1)))``, is mapped to its syntax tree, and every ``assert_return`` invoking it is
checked lane by lane (NaN patterns included).  Other assertions are the runner's business.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_vector_helpers import LANE_WIDTH, instr_of, lane_matches, lane_values

from refwasm.numerics.vector import vector_fn
from refwasm.testsuite import suite_root

_SUITE = suite_root()
_SIMD = _SUITE / "wasm-2.0" / "simd"
_RELAXED = _SUITE / "wasm-3.0" / "relaxed-simd"
_FILES = sorted(_SIMD.glob("simd_*.wast")) + sorted(_RELAXED.glob("*.wast"))

_FUNC = re.compile(
    r'\(func \(export "([^"]+)"\)((?:\s*\(param[^()]*\))*)\s*\(result (\w+)\)\s*'
    r"\(([a-z0-9_.]+)((?:\s+-?\d+)*)((?:\s*\(local\.get [^\s()]+\))+)\s*\)\s*\)"
)
_LOCAL = re.compile(r"\(local\.get ([^\s()]+)\)")
_PARAM = re.compile(r"\(param([^()]*)\)")
_VECTOR_PREFIX = ("v128.", "i8x16.", "i16x8.", "i32x4.", "i64x2.", "f32x4.", "f64x2.")


def _param_refs(params: str) -> list[set[str]]:
    """For each parameter in order, the ways ``local.get`` may name it (index, ``$name``)."""
    refs: list[set[str]] = []
    for decl in _PARAM.findall(params):
        words = decl.split()
        if words and words[0].startswith("$"):
            refs.append({str(len(refs)), words[0]})
        else:
            base = len(refs)
            refs.extend({str(base + k)} for k in range(len(words)))
    return refs


def single_instruction_exports(module_text: str) -> dict[str, str]:
    """Export name -> instruction text, for functions ``(instr imm* (local.get 0) ...)``."""
    found = {}
    for name, params, _result, mnemonic, imms, gets in _FUNC.findall(module_text):
        refs = _param_refs(params)
        operands = _LOCAL.findall(gets)
        in_order = len(operands) == len(refs) and all(
            x in ways for x, ways in zip(operands, refs, strict=True)
        )
        pure_vector = mnemonic.startswith(_VECTOR_PREFIX) and ".load" not in mnemonic
        if in_order and pure_vector and ".store" not in mnemonic:
            found[name] = f"{mnemonic}{imms}"
    return found


def top_level_modules(wast_text: str) -> list[str]:
    """The texts of the script's top-level ``(module ...)`` commands, in order."""
    starts = [m.start() for m in re.finditer(r"^\(module\b", wast_text, re.MULTILINE)]
    ends = [*starts[1:], len(wast_text)]
    return [" ".join(wast_text[a:b].split()) for a, b in zip(starts, ends, strict=True)]


def scalar_or_vector(value: dict[str, Any]) -> int:
    """An argument of ``wast2json``'s JSON as an int (v128 lanes are unsigned decimal strings)."""
    if value["type"] == "v128":
        w = LANE_WIDTH[value["lane_type"]]
        return sum(int(c) << (i * w) for i, c in enumerate(value["value"]))
    return int(value["value"])


def result_matches(expected: dict[str, Any], actual: int) -> bool:
    """An expected result of ``wast2json``'s JSON (with NaN patterns) against refwasm's bits."""
    if expected["type"] == "v128":
        lane_type = expected["lane_type"]
        actual_lanes = lane_values(lane_type, actual)
        return all(
            lane_matches(LANE_WIDTH[lane_type], e, a)
            for e, a in zip(expected["value"], actual_lanes, strict=True)
        )
    return lane_matches(LANE_WIDTH[expected["type"]], expected["value"], actual)


def suite_cases(
    wast: Path, workdir: Path
) -> list[tuple[int, str, list[int], list[dict[str, Any]]]]:
    """(line, instruction, arguments, accepted results) for each checkable ``assert_return``.

    A relaxed-SIMD assertion lists several accepted results (``either``); refwasm's
    deterministic-profile result must be one of them.
    """
    out = workdir / (wast.stem + ".json")
    subprocess.run(["wast2json", str(wast), "-o", str(out)], check=True, capture_output=True)
    commands = json.loads(out.read_text())["commands"]
    modules = iter(top_level_modules(wast.read_text()))
    exports: dict[str, str] = {}
    cases = []
    for command in commands:
        if command["type"] == "module":
            exports = single_instruction_exports(next(modules, ""))
        elif command["type"] == "assert_return" and command["action"]["type"] == "invoke":
            action = command["action"]
            text = exports.get(action["field"])
            accepted = command.get("either") or command.get("expected")
            single = "either" in command or len(command.get("expected", ())) == 1
            if text is not None and accepted and single:
                args = [scalar_or_vector(a) for a in action["args"]]
                cases.append((command["line"], text, args, accepted))
    return cases


@pytest.mark.peer
@pytest.mark.skipif(not _FILES, reason=f"SIMD tests not found under {_SIMD} nor {_RELAXED}")
@pytest.mark.skipif(shutil.which("wast2json") is None, reason="wast2json (wabt) not on PATH")
@pytest.mark.parametrize("wast", _FILES, ids=[f.name for f in _FILES])
def test_suite_assert_returns(wast: Path, tmp_path: Path) -> None:
    failures = []
    for line, text, args, expected in suite_cases(wast, tmp_path):
        arity, fn = vector_fn(instr_of(text))
        assert arity == len(args), f"{wast.name}:{line} {text}: arity {arity}"
        actual = fn(*args)
        if not any(result_matches(e, actual) for e in expected):
            failures.append(f"{wast.name}:{line} {text} {args} -> {actual:#x}, want {expected}")
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} failures)"


@pytest.mark.peer
@pytest.mark.skipif(not _FILES, reason=f"SIMD tests not found under {_SIMD} nor {_RELAXED}")
@pytest.mark.skipif(shutil.which("wast2json") is None, reason="wast2json (wabt) not on PATH")
def test_suite_extraction_covers_the_pure_simd_instructions(tmp_path: Path) -> None:
    # Guards the extraction above: if it silently found nothing, every file test would pass.
    mnemonics: set[str] = set()
    total = 0
    for wast in _FILES:
        cases = suite_cases(wast, tmp_path)
        total += len(cases)
        mnemonics.update(text.split()[0] for _, text, _, _ in cases)
    assert total > 20_000
    assert len(mnemonics) > 200
