"""The whole set of outcomes the spec allows for modules using relaxed SIMD (3.0 ``aux-relaxed``,
SpecTec ``3.0-numerics.relaxed``).

A relaxed operator's result is chosen by a *global parameter* (``R_fmadd``, ``R_fmin``, ...):
an index into a short list of alternatives, fixed by the implementation "during the execution of
any given program".  refwasm's interpreter makes one choice (every R = 0, the deterministic
profile); an engine may make any other.  So the oracle's allowed set of a call is the union over
the *assignments* of the parameters of the outcomes under each, and an engine is judged against
that union (its NaN freedom still widened value by value by ``compare.allowed``).

How an assignment is run: the module is rewritten so that each relaxed instruction becomes a
``call`` of an imported host function (``relaxed_module``), which computes every alternative of
the instruction's family from the operands (``alternatives``) and returns the assigned one.  The
reference interpreter runs the rest as usual.

Enumerating every assignment would cost up to 4,096 runs.  Instead a run starts with every
parameter *free*: a free parameter answers alternative 0 and is recorded as *sensitive* the first
time its alternatives differ.  A parameter that was never sensitive cannot change the run, so
after each step every newly sensitive parameter of a run is fixed (to 0 in that run) and one new
run per other alternative is started and replayed from the instantiation (``Variants.step``).
Runs that would exceed ``MAX_RUNS`` are not started and the set is marked incomplete (a
comparison against it is then inconclusive rather than a false disagreement).

Readings of the prose (the same as ``properties/test_relaxed_simd_properties.py``):

* ``relaxed_trunc``: the alternative **R** is ``INT32_MIN`` (signed) or ``UINT32_MAX``
  (unsigned); NaN lanes and out-of-range lanes choose independently (``R_trunc_u`` is
  ``relaxed4`` in SpecTec), so each trunc parameter has four values: (NaN choice, range choice).
* ``relaxed_min``/``max``'s ``NaN(n)`` keeps the NaN operand's bits (the spec allows either sign
  too; a quiet NaN is widened to every arithmetic NaN by ``allowed`` anyway).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from refwasm.engines.base import Value
from refwasm.errors import UNKNOWN_IMPORT, UnlinkableError, WasmError
from refwasm.features import Features
from refwasm.numerics.conversions import trunc_sat_s, trunc_sat_u
from refwasm.numerics.floating import fmax, fmin, nans
from refwasm.numerics.vector import frelaxed_madd, iq15mulr_sat_s, sat_s
from refwasm.oracle.compare import Failed, Outcome, State, memory_digest, outcome_of
from refwasm.syntax.instructions import (
    Call,
    Instr,
    RefFunc,
    ReturnCall,
    Shape,
    VBinOp,
    VBinop,
    VCvtOp,
    VCvtop,
    VExtBinOp,
    VExtbinop,
    VExtTernOp,
    VExtternop,
    VSwizzlOp,
    VSwizzlop,
    VTernOp,
    VTernop,
)
from refwasm.syntax.modules import (
    Elem,
    Export,
    ExternKind,
    Func,
    Global,
    Import,
    Module,
    Start,
    subtypes,
)
from refwasm.syntax.modules import Table as TableDef
from refwasm.syntax.modules import Type as TypeDef
from refwasm.syntax.types import ExternFunc, FuncType, TypeIdx, VecType, plain_functype

V128 = VecType.V128
# Runs (assignments) kept per instance at most; beyond it the allowed set is incomplete.
MAX_RUNS = 64
RELAXED_IMPORT = "refwasm:relaxed"

# -- The parameters and their number of alternatives ----------------------------------------

CHOICES: dict[str, int] = {
    "R_fmadd": 2, "R_fmin": 4, "R_fmax": 4, "R_idot": 2, "R_iq15mulr": 2,
    "R_trunc_u": 4, "R_trunc_s": 4, "R_swizzle": 2, "R_laneselect": 2,
}  # fmt: skip


def family(instr: Instr) -> str | None:
    """The global parameter a relaxed instruction's result depends on, or ``None`` for an
    instruction that is not relaxed."""
    match instr:
        case VSwizzlop(VSwizzlOp.RELAXED_SWIZZLE):
            return "R_swizzle"
        case VBinop(_, VBinOp.RELAXED_Q15MULR_S):
            return "R_iq15mulr"
        case VBinop(_, VBinOp.RELAXED_MIN):
            return "R_fmin"
        case VBinop(_, VBinOp.RELAXED_MAX):
            return "R_fmax"
        case VTernop(_, VTernOp.RELAXED_LANESELECT):
            return "R_laneselect"
        case VTernop(_, VTernOp.RELAXED_MADD | VTernOp.RELAXED_NMADD):
            return "R_fmadd"
        case VExtbinop(_, _, VExtBinOp.RELAXED_DOT_S) | VExtternop(_, _, VExtTernOp.RELAXED_DOT_ADD_S):
            return "R_idot"
        case VCvtop(_, _, VCvtOp.RELAXED_TRUNC_S | VCvtOp.RELAXED_TRUNC_S_ZERO):
            return "R_trunc_s"
        case VCvtop(_, _, VCvtOp.RELAXED_TRUNC_U | VCvtOp.RELAXED_TRUNC_U_ZERO):
            return "R_trunc_u"
    return None


# -- Lanes ----------------------------------------------------------------------------------


def lanes(w: int, v: int) -> list[int]:
    mask = (1 << w) - 1
    return [(v >> (k * w)) & mask for k in range(128 // w)]


def join(w: int, cs: Sequence[int]) -> int:
    mask = (1 << w) - 1
    return sum((c & mask) << (k * w) for k, c in enumerate(cs))


def signed(w: int, c: int) -> int:
    return c - (1 << w) if c >> (w - 1) else c


def _is_nan(w: int, z: int) -> bool:
    m = 23 if w == 32 else 52
    top = (1 << (w - 1 - m)) - 1
    return (z >> m) & top == top and z & ((1 << m) - 1) != 0


# -- Exact fused multiply-add (``fma_N``), for ``R_fmadd`` = 1 -------------------------------


def _decode(w: int, z: int) -> tuple[bool, str, int, int]:
    """Sign, kind (``fin``/``inf``), and for finite values ``m * 2^e`` as ``(m, e)``."""
    m_bits = 23 if w == 32 else 52
    e_max = (1 << (w - 1 - m_bits)) - 1
    bias = e_max >> 1
    neg = bool(z >> (w - 1))
    ef, frac = (z >> m_bits) & e_max, z & ((1 << m_bits) - 1)
    if ef == e_max:
        return neg, "inf", 0, 0
    if ef == 0:
        return neg, "fin", frac, 1 - bias - m_bits
    return neg, "fin", frac | (1 << m_bits), ef - bias - m_bits


def _round(w: int, neg: bool, a: int, k: int) -> int:
    """The bits of ``a * 2^k`` (``a > 0``) rounded to nearest, ties to even."""
    m_bits = 23 if w == 32 else 52
    e_max = (1 << (w - 1 - m_bits)) - 1
    bias = e_max >> 1
    sign = (1 << (w - 1)) if neg else 0
    q = max(a.bit_length() - 1 + k - m_bits, 1 - bias - m_bits)  # exponent of the last bit
    shift = q - k
    if shift > 0:
        r, rem, half = a >> shift, a & ((1 << shift) - 1), 1 << (shift - 1)
        if rem > half or (rem == half and r & 1):
            r += 1
    else:
        r = a << -shift
    if r >> (m_bits + 1):
        r, q = r >> 1, q + 1
    if r >> m_bits == 0:
        return sign | r  # subnormal
    ef = q + m_bits + bias
    if ef >= e_max:
        return sign | (e_max << m_bits)
    return sign | (ef << m_bits) | (r - (1 << m_bits))


def _infinity(w: int, neg: bool) -> int:
    m_bits = 23 if w == 32 else 52
    return ((1 << (w - 1)) if neg else 0) | (((1 << (w - 1 - m_bits)) - 1) << m_bits)


def fma(w: int, z1: int, z2: int, z3: int) -> int:
    """``fma_N(z1, z2, z3)``: ``z1 * z2 + z3`` computed exactly and rounded once."""
    if any(_is_nan(w, z) for z in (z1, z2, z3)):
        return nans(w, z1, z2, z3)
    (n1, k1, m1, e1), (n2, k2, m2, e2), (n3, k3, m3, e3) = (_decode(w, z) for z in (z1, z2, z3))
    pneg = n1 != n2
    if "inf" in (k1, k2):
        if (k1 == "fin" and m1 == 0) or (k2 == "fin" and m2 == 0) or (k3 == "inf" and n3 != pneg):
            return nans(w, z1, z2, z3)
        return _infinity(w, pneg)
    if k3 == "inf":
        return z3
    low = min(e1 + e2, e3)
    p = m1 * m2 << (e1 + e2 - low)
    total = (-p if pneg else p) + (-(m3 << (e3 - low)) if n3 else m3 << (e3 - low))
    if total == 0:
        # An exact zero: -0 only when both the product and the addend are -0.
        return (1 << (w - 1)) if (p == 0 and m3 == 0 and pneg and n3) else 0
    return _round(w, total < 0, abs(total), low)


# -- Every alternative of one relaxed instruction ---------------------------------------------


def _lanewise(w: int, f: Callable[..., int], *vs: int) -> int:
    return join(w, [f(*cs) for cs in zip(*(lanes(w, v) for v in vs), strict=True)])


def _swizzle(r: int, a: int, b: int) -> int:
    """``op-ivrelaxed_swizzle_lane``"""
    cs = lanes(8, a)
    out = []
    for j in lanes(8, b):
        if j < 16:
            out.append(cs[j])
        elif signed(8, j) < 0:
            out.append(0)
        else:
            out.append((0, cs[j % 16])[r])
    return join(8, out)


def _min_max(w: int, r: int, is_min: bool, z1: int, z2: int) -> int:
    """``op-frelaxed_min`` / ``op-frelaxed_max``"""
    regular = (fmin if is_min else fmax)(w, z1, z2)
    if _is_nan(w, z1):
        return (regular, z1, z2, z2)[r]
    if _is_nan(w, z2):
        return (regular, z1, z2, z1)[r]
    magnitude = (1 << (w - 1)) - 1
    if z1 & magnitude == z2 & magnitude == 0 and z1 != z2:
        return (regular, z1, z2, (1 << (w - 1)) if is_min else 0)[r]
    return regular


def _trunc(shape_in: Shape, is_signed: bool, zero: bool, r: int, v: int) -> int:
    """``op-relaxed_trunc_s`` / ``op-relaxed_trunc_u``: r = 2 * (NaN choice) + range choice."""
    w = shape_in.lane_bits
    other = 0x8000_0000 if is_signed else 0xFFFF_FFFF
    saturate = trunc_sat_s if is_signed else trunc_sat_u
    lo, hi = (-(1 << 31), (1 << 31) - 1) if is_signed else (0, (1 << 32) - 1)
    out = []
    for z in lanes(w, v):
        c = saturate(w, 32, z)
        if _is_nan(w, z):
            c = (c, other)[r >> 1]
        elif _out_of_range(w, z, lo, hi):
            c = (c, other)[r & 1]
        out.append(c)
    return join(32, out + [0, 0] if zero else out)


def _out_of_range(w: int, z: int, lo: int, hi: int) -> bool:
    neg, kind, m, e = _decode(w, z)
    if kind == "inf":
        return True
    t = m >> -e if e < 0 else m << e
    t = -t if neg else t
    return not lo <= t <= hi


def _dot(r: int, a: int, b: int) -> list[int]:
    """The i16 lanes of ``relaxed_dot``: ``b`` signed (r = 0) or unsigned (r = 1)."""
    xs = [signed(8, c) for c in lanes(8, a)]
    ys = [signed(8, c) if r == 0 else c for c in lanes(8, b)]
    products = [x * y for x, y in zip(xs, ys, strict=True)]
    return [sat_s(16, products[k] + products[k + 1]) for k in range(0, 16, 2)]


def _dot_add(r: int, a: int, b: int, c: int) -> int:
    ds = [signed(16, d) for d in _dot(r, a, b)]
    return join(32, [ds[2 * k] + ds[2 * k + 1] + cs for k, cs in enumerate(lanes(32, c))])


def alternative(instr: Instr, r: int, args: Sequence[int]) -> int:
    """The result of relaxed ``instr`` on ``args`` (v128 bits) when its parameter is ``r``."""
    match instr:
        case VSwizzlop():
            return _swizzle(r, *args)
        case VBinop(_, VBinOp.RELAXED_Q15MULR_S):
            return _lanewise(16, lambda x, y: (0x7FFF, 0x8000)[r] if x == y == 0x8000
                             else iq15mulr_sat_s(16, x, y), *args)  # fmt: skip
        case VBinop(shape, VBinOp.RELAXED_MIN | VBinOp.RELAXED_MAX as op):
            w = shape.lane_bits
            is_min = op is VBinOp.RELAXED_MIN
            return _lanewise(w, lambda x, y: _min_max(w, r, is_min, x, y), *args)
        case VTernop(shape, VTernOp.RELAXED_LANESELECT):
            w = shape.lane_bits
            ones = (1 << w) - 1

            def select(x: int, y: int, m: int) -> int:
                mask = (m, ones if m >> (w - 1) else 0)[r]
                return (x & mask) | (y & ~mask & ones)

            return _lanewise(w, select, *args)
        case VTernop(shape, VTernOp.RELAXED_MADD | VTernOp.RELAXED_NMADD as op):
            w = shape.lane_bits
            negate = (1 << (w - 1)) if op is VTernOp.RELAXED_NMADD else 0

            def madd(x: int, y: int, z: int) -> int:
                return (frelaxed_madd, fma)[r](w, x ^ negate, y, z)

            return _lanewise(w, madd, *args)
        case VExtbinop():
            return join(16, _dot(r, *args))
        case VExtternop():
            return _dot_add(r, *args)
        case VCvtop(_, shape_in, op):
            is_signed = op in (VCvtOp.RELAXED_TRUNC_S, VCvtOp.RELAXED_TRUNC_S_ZERO)
            zero = op in (VCvtOp.RELAXED_TRUNC_S_ZERO, VCvtOp.RELAXED_TRUNC_U_ZERO)
            return _trunc(shape_in, is_signed, zero, r, args[0])
    raise ValueError(f"not a relaxed instruction: {instr}")


def arity(instr: Instr) -> int:
    """The number of v128 operands of a relaxed instruction."""
    if isinstance(instr, VTernop | VExtternop):
        return 3
    return 1 if isinstance(instr, VCvtop) else 2


# -- The rewritten module ---------------------------------------------------------------------


def relaxed_instrs(module: Module) -> list[Instr]:
    """The distinct relaxed instructions of the module's code, in order of appearance."""
    found: dict[Instr, None] = {}
    for func in module.funcs:
        for instr in _walk(func.body):
            if family(instr) is not None:
                found.setdefault(instr, None)
    return list(found)


