"""The memory digests a differential run compares after every call: each adapter's agrees with a
SHA-256 of the memory's bytes computed here, big memories included, and the engines in another
process hash the memory there instead of sending it whole (a wasm-smith module with a 328 MB
memory took 100 s on node when its memory crossed the pipe as base64 after each call)."""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from refwasm.engines import EngineError, engine_named
from refwasm.engines.base import text_to_bytes
from refwasm.features import Features
from refwasm.oracle.modules import diff_modules
from refwasm.oracle.runs import session_digest

pytestmark = pytest.mark.peer

FEATURES = Features.for_version("2.0")
ORACLE = f"cmd:{shlex.join([sys.executable, '-m', 'refwasm.cli', 'oracle'])}"
PAGE = 65536
# 300 pages (above the 16 MiB a protocol `memory` read returns at most), with bytes at both ends.
PAGES = 300
BIG = f"""
(module
  (memory (export "m") {PAGES})
  (data (i32.const 1) "ab")
  (data (i32.const {PAGES * PAGE - 3}) "xyz")
  (func (export "f") (result i32) (i32.const 7)))
"""
EXPECTED = (PAGES * PAGE, hashlib.sha256(
    b"\0ab" + bytes(PAGES * PAGE - 6) + b"xyz").hexdigest())


def session_of(name: str) -> Any:
    try:
        return engine_named(name).session(FEATURES)
    except EngineError as error:
        pytest.skip(f"engine {name} unavailable: {error}")


@pytest.mark.parametrize("engine", ["node", "wasmtime", "pywasm", "fast", ORACLE])
def test_a_big_memory_digest_is_its_bytes_sha256(engine: str) -> None:
    session = session_of(engine)
    instance = session.instantiate(session.load_binary(text_to_bytes(BIG, FEATURES)), [])
    assert session_digest(session, instance, "m") == EXPECTED
    assert session_digest(session, instance, "f") is None


@pytest.mark.parametrize("engine", ["node", ORACLE])
def test_an_engine_process_sends_a_digest_not_the_memory(
        engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``diff --modules`` against node (``refwasm.cli oracle`` answers ``run_exports`` whole)
    and ``refwasm diff``'s engine state never read a memory's bytes through the pipe."""
    from refwasm.engines.cmd_engine import CmdSession
    from refwasm.engines.node_engine import NodeSession
    from refwasm.oracle.diff import engine_state

    def whole(*args: Any) -> bytes:
        raise AssertionError("the whole memory was read")

    monkeypatch.setattr(NodeSession, "memory", whole)
    monkeypatch.setattr(CmdSession, "memory", whole)
    session = session_of(engine)
    instance = session.instantiate(session.load_binary(text_to_bytes(BIG, FEATURES)), [])
    assert engine_state(session, instance, [], ["m"]).memories == {"m": EXPECTED}
    path = tmp_path / "big.wasm"
    path.write_bytes(text_to_bytes(BIG, FEATURES))
    sink = io.StringIO()
    summary = diff_modules([str(path)], [engine], FEATURES, out=tmp_path / "out", sink=sink)
    assert summary.agree == 1, sink.getvalue()
    assert json.loads(sink.getvalue().splitlines()[0])["calls"] == 1
