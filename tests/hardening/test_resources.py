"""Resource bounds on hostile inputs (issue 15, items 7 and 9): each check runs in a fresh
interpreter, so its peak RSS (``resource.getrusage``) is its own, and asserts the outcome, a
bound on peak memory and a generous bound on time (a quadratic regression blows through it).

Item 7: the memory budget covers frames, locals and operand stacks (running out is an
ExhaustionError, never a MemoryError); bulk memory and table operations work in bounded chunks.
Item 9: the decoder, the text parser, validation and preparation stay linear on big inputs.
The full-size cases are ``slow``; scaled-down ones run by default.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

# What every check's script starts with: binary builders and the outcome of a call.
PRELUDE = '''
import json, resource, time
from refwasm import embedding
from refwasm.binary import decode_module
from refwasm.errors import WasmError
from refwasm.text import parse_module
from refwasm.validation import validate_module

def leb(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)

def section(i, payload):
    return bytes([i]) + leb(len(payload)) + payload

def binary(funcs, bodies, exports=b""):
    """A module of type [] -> [], ``funcs`` functions of that type, the given code bodies."""
    code = leb(len(bodies)) + b"".join(leb(len(b)) + b for b in bodies)
    return (b"\\0asm\\1\\0\\0\\0" + section(1, b"\\x01\\x60\\x00\\x00")
            + section(3, leb(funcs) + b"\\x00" * funcs) + exports + section(10, code))

def outcome_of(thunk):
    try:
        return repr(thunk())
    except WasmError as e:
        return f"{type(e).__name__}: {e.message}"

def invoke_export(store, module, name="f", args=()):
    inst = embedding.module_instantiate(store, module, [])
    return embedding.func_invoke(store, embedding.instance_export(inst, name).addr, list(args))

started = time.perf_counter()
'''

# The peak resident size of this process alone: ``VmHWM`` belongs to the address space, which
# exec replaces, where ``ru_maxrss`` keeps the parent's peak across fork and exec (a child of a
# large pytest worker would report the worker's size).
EPILOGUE = '''
def peak_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

print(json.dumps({
    "outcome": outcome,
    "seconds": time.perf_counter() - started,
    "peak_mib": peak_kib() / 1024,
}))
'''


def isolated(body: str, setup: str = "", timeout: float = 600) -> dict[str, Any]:
    """Run ``body`` (Python that sets ``outcome``) after the prelude and ``setup`` in a fresh
    interpreter; its outcome, wall time and peak RSS in MiB."""
    script = PRELUDE + setup + textwrap.dedent(body) + EPILOGUE
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return result


MIB = 1


# -- Item 7: frames, locals and operand stacks count against the memory budget -----------------

RECURSION = '''
def recursion(nlocals, depth, max_call_depth):
    """f(n): n locals (the parameter and n - 1 i64s); calls f(n - 1) until n = 0."""
    text = ('(module (func $f (export "f") (param i32) (local' + " i64" * (nlocals - 1) + ')'
            ' (if (local.get 0) (then (call $f (i32.sub (local.get 0) (i32.const 1)))))))')
    store = embedding.store_init(max_call_depth=max_call_depth)
    outcome = outcome_of(lambda: invoke_export(store, parse_module(text), args=[depth]))
    return outcome, store.frames_in_use
'''


def test_recursion_with_10000_locals_at_depth_100000_is_exhaustion() -> None:
    """The oracle's allowed depth with 10,000 locals a frame: 8 GB of locals before, and a
    MemoryError; now the budget (1 GiB by default) stops it."""
    r = isolated(setup=RECURSION, body="outcome, left = recursion(10_000, 100_000, 100_000)\n"
                 "assert left == 0, left\n")
    assert r["outcome"] == "ExhaustionError: memory budget exhausted"
    assert r["peak_mib"] < 600 * MIB
    assert r["seconds"] < 60


def test_recursion_with_50000_i64_locals_is_exhaustion() -> None:
    """7.6 GiB before the call-depth limit, before; now bounded by the budget."""
    r = isolated(setup=RECURSION, body="outcome, left = recursion(50_000, 20_000, 20_000)\n"
                 "assert left == 0, left\n")
    assert r["outcome"] == "ExhaustionError: memory budget exhausted"
    assert r["peak_mib"] < 600 * MIB


def test_operands_of_waiting_frames_count_against_the_budget() -> None:
    """Each frame leaves 1,000 operands on the stack before it recurses: they count too."""
    r = isolated('''
        pushes = "(i64.const 7) " * 1000
        drops = "(drop) " * 1000
        text = ('(module (func $f (export "f") (param i32) ' + pushes
                + '(if (local.get 0) (then (call $f (i32.sub (local.get 0) (i32.const 1)))))'
                + drops + '))')
        store = embedding.store_init(max_call_depth=1_000_000, memory_budget=64 << 20)
        outcome = outcome_of(lambda: invoke_export(store, parse_module(text), args=[1_000_000]))
        assert store.frames_in_use == 0
    ''')
    assert r["outcome"] == "ExhaustionError: memory budget exhausted"
    assert r["peak_mib"] < 250 * MIB


def test_a_memory_that_fills_the_budget_leaves_no_room_for_frames() -> None:
    """One budget: memories and frames share it."""
    r = isolated('''
        text = '(module (memory 16) (func (export "f")))'
        store = embedding.store_init(memory_budget=16 * 65536)
        outcome = outcome_of(lambda: invoke_export(store, parse_module(text)))
    ''')
    assert r["outcome"] == "ExhaustionError: memory budget exhausted"


# -- Item 7: bulk operations work in place, in bounded chunks ---------------------------------

BULK = '''
def bulk(pages, instr, data=b""):
    """Run ``instr`` in a function of a module with a memory of ``pages`` pages."""
    seg = f'(data "{data.decode()}")' if data else ""
    text = f'(module (memory {pages}) {seg} (func (export "f") {instr}))'
    store = embedding.store_init(memory_budget=(pages << 16) + (1 << 20))
    outcome = outcome_of(lambda: invoke_export(store, parse_module(text)))
    return outcome, store
'''


def test_memory_fill_of_256_mib_needs_no_copy() -> None:
    r = isolated(setup=BULK, body='''
        outcome, store = bulk(4096, "(memory.fill (i32.const 0) (i32.const 7) (i32.const 0x10000000))")
        mem = store.mems[0].data
        assert mem[0] == mem[len(mem) // 2] == mem[-1] == 7
    ''')
    assert r["outcome"] == "[]"
    assert r["peak_mib"] < (256 + 100) * MIB


def test_overlapping_memory_copy_of_256_mib_needs_no_copy() -> None:
    r = isolated(setup=BULK, body='''
        outcome, store = bulk(4096, "(i32.store8 (i32.const 0) (i32.const 1))"
                                    "(i32.store8 (i32.const 0x0fffffff) (i32.const 2))"
                                    "(memory.copy (i32.const 1) (i32.const 0) (i32.const 0x0fffffff))")
        mem = store.mems[0].data
        assert mem[0] == 1 and mem[1] == 1 and mem[-1] == 0
    ''')
    assert r["outcome"] == "[]"
    assert r["peak_mib"] < (256 + 100) * MIB


def test_memory_grow_to_256_mib_needs_no_copy() -> None:
    r = isolated(setup=BULK, body='''
        outcome, store = bulk(1, "(drop (memory.grow (i32.const 4095)))")
    ''')
    assert r["outcome"] == "[]"
    assert r["peak_mib"] < (256 + 100) * MIB


def test_table_fill_and_copy_of_8_million_elements_need_no_copy() -> None:
    """A table of 2^23 elements is 64 MiB of pointers; fill and copy add no second one."""
    r = isolated('''
        n = 1 << 23
        text = (f'(module (table {n} funcref) (func $g) (elem declare func $g) (func (export "f")'
                f' (table.fill (i32.const 0) (ref.func $g) (i32.const {n}))'
                f' (table.copy (i32.const 1) (i32.const 0) (i32.const {n - 1}))))')
        store = embedding.store_init()
        outcome = outcome_of(lambda: invoke_export(store, parse_module(text)))
        elems = store.tables[0].elem
        assert elems[0] is elems[n - 1]
    ''')
    assert r["outcome"] == "[]"
    assert r["peak_mib"] < (64 + 100) * MIB


@pytest.mark.slow
def test_memory_fill_of_1_gib_peaks_at_the_memory_itself() -> None:
    """The issue's case: 3 GiB of RSS before (copies), now the memory and little more."""
    r = isolated(setup=BULK, body='''
        outcome, store = bulk(16384, "(memory.fill (i32.const 0) (i32.const 7) (i32.const 0x40000000))")
        assert store.mems[0].data[-1] == 7
    ''')
    assert r["outcome"] == "[]"
    assert r["peak_mib"] < (1024 + 100) * MIB


