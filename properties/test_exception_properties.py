"""Property: a thrown exception is caught by the innermost handler with a matching clause, and by
that handler's first matching clause (SpecTec ``Step_read/throw_ref-handler-*``), checked
against a small independent model of nested handlers; an exception no clause matches leaves
the function.  The throw happens in the function itself or in a callee (``throw_ref-frame``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from refwasm import embedding
from refwasm.errors import ExceptionError
from refwasm.execution.values import ExternFuncAddr
from refwasm.features import Features

V3 = Features.for_version("3.0")
TAGS = 3
UNCAUGHT = -1


@dataclass(frozen=True)
class Clause:
    """``catch $t<tag>``, or ``catch_all`` when ``tag`` is None."""

    tag: int | None


Handler = tuple[Clause, ...]

clauses = st.builds(Clause, st.one_of(st.none(), st.integers(0, TAGS - 1)))
handlers = st.lists(clauses, max_size=3).map(tuple)


def model(nest: list[Handler], thrown: int) -> int:
    """Which clause catches: the innermost handler first, its clauses in order; the code of
    (level, clause), or ``UNCAUGHT``."""
    for level in reversed(range(len(nest))):
        for k, clause in enumerate(nest[level]):
            if clause.tag is None or clause.tag == thrown:
                return code(level, k)
    return UNCAUGHT


def code(level: int, k: int) -> int:
    return 10 * level + k


def module_text(nest: list[Handler], thrown: int, via_call: bool) -> str:
    """Level ``i`` is ``(block $c_i_k)* (try_table (catch ... $c_i_k)* <level i+1>)``; leaving
    block ``$c_i_k`` returns ``code(i, k)``.  The innermost level throws (or calls a thrower)."""
    throw = "(call $thrower)" if via_call else f"(throw $t{thrown})"
    body = throw
    for level in reversed(range(len(nest))):
        handler = nest[level]
        catches = " ".join(
            f"(catch_all $c{level}_{k})" if c.tag is None else f"(catch $t{c.tag} $c{level}_{k})"
            for k, c in enumerate(handler)
        )
        inner = f"(try_table {catches} {body}) (return (i32.const -2))"
        for k in range(len(handler)):
            inner = f"(block $c{level}_{k} {inner}) (return (i32.const {code(level, k)}))"
        body = inner
    tags = " ".join(f"(tag $t{j})" for j in range(TAGS))
    return f"""(module {tags}
      (func $thrower (throw $t{thrown}))
      (func (export "f") (result i32) {body} (i32.const -3)))"""


@settings(max_examples=200, deadline=None)
@given(st.lists(handlers, min_size=1, max_size=5), st.integers(0, TAGS - 1), st.booleans())
def test_innermost_matching_handler_catches(nest: list[Handler], thrown: int, via_call: bool) -> None:
    store = embedding.store_init()
    module = embedding.module_parse(module_text(nest, thrown, via_call), V3)
    inst = embedding.module_instantiate(store, module, [], V3)
    f = embedding.instance_export(inst, "f")
    assert isinstance(f, ExternFuncAddr)
    try:
        (result,) = embedding.func_invoke(store, f.addr, [])
    except ExceptionError:
        result = UNCAUGHT
    assert result == model(nest, thrown)
