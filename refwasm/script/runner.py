"""The ``.wast`` script runner (the spec interpreter's ``script/run.ml``), generic over engines.

Each script runs in a fresh session (store) of one engine.  Every command ends as passed, failed
or skipped:

* passed: the command did what the script says (a module instantiated, an assertion held);
* failed: anything else, including a wrong error kind, a message that does not start with the
  expected text (the reference interpreter compares prefixes), and any crash of the engine (an
  exception that is not a ``WasmError``, ``Crash`` included);
* skipped: the command needs refwasm machinery that does not exist yet (an ``ImportError`` of a
  ``refwasm`` module), a command refwasm cannot represent, or an action on a module that was
  itself skipped.

An action on a module that failed to load fails in turn, naming the module's line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, assert_never

from refwasm.engines.base import EngineError, ExternT, InstanceT, ModuleT, Session, Value
from refwasm.errors import (
    UNKNOWN_IMPORT,
    ExceptionError,
    ExhaustionError,
    InvalidError,
    MalformedError,
    TrapError,
    UnlinkableError,
    WasmError,
    worded,
)
from refwasm.features import LATEST_IMPLEMENTED, Features, Version
from refwasm.script.report import FileReport, Outcome
from refwasm.script.results import const_value, mismatch
from refwasm.script.spectest import SPECTEST
from refwasm.text.script_syntax import (
    Action,
    ActionCommand,
    AssertException,
    AssertExhaustion,
    AssertModule,
    AssertReturn,
    AssertTrap,
    BinaryModule,
    Command,
    Get,
    Invoke,
    ModuleCommand,
    ModuleInstance,
    ModuleSource,
    QuoteModule,
    Register,
    Script,
    TextModule,
    Unsupported,
)

T = TypeVar("T")

# The error an ``assert_<kind>`` expects of a module that loads and validates.
_INSTANTIATION_ASSERTIONS: dict[str, type[WasmError]] = {
    "unlinkable": UnlinkableError,
    "uninstantiable": TrapError,
}


class Skip(Exception):
    """The command cannot run here; counted as skipped with this reason."""


class DependencyFailed(Exception):
    """The command needs a module whose own command failed."""


@dataclass(frozen=True, slots=True)
class Unavailable:
    """What a module name is bound to when its command did not pass."""

    line: int
    skipped: bool
    reason: str

    def use(self) -> None:
        """Using it skips (if its command was skipped) or fails the command that uses it."""
        message = f"module at line {self.line} unavailable: {self.reason}"
        if self.skipped:
            raise Skip(message)
        raise DependencyFailed(message)


class ScriptRunner(Generic[ModuleT, InstanceT, ExternT]):
    """Runs the commands of one script in one session, tallying into a ``FileReport``."""

    def __init__(
        self,
        session: Session[ModuleT, InstanceT, ExternT],
        report: FileReport,
        version: Version = LATEST_IMPLEMENTED,
    ) -> None:
        self.session = session
        self.report = report
        self.version = version  # whose suite's words expected messages are in
        self.instances: dict[str, InstanceT | Unavailable] = {}
        self.last: InstanceT | Unavailable | None = None
        self.definitions: dict[str, ModuleT | Unavailable] = {}
        self.last_definition: ModuleT | Unavailable | None = None
        self.registry: dict[str, InstanceT | Unavailable] = {}

    def run(self, script: Script, only_line: int | None = None) -> None:
        """Run every command in order; none can stop the others.  With ``only_line``, run and
        report only the command at that line (the last one starting at or before it), after
        the module, register and action commands before it, whose outcomes are not reported."""
        if only_line is None:
            for command in script.commands:
                self.run_command(command)
            return
        before = [c for c in script.commands if c.line <= only_line]
        if not before:
            raise Skip(f"no command at line {only_line}")
        report, self.report = self.report, FileReport(self.report.path)
        for command in before[:-1]:
            if isinstance(command, ModuleCommand | ModuleInstance | Register | ActionCommand):
                self.run_command(command)
        self.report = report
        self.run_command(before[-1])

    def run_command(self, command: Command) -> None:
        """Run one command and record its outcome."""
        name = command_name(command)
        try:
            reason = self.execute(command)
        except Skip as skip:
            self._skip(command, name, str(skip))
            return
        except DependencyFailed as failed:
            reason = str(failed)
        except ImportError as missing:
            if not _is_missing_refwasm(missing):
                reason = f"crash: {type(missing).__name__}: {missing}"
            else:
                self._skip(command, name, f"not implemented yet: {missing}")
                return
        except EngineError as error:
            reason = f"engine error: {error}"
        except WasmError as error:
            reason = f"unexpected {error.kind} error: {error.message}"
        except Exception as error:  # noqa: BLE001 -- a crash of the engine is a failed command
            reason = f"crash: {type(error).__name__}: {error}"
        if reason is None:
            self.report.add_pass(command.line, name)
        else:
            self.report.failures.append(Outcome(command.line, name, reason))
            self._unbind(command, skipped=False, reason=reason)

    def execute(self, command: Command) -> str | None:
        """Perform one command: ``None`` when it passed, else the reason it failed."""
        match command:
            case ModuleCommand(_, name, source, definition):
                if definition:
                    self._define(name, self.check(source))
                else:
                    self._bind(name, self.instantiate(self.load(source)))
                return None
            case ModuleInstance(_, name, definition):
                self._bind(name, self.instantiate(self._definition(definition)))
                return None
            case Register(_, as_name, module):
                found = self._instance_or_unavailable(module)
                self.registry[as_name] = found
                if isinstance(found, Unavailable):
                    found.use()
                return None
            case ActionCommand(_, action):
                self.perform(action)
                return None
            case AssertReturn(_, action, results):
                return mismatch(results, self.perform(action))
            case AssertTrap(_, target, message):
                return expect(TrapError, message, lambda: self.trap_target(target), self.version)
            case AssertExhaustion(_, action, message):
                return expect(ExhaustionError, message, lambda: self.perform(action), self.version)
            case AssertModule(_, "malformed", source, message):
                return expect(MalformedError, message, lambda: self.load(source), self.version)
            case AssertModule(_, "invalid", source, message):
                return expect(InvalidError, message, lambda: self.check(source), self.version)
            case AssertModule(_, kind, source, message) if kind in _INSTANTIATION_ASSERTIONS:
                error = _INSTANTIATION_ASSERTIONS[kind]
                return expect(
                    error, message, lambda: self.check_and_instantiate(source), self.version
                )
            case AssertModule(_, kind, _, _):
                raise Skip(f"unknown module assertion assert_{kind}")
            case AssertException(_, action):
                # The action must end by an exception no handler caught (3.0); no message.
                return expect(ExceptionError, "", lambda: self.perform(action), self.version)
            case Unsupported(_, kind, reason):
                raise Skip(f"unsupported {kind}: {reason}")
            case _:
                assert_never(command)

    def trap_target(self, target: Action | ModuleSource) -> object:
        """What ``assert_trap`` runs: an action, or a module's instantiation (2.0 scripts)."""
        if isinstance(target, Invoke | Get):
            return self.perform(target)
        return self.check_and_instantiate(target)

    # -- Modules ---------------------------------------------------------------------------

    def load(self, source: ModuleSource) -> ModuleT:
        """Decode, parse or take the module (``MalformedError``)."""
        match source:
            case TextModule(module):
                return self.session.load_syntax(module)
            case BinaryModule(data):
                return self.session.load_binary(data)
            case QuoteModule(text):
                return self.session.load_text(text)

    def check(self, source: ModuleSource) -> ModuleT:
        """Load and validate (``assert_invalid``)."""
        module = self.load(source)
        self.session.validate(module)
        return module

    def check_and_instantiate(self, source: ModuleSource) -> InstanceT:
        """Load, validate, link and instantiate, in the reference interpreter's order."""
        return self.instantiate(self.check(source))

    def instantiate(self, module: ModuleT | Unavailable) -> InstanceT:
        """Resolve the imports, then instantiate (which validates first)."""
        if isinstance(module, Unavailable):
            module.use()
            raise DependencyFailed("unreachable")  # for mypy; use() always raises
        externs = [self.resolve(mod, name) for mod, name in self.session.imports(module)]
        return self.session.instantiate(module, externs)

    def resolve(self, module_name: str, name: str) -> ExternT:
        """The extern for one import: a registered instance's export, else ``spectest``'s."""
        found: ExternT | None = None
        provider = self.registry.get(module_name)
        if isinstance(provider, Unavailable):
            provider.use()
        elif provider is not None:
            found = self.session.export(provider, name)
        elif module_name == SPECTEST:
            found = self.session.spectest(name)
        if found is None:
            raise UnlinkableError(UNKNOWN_IMPORT)
        return found

    # -- Actions ---------------------------------------------------------------------------

    def perform(self, action: Action) -> list[Value]:
        """``invoke`` or ``get`` on the named or last instance."""
        instance = self.instance(action.module)
        match action:
            case Invoke(_, name, args):
                return self.session.invoke(instance, name, [const_value(a) for a in args])
            case Get(_, name):
                return [self.session.get(instance, name)]

    def instance(self, name: str | None) -> InstanceT:
        """The instance an action or ``register`` names (the last one by default)."""
        found = self._instance_or_unavailable(name)
        if isinstance(found, Unavailable):
            found.use()
            raise DependencyFailed("unreachable")  # for mypy; use() always raises
        return found

    def _instance_or_unavailable(self, name: str | None) -> InstanceT | Unavailable:
        found = self.last if name is None else self.instances.get(name)
        if found is None:
            raise EngineError(
                "no module instantiated" if name is None else f"unknown module {name}"
            )
        return found

    def _definition(self, name: str | None) -> ModuleT | Unavailable:
        found = self.last_definition if name is None else self.definitions.get(name)
        if found is None:
            raise EngineError(f"unknown module definition {name or ''}".rstrip())
        return found

    # -- Bookkeeping -----------------------------------------------------------------------

    def _bind(self, name: str | None, instance: InstanceT | Unavailable) -> None:
        self.last = instance
        if name is not None:
            self.instances[name] = instance

    def _define(self, name: str | None, module: ModuleT | Unavailable) -> None:
        self.last_definition = module
        if name is not None:
            self.definitions[name] = module

    def _unbind(self, command: Command, *, skipped: bool, reason: str) -> None:
        """After a module command did not pass, later uses of its name skip or fail too."""
        unavailable = Unavailable(command.line, skipped, reason)
        if isinstance(command, ModuleCommand) and command.definition:
            self._define(command.name, unavailable)
        elif isinstance(command, ModuleCommand | ModuleInstance):
            self._bind(command.name, unavailable)

    def _skip(self, command: Command, name: str, reason: str) -> None:
        self.report.skips.append(Outcome(command.line, name, reason))
        self._unbind(command, skipped=True, reason=reason)


