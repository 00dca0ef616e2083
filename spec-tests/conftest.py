"""How the project's own test run uses refwasm's pytest plugin (``refwasm.script.pytest_plugin``)
on the ``.wast`` scripts under ``spec-tests``: one item per file and engine.

- ``official/wasm-1.0``: the reference, under 1.0's rules;
- ``official/wasm-2.0`` and ``official/wasm-3.0``: the reference and the fast path
  (``refwasm.fast``), each under its edition's rules;
- ``wast/`` (refwasm's own scripts, 2.0) and ``found/`` (reproducers of disagreements with
  other engines: refwasm's answers): the reference and the fast path.

An item fails listing its failed commands, and is skipped with the reasons when every command
was skipped.  Items per file cost about a third of the plugin's items per command (54,006 for
wasm-2.0), so a bare ``pytest`` gets these; naming a path at or under ``spec-tests/official``
(``pytest spec-tests/official/wasm-2.0``) leaves it to the command line's options, one item per
command by default.  The bundled copy is what runs here; the plugin runs any other copy of the
suite when its folder is named (``pytest $REFWASM_TESTSUITE/wasm-2.0 --wast-items file``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from refwasm.features import Version
from refwasm.script.pytest_plugin import WastRun

HERE = Path(__file__).resolve().parent
OFFICIAL = HERE / "official"
BOTH = ("reference", "fast")


def _runs(path: Path) -> list[WastRun] | None:
    """The project's runs of one script, by where it is."""
    relative = path.resolve().relative_to(HERE)
    top = relative.parts[0]
    if top == "official":
        edition = Version(relative.parts[1].removeprefix("wasm-"))
        engines = ("reference",) if edition is Version.WASM_1_0 else BOTH
        return [WastRun(engine, edition, "file") for engine in engines]
    if top == "wast":
        return [WastRun(engine, Version.WASM_2_0, "file") for engine in BOTH]
    if top == "found":
        return [WastRun(engine, None, "file") for engine in BOTH]
    return None


def _named_under_official(config: pytest.Config) -> bool:
    """Whether the command line names ``spec-tests/official`` or a path under it."""
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        return False
    named = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    return any(path == OFFICIAL or OFFICIAL in path.parents for path in named)


def pytest_wast_runs(file_path: Path, config: pytest.Config) -> list[WastRun] | None:
    if _named_under_official(config) and OFFICIAL in file_path.resolve().parents:
        return None
    return _runs(file_path)
