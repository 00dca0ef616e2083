"""Every command as a user meets it (issue 17, Checks): ``git clone`` of this repository into a
temporary folder with nothing beside it, ``pip install`` into a fresh venv, then the commands
as subprocesses: outputs, exit statuses, no tracebacks; stdin and stdout; missing files,
directories and wrong kinds of input; the README's first command."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# A clone, a venv and a pip install cost about 30 s before the first command (once per
# session); the whole-suite run of the README's first command is slow-marked.

REPO = Path(__file__).resolve().parents[2]
WAT = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)\n' \
      '  (func (export "boom") unreachable))\n'
INVALID = '(module\n  (func (export "f") (result i32)\n    i64.const 1))\n'
BAD_TEXT = '(module\n  (func\n    (i32.frob)))\n'


@dataclass(frozen=True)
class Clone:
    root: Path  # the clone (the working directory of the commands)
    bin: Path  # the venv's bin folder

    def run(self, *argv: str, stdin: bytes = b"", cwd: Path | None = None,
            timeout: float = 300) -> tuple[int, bytes, str]:
        """``refwasm ARGV`` from the venv: status, stdout (bytes), stderr."""
        env = {k: v for k, v in os.environ.items() if k != "REFWASM_TESTSUITE"}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        done = subprocess.run([str(self.bin / "refwasm"), *argv], input=stdin,
                              capture_output=True, cwd=cwd or self.root, env=env,
                              timeout=timeout)
        err = done.stderr.decode()
        assert "Traceback" not in err, err
        return done.returncode, done.stdout, err


@pytest.fixture(scope="session")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Clone:
    """A fresh clone of this repository's HEAD, installed with ``pip install .`` into a fresh
    venv (skipped when git is missing, this is not a clone, or pip cannot install)."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of refwasm")
    base = tmp_path_factory.mktemp("fresh")
    root = base / "refwasm"
    subprocess.run(["git", "clone", "-q", str(REPO), str(root)], check=True, timeout=300)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(root)],
                               capture_output=True, text=True, timeout=600)
    if installed.returncode != 0:
        pytest.skip(f"pip install failed (offline?): {installed.stderr.strip()[-300:]}")
    return Clone(root, venv / "bin")


def test_every_other_command(clone: Clone, files: Path) -> None:
    """dump, diff, oracle and rules as a plain ``pip install refwasm`` has them (no extras)."""
    status, out, err = clone.run("dump", str(files / "m.wat"))
    assert (status, err) == (0, "") and b"type" in out and b"code" in out
    status, _, err = clone.run("dump", str(files / "nope.wasm"))
    assert status == 2 and err.strip().endswith("no such file or directory")
    # Without the extras the generator needs, diff says which extra to install.
    status, _, err = clone.run("diff", "--engine", "fast", "--examples", "1")
    assert status == 2 and "pip install 'refwasm[fuzz]'" in err, err
    status, _, err = clone.run("diff", "--engine", "nosuch", "--examples", "1")
    assert status == 2 and "unknown engine" in err
    wasm = clone.run("parse", str(files / "m.wat"), "-o", "-")[1]
    requests = [
        json.dumps({"op": "instantiate", "module": base64.b64encode(wasm).decode()}),
        '{"op": "invoke", "name": "add", "args": [{"type": "i32", "bits": "0x2"}, '
        '{"type": "i32", "bits": "0xffffffff"}]}',
        '{"op": "invoke", "name": "boom", "args": []}',
        "garbage",
    ]
    status, out, err = clone.run("oracle", stdin="\n".join(requests).encode() + b"\n")
    replies = [json.loads(line) for line in out.decode().splitlines()]
    assert (status, err) == (0, "") and len(replies) == 4
    assert replies[0]["outcome"] == "instantiated"
    assert replies[1]["results"][0]["bits"] == "0x1"  # 2 + (2^32 - 1) wraps to 1
    assert (replies[2]["outcome"], replies[2]["message"]) == ("trap", "unreachable")
    assert replies[3]["ok"] is False
    status, out, err = clone.run("rules", "--help")
    assert status == 0 and b"--markdown" in out


@pytest.fixture(scope="session")
def files(clone: Clone) -> Path:
    folder = clone.root.parent / "inputs"
    folder.mkdir(exist_ok=True)
    (folder / "m.wat").write_text(WAT)
    (folder / "invalid.wat").write_text(INVALID)
    (folder / "bad.wat").write_text(BAD_TEXT)
    (folder / "script.wast").write_text(WAT + '(assert_return (invoke "add" (i32.const 1) '
                                        '(i32.const 2)) (i32.const 3))\n')
    (folder / "junk.wasm").write_bytes(b"\0asm\x01\0\0\0\x01\x05\x01\x60")  # cut short
    return folder