def expect(
    error: type[WasmError], message: str, thunk: Callable[[], object], version: Version
) -> str | None:
    """``None`` when ``thunk`` raises ``error`` with a message starting with ``message`` (the
    reference interpreter's ``assert_message``) in the words of ``version``'s suite, else why
    not."""
    try:
        thunk()
    except error as raised:
        if worded(raised.message, version.value).startswith(message):
            return None
        return f"wrong {error.kind} message: {raised.message!r}, expected {message!r}"
    except WasmError as raised:
        return f"expected {error.kind} error {message!r}, got {raised.kind}: {raised.message!r}"
    return f"expected {error.kind} error {message!r}, but it succeeded"


def command_name(command: Command) -> str:
    """How a report names a command: its keyword and, for actions, the export it uses."""
    match command:
        case ModuleCommand(definition=True):
            return "module definition"
        case ModuleCommand():
            return "module"
        case ModuleInstance():
            return "module instance"
        case Register(_, as_name, _):
            return f"register {as_name!r}"
        case ActionCommand(_, action):
            return _action_name(action)
        case AssertReturn(_, action, _):
            return f"assert_return {_action_name(action)}"
        case AssertTrap(_, Invoke() | Get() as action, _):
            return f"assert_trap {_action_name(action)}"
        case AssertTrap():
            return "assert_trap module"
        case AssertExhaustion(_, action, _):
            return f"assert_exhaustion {_action_name(action)}"
        case AssertException(_, action):
            return f"assert_exception {_action_name(action)}"
        case AssertModule(_, kind, _, _):
            return f"assert_{kind}"
        case Unsupported(_, kind, _):
            return kind


