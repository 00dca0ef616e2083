"""Helpers for the binary format tests: module bytes by hand, and the official suite through
``wast2json`` (wabt), which writes every ``(module binary ...)`` of a ``.wast`` as a ``.wasm``
file and lists the commands with their expected messages in a JSON file."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from refwasm import testsuite
from refwasm.binary.leb128 import encode_u


def suite_root() -> Path:
    """``$REFWASM_TESTSUITE``, else the bundled ``spec-tests/official``."""
    return testsuite.suite_root()


def section(section_id: int, payload: bytes) -> bytes:
    """A section with its id and size, written by hand for the tests."""
    return bytes([section_id]) + encode_u(len(payload)) + payload


HEADER = b"\x00asm\x01\x00\x00\x00"


@dataclass(frozen=True)
class SuiteModule:
    """One module of a ``.wast`` command, as ``wast2json`` wrote it."""

    wast: str
    line: int
    command: str
    text: str | None
    data: bytes

    @property
    def id(self) -> str:
        return f"{self.wast}:{self.line}"


def _wast2json(wast: Path, target: Path) -> bool:
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["wast2json", str(wast), "-o", str(target)],
                          capture_output=True, check=False)  # fmt: skip
    # wabt cannot read a few 1.0 files (old float syntax); they are not ours to judge.
    return done.returncode == 0


def convert(version_dir: Path, out: Path) -> Iterator[SuiteModule]:
    wasts = sorted(version_dir.rglob("*.wast"))
    targets = [out / wast.relative_to(version_dir).with_suffix(".json") for wast in wasts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        converted = list(pool.map(_wast2json, wasts, targets))
    for wast, target, ok in zip(wasts, targets, converted, strict=True):
        if not ok:
            continue
        for cmd in json.loads(target.read_text())["commands"]:
            filename = cmd.get("filename")
            if not filename or not filename.endswith(".wasm"):
                continue
            if cmd.get("module_type", "binary") != "binary":
                continue
            yield SuiteModule(
                wast=str(wast.relative_to(version_dir)),
                line=cmd["line"],
                command=cmd["type"],
                text=cmd.get("text"),
                data=(target.parent / filename).read_bytes(),
            )
