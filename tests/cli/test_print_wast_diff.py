"""Issue 17's last items in process: ``refwasm print``'s layouts (``--fold``/``--flat``,
``--indent``, ``$names`` from the name section, ``(;N;)`` comments) as subprocesses, with wabt
reading what it prints; ``refwasm wast --enable-X``; ``refwasm diff``'s progress lines when
its stream is not a terminal."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from refwasm.binary import decode_module
from refwasm.binary.encode import encode_module
from refwasm.binary.names import NameMap, name_map, read_name_section
from refwasm.features import Features
from refwasm.syntax.modules import Custom, Module
from refwasm.text import parse_module

SOURCE = '''(module
  (func (export "add") (param i32 i32) (result i32) (local i64)
    (block (result i32) (if (result i32) (local.get 0) (then (local.get 1)) (else (i32.const -1)))))
  (global (mut i32) (i32.const 7)))
'''


def name_section(*subsections: tuple[int, bytes]) -> Custom:
    """A ``name`` custom section of the given (id, contents) subsections."""
    payload = b"".join(bytes([sub_id, len(body)]) + body for sub_id, body in subsections)
    return Custom("name", payload)


def name(s: str) -> bytes:
    return bytes([len(s)]) + s.encode()


# Function 0 is "add me" (not an identifier: the space becomes _), its parameter 0 "x", and
# global 0 "g"; then a truncated subsection, which ends the reading.
NAMES = name_section((1, b"\x01\x00" + name("add me")),
                     (2, b"\x01\x00\x01\x00" + name("x")),
                     (7, b"\x01\x00" + name("g")))


def refwasm(*argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([sys.executable, "-m", "refwasm", *argv], input=stdin,
                          capture_output=True, timeout=120)
    assert b"Traceback" not in done.stderr
    return done


def named_binary() -> tuple[bytes, Module]:
    module = parse_module(SOURCE)
    return encode_module(dataclasses.replace(module, customs=(NAMES,))), module


def test_the_name_section_is_read_and_a_bad_tail_is_ignored() -> None:
    names = name_map((NAMES,))
    assert names.spaces == {"func": {0: "add me"}, "global": {0: "g"}}
    assert names.locals == {0: {0: "x"}}
    partial = NameMap()
    read_name_section(NAMES.payload + b"\x04\x09\x01\x00\xff", partial)  # truncated type names
    assert partial.spaces == names.spaces and "type" not in partial.spaces
    broken = NameMap()
    read_name_section(b"\x01\x05\x01\x00\x03\xff\xfe", broken)  # invalid UTF-8, cut short
    assert broken.spaces == {}


def test_print_flat_with_names_and_index_comments(tmp_path: Path) -> None:
    data, module = named_binary()
    done = refwasm("print", "-", stdin=data)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert text.splitlines()[:4] == [
        "(module",
        "  (type (;0;) (func (param i32) (param i32) (result i32)))",
        "  (func $add_me (type 0) (param $x i32) (param i32) (result i32)",
        "    (local i64)",
    ]
    assert "    block (result i32)  ;; label = @1\n      local.get $x\n      if (result i32)" in text
    assert "i32.const -1\n" in text and "(global $g (mut i32) (i32.const 7))" in text
    assert '(export "add" (func $add_me))' in text
    assert parse_module(text) == module


def test_print_fold_indent_and_no_names() -> None:
    data, module = named_binary()
    done = refwasm("print", "-", "--fold", "--indent", "4", "--no-names", stdin=data)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert "    (func (;0;) (type 0) (param i32 i32) (result i32)\n" in text
    assert "\n        (block (result i32)  ;; label = @1\n" in text
    # The if's condition folds into it, each instruction in parentheses (wasm2wat --fold-exprs).
    assert ("\n            (if (result i32)  ;; label = @2\n                (local.get 0)\n"
            "                (then\n                    (local.get 1))\n") in text
    assert "$" not in text
    assert parse_module(text) == module
    compact = refwasm("print", "-", "--compact", stdin=data).stdout.decode()
    assert "(func (type 0) (local i64) block (result i32)" in compact
    assert refwasm("print", "-", "--fold", "--flat", stdin=data).returncode == 2


def test_print_fold_folds_operands_of_a_valid_module_only() -> None:
    valid = b"(module (func (param i32) (result i32) local.get 0 i32.const 2 i32.mul))"
    done = refwasm("print", "-", "--fold", stdin=valid)
    assert done.returncode == 0, done.stderr
    assert "\n    (i32.mul\n      (local.get 0)\n      (i32.const 2))))\n" in done.stdout.decode()
    # An invalid module has no stack effects to fold by: it prints, every instruction alone.
    invalid = b"(module (func (result i32) i64.const 2 i32.eqz))"
    done = refwasm("print", "-", "--fold", stdin=invalid)
    assert done.returncode == 0, done.stderr
    assert "\n    (i64.const 2)\n    (i32.eqz)))\n" in done.stdout.decode()


@pytest.mark.skipif(shutil.which("wat2wasm") is None, reason="wat2wasm (wabt) is not on PATH")
@pytest.mark.parametrize("layout", [[], ["--fold"], ["--indent", "0"]])
def test_wabt_reads_what_print_writes(layout: list[str], tmp_path: Path) -> None:
    data, module = named_binary()
    text = refwasm("print", "-", *layout, stdin=data).stdout
    (tmp_path / "m.wat").write_bytes(text)
    subprocess.run(["wat2wasm", str(tmp_path / "m.wat"), "-o", str(tmp_path / "m.wasm")],
                   check=True, timeout=60)
    decoded = decode_module((tmp_path / "m.wasm").read_bytes())
    # wabt turns the (@custom ...) annotation back into the name section.
    assert [c.payload for c in decoded.customs] == [NAMES.payload]
    assert dataclasses.replace(decoded, customs=()) == module


TAIL_CALL = '''(module (func $f (result i32) (i32.const 7))
  (func (export "g") (result i32) (return_call $f)))
(assert_return (invoke "g") (i32.const 7))
'''


def test_wast_takes_proposal_flags(tmp_path: Path) -> None:
    script = tmp_path / "tail.wast"
    script.write_text(TAIL_CALL)
    without = refwasm("wast", str(script), "--spec", "2.0")
    assert without.returncode == 1
    assert b"unknown operator return_call" in without.stdout
    with_ = refwasm("wast", str(script), "--spec", "2.0", "--enable-tail-call")
    assert with_.returncode == 0, with_.stdout
    assert b"2 passed, 0 failed" in with_.stdout
    off = refwasm("wast", str(script), "--spec", "3.0", "--disable-tail-call")
    assert off.returncode == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [False, True])
def test_diff_progress_lines(terminal: bool, tmp_path: Path) -> None:
    from refwasm.oracle.diff import run_diff

    stream = _Terminal() if terminal else io.StringIO()
    tally = run_diff(["fast"], Features.for_version("2.0"), examples=3, seconds=None, seed=0,
                     out=tmp_path, stream=stream)
    written = stream.getvalue()
    last = written.splitlines()[-1].lstrip("\r").split("\r")[-1]
    assert last.startswith(f"examples {tally.examples}, calls {tally.calls}, disagreements 0")
    assert written.endswith("examples/s\n")
    assert ("\r" in written) is terminal
    if not terminal:
        assert all(line.startswith("examples ") for line in written.splitlines())