def test_version_and_help(clone: Clone) -> None:
    status, out, _ = clone.run("--version")
    assert (status, out.decode().strip()) == (0, "refwasm 0.1.0")
    for command in ("validate", "parse", "print", "inspect", "run", "wast"):
        status, out, _ = clone.run(command, "--help")
        assert status == 0 and "default: 3.0" in " ".join(out.decode().split()), command
    status, _, err = clone.run("validate")
    assert status == 2 and "usage:" in err
    status, _, err = clone.run("wast", "--spec", "9.9", "x.wast")
    assert status == 2 and "invalid choice" in err


def test_stdin_stdout_and_magic_bytes(clone: Clone, files: Path) -> None:
    status, wasm, err = clone.run("parse", "-", "-o", "-", stdin=WAT.encode())
    assert (status, err) == (0, "") and wasm.startswith(b"\0asm")
    status, text, _ = clone.run("print", "-", stdin=wasm)
    assert status == 0 and b'(export "add" (func 0))' in text
    binary_named_wat = files / "really-binary.wat"
    binary_named_wat.write_bytes(wasm)
    assert clone.run("validate", str(binary_named_wat))[:2] == (0, b"valid\n")
    status, out, _ = clone.run("run", "-", "--invoke", "add", "2", "3", stdin=wasm)
    assert (status, out) == (0, b"i32:5\n")


def test_errors_have_locations_and_statuses(clone: Clone, files: Path) -> None:
    status, out, err = clone.run("validate", str(files / "invalid.wat"))
    assert (status, out) == (1, b"")
    assert err.strip() == (f'{files / "invalid.wat"}: func 0 (export "f"), instr end: invalid: '
                           "type mismatch: expected [i32] but got [i64]")
    status, _, err = clone.run("parse", str(files / "bad.wat"), "-o", "-")
    assert status == 1
    assert err.splitlines() == [f"{files / 'bad.wat'}:3:5: malformed: unknown operator i32.frob",
                                "      (i32.frob)))", "      ^"]
    status, _, err = clone.run("validate", str(files / "junk.wasm"))
    assert status == 1 and re.fullmatch(
        rf"{re.escape(str(files / 'junk.wasm'))}:0x\w+ \(type section\): malformed: .+\n", err)
    status, _, err = clone.run("run", str(files / "m.wat"), "--invoke", "boom")
    assert (status, err) == (4, "trap: unreachable\n")
    assert clone.run("parse", str(files / "invalid.wat"), "-o", "-")[0] == 1  # validates
    status, out, _ = clone.run("parse", str(files / "invalid.wat"), "--no-check", "-o", "-")
    assert status == 0 and out.startswith(b"\0asm")


def test_wrong_inputs(clone: Clone, files: Path) -> None:
    status, _, err = clone.run("validate", str(files / "script.wast"))
    assert status == 1 and err.strip().endswith("this is a .wast script, not a module: "
                                                "use refwasm wast")
    status, _, err = clone.run("validate", "-", stdin=(files / "script.wast").read_bytes())
    assert status == 1 and "use refwasm wast" in err
    for command in ("validate", "print", "inspect", "parse"):
        status, _, err = clone.run(command, str(files / "nope.wat"))
        assert (status, err) == (2, f"refwasm {command}: {files / 'nope.wat'}: "
                                    "no such file or directory\n")
        status, _, err = clone.run(command, str(files))
        assert status == 2 and err.strip().endswith(": is a directory")
    status, _, err = clone.run("wast", str(files / "nope.wast"))
    assert status == 2 and err.strip().endswith("no such file or directory")


def test_wast_on_the_bundled_suite(clone: Clone, files: Path) -> None:
    status, out, err = clone.run("wast", "--suite", "2.0", "--filter", "i32.wast")
    lines = out.decode().splitlines()
    assert (status, err) == (0, "")
    assert lines[0].startswith("spec-tests/official/wasm-2.0/i32.wast: 460 passed, 0 failed, "
                               "0 skipped (")
    assert lines[-1].startswith("460 passed, 0 failed, 0 skipped in ")
    status, out, _ = clone.run("wast", str(files / "script.wast"), "--json")
    assert status == 0 and b'"seconds"' in out
    status, _, err = clone.run("wast", "--suite", "2.0", cwd=files)  # not in the clone
    assert status == 2 and "REFWASM_TESTSUITE" in err


@pytest.mark.slow  # the whole 2.0 suite after the clone: about a minute
def test_the_readme_first_command(clone: Clone) -> None:
    """The README's first command (after the install the fixture did): the whole official suite
    it names passes and the summary is printed."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = re.search(r"pip install \. && refwasm (wast --suite (\d\.\d))\n", readme)
    assert command is not None, "the README's first command is not `... && refwasm wast --suite X`"
    status, out, err = clone.run(*command.group(1).split(), timeout=3600)
    lines = out.decode().splitlines()
    assert (status, err) == (0, "")
    assert re.fullmatch(r"\d+ passed, 0 failed, 0 skipped in [\d.]+s", lines[-1])
    suite = clone.root / "spec-tests/official" / f"wasm-{command.group(2)}"
    assert len(lines) == 1 + len(list(suite.rglob("*.wast")))