@pytest.mark.slow
def test_memory_copy_of_1_gib_peaks_at_the_memory_itself() -> None:
    r = isolated(setup=BULK, body='''
        outcome, store = bulk(16384, "(memory.copy (i32.const 1) (i32.const 0) (i32.const 0x3fffffff))")
    ''')
    assert r["outcome"] == "[]"
    assert r["peak_mib"] < (1024 + 100) * MIB


# -- Item 9: big inputs stay linear ---------------------------------------------------------

NESTED = '''
def nested_binary(n):
    """One exported function whose body is ``n`` nested empty blocks."""
    body = b"\\x00" + b"\\x02\\x40" * n + b"\\x0b" * n + b"\\x0b"
    return binary(1, [body], exports=section(7, b"\\x01\\x01f\\x00\\x00"))

def nested_text(n, folded=False):
    blocks = "(block " * n + ")" * n if folded else "block " * n + "end " * n
    return '(module (func (export "f") ' + blocks + "))"

def run_all(module):
    """Validate and run (instantiation validates too, and the call prepares the body)."""
    validate_module(module)
    return invoke_export(embedding.store_init(), module)
'''


@pytest.mark.parametrize(
    ("front", "n", "peak", "seconds"),
    [
        ("decode_module(nested_binary(n))", 100_000, 150, 30),
        ("parse_module(nested_text(n))", 100_000, 150, 30),
        ("parse_module(nested_text(n, folded=True))", 100_000, 150, 30),
        pytest.param("decode_module(nested_binary(n))", 1_000_000, 600, 120, marks=pytest.mark.slow),
        pytest.param("parse_module(nested_text(n))", 1_000_000, 700, 180, marks=pytest.mark.slow),
        pytest.param(
            "parse_module(nested_text(n, folded=True))", 1_000_000, 800, 180, marks=pytest.mark.slow
        ),
    ],
)
def test_nested_blocks_decode_parse_validate_and_run(
    front: str, n: int, peak: int, seconds: int
) -> None:
    r = isolated(setup=NESTED, body=f"n = {n}\noutcome = outcome_of(lambda: run_all({front}))\n")
    assert r["outcome"] == "[]"
    assert r["peak_mib"] < peak * MIB
    assert r["seconds"] < seconds


