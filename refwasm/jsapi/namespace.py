"""The ``WebAssembly`` namespace of one agent.

``WebAssembly()`` makes a fresh agent (its own store and object caches).  Its members mirror the
JavaScript namespace: ``wa.validate(bytes)``, ``wa.Module(bytes)`` (with the static
``wa.Module.imports``/``exports``/``customSections``), ``wa.Instance(module, imports)``,
``wa.Memory({...})``, ``wa.Table({...}, value)``, ``wa.Global({...}, v)`` and the error classes.
``WebAssembly(engine="fast")`` runs the agent's store on ``refwasm.fast`` instead of the
reference interpreter.
"""

from __future__ import annotations

from refwasm import embedding
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.jsapi import errors, exceptions, objects
from refwasm.jsapi.agent import Agent
from refwasm.jsapi.values import UNDEFINED


class WebAssembly:
    """The WebAssembly namespace object (create the WebAssembly namespace object)."""

    CompileError = errors.CompileError
    LinkError = errors.LinkError
    RuntimeError = errors.RuntimeError

    def __init__(
        self, features: Features = DEFAULT_FEATURES, *, max_call_depth: int | None = None,
        engine: str = "reference",
    ) -> None:
        store = (
            embedding.store_init(engine=engine)
            if max_call_depth is None
            else embedding.store_init(max_call_depth=max_call_depth, engine=engine)
        )
        self.agent = Agent(features=features, store=store)
        features_ = features

        class Module(objects.Module):
            """``WebAssembly.Module`` of this namespace (compiled with its features)."""

            def __init__(self, data: object) -> None:
                super().__init__(data, features_)

        self.Module = Module

    def validate(self, data: object) -> bool:
        """validate(bytes)"""
        stable_bytes = objects.buffer_source_copy(data, "WebAssembly.validate()")
        try:
            objects.compile_module(stable_bytes, self.agent.features, "WebAssembly.validate()")
        except errors.CompileError:
            return False
        return True

    def compile(self, data: object) -> objects.Module:
        """compile(bytes), synchronously: the Module the promise resolves with (a rejection is
        the exception raised)."""
        return self.Module(data)

    def instantiate(
        self, source: object, import_object: object = UNDEFINED
    ) -> dict[str, object] | objects.Instance:
        """instantiate(bytes, importObject) -> {"module", "instance"}, or
        instantiate(moduleObject, importObject) -> Instance, synchronously (the promise's value;
        a rejection is the exception raised)."""
        if isinstance(source, objects.Module):
            return self._instantiate_module(source, import_object)
        module = self.Module(source)
        return {"module": module, "instance": self._instantiate_module(module, import_object)}

    def _instantiate_module(self, module: objects.Module, import_object: object) -> objects.Instance:
        """asynchronously instantiate a WebAssembly module (run to completion)."""
        return objects.Instance(self.agent, module, import_object)

    def Instance(self, module: object, import_object: object = UNDEFINED) -> objects.Instance:  # noqa: N802
        """new WebAssembly.Instance(module, importObject)"""
        return objects.Instance(self.agent, module, import_object)

    def Memory(self, descriptor: object = UNDEFINED) -> objects.Memory:  # noqa: N802
        """new WebAssembly.Memory(descriptor)"""
        return objects.Memory(self.agent, descriptor)

    def Table(self, descriptor: object = UNDEFINED, value: object = UNDEFINED) -> objects.Table:  # noqa: N802
        """new WebAssembly.Table(descriptor, value)"""
        return objects.Table(self.agent, descriptor, value)

    def Tag(self, type_: object = UNDEFINED) -> exceptions.Tag:  # noqa: N802
        """new WebAssembly.Tag(type) (3.0, exception handling)"""
        return exceptions.Tag(self.agent, type_)

    def Exception(  # noqa: N802
        self, exception_tag: object = UNDEFINED, payload: object = UNDEFINED,
        options: object = UNDEFINED,
    ) -> exceptions.WasmException:
        """new WebAssembly.Exception(exceptionTag, payload, options) (3.0)"""
        return exceptions.WasmException(self.agent, exception_tag, payload, options)

    @property
    def JSTag(self) -> exceptions.Tag:  # noqa: N802
        """The getter of WebAssembly.JSTag (3.0): the tag of exceptions thrown by JavaScript."""
        return exceptions.js_tag(self.agent)

    def Global(self, descriptor: object = UNDEFINED, v: object = UNDEFINED) -> objects.Global:  # noqa: N802
        """new WebAssembly.Global(descriptor, v)"""
        return objects.Global(self.agent, descriptor, v)
