"""Runtime values (SpecTec ``4.0-execution.configurations``; 2.0 ``syntax-val``).

Numbers and vectors are plain Python ``int`` bit patterns (unsigned; an f32 is its 32 IEEE
bits), so nothing is boxed and no Python float ever holds a Wasm value.  The type of a number
is known from validation or from the function type, never from the value.  References are
small frozen objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from refwasm.syntax.types import HeapType

if TYPE_CHECKING:
    from refwasm.execution.runtime import ExnInst


@dataclass(frozen=True, slots=True)
class RefNullVal:
    """``REF.NULL heaptype``: a null reference."""

    heaptype: HeapType


@dataclass(frozen=True, slots=True)
class RefFuncAddr:
    """``REF.FUNC_ADDR funcaddr``"""

    addr: int


@dataclass(frozen=True, slots=True)
class RefHostAddr:
    """``REF.HOST_ADDR hostaddr``: an opaque host reference (``ref.extern N`` in scripts)."""

    addr: int


@dataclass(frozen=True, slots=True)
class RefExtern:
    """``REF.EXTERN addrref``: an internal reference converted to ``externref`` (3.0)."""

    ref: Ref


@dataclass(frozen=True, slots=True)
class RefI31Num:
    """``REF.I31_NUM u31`` (3.0): an unboxed scalar; ``i`` is its 31 bits."""

    i: int


@dataclass(frozen=True, slots=True)
class RefStructAddr:
    """``REF.STRUCT_ADDR structaddr`` (3.0)"""

    addr: int


@dataclass(frozen=True, slots=True)
class RefArrayAddr:
    """``REF.ARRAY_ADDR arrayaddr`` (3.0)"""

    addr: int


@dataclass(frozen=True, slots=True)
class RefExnAddr:
    """``REF.EXN_ADDR exnaddr`` (3.0): a reference to an exception instance.

    The address is the instance itself (compared by identity): the store's ``EXNS`` is not a
    list that only grows, so exceptions nothing refers to any more are reclaimed.
    """

    exn: ExnInst


Ref = (
    RefNullVal | RefFuncAddr | RefHostAddr | RefExtern | RefI31Num | RefStructAddr | RefArrayAddr
    | RefExnAddr
)
Val = int | Ref


@dataclass(frozen=True, slots=True)
class ExternFuncAddr:
    """``FUNC funcaddr``"""

    addr: int


@dataclass(frozen=True, slots=True)
class ExternTableAddr:
    """``TABLE tableaddr``"""

    addr: int


@dataclass(frozen=True, slots=True)
class ExternMemAddr:
    """``MEM memaddr``"""

    addr: int


@dataclass(frozen=True, slots=True)
class ExternGlobalAddr:
    """``GLOBAL globaladdr``"""

    addr: int


@dataclass(frozen=True, slots=True)
class ExternTagAddr:
    """``TAG tagaddr``"""

    addr: int


ExternVal = ExternFuncAddr | ExternTableAddr | ExternMemAddr | ExternGlobalAddr | ExternTagAddr