def _action_name(action: Action) -> str:
    keyword = "invoke" if isinstance(action, Invoke) else "get"
    module = "" if action.module is None else f"{action.module} "
    return f"{keyword} {module}{action.name!r}"


def _is_missing_refwasm(error: ImportError) -> bool:
    """An ``ImportError`` of a refwasm module or name that is not written yet."""
    return error.name is not None and error.name.split(".")[0] == "refwasm"


# -- Files ---------------------------------------------------------------------------------------


def version_of(path: str | os.PathLike[str]) -> Version | None:
    """The edition a ``wasm-X.Y`` component of the path names (the nearest one wins; the path as
    given first, then with symbolic links resolved)."""
    for parts in (Path(os.path.abspath(path)).parts, Path(path).resolve().parts):
        for part in reversed(parts):
            if part.startswith("wasm-"):
                try:
                    return Version(part.removeprefix("wasm-"))
                except ValueError:
                    continue
    return None


def run_script(
    script: Script,
    session: Session[Any, Any, Any],
    report: FileReport,
    version: Version = LATEST_IMPLEMENTED,
) -> FileReport:
    """Run a parsed script in ``session`` under spec edition ``version``, adding its outcomes
    to ``report``."""
    ScriptRunner(session, report, version).run(script)
    return report


def run_file(path: str, *, engine: str = "reference", version: Version | None = None,
             only_line: int | None = None,
             feature_changes: Sequence[tuple[str, bool]] = (), script: Script | None = None,
             **limits: Any) -> FileReport:
    """Parse and run one ``.wast`` file in a fresh session; never raises.  ``limits``
    (``fuel=``, ``timeout=``) bound each instantiation and call (``engine_named``);
    ``only_line`` runs one command (``ScriptRunner.run``); ``feature_changes`` turns proposals
    on or off over the edition's set (``--enable-X``: ``("X", True)``); ``script``: the file
    already parsed under that edition (the pytest plugin's, so a file is not parsed twice)."""
    report = FileReport(path)
    start = time.perf_counter()
    try:
        _run_file(path, engine, version, report, limits, only_line, dict(feature_changes),
                  script)
    except Skip as skip:
        report.skips.append(Outcome(0, "script", str(skip)))
    except Exception as error:  # noqa: BLE001 -- one bad file never stops the others
        report.failures.append(Outcome(0, "script", f"crash: {type(error).__name__}: {error}"))
    report.seconds = time.perf_counter() - start
    return report


