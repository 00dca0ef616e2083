"""The pytest plugin (entry point ``pytest11: refwasm``): ``pytest path/to/dir`` collects the
``.wast`` scripts under the paths given, one item per command, named
``file.wast::line-123-assert_return``.

A script is stateful (an assertion uses the modules before it), so its items do not run one by
one: the first item of a file to run runs the whole file once in a fresh session
(``refwasm.script.runner.run_file``) and each item reports its own command's outcome (passed,
failed with ``expected ..., got ...``, or skipped with the reason).  ``-k`` and ``-x`` select and
stop as usual; ``--junitxml`` gets one testcase per command; under xdist every item carries
``xdist_group(<file>)`` so that ``--dist loadgroup`` keeps a file in one worker (any other mode
is correct too, a worker then runs a file once for its share of the items).

Options: ``--wast-engine`` (``reference``, ``fast``, or a peer engine) and ``--wast-spec``
(``1.0``/``2.0``/``3.0``; default: from a ``wasm-X.Y`` component of the path).  Collection
happens only for paths named on the command line (not for the ``testpaths`` of a bare
``pytest``), so a project whose tests hold ``.wast`` data is not flooded by default;
``--wast-collect`` collects them then too, ``-p no:refwasm`` turns the plugin off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from refwasm.features import Features, Version
from refwasm.script.report import FileReport, Outcome


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("refwasm", "refwasm .wast scripts")
    group.addoption("--wast-engine", default="reference", metavar="ENGINE",
                    help="engine running .wast items: reference (default), fast, wasmtime, "
                         "node, pywasm")
    group.addoption("--wast-spec", default=None, choices=[v.value for v in Version],
                    help="spec edition of .wast items (default: from a wasm-X.Y path part)")
    group.addoption("--wast-collect", action="store_true",
                    help="collect .wast files under the testpaths of a bare pytest too")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".wast" or not _collecting(parent.config):
        return None
    wast_file: WastFile = WastFile.from_parent(parent, path=file_path)
    return wast_file


def _collecting(config: pytest.Config) -> bool:
    """Paths named on the command line, or ``--wast-collect``."""
    return bool(config.getoption("wast_collect")
                or config.args_source is pytest.Config.ArgsSource.ARGS)


class WastFile(pytest.File):
    """One ``.wast`` script: its commands are its items; it runs once, on the first's demand."""

    report: FileReport | None = None

    def collect(self) -> Iterator[WastItem]:
        from refwasm.errors import WasmError
        from refwasm.script.runner import command_name, version_of
        from refwasm.text import parse_script

        version = self.version(version_of)
        try:
            script = parse_script(self.path.read_text(encoding="utf-8"),
                                  Features.for_version(version))
        except (WasmError, UnicodeDecodeError) as error:
            yield WastItem.from_parent(self, name="script", line=0, keyword="script",
                                       rank=0, parse_error=str(error))
            return
        self._script = script  # run as parsed: a file is not parsed twice
        seen: dict[str, int] = defaultdict(int)
        on_line: dict[int, int] = defaultdict(int)
        for command in script.commands:
            keyword = command_name(command).split(" ")[0]
            name = f"line-{command.line}-{keyword}"
            seen[name] += 1
            if seen[name] > 1:
                name += f"-{seen[name]}"
            yield WastItem.from_parent(self, name=name, line=command.line, keyword=keyword,
                                       rank=on_line[command.line])
            on_line[command.line] += 1

    def version(self, version_of: Any) -> Version:
        from refwasm.features import LATEST_IMPLEMENTED

        spec = self.config.getoption("wast_spec")
        found: Version | None = Version(spec) if spec else version_of(self.path)
        return found or LATEST_IMPLEMENTED

    def outcomes(self) -> dict[int, list[tuple[str, Outcome]]]:
        """Each line's outcomes (in command order within a line), running the file once."""
        cached: dict[int, list[tuple[str, Outcome]]] | None = getattr(self, "_outcomes", None)
        if cached is not None:
            return cached
        report = self.run_script()
        by_line: dict[int, list[tuple[str, Outcome]]] = defaultdict(list)
        for status, outcome in report.outcomes():
            by_line[outcome.line].append((status, outcome))
        self._outcomes = dict(by_line)
        return self._outcomes


    def run_script(self) -> FileReport:
        """Run the script collected, in a fresh session of ``--wast-engine`` (never raises)."""
        from refwasm.engines import engine_named
        from refwasm.script.limits import DEFAULT_TIMEOUT, resolve_fuel
        from refwasm.script.runner import run_script, version_of

        engine = self.config.getoption("wast_engine")
        version = self.version(version_of)
        report = FileReport(str(self.path))
        try:
            limits = {"fuel": resolve_fuel(None, engine), "timeout": DEFAULT_TIMEOUT}
            session = engine_named(engine, **limits).session(Features.for_version(version))
            run_script(self._script, session, report, version)
        except Exception as error:  # noqa: BLE001 -- reported on the items, as run_file does
            report.failures.append(Outcome(0, "script", f"{type(error).__name__}: {error}"))
        return report


class WastFailure(Exception):
    """A command that failed: ``file:line: command: reason``."""


class WastItem(pytest.Item):
    """One command of a script."""

    def __init__(self, *, line: int, keyword: str, rank: int, parse_error: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line = line
        self.keyword = keyword
        self.rank = rank
        self.parse_error = parse_error
        self.add_marker(pytest.mark.xdist_group(str(self.path)))

    def runtest(self) -> None:
        if self.parse_error is not None:
            raise WastFailure(f"{self.path}: cannot parse the script: {self.parse_error}")
        parent = self.parent
        if not isinstance(parent, WastFile):
            raise WastFailure(f"{self.path}: not collected from a .wast file")
        outcomes = parent.outcomes()
        script_level = [o for o in outcomes.get(0, []) if o[0] != "passed"]
        here = outcomes.get(self.line, [])
        if self.rank < len(here):
            status, outcome = here[self.rank]
        elif script_level:
            status, outcome = script_level[0]
        else:
            raise WastFailure(f"{self.path}:{self.line}: no outcome was recorded")
        if status == "failed":
            raise WastFailure(f"{self.path}:{outcome.line}: {outcome.command}: {outcome.reason}")
        if status == "skipped":
            pytest.skip(outcome.reason)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, WastFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.line - 1, f"{self.path.name}:{self.line}: {self.keyword}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "xdist_group(name): run the items of one group in one xdist worker")