FUNCS = '''
def many_functions(n):
    """``n`` functions, each ``block end``."""
    return binary(n, [b"\\x00\\x02\\x40\\x0b\\x0b"] * n)
'''


@pytest.mark.parametrize(
    ("n", "peak", "seconds"),
    [(100_000, 150, 30), pytest.param(1_000_000, 600, 120, marks=pytest.mark.slow)],
)
def test_many_functions_decode_and_validate(n: int, peak: int, seconds: int) -> None:
    r = isolated(setup=FUNCS, body=f"outcome = outcome_of(lambda: validate_module(decode_module(many_functions({n}))))\n")
    assert r["outcome"] == "None"
    assert r["peak_mib"] < peak * MIB
    assert r["seconds"] < seconds


def test_many_functions_with_50000_locals_each_share_them() -> None:
    """A few bytes declare 50,000 locals: 20,000 such functions are 10^9 locals unless equal
    declarations share one tuple (and validation checks each distinct one once)."""
    r = isolated('''
        body = b"\\x01" + leb(50_000) + b"\\x7e" + b"\\x0b"
        outcome = outcome_of(lambda: validate_module(decode_module(binary(20_000, [body] * 20_000))))
    ''')
    assert r["outcome"] == "None"
    assert r["peak_mib"] < 150 * MIB
    assert r["seconds"] < 30


def test_distinct_local_declarations_are_bounded() -> None:
    """Distinct declarations cannot share: past the decoder's module-wide limit, too many
    locals (an implementation limit, as the 50,000 a function)."""
    r = isolated('''
        bodies = [b"\\x01" + leb(50_000 - i) + b"\\x7e" + b"\\x0b" for i in range(2_000)]
        outcome = outcome_of(lambda: validate_module(decode_module(binary(2_000, bodies))))
    ''')
    assert r["outcome"] == "MalformedError: too many locals"
    assert r["peak_mib"] < 250 * MIB


def test_many_globals_reading_earlier_ones_validate_in_linear_time() -> None:
    """3.0: each global's initializer sees the globals before it; slicing them per global
    made validation quadratic (100,000 globals: 35 s)."""
    r = isolated('''
        from refwasm.features import Features
        n = 100_000
        text = "(module (global i32 (i32.const 0))" + "(global i32 (global.get 0))" * n + ")"
        f3 = Features.for_version("3.0")
        outcome = outcome_of(lambda: validate_module(parse_module(text, f3), f3))
    ''')
    assert r["outcome"] == "None"
    assert r["seconds"] < 20