def _run_file(path: str, engine_name: str, version: Version | None, report: FileReport,
              limits: dict[str, Any], only_line: int | None = None,
              feature_changes: dict[str, bool] | None = None,
              script: Script | None = None) -> None:
    from refwasm.engines import engine_named

    version = version or version_of(path) or LATEST_IMPLEMENTED
    features = Features.for_version(version)
    if feature_changes:
        features = features.with_(**feature_changes)
    if script is None:
        script = _parsed(path, features, report)
    if script is not None:
        session = engine_named(engine_name, **limits).session(features)
        ScriptRunner(session, report, version).run(script, only_line)


def _parsed(path: str, features: Features, report: FileReport) -> Script | None:
    """The script of a file, or ``None`` with the reason added to ``report``."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        report.failures.append(Outcome(0, "script", f"cannot read: {error}"))
        return None
    try:
        from refwasm.text import parse_script
    except ImportError as missing:
        raise Skip(f"script parser not implemented yet: {missing}") from None
    try:
        return parse_script(text, features)
    except WasmError as error:
        report.failures.append(Outcome(0, "script", f"{error.kind} script: {error.message}"))
        return None


def collect(paths: Sequence[str]) -> list[str]:
    """The ``.wast`` files named: files as given, directories searched recursively, sorted."""
    files: list[str] = []
    for path in paths:
        if Path(path).is_dir():
            files.extend(sorted(str(p) for p in Path(path).rglob("*.wast") if p.is_file()))
        else:
            files.append(path)
    return files


def run_files(
    files: Sequence[str],
    *,
    engine: str = "reference",
    version: Version | None = None,
    jobs: int = 1,
    **limits: Any,
) -> list[FileReport]:
    """Run each file in its own session, in ``jobs`` processes; reports in the files' order."""
    order = {path: i for i, path in enumerate(files)}
    reports = iter_run_files(files, engine=engine, version=version, jobs=jobs, **limits)
    return sorted(reports, key=lambda r: order[r.path])


def iter_run_files(
    files: Sequence[str],
    *,
    engine: str = "reference",
    version: Version | None = None,
    jobs: int = 1,
    **options: Any,
) -> Generator[FileReport, None, None]:
    """Run each file in its own session, in ``jobs`` processes, yielding each report as its
    file finishes.  Closing the iterator early (``--fail-fast``, Ctrl-C) stops the workers and
    starts no other file.  ``options``: ``run_file``'s ``only_line``, ``feature_changes``,
    ``fuel``, ``timeout``."""
    if jobs <= 1 or len(files) <= 1:
        for f in files:
            yield run_file(f, engine=engine, version=version, **options)
        return
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init)
    try:
        futures = {pool.submit(run_file, f, engine=engine, version=version, **options): f
                   for f in files}
        for future in as_completed(futures):
            yield _result(future, futures[future])
    except BaseException:
        _abandon(pool)  # Ctrl-C: neither wait for the files running nor start the others
        raise
    pool.shutdown()


def _abandon(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what has not started and end the workers."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    # Before 3.14 the workers are only reachable through the pool's private table, which
    # ``shutdown`` clears: take them first.
    processes: dict[int, Any] = dict(getattr(pool, "_processes", None) or {})
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes.values():
        process.terminate()


def _worker_init() -> None:
    """A worker dies quietly on Ctrl-C (the terminal sends it to the whole process group); the
    parent reports the interruption once."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _result(future: Future[FileReport], path: str) -> FileReport:
    """A worker's report; a worker that died counts as one failure of its file."""
    try:
        return future.result()
    except Exception as error:  # noqa: BLE001 -- e.g. BrokenProcessPool
        report = FileReport(path)
        report.failures.append(
            Outcome(0, "script", f"worker died: {type(error).__name__}: {error}")
        )
        return report
