"""Where the official test suite is, and one pytest parameter per ``.wast`` file.

The suite is the bundled copy in ``spec-tests/official`` (``$REFWASM_TESTSUITE`` overrides it).  A test function asks for ``wast_path`` and says which scripts with
``@pytest.mark.wast_files(root)`` where ``root`` is a folder relative to the suite (``"wasm-2.0"``)
or an absolute path; it gets one parameter per file under that folder, or one skipped parameter
saying why there are none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from refwasm import testsuite


def suite_root() -> Path:
    """``$REFWASM_TESTSUITE``, else the bundled ``spec-tests/official``."""
    return testsuite.suite_root()


def wast_params(root: Path) -> list[object]:
    """One parameter per ``.wast`` file under ``root`` (sorted), ids relative to it."""
    if not root.is_dir():
        reason = f"no test suite at {root} (set REFWASM_TESTSUITE to the testsuite folder)"
        return [pytest.param(None, id="absent", marks=pytest.mark.skip(reason=reason))]
    files = sorted(root.rglob("*.wast"))
    return [pytest.param(str(f), id=f.relative_to(root).as_posix()) for f in files]


OFFICIAL = Path(__file__).resolve().parent / "official"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """``pytest spec-tests`` runs the per-file tests; the bundled suites' ``.wast`` files become
    the pytest plugin's items (one per command, ~140,000) only when a path at or under
    ``spec-tests/official`` is named (``pytest spec-tests/official/wasm-2.0``)."""
    if collection_path.resolve() != OFFICIAL:
        return None
    named = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    if any(path == OFFICIAL or OFFICIAL in path.parents for path in named):
        return None
    return True


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "wast_files(root): parametrise wast_path over the .wast files under root"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "wast_path" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("wast_files")
    if marker is None:
        raise pytest.UsageError(f"{metafunc.function.__name__} needs @pytest.mark.wast_files")
    root = Path(marker.args[0])
    if not root.is_absolute():
        root = suite_root() / root
    metafunc.parametrize("wast_path", wast_params(root))
