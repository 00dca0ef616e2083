"""Abstract syntax of ``.wast`` scripts (the spec interpreter's script grammar, ``script.ml``).

The script parser (``refwasm.text.script``) produces these; the runner (``refwasm.script``)
consumes them.  Every command records its 1-based source ``line`` for reports.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from refwasm.syntax.instructions import Shape
from refwasm.syntax.modules import Module
from refwasm.syntax.types import HeapType, NumType

# -- Module sources ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextModule:
    """``(module $id? ...fields)``: already parsed into abstract syntax."""

    module: Module


@dataclass(frozen=True, slots=True)
class BinaryModule:
    """``(module $id? binary "..."*)``: the bytes, decoded by the runner."""

    data: bytes


@dataclass(frozen=True, slots=True)
class QuoteModule:
    """``(module $id? quote "..."*)``: source text, parsed by the runner."""

    text: str


ModuleSource = TextModule | BinaryModule | QuoteModule


# -- Values in actions and results ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NumConst:
    """``(i32.const 5)`` etc.: ``bits`` is the exact bit pattern of the number."""

    nt: NumType
    bits: int


@dataclass(frozen=True, slots=True)
class VecConst:
    """``(v128.const shape ...)``: the 128 bits (lane 0 lowest)."""

    bits: int


@dataclass(frozen=True, slots=True)
class RefNullConst:
    """``(ref.null ht)``"""

    heaptype: HeapType


@dataclass(frozen=True, slots=True)
class RefHostConst:
    """``(ref.extern N)`` (and ``(ref.host N)``): host reference number N."""

    n: int


Const = NumConst | VecConst | RefNullConst | RefHostConst


class NanKind(enum.Enum):
    """``nan:canonical`` / ``nan:arithmetic`` result patterns."""

    CANONICAL = "nan:canonical"
    ARITHMETIC = "nan:arithmetic"


@dataclass(frozen=True, slots=True)
class NanPattern:
    """``(f32.const nan:canonical)``: any NaN of that class."""

    nt: NumType
    kind: NanKind


@dataclass(frozen=True, slots=True)
class LanePattern:
    """A lane of a ``v128`` result pattern: an exact lane value or a NaN class."""

    bits: int | None
    nan: NanKind | None = None


@dataclass(frozen=True, slots=True)
class VecPattern:
    """``(v128.const f32x4 1.0 nan:canonical ...)``: one pattern per lane in ``shape``."""

    shape: Shape
    lanes: tuple[LanePattern, ...]


@dataclass(frozen=True, slots=True)
class RefPattern:
    """``(ref.func)``, ``(ref.extern)``, ``(ref.any)``, ...: any non-null reference of that
    heap type; ``(ref.null)`` without a heap type is any null (``null=True``)."""

    heaptype: HeapType | None
    null: bool = False


@dataclass(frozen=True, slots=True)
class EitherPattern:
    """``(either r1 r2 ...)`` (3.0 scripts): any of the alternatives."""

    alternatives: tuple[Result, ...]


Result = Const | NanPattern | VecPattern | RefPattern | EitherPattern


# -- Actions and commands ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Invoke:
    """``(invoke $id? "name" const*)``"""

    module: str | None
    name: str
    args: tuple[Const, ...]


@dataclass(frozen=True, slots=True)
class Get:
    """``(get $id? "name")``"""

    module: str | None
    name: str


Action = Invoke | Get


@dataclass(frozen=True, slots=True)
class ModuleCommand:
    """``(module ...)``: define and instantiate (``definition`` only defines it)."""

    line: int
    name: str | None
    source: ModuleSource
    definition: bool = False


@dataclass(frozen=True, slots=True)
class ModuleInstance:
    """``(module instance $inst $def)``: instantiate a module defined earlier (3.0 scripts)."""

    line: int
    name: str | None
    definition: str | None


@dataclass(frozen=True, slots=True)
class Register:
    """``(register "name" $id?)``"""

    line: int
    as_name: str
    module: str | None


@dataclass(frozen=True, slots=True)
class ActionCommand:
    """A bare ``(invoke ...)`` or ``(get ...)``."""

    line: int
    action: Action


@dataclass(frozen=True, slots=True)
class AssertReturn:
    """``(assert_return action result*)``"""

    line: int
    action: Action
    results: tuple[Result, ...]


@dataclass(frozen=True, slots=True)
class AssertTrap:
    """``(assert_trap action "msg")`` and ``(assert_trap module "msg")``"""

    line: int
    target: Action | ModuleSource
    message: str


@dataclass(frozen=True, slots=True)
class AssertExhaustion:
    """``(assert_exhaustion action "msg")``"""

    line: int
    action: Action
    message: str


@dataclass(frozen=True, slots=True)
class AssertException:
    """``(assert_exception action)`` (3.0 scripts)"""

    line: int
    action: Action


@dataclass(frozen=True, slots=True)
class AssertModule:
    """``assert_malformed``, ``assert_invalid``, ``assert_unlinkable``,
    ``assert_uninstantiable`` on a module, with the expected message."""

    line: int
    kind: str  # "malformed" | "invalid" | "unlinkable" | "uninstantiable"
    source: ModuleSource
    message: str


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A command refwasm's parser recognised but cannot represent (kept to be reported)."""

    line: int
    kind: str
    reason: str


Command = (
    ModuleCommand | ModuleInstance | Register | ActionCommand | AssertReturn | AssertTrap
    | AssertExhaustion | AssertException | AssertModule | Unsupported
)


@dataclass(frozen=True, slots=True)
class Script:
    """A parsed ``.wast`` file."""

    commands: tuple[Command, ...]
