"""``WebAssembly.Tag``, ``WebAssembly.Exception`` and ``WebAssembly.JSTag`` (JS API, exception
handling), and how exceptions cross the boundary between JavaScript and WebAssembly.

* Wasm to JS ("call an Exported Function"): an exception of the JavaScript exception tag throws
  its payload, the JavaScript value a host function threw; any other exception throws its
  ``WebAssembly.Exception`` object (one per exception: the Exception object cache).
* JS to Wasm ("create a host function"): a thrown ``WebAssembly.Exception`` throws its
  exception; any other thrown value becomes an exception of the JavaScript exception tag
  carrying it as an ``externref``, which Wasm can catch with ``catch_all``.
* ``exnref`` never crosses: ``ToJSValue``/``ToWebAssemblyValue`` refuse it (``TypeError``), and so
  do ``Exception`` and ``getArg`` for a field of that type.

Without the exceptions feature (2.0) a host function's throw stays the trap that unwinds to the
boundary (``HostThrew``), as before.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from refwasm import embedding
from refwasm.errors import ExceptionError
from refwasm.execution.exceptions import exception_of
from refwasm.execution.runtime import ExnInst
from refwasm.jsapi.agent import (
    Agent,
    HostThrew,
    is_boundary_excluded,
    iterate_to_list,
    to_js_value,
    to_webassembly_value,
)
from refwasm.jsapi.errors import (
    V128_AT_BOUNDARY,
    JSError,
    JSRangeError,
    JSThrow,
    JSTypeError,
)
from refwasm.jsapi.values import UNDEFINED, convert_to_unsigned_long_enforce_range, get, to_boolean
from refwasm.syntax.deftypes import expand
from refwasm.syntax.types import EXTERNREF, FuncType

JS_TAG_PAYLOAD = "the JavaScript exception tag cannot be used to construct an Exception"
PAYLOAD_LENGTH = "the payload's length does not match the tag's parameters"
NOT_A_TAG = "Argument 0 must be a WebAssembly.Tag"
INDEX_OUT_OF_RANGE = "index {index} is out of range for a payload of {size}"


@dataclass(eq=False)
class _AgentExceptions:
    """The per-agent parts of exception handling: the Tag and Exception object caches and
    the JavaScript exception tag, once allocated."""

    tags: dict[int, Tag] = field(default_factory=dict)
    exceptions: dict[ExnInst, WasmException] = field(default_factory=dict)
    js_tag: int | None = None


_STATE: weakref.WeakKeyDictionary[Agent, _AgentExceptions] = weakref.WeakKeyDictionary()


def _state(agent: Agent) -> _AgentExceptions:
    state = _STATE.get(agent)
    if state is None:
        state = _STATE[agent] = _AgentExceptions()
    return state


def get_js_exception_tag(agent: Agent) -> int:
    """get the JavaScript exception tag: ``[externref] -> []``, allocated on first use."""
    state = _state(agent)
    if state.js_tag is None:
        state.js_tag = embedding.tag_alloc(agent.store, FuncType((EXTERNREF,), ()))
    return state.js_tag


# -- Tag --------------------------------------------------------------------------------------


class Tag:
    """``WebAssembly.Tag``: [[Address]]."""

    def __init__(self, agent: Agent, type_: object = UNDEFINED) -> None:
        """The Tag(type) constructor: ``type`` is a ``TagType`` dictionary, ``{parameters}``."""
        from refwasm.jsapi.objects import VALUE_TYPES, dictionary, enum_member, required_member

        where = "WebAssembly.Tag()"
        d = dictionary(type_, where)
        parameters = iterate_to_list(required_member(d, "parameters", where))
        params = tuple(
            VALUE_TYPES[enum_member(p, tuple(VALUE_TYPES), where, "parameters")] for p in parameters
        )
        tagaddr = embedding.tag_alloc(agent.store, FuncType(params, ()))
        initialize_tag_object(agent, self, tagaddr)

    _agent: Agent
    _address: int


def initialize_tag_object(agent: Agent, tag: Tag, tagaddr: int) -> None:
    """initialize a Tag object"""
    tag._agent = agent
    tag._address = tagaddr
    _state(agent).tags[tagaddr] = tag


def create_tag_object(agent: Agent, tagaddr: int) -> Tag:
    """create a Tag object (the Tag object cache)"""
    cached = _state(agent).tags.get(tagaddr)
    if cached is not None:
        return cached
    tag = Tag.__new__(Tag)
    initialize_tag_object(agent, tag, tagaddr)
    return tag


def js_tag(agent: Agent) -> Tag:
    """The getter of ``WebAssembly.JSTag``."""
    return create_tag_object(agent, get_js_exception_tag(agent))


def tag_address(agent: Agent, tag: object, where: str) -> int:
    """A ``Tag`` argument's [[Address]] (Web IDL: a Tag of this agent, else TypeError)."""
    if not (isinstance(tag, Tag) and tag._agent is agent):
        raise JSTypeError(f"{where}: {NOT_A_TAG}")
    return tag._address


# -- Exception --------------------------------------------------------------------------------


def closed_tag_type(agent: Agent, tagaddr: int) -> FuncType:
    """The tag's type with its type indices replaced by defined types (``$expanddt``)."""
    functype = embedding.tag_type(agent.store, tagaddr)
    deftype = agent.store.tags[tagaddr].deftype
    if deftype is not None and isinstance(expand(deftype), FuncType):
        return expand(deftype)  # type: ignore[return-value]
    return functype