def _walk(body: Sequence[Instr]) -> Iterator[Instr]:
    for instr in body:
        yield instr
        for value in _nested(instr):
            yield from _walk(value)


def _nested(instr: Instr) -> Iterator[tuple[Instr, ...]]:
    """The instruction sequences nested in ``instr`` (block bodies, both arms of ``if``)."""
    for f in dataclasses.fields(instr):
        value = getattr(instr, f.name)
        if isinstance(value, tuple) and value and all(_is_instr(v) for v in value):
            yield value


def _is_instr(value: object) -> bool:
    return dataclasses.is_dataclass(value) and type(value).__module__.endswith("instructions")


def relaxed_module(module: Module, instrs: Sequence[Instr]) -> Module:
    """``module`` with each relaxed instruction replaced by a ``call`` of a host function
    imported (after the module's own function imports) from ``RELAXED_IMPORT``; every other
    function index moves up by ``len(instrs)``."""
    nimported = sum(1 for im in module.imports if isinstance(im.desc, ExternFunc))
    first_type = len(subtypes(module))
    index = {instr: nimported + k for k, instr in enumerate(instrs)}
    shift = len(instrs)

    def func_index(x: int) -> int:
        return x if x < nimported else x + shift

    def rewrite(body: tuple[Instr, ...]) -> tuple[Instr, ...]:
        return tuple(_rewrite(instr, index, func_index, rewrite) for instr in body)

    types = [TypeDef(plain_functype(FuncType((V128,) * arity(i), (V128,)))) for i in instrs]
    imports = list(module.imports)
    last_func = max((k for k, im in enumerate(imports) if isinstance(im.desc, ExternFunc)),
                    default=-1)  # fmt: skip
    new = [Import(RELAXED_IMPORT, str(k), ExternFunc(TypeIdx(first_type + k)))
           for k in range(len(instrs))]  # fmt: skip
    imports[last_func + 1 : last_func + 1] = new
    return dataclasses.replace(
        module,
        types=module.types + tuple(types),
        imports=tuple(imports),
        globals=tuple(Global(g.globaltype, rewrite(g.init)) for g in module.globals),
        tables=tuple(TableDef(t.tabletype, None if t.init is None else rewrite(t.init))
                     for t in module.tables),  # fmt: skip
        funcs=tuple(Func(f.typeidx, f.locals, rewrite(f.body)) for f in module.funcs),
        elems=tuple(Elem(e.reftype, tuple(rewrite(x) for x in e.init), e.mode)
                    for e in module.elems),  # fmt: skip
        start=None if module.start is None else Start(func_index(module.start.func)),
        exports=tuple(
            Export(e.name, dataclasses.replace(e.desc, index=func_index(e.desc.index)))
            if e.desc.kind is ExternKind.FUNC else e for e in module.exports
        ),
    )


