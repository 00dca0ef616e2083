"""A runner that claims a pass must be able to fail: flip what suite scripts expect, in copies
written to ``tmp_path``, and check that exactly the flipped commands now fail, for the right
reason.

Three kinds of flips, each in its own copy so that one cannot mask another:

* ``assert_return``: the last expected result changed (an integer plus one, a float to a NaN
  class or a NaN to 1.0, the first lane of a ``v128``, a null to a host reference and back);
* ``assert_trap``/``assert_exhaustion``/``assert_invalid``/``assert_unlinkable``: the message
  changed;
* ``assert_malformed``: the module turned into a plain ``module`` command.

The scripts are edited as text with a small S-expression scanner, keeping every line number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from refwasm.features import Version
from refwasm.script.report import FileReport
from refwasm.script.runner import run_file
from refwasm.testsuite import suite_root

pytest.importorskip("refwasm.text.script", reason="the script parser is not written yet")
pytest.importorskip("refwasm.embedding", reason="the embedding interface is not written yet")

REPO = Path(__file__).resolve().parents[2]
SUITE = suite_root()
OWN = REPO / "spec-tests" / "wast"
# A sample covering every kind of flip: integer, float and NaN results, v128 lanes, references,
# traps, exhaustion, malformed binary and text modules, invalid and unlinkable modules.
SAMPLE = [
    "i32.wast",
    "f32.wast",
    "conversions.wast",
    "binary.wast",
    "memory_trap.wast",
    "table_get.wast",
    "linking.wast",
    "call.wast",
    "unreached-invalid.wast",
    "simd/simd_f32x4.wast",
    "simd/simd_i8x16_arith.wast",
    "simd/simd_lane.wast",
]

# -- A small S-expression scanner ----------------------------------------------------------------


@dataclass
class Node:
    """A parenthesised form (with children) or an atom, as a span of the text."""

    start: int
    end: int
    children: list[Node] = field(default_factory=list)

    def text(self, source: str) -> str:
        return source[self.start : self.end]


TOKEN = re.compile(r'\(;|;;[^\n]*|\(|\)|"(?:[^"\\]|\\.)*"|[^\s()";]+|\s+|;', re.S)


def scan(source: str) -> list[Node]:
    """The top-level forms of a script (comments skipped, nested block comments included)."""
    root = Node(0, len(source))
    stack = [root]
    pos = 0
    while pos < len(source):
        if source.startswith("(;", pos):
            pos = skip_block_comment(source, pos)
            continue
        match = TOKEN.match(source, pos)
        if match is None:
            raise ValueError(f"cannot scan at {pos}")
        token, pos = match.group(), match.end()
        if token == "(":
            node = Node(match.start(), -1)
            stack[-1].children.append(node)
            stack.append(node)
        elif token == ")":
            stack.pop().end = pos
        elif not token.isspace() and not token.startswith(";;"):
            stack[-1].children.append(Node(match.start(), pos))
    return root.children


def skip_block_comment(source: str, pos: int) -> int:
    depth = 0
    while True:
        if source.startswith("(;", pos):
            depth, pos = depth + 1, pos + 2
        elif source.startswith(";)", pos):
            depth, pos = depth - 1, pos + 2
            if depth == 0:
                return pos
        else:
            pos += 1


def line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


# -- Flips ---------------------------------------------------------------------------------------

Edit = tuple[int, int, str]  # replace source[start:end] by the text
Flipper = Callable[[str, Node], Edit | None]
BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}
LANES = {"i8x16": 8, "i16x8": 16, "i32x4": 32, "i64x2": 64, "f32x4": 32, "f64x2": 64}


def int_plus_one(literal: str, width: int) -> str:
    """A text-format integer literal (sign, hex or decimal, ``_`` separators) plus one."""
    digits = literal.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    value = int(digits[2:], 16) if digits.lower().startswith("0x") else int(digits, 10)
    return hex((sign * value + 1) % (1 << width))


def float_other(literal: str) -> str:
    """A float pattern the value matching ``literal`` cannot match."""
    return "1.0" if "nan" in literal else "nan:canonical"


def flipped_result(source: str, result: Node) -> str | None:
    """The last expected result of an ``assert_return``, changed so it cannot match."""
    parts = [child.text(source) for child in result.children]
    if not parts:
        return None
    head = parts[0]
    if head in ("i32.const", "i64.const") and len(parts) == 2:
        return f"({head} {int_plus_one(parts[1], BITS[head[:3]])})"
    if head in ("f32.const", "f64.const") and len(parts) == 2:
        return f"({head} {float_other(parts[1])})"
    if head == "v128.const" and len(parts) >= 3 and parts[1] in LANES:
        lane = parts[2]
        if parts[1].startswith("i"):
            lane = int_plus_one(lane, LANES[parts[1]])
        else:
            lane = float_other(lane)
        return "(" + " ".join([head, parts[1], lane, *parts[3:]]) + ")"
    if head == "ref.null":
        return "(ref.extern 12345)"
    if head == "ref.extern" and len(parts) == 2:
        return "(ref.null extern)"
    return None


def flip_return(source: str, form: Node) -> Edit | None:
    if len(form.children) < 3:
        return None
    result = form.children[-1]
    new = flipped_result(source, result)
    return None if new is None else (result.start, result.end, new)


MESSAGE_ASSERTIONS = {"assert_trap", "assert_exhaustion", "assert_invalid", "assert_unlinkable"}
FLIPPED_MESSAGE = "~flipped~"


def flip_message(source: str, form: Node) -> Edit | None:
    message = form.children[-1]
    if not message.text(source).startswith('"'):
        return None
    return (message.start, message.end, f'"{FLIPPED_MESSAGE}"')


def flip_malformed(source: str, form: Node) -> Edit | None:
    module = form.children[1]
    text = module.text(source)
    if not text.startswith("(module"):
        return None
    # Keep the line count: the module takes the assertion's place and its lines.
    padding = "\n" * (form.text(source).count("\n") - text.count("\n"))
    return (form.start, form.end, text + padding)


FLIPPERS: dict[str, tuple[set[str], Flipper, str]] = {
    # kind: (commands flipped, how, what the failure reason must say)
    "return": ({"assert_return"}, flip_return, "result"),
    "message": (MESSAGE_ASSERTIONS, flip_message, FLIPPED_MESSAGE),
    "malformed": ({"assert_malformed"}, flip_malformed, "malformed"),
}


def flip(source: str, kind: str) -> tuple[str, dict[int, str]]:
    """The flipped script and the line of each flipped command."""
    commands, flipper, _ = FLIPPERS[kind]
    edits: list[Edit] = []
    lines: dict[int, str] = {}
    for form in scan(source):
        keyword = form.children[0].text(source) if form.children else ""
        if keyword in commands and (edit := flipper(source, form)) is not None:
            edits.append(edit)
            lines[line_of(source, form.start)] = keyword
    for start, end, text in reversed(edits):
        source = source[:start] + text + source[end:]
    return source, lines


# -- Tests ---------------------------------------------------------------------------------------


def failed_lines(report: FileReport) -> dict[int, str]:
    return {f.line: f.reason for f in report.failures}


def check_flips(path: Path, tmp_path: Path) -> int:
    """Flip each kind in its own copy; return how many flipped commands were checked."""
    version = Version.WASM_2_0
    original = run_file(str(path), version=version)
    not_passed = set(failed_lines(original)) | {s.line for s in original.skips}
    source = path.read_text(encoding="utf-8")
    checked = 0
    for kind, (_, _, reason_part) in FLIPPERS.items():
        flipped, lines = flip(source, kind)
        if not lines:
            continue
        copy = tmp_path / kind / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(flipped, encoding="utf-8")
        failures = failed_lines(run_file(str(copy), version=version))
        for line in sorted(set(lines) - not_passed):
            assert line in failures, f"{path.name}:{line}: flipped {lines[line]} still passes"
            assert reason_part in failures[line], f"{path.name}:{line}: {failures[line]}"
            checked += 1
        if kind != "malformed":
            # Nothing else changed: exactly the flipped commands joined the failures.
            expected = set(failed_lines(original)) | (set(lines) - not_passed)
            assert set(failures) == expected, f"{path.name}: {kind} flips changed other outcomes"
    return checked


def sample_files() -> Iterator[object]:
    for name in SAMPLE:
        yield pytest.param(SUITE / "wasm-2.0" / name, id=name)
    for path in sorted(OWN.glob("*.wast")):
        yield pytest.param(path, id=f"own/{path.name}")


@pytest.mark.parametrize("path", sample_files())
def test_flipped_expectations_fail(path: Path, tmp_path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} not found (set REFWASM_TESTSUITE)")
    assert check_flips(path, tmp_path) > 0


def all_suite_files() -> list[object]:
    root = SUITE / "wasm-2.0"
    if not root.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no test suite at {root}"))]
    return [
        pytest.param(p, id=p.relative_to(root).as_posix()) for p in sorted(root.rglob("*.wast"))
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", all_suite_files())
def test_flipped_expectations_fail_whole_suite(path: Path, tmp_path: Path) -> None:
    check_flips(path, tmp_path)


def test_scanner_and_flips_keep_lines() -> None:
    source = (
        '(module (func (export "f") (result i32) (i32.const 1)))\n'
        ';; (assert_return (invoke "f") (i32.const 9))\n'
        "(; block (; nested ;) (assert_trap ;)\n"
        '(assert_return (invoke "f") (i32.const -1))\n'
        '(assert_trap (invoke "f") "a \\" quote")\n'
        '(assert_malformed\n  (module quote "(func")\n  "unexpected end"\n)\n'
    )
    assert [line_of(source, f.start) for f in scan(source)] == [1, 4, 5, 6]
    flipped, lines = flip(source, "return")
    assert lines == {4: "assert_return"} and "(i32.const 0x0)" in flipped
    flipped, lines = flip(source, "message")
    assert lines == {5: "assert_trap"} and '"~flipped~"' in flipped
    flipped, lines = flip(source, "malformed")
    assert lines == {6: "assert_malformed"}
    assert flipped.count("\n") == source.count("\n")
    assert flipped.splitlines()[5] == '(module quote "(func")'
