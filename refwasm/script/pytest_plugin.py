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

Options: ``--wast-engine`` (``reference``, ``fast``, or a peer engine), ``--wast-spec``
(``1.0``/``2.0``/``3.0``; default: from a ``wasm-X.Y`` component of the path) and
``--wast-items file`` (one item per script instead of per command: a whole suite at a fraction
of the per-command cost; a failing item lists its failed commands).  Collection happens only
for paths named on the command line (not for the ``testpaths`` of a bare ``pytest``), so a
project whose tests hold ``.wast`` data is not flooded by default; ``--wast-collect`` collects
them then too, ``-p no:refwasm`` turns the plugin off.

A ``conftest.py`` decides how the scripts under it run by implementing the hook
``pytest_wast_runs(file_path, config)``: it returns the list of ``WastRun`` (engine, edition,
items per command or per file) for a file, which are then collected whether or not the path
was named, or ``None`` to leave the file to the options above.  With several runs a file's
items sit under one node per run (``i32.wast::fast::line-37-assert_return``, or
``i32.wast::fast`` per file).  refwasm's own ``spec-tests/conftest.py`` runs the bundled
suites that way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

from refwasm.features import Features, Version
from refwasm.script.report import FileReport, Outcome

if TYPE_CHECKING:
    from refwasm.text.script_syntax import Script

MAX_LISTED = 50  # failed commands listed by a per-file item


@dataclass(frozen=True)
class WastRun:
    """How one ``.wast`` file runs: on ``engine``, under edition ``spec`` (``None``: from a
    ``wasm-X.Y`` part of the path, else the latest), with one item per command or per file."""

    engine: str = "reference"
    spec: Version | None = None
    items: Literal["command", "file"] = "command"

    @property
    def label(self) -> str:
        """The run's node name when a file has several: the engine, and the edition if fixed."""
        return self.engine if self.spec is None else f"{self.engine}-{self.spec.value}"