def _rewrite(instr: Instr, index: dict[Instr, int], func_index: Callable[[int], int],
             rewrite: Callable[[tuple[Instr, ...]], tuple[Instr, ...]]) -> Instr:  # fmt: skip
    if instr in index:
        return Call(index[instr])
    match instr:
        case Call(x):
            return Call(func_index(x))
        case ReturnCall(x):
            return ReturnCall(func_index(x))
        case RefFunc(x):
            return RefFunc(func_index(x))
    changes = {f.name: rewrite(getattr(instr, f.name))
               for f in dataclasses.fields(instr)
               if _is_body(getattr(instr, f.name))}  # fmt: skip
    return dataclasses.replace(instr, **changes) if changes else instr  # type: ignore[arg-type]


def _is_body(value: object) -> bool:
    return isinstance(value, tuple) and all(_is_instr(v) for v in value) and bool(value)


# -- Runs under assignments -------------------------------------------------------------------


@dataclass
class Assignment:
    """The parameters fixed so far (the others are free: alternative 0, watched)."""

    fixed: dict[str, int]
    sensitive: set[str] = field(default_factory=set)

    def choose(self, instr: Instr, args: Sequence[int]) -> int:
        fam = family(instr)
        if fam is None:
            raise ValueError(f"not a relaxed instruction: {instr}")
        if fam in self.fixed:
            return alternative(instr, self.fixed[fam], args)
        first = alternative(instr, 0, args)
        if fam not in self.sensitive and any(
            alternative(instr, r, args) != first for r in range(1, CHOICES[fam])
        ):
            self.sensitive.add(fam)
        return first


