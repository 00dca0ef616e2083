"""The JS API's interfaces: Module, Instance, Memory, Table, Global (and the ArrayBuffer of a
Memory), with the algorithms "compile a WebAssembly module", "read the imports", "instantiate the
core of a WebAssembly module" and "create an exports object".

Each method follows its algorithm's steps in the spec's order, so the first failing check decides
the exception.  Web IDL's conversions of arguments and dictionary members (which come before the
algorithm's steps) are done first, dictionary members in lexicographic order as Web IDL does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NoReturn

from refwasm import embedding
from refwasm.errors import (
    ExceptionError,
    ExhaustionError,
    InvalidError,
    MalformedError,
    TrapError,
    UnlinkableError,
)
from refwasm.execution.heap import close_valtype, import_matches, module_deftypes, use_deftype
from refwasm.execution.runtime import default_value as val_default
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternMemAddr,
    ExternTableAddr,
    ExternTagAddr,
    ExternVal,
    Val,
)
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.jsapi.agent import (
    Agent,
    ExportedFunction,
    create_host_function,
    is_boundary_excluded,
    js_exception_of,
    new_exported_function,
    to_js_value,
    to_webassembly_value,
)
from refwasm.jsapi.errors import (
    DETACHED_BUFFER,
    GLOBAL_I64_NOT_BIGINT,
    GLOBAL_NOT_NUMBER,
    GLOBAL_V128,
    IMMUTABLE_GLOBAL,
    IMPORT_MAXIMUM_LARGER,
    IMPORT_NO_MAXIMUM,
    IMPORT_TOO_SMALL,
    IMPORTS_ARGUMENT_NOT_OBJECT,
    INCOMPATIBLE_IMPORT,
    INVALID_LIMITS,
    MEMORY_GROW_FAILED,
    MEMORY_IMPORT_NOT_MEMORY,
    NOT_A_FUNCTION,
    NOT_A_MODULE,
    NOT_BUFFER_SOURCE,
    OUT_OF_RANGE,
    TABLE_GROW_FAILED,
    TABLE_IMPORT_NOT_TABLE,
    TABLE_INDEX_OUT_OF_RANGE,
    TAG_IMPORT_NOT_TAG,
    TYPE_INCOMPATIBLE,
    V128_AT_BOUNDARY,
    CompileError,
    JSRangeError,
    JSTypeError,
    LinkError,
    at_import,
    at_module,
)
from refwasm.jsapi.limits import check_module_limits, table_size_limit
from refwasm.jsapi.values import (
    UNDEFINED,
    BigInt,
    convert_to_unsigned_long_enforce_range,
    get,
    is_bigint,
    is_callable,
    is_number,
    is_object,
    to_bigint,
    to_boolean,
    to_string,
)
from refwasm.syntax.modules import ExternKind, func_type_at, subtypes
from refwasm.syntax.modules import Module as SyntaxModule
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    PAGE_SIZE,
    AbsHeapType,
    AddrType,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    ExternType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    Mut,
    NumType,
    RefType,
    TableType,
    TypeIdx,
    ValType,
    VecType,
)
from refwasm.validation.context import Context
from refwasm.validation.types import valid_memtype, valid_tabletype

# -- Web IDL helpers --------------------------------------------------------------------------


def buffer_source_copy(data: object, where: str) -> bytes:
    """"get a copy of the buffer source": bytes-like values only (else Web IDL's TypeError)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, ArrayBuffer):
        return data.to_bytes()
    raise JSTypeError(f"{where}: {NOT_BUFFER_SOURCE}")


def dictionary(descriptor: object, where: str) -> object:
    """Web IDL dictionary conversion of the argument: undefined and null are an empty one."""
    if descriptor is UNDEFINED or descriptor is None:
        return {}
    if not is_object(descriptor):
        raise JSTypeError(f"{where}: Argument 0 must be a {where.split('(')[0]} descriptor")
    return descriptor


def required_member(d: object, key: str, where: str) -> object:
    """A required dictionary member: absent (undefined) is a TypeError."""
    v = get(d, key)
    if v is UNDEFINED:
        raise JSTypeError(f"{where}: Property '{key}' is required")
    return v


def enum_member(v: object, allowed: tuple[str, ...], where: str, key: str) -> str:
    """Web IDL enumeration conversion: ToString, then one of the values or a TypeError."""
    s = to_string(v)
    if s not in allowed:
        raise JSTypeError(f"{where}: Property '{key}': invalid value {s!r}")
    return s


def address_value_to_u64(v: object, addrtype: AddrType, what: str) -> int:
    """AddressValueToU64 (i32: [EnforceRange] unsigned long; i64: ToBigInt in [0, 2^64))."""
    if addrtype is AddrType.I32:
        return convert_to_unsigned_long_enforce_range(v, what)
    n = to_bigint(v)
    if not 0 <= n < 1 << 64:
        raise JSTypeError(OUT_OF_RANGE.format(what=what, value=n))
    return n


def u64_to_address_value(v: int, addrtype: AddrType) -> object:
    """U64ToAddressValue"""
    return float(v) if addrtype is AddrType.I32 else BigInt(v)


def address_type_member(d: object, features: Features, where: str) -> AddrType:
    """The descriptor's ``address`` (memory64's AddressType; absent before it: "i32")."""
    if not features.memory64:
        return AddrType.I32
    v = get(d, "address")
    if v is UNDEFINED:
        return AddrType.I32
    return AddrType(enum_member(v, ("i32", "i64"), where, "address"))


VALUE_TYPES: dict[str, ValType] = {
    "i32": NumType.I32,
    "i64": NumType.I64,
    "f32": NumType.F32,
    "f64": NumType.F64,
    "v128": VecType.V128,
    "externref": EXTERNREF,
    "anyfunc": FUNCREF,
}
TABLE_KINDS = ("externref", "anyfunc")


def to_value_type(s: str) -> ValType:
    """ToValueType"""
    return VALUE_TYPES[s]


def default_value(agent: Agent, valtype: ValType) -> Val:
    """DefaultValue: externref defaults to ToWebAssemblyValue(undefined); others to val_default."""
    if valtype == EXTERNREF:
        return to_webassembly_value(agent, UNDEFINED, valtype)
    return val_default(valtype)


def extern_kind_string(t: ExternType) -> str:
    """the string value of the extern type"""
    match t:
        case ExternFunc():
            return ExternKind.FUNC.value
        case ExternTable():
            return ExternKind.TABLE.value
        case ExternMem():
            return ExternKind.MEM.value
        case ExternGlobal():
            return ExternKind.GLOBAL.value
        case ExternTag():
            return ExternKind.TAG.value


# -- Module -----------------------------------------------------------------------------------


def compile_module(data: bytes, features: Features, where: str) -> SyntaxModule:
    """compile a WebAssembly module: decode, validate, and the JS API's implementation limits."""
    try:
        module = embedding.module_decode(data, features)
        embedding.module_validate(module, features)
    except (MalformedError, InvalidError) as error:
        raise CompileError(f"{where}: {error.message}") from None
    problem = check_module_limits(data, module)
    if problem is not None:
        raise CompileError(f"{where}: {problem}")
    return module


class Module:
    """``WebAssembly.Module``: [[Module]] and [[Bytes]]."""

    def __init__(self, data: object, features: Features = DEFAULT_FEATURES) -> None:
        """The Module(bytes) constructor."""
        stable_bytes = buffer_source_copy(data, "WebAssembly.Module()")
        self._module = compile_module(stable_bytes, features, "WebAssembly.Module()")
        self._bytes = stable_bytes
        self._features = features

    @staticmethod
    def exports(module_object: object) -> list[dict[str, str]]:
        """Module.exports(moduleObject)"""
        module = module_of(module_object, "WebAssembly.Module.exports()")
        return [
            {"name": name, "kind": extern_kind_string(t)}
            for name, t in embedding.module_exports(module)
        ]

    @staticmethod
    def imports(module_object: object) -> list[dict[str, str]]:
        """Module.imports(moduleObject)"""
        module = module_of(module_object, "WebAssembly.Module.imports()")
        return [
            {"module": m, "name": n, "kind": extern_kind_string(t)}
            for m, n, t in embedding.module_imports(module)
        ]

    @staticmethod
    def customSections(module_object: object, section_name: object = UNDEFINED) -> list[bytes]:  # noqa: N802
        """Module.customSections(moduleObject, sectionName): the contents of each custom section
        of that name (after the name), in order, as new buffers."""
        module = module_of(module_object, "WebAssembly.Module.customSections()")
        name = to_string(section_name)
        return [bytes(c.payload) for c in module.customs if c.name == name]


def module_of(module_object: object, where: str) -> SyntaxModule:
    """The [[Module]] of an argument Web IDL requires to be a Module (else a TypeError)."""
    if not isinstance(module_object, Module):
        raise JSTypeError(f"{where}: {NOT_A_MODULE}")
    return module_object._module


# -- Instance ---------------------------------------------------------------------------------


class ExportsObject:
    """A frozen null-prototype object of exports: ``exports["f"]`` and ``exports.f``.

    Not a ``Mapping`` subclass, so that no inherited method (``get``, ``keys``) hides an export
    of that name; it is registered as a virtual ``Mapping`` for the mapping protocol."""

    __slots__ = ("_values",)
    _values: dict[str, object]

    def __init__(self, values: dict[str, object]) -> None:
        object.__setattr__(self, "_values", values)

    def __getattribute__(self, name: str) -> object:
        values: dict[str, object] = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        return object.__getattribute__(self, name)

    def __getitem__(self, name: str) -> object:
        values: dict[str, object] = object.__getattribute__(self, "_values")
        return values[name]

    def __contains__(self, name: object) -> bool:
        return name in object.__getattribute__(self, "_values")

    def __iter__(self) -> Iterator[str]:
        return iter(list(object.__getattribute__(self, "_values")))

    def __len__(self) -> int:
        return len(object.__getattribute__(self, "_values"))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise JSTypeError(f"Cannot assign to read only property '{name}' of object")

    def __repr__(self) -> str:
        return f"ExportsObject({object.__getattribute__(self, '_values')!r})"


Mapping.register(ExportsObject)


class Instance:
    """``WebAssembly.Instance``: [[Instance]] and [[Exports]]."""

    def __init__(self, agent: Agent, module: object, import_object: object = UNDEFINED) -> None:
        """The Instance(module, importObject) constructor."""
        where = "WebAssembly.Instance()"
        syntax = module_of(module, where)
        if import_object is not UNDEFINED and not is_object(import_object):
            raise JSTypeError(f"{where}: Argument 1 must be an object")  # Web IDL ``object``
        imports = read_the_imports(agent, syntax, import_object, where)
        self._instance = instantiate_core(agent, syntax, imports, where)
        self._agent = agent
        self._exports = create_exports_object(agent, syntax, self._instance)

    @property
    def exports(self) -> ExportsObject:
        """The getter of ``exports``: [[Exports]]."""
        return self._exports


def read_the_imports(
    agent: Agent, module: SyntaxModule, import_object: object, where: str
) -> list[ExternVal]:
    """read the imports

    Objects of another agent (another ``WebAssembly()``, whose addresses name another store)
    are not this agent's Exported Functions, Globals, Memories or Tables: JavaScript cannot
    share them between agents either."""
    if module.imports and import_object is UNDEFINED:
        raise JSTypeError(f"{where}: {IMPORTS_ARGUMENT_NOT_OBJECT}")
    imports: list[ExternVal] = []
    space = subtypes(module)
    deftypes = module_deftypes(module) if agent.features.gc else ()
    for index, (module_name, component_name, externtype) in enumerate(
        embedding.module_imports(module)
    ):
        o = get(import_object, module_name)
        if not is_object(o):
            raise JSTypeError(f"{where}: {at_module(index, module_name, 'module is not an object or function')}")
        v = get(o, component_name)
        at = (where, index, module_name, component_name)

        match externtype:
            case ExternFunc(typeuse):
                if not is_callable(v):
                    raise link_error(at, NOT_A_FUNCTION)
                if isinstance(v, ExportedFunction) and v.agent is agent:
                    funcaddr = v.funcaddr
                else:
                    functype = func_type_at(space, typeuse.idx)
                    if functype is None:  # validation guarantees a function type
                        raise LinkError(f"{where}: {TYPE_INCOMPATIBLE}")
                    funcaddr = create_host_function(
                        agent, v, functype, use_deftype(typeuse, deftypes)  # type: ignore[arg-type]
                    )
                    agent.host_function_index[funcaddr] = sum(
                        isinstance(e, ExternFuncAddr) for e in imports
                    )
                imports.append(ExternFuncAddr(funcaddr))
            case ExternGlobal(GlobalType(_, valtype)):
                if isinstance(v, Global) and v._agent is agent:
                    globaladdr = v._global
                else:
                    if valtype is NumType.I64 and not is_bigint(v):
                        raise link_error(at, GLOBAL_I64_NOT_BIGINT)
                    if valtype in (NumType.I32, NumType.F32, NumType.F64) and not is_number(v):
                        raise link_error(at, GLOBAL_NOT_NUMBER)
                    if valtype is VecType.V128:
                        raise link_error(at, GLOBAL_V128)
                    valtype = close_valtype(valtype, deftypes)
                    try:
                        value = to_webassembly_value(agent, v, valtype)
                    except JSTypeError as error:
                        raise link_error(at, error.message) from None
                    globaladdr = embedding.global_alloc(
                        agent.store, GlobalType(Mut.CONST, valtype), value
                    )
                imports.append(ExternGlobalAddr(globaladdr))
            case ExternMem():
                if not (isinstance(v, Memory) and v._agent is agent):
                    raise link_error(at, MEMORY_IMPORT_NOT_MEMORY)
                imports.append(ExternMemAddr(v._memory))
            case ExternTable():
                if not (isinstance(v, Table) and v._agent is agent):
                    raise link_error(at, TABLE_IMPORT_NOT_TABLE)
                imports.append(ExternTableAddr(v._table))
            case ExternTag():
                imports.append(ExternTagAddr(tag_import(agent, v, at)))
    return imports


def tag_import(agent: Agent, v: object, at: tuple[str, int, str, str]) -> int:
    """read the imports, for a tag: a WebAssembly.Tag of this agent, else a LinkError."""
    from refwasm.jsapi.exceptions import Tag

    if not (isinstance(v, Tag) and v._agent is agent):
        raise link_error(at, TAG_IMPORT_NOT_TAG)
    return v._address


def link_error(at: tuple[str, int, str, str], message: str) -> LinkError:
    """A LinkError naming the import (V8's ``Import #0 "env" "f": ...``)."""
    where, index, module_name, component_name = at
    return LinkError(f"{where}: {at_import(index, module_name, component_name, message)}")


def instantiate_core(
    agent: Agent, module: SyntaxModule, imports: list[ExternVal], where: str
) -> embedding.ModuleInst:
    """instantiate the core of a WebAssembly module: a LinkError for linking, a RuntimeError for
    a trap (segments, start function), a host's own exception as it was thrown."""
    try:
        return embedding.module_instantiate(agent.store, module, imports, agent.features)
    except UnlinkableError as error:
        raise LinkError(f"{where}: {describe_link_failure(agent, module, imports, error)}") from None
    except InvalidError as error:
        raise CompileError(f"{where}: {error.message}") from None
    except (TrapError, ExhaustionError) as error:
        raise js_exception_of(error) from None
    except ExceptionError as error:  # the start function threw (3.0)
        from refwasm.jsapi.exceptions import thrown_to_js

        raise thrown_to_js(agent, error) from None


def describe_link_failure(
    agent: Agent, module: SyntaxModule, imports: list[ExternVal], error: UnlinkableError
) -> str:
    """V8-style detail for an incompatible import: the first import whose type does not match
    (by the core's rule, ``heap.import_matches``: defined types compare canonically), its index
    and names, and the expected and provided types."""
    from refwasm.execution.modules import externval_type

    deftypes = module_deftypes(module)
    for index, (imp, ev) in enumerate(zip(module.imports, imports, strict=True)):
        actual = externval_type(agent.store, ev)
        if not import_matches(agent.store, ev, imp.desc, deftypes):
            expected = describe_externtype(imp.desc, module)
            provided = describe_externtype(actual, module)
            kind = extern_kind_string(imp.desc)
            detail = limits_mismatch(imp.desc, actual) or INCOMPATIBLE_IMPORT.format(
                kind=kind, detail=f"expected {expected}, got {provided}"
            )
            return at_import(index, imp.module, imp.name, detail)
    return error.message


def limits_mismatch(expected: ExternType, actual: object) -> str | None:
    """V8's words for a memory or table import whose limits do not match (``None`` when the
    mismatch is not one of limits)."""
    if isinstance(expected, ExternMem) and isinstance(actual, ExternMem):
        what, unit, want, have = "memory", "pages", expected.memtype.limits, actual.memtype.limits
    elif (
        isinstance(expected, ExternTable)
        and isinstance(actual, ExternTable)
        and expected.tabletype.reftype == actual.tabletype.reftype
    ):
        what, unit, want, have = "table", "elements", expected.tabletype.limits, actual.tabletype.limits
    else:
        return None
    if have.min < want.min:
        return IMPORT_TOO_SMALL.format(what=what, have=have.min, unit=unit, want=want.min)
    if want.max is not None and have.max is None:
        return IMPORT_NO_MAXIMUM.format(what=what, want=want.max)
    if want.max is not None and have.max is not None and have.max > want.max:
        return IMPORT_MAXIMUM_LARGER.format(what=what, have=have.max, want=want.max)
    return None


def describe_externtype(t: object, module: SyntaxModule) -> str:
    """An external type in the words of V8's messages (``memory {min 1, max 2}``)."""
    def limits(lim: Limits) -> str:
        return f"{{min {lim.min}, max {'none' if lim.max is None else lim.max}}}"

    deftypes = module_deftypes(module)

    def valtype(v: ValType) -> str:
        if isinstance(v, RefType):
            if v == FUNCREF or v == EXTERNREF:
                return {FUNCREF: "funcref", EXTERNREF: "externref"}[v]
            return f"(ref {'null ' if v.null else ''}{heaptype(v.heaptype)})"
        return str(v.value)

    def heaptype(ht: object) -> str:
        if isinstance(ht, AbsHeapType):
            return ht.value
        if isinstance(ht, TypeIdx):
            return str(ht.idx)
        # A defined type: the importing module's index for it, if it has one.
        return str(deftypes.index(ht)) if ht in deftypes else "<type of another module>"

    def functype(ft: FuncType) -> str:
        params = ", ".join(valtype(p) for p in ft.params)
        results = ", ".join(valtype(r) for r in ft.results)
        return f"function ({params}) -> ({results})"

    match t:
        case FuncType():
            return functype(t)
        case ExternFunc(typeuse):
            ft = func_type_at(subtypes(module), typeuse.idx)
            return functype(ft) if ft is not None else "function"
        case ExternTable(tt):
            return f"table of {valtype(tt.reftype)} {limits(tt.limits)}"
        case ExternMem(mt):
            return f"memory {limits(mt.limits)}"
        case ExternGlobal(gt):
            mut = "mutable" if gt.mut is Mut.VAR else "immutable"
            return f"{mut} global of type {valtype(gt.valtype)}"
    return str(t)


def create_exports_object(
    agent: Agent, module: SyntaxModule, instance: embedding.ModuleInst
) -> ExportsObject:
    """create an exports object"""
    values: dict[str, object] = {}
    for name, _externtype in embedding.module_exports(module):
        externval = embedding.instance_export(instance, name)
        value: object
        match externval:
            case ExternFuncAddr(funcaddr):
                value = new_exported_function(agent, funcaddr)
            case ExternGlobalAddr(globaladdr):
                value = create_global_object(agent, globaladdr)
            case ExternMemAddr(memaddr):
                value = create_memory_object(agent, memaddr)
            case ExternTableAddr(tableaddr):
                value = create_table_object(agent, tableaddr)
            case ExternTagAddr(tagaddr):
                from refwasm.jsapi.exceptions import create_tag_object

                value = create_tag_object(agent, tagaddr)
        values[name] = value
    return ExportsObject(values)


# -- Memory -----------------------------------------------------------------------------------


class ArrayBuffer:
    """The ArrayBuffer of a Memory, whose Data Block is identified with the memory's bytes.

    It is a view (reads and writes go to the store).  A grow (by ``Memory.grow`` or by Wasm's
    ``memory.grow``) detaches it: memories never shrink, so a buffer whose length differs from
    its memory's is detached, which is exactly "refresh the Memory buffer"'s effect."""

    __slots__ = ("_agent", "_memaddr", "_length")

    def __init__(self, agent: Agent, memaddr: int) -> None:
        """create a fixed length memory buffer"""
        self._agent = agent
        self._memaddr = memaddr
        self._length = embedding.mem_size(agent.store, memaddr) * PAGE_SIZE

    @property
    def detached(self) -> bool:
        return embedding.mem_size(self._agent.store, self._memaddr) * PAGE_SIZE != self._length

    @property
    def byteLength(self) -> int:  # noqa: N802
        return 0 if self.detached else self._length

    def __len__(self) -> int:
        return self.byteLength

    def _check(self) -> None:
        if self.detached:
            raise JSTypeError(DETACHED_BUFFER)

    def read(self, offset: int, length: int) -> bytes:
        """The bytes in [offset, offset + length) (a RangeError outside the buffer)."""
        self._check()
        if not (0 <= offset and 0 <= length and offset + length <= self._length):
            raise JSRangeError(f"Offset {offset} and length {length} are outside the bounds of the buffer")
        store = self._agent.store
        return bytes(embedding.mem_read(store, self._memaddr, i) for i in range(offset, offset + length))

    def write(self, offset: int, data: bytes) -> None:
        """Store bytes at ``offset`` (a RangeError outside the buffer)."""
        self._check()
        if not (0 <= offset and offset + len(data) <= self._length):
            raise JSRangeError(f"Offset {offset} is outside the bounds of the buffer")
        for i, b in enumerate(data):
            embedding.mem_write(self._agent.store, self._memaddr, offset + i, b)

    def __getitem__(self, i: int) -> int:
        return self.read(i, 1)[0]

    def __setitem__(self, i: int, byte: int) -> None:
        self.write(i, bytes([byte & 0xFF]))

    def to_bytes(self) -> bytes:
        """All the bytes (for BufferSource uses)."""
        return self.read(0, self._length) if not self.detached else b""


class Memory:
    """``WebAssembly.Memory``: [[Memory]] and [[BufferObject]]."""

    def __init__(self, agent: Agent, descriptor: object = UNDEFINED) -> None:
        """The Memory(descriptor) constructor."""
        where = "WebAssembly.Memory()"
        d = dictionary(descriptor, where)
        addrtype = address_type_member(d, agent.features, where)
        initial_v = required_member(d, "initial", where)
        maximum_v = get(d, "maximum")
        initial = address_value_to_u64(initial_v, addrtype, f"{where}: Property 'initial'")
        maximum = (
            None
            if maximum_v is UNDEFINED
            else address_value_to_u64(maximum_v, addrtype, f"{where}: Property 'maximum'")
        )
        memtype = MemType(addrtype, Limits(initial, maximum))
        try:
            valid_memtype(Context(features=agent.features), memtype)
        except InvalidError as error:
            raise JSRangeError(INVALID_LIMITS.format(what=where, detail=error.message)) from None
        try:
            memaddr = embedding.mem_alloc(agent.store, memtype)
        except ExhaustionError as error:
            raise JSRangeError(f"{where}: could not allocate memory ({error.message})") from None
        initialize_memory_object(agent, self, memaddr)

    def grow(self, delta: object = UNDEFINED) -> object:
        """Memory.grow(delta)"""
        store = self._agent.store
        addrtype = embedding.mem_type(store, self._memory).addrtype
        delta64 = address_value_to_u64(delta, addrtype, "WebAssembly.Memory.grow(): Argument 0")
        ret = grow_the_memory_buffer(self._agent, self._memory, delta64)
        return u64_to_address_value(ret, addrtype)

    @property
    def buffer(self) -> ArrayBuffer:
        """The getter of ``buffer`` (a new buffer once the old one was detached by a grow)."""
        if self._buffer.detached:
            self._buffer = ArrayBuffer(self._agent, self._memory)
        return self._buffer

    _agent: Agent
    _memory: int
    _buffer: ArrayBuffer


def initialize_memory_object(agent: Agent, memory: Memory, memaddr: int) -> None:
    """initialize a memory object"""
    memory._agent = agent
    memory._memory = memaddr
    memory._buffer = ArrayBuffer(agent, memaddr)
    agent.memory_objects[memaddr] = memory


def create_memory_object(agent: Agent, memaddr: int) -> Memory:
    """create a memory object (the Memory object cache)"""
    cached = agent.memory_objects.get(memaddr)
    if cached is not None:
        return cached
    memory = Memory.__new__(Memory)
    initialize_memory_object(agent, memory, memaddr)
    return memory


def grow_the_memory_buffer(agent: Agent, memaddr: int, delta: int) -> int:
    """grow the memory buffer (the refresh is the buffer's own length check)."""
    ret = embedding.mem_size(agent.store, memaddr)
    try:
        embedding.mem_grow(agent.store, memaddr, delta)
    except embedding.EmbedderError:
        raise JSRangeError(f"WebAssembly.Memory.grow(): {MEMORY_GROW_FAILED}") from None
    return ret


# -- Table ------------------------------------------------------------------------------------


class Table:
    """``WebAssembly.Table``: [[Table]]."""

    def __init__(self, agent: Agent, descriptor: object = UNDEFINED, value: object = UNDEFINED) -> None:
        """The Table(descriptor, value) constructor (an undefined ``value`` is missing, as Web
        IDL treats an optional argument)."""
        where = "WebAssembly.Table()"
        d = dictionary(descriptor, where)
        addrtype = address_type_member(d, agent.features, where)
        element = enum_member(required_member(d, "element", where), TABLE_KINDS, where, "element")
        initial_v = required_member(d, "initial", where)
        maximum_v = get(d, "maximum")
        elementtype = to_value_type(element)
        if not isinstance(elementtype, RefType):
            raise JSTypeError(f"{where}: Property 'element' must be a reference type")
        initial = address_value_to_u64(initial_v, addrtype, f"{where}: Property 'initial'")
        maximum = (
            None
            if maximum_v is UNDEFINED
            else address_value_to_u64(maximum_v, addrtype, f"{where}: Property 'maximum'")
        )
        tabletype = TableType(addrtype, Limits(initial, maximum), elementtype)
        try:
            valid_tabletype(Context(features=agent.features), tabletype)
        except InvalidError as error:
            raise JSRangeError(INVALID_LIMITS.format(what=where, detail=error.message)) from None
        ref = (
            default_value(agent, elementtype)
            if value is UNDEFINED
            else to_webassembly_value(agent, value, elementtype)
        )
        if initial > table_size_limit():  # allocation fails: the JS API's table size limit
            raise JSRangeError(OUT_OF_RANGE.format(what=f"{where}: Property 'initial'", value=initial))
        tableaddr = embedding.table_alloc(agent.store, tabletype, ref)  # type: ignore[arg-type]
        initialize_table_object(agent, self, tableaddr)

    def _types(self) -> tuple[AddrType, RefType]:
        tt = embedding.table_type(self._agent.store, self._table)
        return tt.addrtype, tt.reftype

    def grow(self, delta: object = UNDEFINED, value: object = UNDEFINED) -> object:
        """Table.grow(delta, value)"""
        store = self._agent.store
        initial_size = embedding.table_size(store, self._table)
        addrtype, elementtype = self._types()
        delta64 = address_value_to_u64(delta, addrtype, "WebAssembly.Table.grow(): Argument 0")
        ref = (
            default_value(self._agent, elementtype)
            if value is UNDEFINED
            else to_webassembly_value(self._agent, value, elementtype)
        )
        try:
            embedding.table_grow(store, self._table, delta64, ref)  # type: ignore[arg-type]
        except embedding.EmbedderError:
            raise JSRangeError(
                f"WebAssembly.Table.grow(): {TABLE_GROW_FAILED.format(delta=delta64)}"
            ) from None
        return u64_to_address_value(initial_size, addrtype)

    @property
    def length(self) -> object:
        """The getter of ``length``."""
        addrtype, _ = self._types()
        return u64_to_address_value(embedding.table_size(self._agent.store, self._table), addrtype)

    def get(self, index: object = UNDEFINED) -> object:
        """Table.get(index)"""
        addrtype, elementtype = self._types()
        if is_boundary_excluded(elementtype):
            raise JSTypeError(V128_AT_BOUNDARY)
        index64 = address_value_to_u64(index, addrtype, "WebAssembly.Table.get(): Argument 0")
        try:
            result = embedding.table_read(self._agent.store, self._table, index64)
        except embedding.EmbedderError:
            raise self._index_error("get", index64) from None
        return to_js_value(self._agent, result, elementtype)

    def set(self, index: object = UNDEFINED, value: object = UNDEFINED) -> object:
        """Table.set(index, value)"""
        addrtype, elementtype = self._types()
        if is_boundary_excluded(elementtype):
            raise JSTypeError(V128_AT_BOUNDARY)
        index64 = address_value_to_u64(index, addrtype, "WebAssembly.Table.set(): Argument 0")
        ref = (
            default_value(self._agent, elementtype)
            if value is UNDEFINED
            else to_webassembly_value(self._agent, value, elementtype)
        )
        try:
            embedding.table_write(self._agent.store, self._table, index64, ref)  # type: ignore[arg-type]
        except embedding.EmbedderError:
            raise self._index_error("set", index64) from None
        return UNDEFINED

    def _index_error(self, method: str, index: int) -> JSRangeError:
        size = embedding.table_size(self._agent.store, self._table)
        _, elementtype = self._types()
        kind = "funcref" if elementtype == FUNCREF else "externref"
        detail = TABLE_INDEX_OUT_OF_RANGE.format(index=index, kind=kind, size=size)
        return JSRangeError(f"WebAssembly.Table.{method}(): {detail}")

    _agent: Agent
    _table: int


def initialize_table_object(agent: Agent, table: Table, tableaddr: int) -> None:
    """initialize a table object"""
    table._agent = agent
    table._table = tableaddr
    agent.table_objects[tableaddr] = table


def create_table_object(agent: Agent, tableaddr: int) -> Table:
    """create a table object (the Table object cache)"""
    cached = agent.table_objects.get(tableaddr)
    if cached is not None:
        return cached
    table = Table.__new__(Table)
    initialize_table_object(agent, table, tableaddr)
    return table


# -- Global -----------------------------------------------------------------------------------


class Global:
    """``WebAssembly.Global``: [[Global]]."""

    def __init__(self, agent: Agent, descriptor: object = UNDEFINED, v: object = UNDEFINED) -> None:
        """The Global(descriptor, v) constructor (an undefined ``v`` is missing)."""
        where = "WebAssembly.Global()"
        d = dictionary(descriptor, where)
        mutable = to_boolean(get(d, "mutable"))
        value_s = enum_member(required_member(d, "value", where), tuple(VALUE_TYPES), where, "value")
        valuetype = to_value_type(value_s)
        if is_boundary_excluded(valuetype):
            raise JSTypeError(f"{where}: {V128_AT_BOUNDARY}")
        value = default_value(agent, valuetype) if v is UNDEFINED else to_webassembly_value(agent, v, valuetype)
        globaltype = GlobalType(Mut.VAR if mutable else Mut.CONST, valuetype)
        globaladdr = embedding.global_alloc(agent.store, globaltype, value)
        initialize_global_object(agent, self, globaladdr)

    def _get_global_value(self) -> object:
        """GetGlobalValue"""
        globaltype = embedding.global_type(self._agent.store, self._global)
        if is_boundary_excluded(globaltype.valtype):
            raise JSTypeError(V128_AT_BOUNDARY)
        value = embedding.global_read(self._agent.store, self._global)
        return to_js_value(self._agent, value, globaltype.valtype)

    @property
    def value(self) -> object:
        """The getter of ``value``."""
        return self._get_global_value()

    @value.setter
    def value(self, given: object) -> None:
        """The setter of ``value``."""
        globaltype = embedding.global_type(self._agent.store, self._global)
        if is_boundary_excluded(globaltype.valtype):
            raise JSTypeError(V128_AT_BOUNDARY)
        if globaltype.mut is Mut.CONST:
            raise JSTypeError(f"WebAssembly.Global.value: {IMMUTABLE_GLOBAL}")
        value = to_webassembly_value(self._agent, given, globaltype.valtype)
        try:
            embedding.global_write(self._agent.store, self._global, value)
        except embedding.EmbedderError as error:
            raise JSRangeError(str(error)) from None

    def valueOf(self) -> object:  # noqa: N802
        """Global.valueOf()"""
        return self._get_global_value()

    _agent: Agent
    _global: int


def initialize_global_object(agent: Agent, glob: Global, globaladdr: int) -> None:
    """initialize a global object"""
    glob._agent = agent
    glob._global = globaladdr
    agent.global_objects[globaladdr] = glob


def create_global_object(agent: Agent, globaladdr: int) -> Global:
    """create a global object (the Global object cache)"""
    cached = agent.global_objects.get(globaladdr)
    if cached is not None:
        return cached
    glob = Global.__new__(Global)
    initialize_global_object(agent, glob, globaladdr)
    return glob
