"""The JS API model as JavaScript behaves (issue 15, item 6): what a getter of the import object
throws reaches the caller, AttributeError included; a host function is called with the Wasm
arguments however many parameters it declares."""

from __future__ import annotations

import functools
import types
from typing import Any

import pytest

from refwasm.binary import encode_module
from refwasm.jsapi import UNDEFINED, LinkError, WebAssembly
from refwasm.text import parse_module

IMPORTS_F = encode_module(parse_module(
    '(module (import "env" "f" (func $f (param i32 i32) (result i32)))'
    ' (func (export "run") (param i32 i32) (result i32) local.get 0 local.get 1 call $f))'))


def instantiate(imports: object) -> Any:
    wa = WebAssembly()
    return wa.Instance(wa.Module(IMPORTS_F), imports).exports


class Boom(Exception):
    pass


class RaisingGetter:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    @property
    def f(self) -> object:
        raise self.error


@pytest.mark.parametrize("error", [AttributeError("the user's own"), Boom("boom"),
                                   KeyError("k")])
def test_a_getter_s_exception_reaches_the_caller(error: BaseException) -> None:
    with pytest.raises(type(error)) as raised:
        instantiate({"env": RaisingGetter(error)})
    assert raised.value is error


def test_a_module_getter_s_exception_reaches_the_caller() -> None:
    class Imports:
        @property
        def env(self) -> object:
            raise AttributeError("no env today")

    with pytest.raises(AttributeError, match="no env today"):
        instantiate(Imports())


def test_a_getter_touching_a_missing_attribute_is_still_the_user_s_error() -> None:
    class Broken:
        @property
        def f(self) -> object:
            return self.missing  # type: ignore[attr-defined]

    with pytest.raises(AttributeError, match="missing"):
        instantiate({"env": Broken()})


def test_absent_properties_are_undefined() -> None:
    with pytest.raises(LinkError):
        instantiate({"env": types.SimpleNamespace(g=lambda a, b: 0)})
    with pytest.raises(LinkError):
        instantiate({"env": object()})


def test_dynamic_attributes_are_properties() -> None:
    class Dynamic:
        def __getattr__(self, name: str) -> object:
            if name == "f":
                return lambda a, b: a * b
            raise AttributeError(name)

    assert instantiate({"env": Dynamic()}).run(6, 7) == 42
    with pytest.raises(LinkError):  # __getattr__'s AttributeError: absent
        instantiate({"env": types.SimpleNamespace(other=Dynamic())})
    assert instantiate(types.SimpleNamespace(env=types.SimpleNamespace(
        f=lambda a, b: a - b))).run(9, 2) == 7


def test_host_functions_of_any_arity() -> None:
    seen: list[tuple[object, ...]] = []

    def two_of_three(a: object, b: object, c: object, d: object = "default") -> int:
        seen.append((a, b, c, d))
        return 1

    def with_star(*args: object) -> int:
        seen.append(args)
        return 2

    assert instantiate({"env": {"f": lambda: 7}}).run(1, 2) == 7  # the reproducer
    assert instantiate({"env": {"f": lambda a: a}}).run(5, 9) == 5
    assert instantiate({"env": {"f": two_of_three}}).run(1, 2) == 1
    assert instantiate({"env": {"f": with_star}}).run(3, 4) == 2
    assert instantiate({"env": {"f": functools.partial(lambda k, a: k + a, 10)}}).run(1, 2) == 11
    assert instantiate({"env": {"f": max}}).run(3, 8) == 8  # a builtin without a signature
    assert seen == [(1, 2, UNDEFINED, "default"), (3, 4)]


def test_a_type_error_inside_a_host_function_is_the_user_s() -> None:
    def bad(a: object, b: object) -> int:
        raise TypeError("the host's own")

    with pytest.raises(TypeError, match="the host's own"):
        instantiate({"env": {"f": bad}}).run(1, 2)
