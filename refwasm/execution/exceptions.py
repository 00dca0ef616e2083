"""Exception handling at run time (3.0; SpecTec ``4.3-execution.instructions``, "Exceptions").

``throw`` makes an exception instance and throws a reference to it; ``throw_ref`` throws the
exception a reference denotes.  Both raise ``ExceptionError``, and ``instructions.run`` hands
it to ``unwind``, which carries out the propagation rules: the exception leaves labels
(``Step_read/throw_ref-label``) and frames (``Step_read/throw_ref-frame``) until it meets a
``HANDLER_`` whose catch clauses, tried in order, accept it (``Step_read/throw_ref-handler-*``).
An exception raised by a host function, or by a Wasm call a host function made, arrives the
same way, so it propagates across host frames too.  One that no handler of the machine's
frames accepts leaves ``run`` as the ``ExceptionError`` the embedder sees.

A ``try_table`` enters a label, as ``block`` does, and records its handler in the frame
(``Frame.handlers``) with the label it wraps: the handler is in force while that very label
(compared by identity) is on the frame's label stack, so branches and the end of the block
need no work of their own.  Exception instances are Python objects (``ExnInst``) that
references hold directly, so an exception nothing refers to any more is reclaimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from refwasm.errors import NULL_EXCEPTION_REFERENCE, ExceptionError, TrapError, crash_unless
from refwasm.execution.runtime import (
    EmbedderError,
    ExnInst,
    Frame,
    Store,
    release_frame,
    value_in_store,
)
from refwasm.execution.values import RefExnAddr, Val

if TYPE_CHECKING:
    from refwasm.execution.instructions import Machine


@dataclass(frozen=True, slots=True)
class CatchAt:
    """A catch clause resolved against the module instance: ``tag`` is the tag's address
    (None for ``catch_all``/``catch_all_ref``), ``label`` the label index outside the
    ``try_table``, ``ref`` whether the exception reference is passed on (the ``_ref`` forms)."""

    tag: int | None
    label: int
    ref: bool


# A frame's handler: the position of the ``try_table``'s label on the label stack, that label
# (identity tells whether it is still there), and the catch clauses.
Handler = tuple[int, tuple[int, int, int], tuple[CatchAt, ...]]


def exception_of(error: ExceptionError) -> ExnInst:
    """The exception instance an ``ExceptionError`` carries."""
    exn = error.exn
    crash_unless(isinstance(exn, ExnInst), "an ExceptionError without an exception instance")
    return exn  # type: ignore[return-value]


def checked_exception(store: Store, error: ExceptionError) -> ExnInst:
    """The exception an ``ExceptionError`` carries, checked against the store: a host function
    may raise one, and an exception of a tag the store lacks, or with fields that are not
    values of the tag's parameters, is the embedder's error (no handler may receive it)."""
    exn = error.exn
    if not (isinstance(exn, ExnInst) and 0 <= exn.tag < len(store.tags)):
        raise EmbedderError(f"not an exception of this store: {exn!r}")
    params = store.tags[exn.tag].type.params
    if len(exn.fields) != len(params) or not all(
        value_in_store(store, v, t) for v, t in zip(exn.fields, params, strict=True)
    ):
        raise EmbedderError(f"exception fields {exn.fields!r} do not fit the tag's {params}")
    return exn


def throw(exn: ExnInst) -> ExceptionError:
    """The Python exception that throws ``exn`` (``(REF.EXN_ADDR a) THROW_REF``)."""
    return ExceptionError(exn)


def exec_throw(m: Machine, args: tuple[int, int]) -> None:
    """``Step/throw``: pop the tag's ``n`` parameters, allocate ``{TAG a, FIELDS val^n}``
    (``$add_exninst``) and throw a reference to it (``(REF.EXN_ADDR a) THROW_REF``)."""
    tagaddr, n = args
    s = m.stack
    fields = tuple(s[len(s) - n :])
    del s[len(s) - n :]
    raise throw(ExnInst(tagaddr, fields))


def exec_throw_ref(m: Machine, _: None) -> None:
    """``Step_read/throw_ref-null`` (trap) and the start of propagation of a non-null
    reference (``Step_read/throw_ref-instrs``: what is around it is discarded by ``unwind``)."""
    ref = m.stack.pop()
    if not isinstance(ref, RefExnAddr):
        raise TrapError(NULL_EXCEPTION_REFERENCE)
    raise throw(ref.exn)


def exec_try_table(m: Machine, args: tuple[int, int, int, tuple[CatchAt, ...]]) -> None:
    """``Step_read/try_table``: ``val^m (TRY_TABLE bt catch* instr*)`` becomes
    ``HANDLER_n{catch*} (LABEL_n{eps} val^m instr*)``: enter the label, as ``block`` does, and
    put the handler in force around it."""
    n, arity, cont, catches = args
    f = m.frame
    labels = f.labels
    label = (arity, len(m.stack) - n, cont)
    labels.append(label)
    handlers = f.handlers
    if handlers is None:
        handlers = f.handlers = []
    # Handlers whose label was left (by its end or a branch) are out of force: drop them here,
    # so that a loop around a try_table does not pile them up.
    while handlers and not in_force(f, handlers[-1]):
        handlers.pop()
    handlers.append((len(labels) - 1, label, catches))


def in_force(f: Frame, handler: Handler) -> bool:
    """Whether the label a handler wraps is still on the frame's label stack."""
    at, label, _ = handler
    return at < len(f.labels) and f.labels[at] is label