def host_functions(instrs: Sequence[Instr], assignment: Assignment) -> list[Callable[[list[Any]], list[Any]]]:
    """One host function per relaxed instruction, answering under ``assignment``."""

    def host(instr: Instr) -> Callable[[list[Any]], list[Any]]:
        return lambda args: [assignment.choose(instr, args)]

    return [host(i) for i in instrs]


def spawn(assignment: Assignment) -> list[dict[str, int]]:
    """The assignments to start when ``assignment``'s newly sensitive parameters get fixed:
    every combination of their alternatives but the all-zero one (which ``assignment`` ran)."""
    new = sorted(assignment.sensitive - assignment.fixed.keys())
    for fam in new:
        assignment.fixed[fam] = 0
    combos = itertools.product(*(range(CHOICES[f]) for f in new))
    return [{**assignment.fixed, **dict(zip(new, combo, strict=True))}
            for combo in combos if any(combo)]  # fmt: skip


@dataclass
class Run:
    """One assignment's store and instance, and its outcome at every step so far."""

    assignment: Assignment
    store: Any = None
    instance: Any = None
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass(frozen=True)
class Invoke:
    """A call made on the instance (replayed by every run started later)."""

    name: str
    args: tuple[Value, ...]
    fuel: int | None


class Variants:
    """The runs of one instance under every assignment that can matter (see the module
    docstring); ``complete`` is False once ``MAX_RUNS`` cut the enumeration short."""

    def __init__(self, module: Module, features: Features, *, engine: str,
                 fuel: int | None, timeout: float | None = None) -> None:  # fmt: skip
        self.module = module
        self.timeout = timeout  # seconds per step of each run (an exhaustion beyond)
        self.features = features
        self.engine = engine
        self.fuel = fuel
        self.instrs = relaxed_instrs(module)
        self.rewritten = relaxed_module(module, self.instrs)
        self.history: list[Invoke | None] = []  # None: the instantiation
        self.runs: list[Run] = []
        self.complete = True

    def instantiate(self) -> list[Outcome]:
        """Instantiate under every assignment that matters; their outcomes."""
        self.history = [None]
        self.runs = [self._replay({})]
        self._spawn(list(self.runs))
        return [run.outcomes[-1] for run in self.runs]

    def invoke(self, name: str, args: Sequence[Value], fuel: int | None) -> list[Outcome]:
        """Call ``name`` in every run; the outcome of every run (new ones replayed)."""
        call = Invoke(name, tuple(args), fuel)
        self.history.append(call)
        for run in self.runs:
            self._step(run, call)
        self._spawn(list(self.runs))
        return [run.outcomes[-1] for run in self.runs]

    def states(self, globals_: Sequence[str], memories: Sequence[str]) -> list[State]:
        """Every run's exported globals and memory digests (``compare.State``)."""
        return [_state(run, globals_, memories) for run in self.runs if run.instance is not None]

    def _spawn(self, pending: list[Run]) -> None:
        while pending:
            run = pending.pop()
            for fixed in spawn(run.assignment):
                if len(self.runs) >= MAX_RUNS:
                    self.complete = False
                    return
                child = self._replay(fixed)
                self.runs.append(child)
                pending.append(child)
            if run.assignment.sensitive - run.assignment.fixed.keys():
                pending.append(run)  # sensitive again during a later step of the replay

    def _replay(self, fixed: dict[str, int]) -> Run:
        run = Run(Assignment(dict(fixed)))
        for step in self.history:
            self._step(run, step)
        return run

    def _step(self, run: Run, step: Invoke | None) -> None:
        from refwasm import embedding

        if step is None:
            run.store = embedding.store_init(engine=self.engine)
            run.outcomes.append(outcome_of(lambda: self._limited(lambda: self._instantiate(run))))
            return
        if run.instance is None:
            run.outcomes.append(Failed("engine", "no instance under this assignment"))
            return
        extern = embedding.instance_export(run.instance, step.name)
        functype = embedding.func_type(run.store, extern.addr)

        def call() -> list[Value]:
            results = embedding.func_invoke(run.store, extern.addr,
                                            [a.val for a in step.args], fuel=step.fuel)
            return [Value(t, v) for t, v in zip(functype.results, results, strict=True)]

        run.outcomes.append(outcome_of(lambda: self._limited(call)))

    def _limited(self, thunk: Callable[[], list[Value]]) -> list[Value]:
        from refwasm.script.limits import time_limit

        with time_limit(self.timeout):
            return thunk()

    def _instantiate(self, run: Run) -> list[Value]:
        from refwasm import embedding
        from refwasm.execution.values import ExternFuncAddr, ExternVal
        from refwasm.script.spectest import alloc_spectest

        spectest = alloc_spectest(run.store)
        hosts = iter(host_functions(self.instrs, run.assignment))
        externs: list[ExternVal] = []
        for im in self.rewritten.imports:
            if im.module == RELAXED_IMPORT and isinstance(im.desc, ExternFunc):
                ft = FuncType((V128,) * arity(self.instrs[int(im.name)]), (V128,))
                externs.append(ExternFuncAddr(embedding.func_alloc(run.store, ft, next(hosts))))
                continue
            else:
                found = spectest.get(im.name) if im.module == "spectest" else None
                if found is None:
                    raise UnlinkableError(UNKNOWN_IMPORT)
                externs.append(found)
        run.instance = embedding.module_instantiate(run.store, self.rewritten, externs,
                                                    self.features, fuel=self.fuel)  # fmt: skip
        return []


def _state(run: Run, globals_: Sequence[str], memories: Sequence[str]) -> State:
    from refwasm import embedding

    values = {}
    for name in globals_:
        addr = embedding.instance_export(run.instance, name).addr
        values[name] = Value(embedding.global_type(run.store, addr).valtype,
                             embedding.global_read(run.store, addr))  # fmt: skip
    digests = {}
    for name in memories:
        mem = embedding.instance_export(run.instance, name).addr
        digests[name] = memory_digest(run.store.mems[mem].data)
    return State(values, digests)


def variants(data: bytes, features: Features, *, engine: str, fuel: int | None,
             timeout: float | None = None) -> Variants | None:  # fmt: skip
    """The relaxed runs of a module, or ``None`` when it has no relaxed instruction (or does not
    decode: the oracle's own outcome says so)."""
    from refwasm.embedding import module_decode

    if not features.relaxed_simd:
        return None
    try:
        module = module_decode(data, features)
    except WasmError:
        return None
    if not relaxed_instrs(module):
        return None
    return Variants(module, features, engine=engine, fuel=fuel, timeout=timeout)
