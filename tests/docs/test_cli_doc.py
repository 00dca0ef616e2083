"""``docs/cli.md`` is what ``python -m refwasm.cli_doc`` generates from the parsers now."""

from __future__ import annotations

from pathlib import Path

from refwasm import cli_doc
from refwasm.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]


def test_docs_cli_md_is_current() -> None:
    committed = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_doc.markdown(), (
        "docs/cli.md is stale: run `python -m refwasm.cli_doc > docs/cli.md`"
    )


def test_every_command_and_option_is_on_the_page() -> None:
    page = cli_doc.markdown()
    for name in COMMANDS:
        assert f"## refwasm {name}\n" in page
    for option in ("--rule-coverage OUT", "--trace-limit N", "--markdown", "--invoke NAME ARGS"):
        assert f"`{option}`" in page
