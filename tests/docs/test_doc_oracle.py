"""The oracle transcripts of ``docs/`` (``transcript`` blocks) replay against ``refwasm oracle``.

A transcript alternates request lines (``> ``) and the reply each gets (``< ``).  The requests
are piped, in order, to one ``refwasm oracle`` process per engine the page says gives the same
replies (``reference``, ``fast``); each reply must equal the documented one as JSON, field by
field.  No field is exempt (``VARYING`` is empty): the oracle is deterministic, NaN results
included (refwasm's own choice of NaN is fixed; ``allowed`` says what the spec allows).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from doc_fences import Block, claimed

VARYING: frozenset[str] = frozenset()  # reply fields whose value may differ from the page's


def exchanges(code: str) -> list[tuple[str, str]]:
    """The transcript's (request, reply) pairs; a line of another kind is an error."""
    lines = [line for line in code.splitlines() if line.strip()]
    if len(lines) % 2 or any(not line.startswith(("> ", "< ")) for line in lines):
        raise ValueError("a transcript alternates '> request' and '< reply' lines")
    pairs = list(zip(lines[::2], lines[1::2], strict=True))
    if any(not (ask.startswith("> ") and answer.startswith("< ")) for ask, answer in pairs):
        raise ValueError("each '> request' line is followed by its '< reply'")
    return [(ask[2:], answer[2:]) for ask, answer in pairs]


def comparable(reply: str) -> object:
    value = json.loads(reply)
    return {k: v for k, v in value.items() if k not in VARYING} if isinstance(value, dict) else value


def test_a_transcript_is_requests_and_replies() -> None:
    assert exchanges('> {"op": "hello"}\n< {"ok": true}\n') == [('{"op": "hello"}', '{"ok": true}')]
    for wrong in ('> {"op": "hello"}\n', '< {"ok": true}\n> {"op": "hello"}\n', "{}\n{}\n"):
        with pytest.raises(ValueError):
            exchanges(wrong)


@pytest.mark.parametrize("engine", ["reference", "fast"])
@pytest.mark.parametrize("block", claimed("transcript"), ids=str)
def test_transcripts_replay(block: Block, engine: str, tmp_path: Path) -> None:
    pairs = exchanges(block.code)
    oracle = Path(sys.executable).parent / "refwasm"
    result = subprocess.run([str(oracle), "oracle", "--engine", engine],
                            input="".join(f"{ask}\n" for ask, _ in pairs), cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    replies = result.stdout.splitlines()
    assert len(replies) == len(pairs), result.stdout
    for (ask, documented), reply in zip(pairs, replies, strict=True):
        assert comparable(reply) == comparable(documented), f"request {ask[:80]}"