class WastHooks:
    """The plugin's hook, for ``conftest.py`` files."""

    @pytest.hookspec(firstresult=True)
    def pytest_wast_runs(self, file_path: Path, config: pytest.Config) -> list[WastRun] | None:
        """The runs of the ``.wast`` file ``file_path``, or ``None`` for the command line's."""
        return None


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(WastHooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("refwasm", "refwasm .wast scripts")
    group.addoption("--wast-engine", default="reference", metavar="ENGINE",
                    help="engine running .wast items: reference (default), fast, wasmtime, "
                         "node, pywasm")
    group.addoption("--wast-spec", default=None, choices=[v.value for v in Version],
                    help="spec edition of .wast items (default: from a wasm-X.Y path part)")
    group.addoption("--wast-items", default="command", choices=["command", "file"],
                    help="one item per command (default) or per file")
    group.addoption("--wast-collect", action="store_true",
                    help="collect .wast files under the testpaths of a bare pytest too")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".wast":
        return None
    config = parent.config
    runs: list[WastRun] | None = parent.ihook.pytest_wast_runs(file_path=file_path, config=config)
    if runs is None:
        if not _collecting(config):
            return None
        spec = config.getoption("wast_spec")
        runs = [WastRun(config.getoption("wast_engine"), Version(spec) if spec else None,
                        config.getoption("wast_items"))]
    wast_file: WastFile = WastFile.from_parent(parent, path=file_path, runs=runs)
    return wast_file


def _collecting(config: pytest.Config) -> bool:
    """Paths named on the command line, or ``--wast-collect``."""
    return bool(config.getoption("wast_collect")
                or config.args_source is pytest.Config.ArgsSource.ARGS)


class ScriptRun:
    """One file on one ``WastRun``: parsed once, run once, on the first item's demand."""

    def __init__(self, path: Path, run: WastRun) -> None:
        from refwasm.features import LATEST_IMPLEMENTED
        from refwasm.script.runner import version_of

        self.path = path
        self.run = run
        self.version: Version = run.spec or version_of(path) or LATEST_IMPLEMENTED
        self._outcomes: dict[int, list[tuple[str, Outcome]]] | None = None
        self._report: FileReport | None = None
        self._script: Script | None = None  # kept by items(), run by report()

    def report(self) -> FileReport:
        """The file's report (``run_file``: a fresh session, never raises), run as collected
        when its items were (a file is not parsed twice)."""
        from refwasm.script.limits import DEFAULT_TIMEOUT, resolve_fuel
        from refwasm.script.runner import run_file

        if self._report is None:
            self._report = run_file(str(self.path), engine=self.run.engine,
                                    version=self.version, script=self._script,
                                    fuel=resolve_fuel(None, self.run.engine),
                                    timeout=DEFAULT_TIMEOUT)
        return self._report

    def outcomes(self) -> dict[int, list[tuple[str, Outcome]]]:
        """Each line's outcomes (in command order within a line)."""
        if self._outcomes is None:
            by_line: dict[int, list[tuple[str, Outcome]]] = defaultdict(list)
            for status, outcome in self.report().outcomes():
                by_line[outcome.line].append((status, outcome))
            self._outcomes = dict(by_line)
        return self._outcomes

    def items(self, parent: pytest.Collector) -> Iterator[pytest.Item]:
        """The run's items under ``parent``: one per file, or one per command."""
        if self.run.items == "file":
            yield WastFileItem.from_parent(parent, name=self.run.label, script_run=self)
            return
        from refwasm.errors import WasmError
        from refwasm.script.runner import command_name
        from refwasm.text import parse_script

        try:
            script = parse_script(self.path.read_text(encoding="utf-8"),
                                  Features.for_version(self.version))
        except (WasmError, UnicodeDecodeError, OSError) as error:
            yield WastItem.from_parent(parent, name="script", line=0, keyword="script", rank=0,
                                       script_run=self, parse_error=str(error))
            return
        self._script = script
        seen: dict[str, int] = defaultdict(int)
        on_line: dict[int, int] = defaultdict(int)
        for command in script.commands:
            keyword = command_name(command).split(" ")[0]
            name = f"line-{command.line}-{keyword}"
            seen[name] += 1
            if seen[name] > 1:
                name += f"-{seen[name]}"
            yield WastItem.from_parent(parent, name=name, line=command.line, keyword=keyword,
                                       rank=on_line[command.line], script_run=self)
            on_line[command.line] += 1


class WastFile(pytest.File):
    """One ``.wast`` script: its runs' items, under one node per run when there are several."""

    def __init__(self, *, runs: Sequence[WastRun], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runs = tuple(runs)

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        if len(self.runs) == 1 and self.runs[0].items == "command":
            yield from ScriptRun(self.path, self.runs[0]).items(self)
            return
        for run in self.runs:
            if run.items == "file":
                yield from ScriptRun(self.path, run).items(self)
            else:
                yield WastRunNode.from_parent(self, name=run.label, run=run)


class WastRunNode(pytest.Collector):
    """The command items of one run of a file that has several runs."""

    def __init__(self, *, run: WastRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run = run

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        yield from ScriptRun(self.path, self.run).items(self)


class WastFailure(Exception):
    """A command that failed: ``file:line: command: reason``."""


class _ScriptItem(pytest.Item):
    """What the plugin's items share: a ``WastFailure`` is reported as its text alone."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, WastFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class WastItem(_ScriptItem):
    """One command of a script."""

    def __init__(self, *, line: int, keyword: str, rank: int, script_run: ScriptRun,
                 parse_error: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.line = line
        self.keyword = keyword
        self.rank = rank
        self.script_run = script_run
        self.parse_error = parse_error
        self.add_marker(pytest.mark.xdist_group(str(self.path)))

    def runtest(self) -> None:
        if self.parse_error is not None:
            raise WastFailure(f"{self.path}: cannot parse the script: {self.parse_error}")
        outcomes = self.script_run.outcomes()
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

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.line - 1, f"{self.path.name}:{self.line}: {self.keyword}"


class WastFileItem(_ScriptItem):
    """A whole script on one run: fails listing its failed commands (``file:line: command:
    reason``, the first ``MAX_LISTED``), skips when no command passed and some were skipped."""

    def __init__(self, *, script_run: ScriptRun, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script_run = script_run

    def runtest(self) -> None:
        report = self.script_run.report()
        if report.failures:
            listed = [f"{self.path}:{f.line}: {f.command}: {f.reason}"
                      for f in report.failures[:MAX_LISTED]]
            more = report.failed - len(listed)
            tail = [f"... and {more} more"] if more > 0 else []
            raise WastFailure("\n".join([report.summary(), *listed, *tail]))
        if report.passed == 0 and report.skipped:
            reasons = Counter(s.reason for s in report.skips).most_common(3)
            pytest.skip(f"{report.summary()}; " + "; ".join(f"{n}x {r}" for r, n in reasons))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name} ({self.script_run.run.label})"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "xdist_group(name): run the items of one group in one xdist worker")
