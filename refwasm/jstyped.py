"""Typed access to what ``WebAssembly().instantiate(...)`` returns, for a user's script.

``instantiate`` resolves, as in JS, to ``{"module", "instance"}`` for bytes and to an
``Instance`` for a module object, so its Python type is a union; ``js_instance`` narrows it.
With ``refwasm.js_function`` and friends, the exports are then typed as callables, memories,
tables and globals, and ``mypy --strict`` accepts a script without casts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refwasm.jsapi.objects import Instance


def js_instance(result: object) -> Instance:
    """The ``Instance`` of ``WebAssembly().instantiate(...)``'s result (the ``instance`` of
    ``{"module", "instance"}``, or the instance itself); ``TypeError`` if it is neither."""
    from refwasm.jsapi.objects import Instance

    found = result.get("instance") if isinstance(result, dict) else result
    if not isinstance(found, Instance):
        raise TypeError(f"not the result of WebAssembly.instantiate: {result!r}")
    return found