class WasmException(JSError):
    """``WebAssembly.Exception`` (``WebAssembly().Exception``): [[Address]] (the exception
    instance), [[Type]] (its tag), [[Payload]] and [[Stack]].  Thrown as a Python exception, as
    JavaScript throws it."""

    js_name = "WebAssembly.Exception"

    def __init__(
        self, agent: Agent, exception_tag: object = UNDEFINED, payload: object = UNDEFINED,
        options: object = UNDEFINED,
    ) -> None:
        """The Exception(exceptionTag, payload, options) constructor."""
        where = "WebAssembly.Exception()"
        tagaddr = tag_address(agent, exception_tag, where)
        values = iterate_to_list(payload)  # Web IDL sequence<any>
        if options not in (UNDEFINED, None):
            # ExceptionOptions: traceStack is converted (a getter may throw), then unused:
            # refwasm keeps no JavaScript call stack, and the spec allows [[Stack]] undefined.
            to_boolean(get(options, "traceStack"))
        if tagaddr == get_js_exception_tag(agent):
            raise JSTypeError(f"{where}: {JS_TAG_PAYLOAD}")
        types = closed_tag_type(agent, tagaddr).params
        if len(types) != len(values):
            raise JSTypeError(f"{where}: {PAYLOAD_LENGTH}")
        wasm_payload = []
        for value, t in zip(values, types, strict=True):
            if is_boundary_excluded(t):
                raise JSTypeError(f"{where}: {V128_AT_BOUNDARY}")
            wasm_payload.append(to_webassembly_value(agent, value, t))
        exn = embedding.exn_alloc(agent.store, tagaddr, wasm_payload)
        initialize_exception_object(agent, self, exn)

    def getArg(self, index: object = UNDEFINED) -> object:  # noqa: N802
        """getArg(index)"""
        i = convert_to_unsigned_long_enforce_range(index, "Index")
        store = self._agent.store
        payload = embedding.exn_read(store, self._exn)
        if i >= len(payload):
            raise JSRangeError(
                f"WebAssembly.Exception.getArg(): "
                f"{INDEX_OUT_OF_RANGE.format(index=i, size=len(payload))}"
            )
        t = embedding.tag_type(store, embedding.exn_tag(store, self._exn)).params[i]
        if is_boundary_excluded(t):
            raise JSTypeError(f"WebAssembly.Exception.getArg(): {V128_AT_BOUNDARY}")
        return to_js_value(self._agent, payload[i], t)

    def is_(self, exception_tag: object = UNDEFINED) -> bool:
        """is(exceptionTag): whether this exception's [[Type]] is the tag."""
        return self._exn.tag == tag_address(self._agent, exception_tag, "WebAssembly.Exception.is()")

    @property
    def stack(self) -> object:
        """The getter of ``stack``: [[Stack]] (always undefined here)."""
        return UNDEFINED

    def __repr__(self) -> str:
        return f"WebAssembly.Exception(tag {self._exn.tag}, {len(self._exn.fields)} values)"

    _agent: Agent
    _exn: ExnInst


# ``is`` is a Python keyword: ``getattr(e, "is")`` reaches it as JavaScript's ``e.is``.
setattr(WasmException, "is", WasmException.is_)  # noqa: B010


def initialize_exception_object(agent: Agent, exception: WasmException, exn: ExnInst) -> None:
    """initialize an Exception object"""
    exception._agent = agent
    exception._exn = exn
    exception.message = ""
    _state(agent).exceptions[exn] = exception


def create_exception_object(agent: Agent, exn: ExnInst) -> WasmException:
    """create an Exception object (the Exception object cache)"""
    cached = _state(agent).exceptions.get(exn)
    if cached is not None:
        return cached
    exception = WasmException.__new__(WasmException)
    initialize_exception_object(agent, exception, exn)
    return exception


# -- Crossing the boundary --------------------------------------------------------------------


def thrown_to_js(agent: Agent, error: ExceptionError) -> BaseException:
    """What "call an Exported Function" throws for a Wasm exception: the payload of one of the
    JavaScript exception tag (the value a host function threw), else its Exception object."""
    exn = exception_of(error)
    if exn.tag == get_js_exception_tag(agent):
        (ref,) = exn.fields
        value = to_js_value(agent, ref, EXTERNREF)  # ToJSValue: a host value, or an i31's Number
        if isinstance(value, BaseException):
            return value
        return JSThrow(value)
    return create_exception_object(agent, exn)


def thrown_to_wasm(agent: Agent, thrown: BaseException) -> BaseException:
    """What a host function's throw becomes in Wasm ("create a host function"): the exception
    of a ``WebAssembly.Exception``; any other value an exception of the JavaScript exception
    tag.  Without the exceptions feature, a trap carrying the throw (``HostThrew``)."""
    if not agent.features.exceptions:
        return HostThrew(thrown)
    if isinstance(thrown, WasmException) and thrown._agent is agent:
        return ExceptionError(thrown._exn)
    value: object = thrown.value if isinstance(thrown, JSThrow) else thrown
    payload = to_webassembly_value(agent, value, EXTERNREF)
    return ExceptionError(embedding.exn_alloc(agent.store, get_js_exception_tag(agent), [payload]))