def catch_target(catches: tuple[CatchAt, ...], exn: ExnInst) -> CatchAt | None:
    """The first catch clause accepting ``exn`` (``Step_read/throw_ref-handler-catch``,
    ``Step_read/throw_ref-handler-catch_ref``, ``Step_read/throw_ref-handler-catch_all``,
    ``Step_read/throw_ref-handler-catch_all_ref``, trying the next clause by
    ``Step_read/throw_ref-handler-next``), or None when none does
    (``Step_read/throw_ref-handler-empty``)."""
    for c in catches:
        if c.tag is None or c.tag == exn.tag:
            return c
    return None


def unwind(m: Machine, error: ExceptionError) -> None:
    """Propagate a thrown exception from the current point of ``m`` to the innermost handler
    in force that accepts it, and continue there: its catch's values and branch
    (``val* (REF.EXN_ADDR a)? (BR l)``).  Labels inside the handler and frames without one
    are left (``Step_read/throw_ref-label``, ``Step_read/throw_ref-frame``).  When no frame of
    ``m`` has such a handler, re-raise ``error``: the exception leaves this machine."""
    from refwasm.execution.instructions import branch

    exn = checked_exception(m.store, error)
    while m.frames:
        f = m.frame
        handlers = f.handlers
        while handlers:
            handler = handlers.pop()
            if not in_force(f, handler):
                continue
            target = catch_target(handler[2], exn)
            if target is None:
                continue
            leave_labels(f, handler[0])
            m.stack.extend(catch_values(exn, target))
            branch(m, target.label)
            return
        leave_frame(m, f)
    raise error


def leave_labels(f: Frame, at: int) -> None:
    """``Step_read/throw_ref-label``: the exception leaves the labels of ``f`` inside the
    handler that catches it (from index ``at`` on)."""
    del f.labels[at:]


def catch_values(exn: ExnInst, target: CatchAt) -> list[Val]:
    """What a catch clause passes to its label: the fields for ``catch``, nothing for
    ``catch_all``, and the exception reference after them for the ``_ref`` forms."""
    values: list[Val] = list(exn.fields) if target.tag is not None else []
    if target.ref:
        values.append(RefExnAddr(exn))
    return values


def leave_frame(m: Machine, f: Frame) -> None:
    """``Step_read/throw_ref-frame``: the exception leaves activation ``f`` (the top one)
    with everything it holds on the operand stack."""
    from refwasm.execution.instructions import HALT

    m.frames.pop()
    del m.stack[f.height :]
    release_frame(m.store, f.charge)
    m.depth_limit += 1
    m.frame = m.frames[-1] if m.frames else HALT
