"""The runner's semantics on a toy engine: what passes, fails and is skipped."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from fake_engine import FakeEngine, FakeSpec, Func, binary_module, i32, text_module

from refwasm.engines.base import Value
from refwasm.errors import Crash, ExceptionError, ExhaustionError, TrapError
from refwasm.features import Features
from refwasm.script.report import FileReport
from refwasm.script.runner import run_script
from refwasm.syntax.types import NumType
from refwasm.text.script_syntax import (
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
    NumConst,
    QuoteModule,
    Register,
    Script,
    TextModule,
    Unsupported,
)


def add(args: Sequence[Value]) -> list[Value]:
    return [i32(sum(int(a.val) for a in args if isinstance(a.val, int)))]


def trap(message: str) -> Func:
    def fn(args: Sequence[Value]) -> list[Value]:
        raise TrapError(message)

    return fn


def raising(error: BaseException) -> Func:
    def fn(args: Sequence[Value]) -> list[Value]:
        raise error

    return fn


@pytest.fixture(autouse=True)
def specs() -> dict[str, FakeSpec]:
    FakeEngine.specs = {
        "calc": FakeSpec(exports={"add": add, "g": i32(7), "div0": trap("integer divide by zero"),
                                  "throws": raising(ExceptionError(object()))}),
        "other": FakeSpec(exports={"add": lambda args: [i32(99)]}),
        "deep": FakeSpec(exports={"rec": raising(ExhaustionError("call stack exhausted"))}),
        "crashy": FakeSpec(
            exports={
                "crash": raising(Crash("assert failed")),
                "keyerror": raising(KeyError("x")),
                "missing": raising(ModuleNotFoundError("no", name="refwasm.execution.simd")),
                "foreign": raising(ModuleNotFoundError("no", name="numpy")),
            }
        ),
        "invalid": FakeSpec(invalid="type mismatch"),
        "imports": FakeSpec(imports=(("spectest", "print_i32"), ("M", "add")), exports={"f": add}),
        "unknown": FakeSpec(imports=(("nowhere", "f"),)),
        "incompatible": FakeSpec(unlinkable="incompatible import type"),
        "traps": FakeSpec(trap="out of bounds memory access"),
        "unbuilt": FakeSpec(load_raises=ModuleNotFoundError("no", name="refwasm.validation")),
    }
    return FakeEngine.specs


def run(*commands: Command) -> FileReport:
    session = FakeEngine().session(Features())
    return run_script(Script(commands), session, FileReport("t.wast"))


def mod(key: str, name: str | None = None, line: int = 1) -> ModuleCommand:
    return ModuleCommand(line, name, TextModule(text_module(key)))


def invoke(name: str, *args: int, module: str | None = None) -> Invoke:
    return Invoke(module, name, tuple(NumConst(NumType.I32, a) for a in args))


def ret(action: Invoke | Get, *values: int, line: int = 2) -> AssertReturn:
    return AssertReturn(line, action, tuple(NumConst(NumType.I32, v) for v in values))


def outcome(report: FileReport) -> tuple[int, int, int]:
    return report.passed, report.failed, report.skipped


def test_module_and_assert_return_pass() -> None:
    report = run(mod("calc"), ret(invoke("add", 1, 2), 3), ret(Get(None, "g"), 7))
    assert outcome(report) == (3, 0, 0)


def test_wrong_result_fails_with_line_and_reason() -> None:
    report = run(mod("calc"), ret(invoke("add", 1, 2), 4, line=17))
    assert outcome(report) == (1, 1, 0)
    failure = report.failures[0]
    assert failure.line == 17
    assert failure.command == "assert_return invoke 'add'"
    assert "0x4" in failure.reason and "0x3" in failure.reason


def test_wrong_result_count_fails() -> None:
    report = run(mod("calc"), ret(invoke("add", 1, 2)))
    assert outcome(report) == (1, 1, 0)


def test_result_type_matters() -> None:
    report = run(mod("calc"), AssertReturn(2, invoke("add", 1, 2), (NumConst(NumType.I64, 3),)))
    assert outcome(report) == (1, 1, 0)


def test_assert_trap_on_action() -> None:
    report = run(
        mod("calc"),
        AssertTrap(2, invoke("div0"), "integer divide by zero"),
        AssertTrap(3, invoke("div0"), "integer divide"),  # a prefix of the message passes
        AssertTrap(4, invoke("div0"), "integer overflow"),
        AssertTrap(5, invoke("add", 1), "integer divide by zero"),  # does not trap
    )
    assert outcome(report) == (3, 2, 0)
    assert [f.line for f in report.failures] == [4, 5]


def test_message_longer_than_actual_fails() -> None:
    report = run(mod("calc"), AssertTrap(2, invoke("div0"), "integer divide by zero!"))
    assert outcome(report) == (1, 1, 0)


def test_wrong_error_kind_fails() -> None:
    report = run(
        mod("calc"),
        mod("deep", "$D"),
        AssertTrap(3, invoke("rec", module="$D"), "call stack exhausted"),
        AssertExhaustion(4, invoke("rec", module="$D"), "call stack exhausted"),
        AssertExhaustion(5, invoke("div0", module=None), "integer divide by zero"),
    )
    # The last action runs on the last module ($D), which has no "div0": an engine error.
    assert outcome(report) == (3, 2, 0)
    assert "got exhaustion" in report.failures[0].reason


def test_assert_exhaustion_passes() -> None:
    report = run(mod("deep"), AssertExhaustion(2, invoke("rec"), "call stack"))
    assert outcome(report) == (2, 0, 0)


def test_assert_malformed() -> None:
    report = run(
        AssertModule(1, "malformed", BinaryModule(b"\0asn"), "magic header"),
        AssertModule(2, "malformed", QuoteModule("bad module"), "unexpected token"),
        AssertModule(3, "malformed", BinaryModule(binary_module("calc")), "magic header"),
        AssertModule(4, "malformed", QuoteModule("bad module"), "unknown operator"),
        AssertModule(5, "malformed", QuoteModule("invalid"), "type mismatch"),
    )
    assert outcome(report) == (2, 3, 0)
    assert "succeeded" in report.failures[0].reason
    assert "wrong malformed message" in report.failures[1].reason


def test_assert_invalid() -> None:
    report = run(
        AssertModule(1, "invalid", TextModule(text_module("invalid")), "type mismatch"),
        AssertModule(2, "invalid", TextModule(text_module("calc")), "type mismatch"),
        AssertModule(3, "invalid", BinaryModule(b"junk"), "type mismatch"),
    )
    assert outcome(report) == (1, 2, 0)
    assert "got malformed" in report.failures[1].reason


def test_assert_unlinkable() -> None:
    report = run(
        AssertModule(1, "unlinkable", TextModule(text_module("unknown")), "unknown import"),
        AssertModule(2, "unlinkable", TextModule(text_module("incompatible")), "incompatible"),
        AssertModule(3, "unlinkable", TextModule(text_module("calc")), "unknown import"),
        # An invalid module is invalid before it is unlinkable.
        AssertModule(4, "unlinkable", TextModule(text_module("invalid")), "type mismatch"),
    )
    assert outcome(report) == (2, 2, 0)


def test_assert_trap_and_uninstantiable_on_module() -> None:
    report = run(
        AssertTrap(1, TextModule(text_module("traps")), "out of bounds memory access"),
        AssertModule(2, "uninstantiable", TextModule(text_module("traps")), "out of bounds"),
        AssertTrap(3, TextModule(text_module("calc")), "out of bounds memory access"),
        AssertTrap(4, TextModule(text_module("incompatible")), "incompatible import type"),
    )
    assert outcome(report) == (2, 2, 0)


def test_imports_resolve_through_register_and_spectest() -> None:
    report = run(
        mod("calc", "$C"),
        Register(2, "M", "$C"),
        mod("imports", line=3),
        ret(invoke("f", 2, 3), 5, line=4),
    )
    assert outcome(report) == (4, 0, 0)
    session = FakeEngine.sessions[-1]
    assert session.instantiated[-1].externs[0] == ("spectest", "print_i32")


def test_unregistered_import_is_unknown() -> None:
    report = run(mod("imports"))
    assert outcome(report) == (0, 1, 0)
    assert "unknown import" in report.failures[0].reason


def test_register_uses_last_module_and_later_registration_wins() -> None:
    report = run(
        mod("other"),
        Register(2, "M", None),
        mod("calc"),
        Register(4, "M", None),
        mod("imports", line=5),
        ret(invoke("f", 2, 3), 5, line=6),
    )
    assert outcome(report) == (6, 0, 0)


def test_named_modules_and_default_to_last() -> None:
    report = run(
        mod("calc", "$A"),
        mod("other", "$B"),
        ret(invoke("add", 1, 2, module="$A"), 3),
        ret(invoke("add", 1, 2), 99),
        ret(invoke("add", 1, 2, module="$B"), 99),
        ret(invoke("add", 1, 2, module="$Z"), 3),
    )
    assert outcome(report) == (5, 1, 0)
    assert "unknown module $Z" in report.failures[0].reason


def test_action_without_module_fails() -> None:
    report = run(ActionCommand(1, invoke("add")))
    assert outcome(report) == (0, 1, 0)


def test_crashes_are_failures_and_do_not_stop_the_script() -> None:
    report = run(
        mod("crashy"),
        ActionCommand(2, invoke("crash")),
        AssertTrap(3, invoke("crash"), "unreachable"),
        ActionCommand(4, invoke("keyerror")),
        ActionCommand(5, invoke("foreign")),
        ActionCommand(6, invoke("missing")),
        mod("calc", line=7),
        ret(invoke("add", 1, 1), 2, line=8),
    )
    assert outcome(report) == (3, 4, 1)
    assert all("crash" in f.reason for f in report.failures)
    assert "Crash" in report.failures[0].reason
    assert report.skips[0].line == 6


def test_missing_machinery_skips_the_module_and_its_users() -> None:
    report = run(
        ModuleCommand(1, "$U", TextModule(text_module("unbuilt"))),
        ret(invoke("add", 1, 2), 3, line=2),
        Register(3, "M", "$U"),
        mod("imports", line=4),
        AssertModule(5, "invalid", TextModule(text_module("unbuilt")), "type mismatch"),
    )
    assert outcome(report) == (0, 0, 5)
    assert "not implemented yet" in report.skips[0].reason
    assert "line 1" in report.skips[1].reason


def test_users_of_a_failed_module_fail() -> None:
    report = run(
        mod("calc"),
        mod("invalid", line=2),
        ret(invoke("add", 1, 2), 3, line=3),  # the last module is the failed one
    )
    assert outcome(report) == (1, 2, 0)
    assert "module at line 2" in report.failures[1].reason


def test_unsupported_commands_are_skipped() -> None:
    report = run(mod("calc"), Unsupported(2, "assert_suspension", "stack switching"))
    assert outcome(report) == (1, 0, 1)


def test_assert_exception_passes_only_on_an_uncaught_exception() -> None:
    report = run(
        mod("calc"),
        AssertException(2, invoke("throws")),
        AssertException(3, invoke("add", 1, 2)),
        AssertException(4, invoke("div0")),
    )
    assert outcome(report) == (2, 2, 0)
    assert "but it succeeded" in report.failures[0].reason
    assert "got trap" in report.failures[1].reason


def test_module_definition_and_instance() -> None:
    report = run(
        ModuleCommand(1, "$D", TextModule(text_module("calc")), definition=True),
        ModuleInstance(2, "$I", "$D"),
        ModuleInstance(3, "$J", None),
        ret(invoke("add", 2, 2, module="$I"), 4, line=4),
        ret(invoke("add", 2, 3, module="$J"), 5, line=5),
        ModuleInstance(6, "$K", "$nope"),
    )
    assert outcome(report) == (5, 1, 0)
    assert len(FakeEngine.sessions[-1].instantiated) == 2


def test_invalid_definition_fails_and_so_do_its_instances() -> None:
    report = run(
        ModuleCommand(1, "$D", TextModule(text_module("invalid")), definition=True),
        ModuleInstance(2, "$I", "$D"),
        ModuleInstance(3, "$J", None),
    )
    assert outcome(report) == (0, 3, 0)
    assert "type mismatch" in report.failures[0].reason
    assert "module at line 1" in report.failures[1].reason
