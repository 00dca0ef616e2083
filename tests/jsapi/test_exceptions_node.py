"""Differential scenarios of the exception-handling JS API against V8 (``node``), and the same
scenarios' outcomes as the spec text gives them (checked on refwasm whether or not node exists).

What node 20 (V8 11.3) runs without flags: tags (section, imports, exports), ``throw``,
``WebAssembly.Tag``, ``WebAssembly.Exception`` with ``is`` and ``getArg(tag, index)`` (the
proposal's first JS API; the spec's is ``getArg(index)``), and exceptions crossing JS and Wasm
frames.  It has no ``try_table``, ``throw_ref`` or ``exnref`` (opcode 0x1F is an invalid opcode,
and no flag enables it: ``--experimental-wasm-exnref`` does not exist in node 20), and no
``WebAssembly.JSTag``: those are checked against the spec text in ``test_exceptions_api.py``.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from refwasm.binary import encode_module
from refwasm.features import Features
from refwasm.jsapi.scenario import node_path, run_node, run_python
from refwasm.text import parse_module

V3 = Features.for_version("3.0")


def b64(text: str) -> dict[str, str]:
    return {"base64": base64.b64encode(encode_module(parse_module(text, V3), V3)).decode()}


THROWER = b64("""(module
  (tag $e (export "e") (param i32))
  (tag $f (export "f") (param f64))
  (func (export "throw") (param i32) (local.get 0) (throw $e)))""")
REEXPORT = b64("""(module
  (import "m" "e" (tag $e (param i32)))
  (export "again" (tag $e)))""")
PASS_THROUGH = b64("""(module
  (import "m" "call" (func $call))
  (func (export "pass") (call $call)))""")
WANTS_I64_TAG = b64('(module (import "m" "e" (tag (param i64))))')


def ref(*path: str) -> dict[str, list[str]]:
    return {"ref": list(path)}


def num(x: str) -> dict[str, str]:
    return {"number": x}


SCENARIOS: list[dict[str, Any]] = [
    {"name": "eh/wasm-throw-reaches-js",
     "modules": {"t": THROWER},
     "steps": [
         {"op": "instantiate", "module": "t", "as": "i"},
         {"op": "call", "target": ["i", "exports", "throw"], "args": [num("7")]},
         {"op": "call_catching", "target": ["i", "exports", "throw"], "args": [num("7")],
          "as": "x"},
         {"op": "exception_is", "target": ["x"], "tag": ["i", "exports", "e"]},
         {"op": "exception_is", "target": ["x"], "tag": ["i", "exports", "f"]},
         {"op": "exception_arg", "target": ["x"], "tag": ["i", "exports", "e"], "index": num("0")},
     ]},
    {"name": "eh/tag-export-identity",
     "modules": {"t": THROWER, "r": REEXPORT},
     "steps": [
         {"op": "instantiate", "module": "t", "as": "i"},
         {"op": "get", "target": ["i", "exports", "e"], "as": "e"},
         {"op": "instantiate", "module": "r",
          "imports": {"object": {"m": {"object": {"e": ref("e")}}}}, "as": "j"},
         {"op": "get", "target": ["j", "exports", "again"]},
     ]},
    {"name": "eh/js-exception-through-wasm",
     "modules": {"p": PASS_THROUGH},
     "steps": [
         {"op": "new_tag", "descriptor": {"object": {"parameters": {"array": [
             {"string": "i32"}, {"string": "f64"}]}}}, "as": "tag"},
         {"op": "new_exception", "tag": ["tag"], "payload": {"array": [num("3"), num("2.5")]},
          "as": "x"},
         {"op": "exception_is", "target": ["x"], "tag": ["tag"]},
         {"op": "exception_arg", "target": ["x"], "tag": ["tag"], "index": num("1")},
         {"op": "instantiate", "module": "p",
          "imports": {"object": {"m": {"object": {"call": {"hostfunc": {"throws_value": ["x"]}}}}}},
          "as": "i"},
         {"op": "call", "target": ["i", "exports", "pass"]},
         {"op": "call_catching", "target": ["i", "exports", "pass"]},
     ]},
    {"name": "eh/exception-payload-length",
     "modules": {},
     "steps": [
         {"op": "new_tag", "descriptor": {"object": {"parameters": {"array": [
             {"string": "i32"}]}}}, "as": "tag"},
         {"op": "new_exception", "tag": ["tag"], "payload": {"array": []}},
         {"op": "new_exception", "tag": ["tag"], "payload": {"array": [num("1"), num("2")]}},
         {"op": "new_exception", "tag": ["tag"], "payload": {"array": [num("1")]}},
     ]},
    {"name": "eh/tag-import-kinds",
     "modules": {"w": WANTS_I64_TAG},
     "steps": [
         {"op": "new_tag", "descriptor": {"object": {"parameters": {"array": [
             {"string": "i64"}]}}}, "as": "good"},
         {"op": "new_tag", "descriptor": {"object": {"parameters": {"array": [
             {"string": "i32"}]}}}, "as": "bad"},
         {"op": "instantiate", "module": "w",
          "imports": {"object": {"m": {"object": {"e": ref("good")}}}}},
         {"op": "instantiate", "module": "w",
          "imports": {"object": {"m": {"object": {"e": ref("bad")}}}}},
         {"op": "instantiate", "module": "w",
          "imports": {"object": {"m": {"object": {"e": num("1")}}}}},
     ]},
]

# The outcomes the spec text gives, written out by hand.
EXPECTED: dict[str, list[dict[str, Any]]] = {
    "eh/wasm-throw-reaches-js": [
        {"ok": {"Instance": {"exports": ["e", "f", "throw"]}}},
        {"throws": "WebAssembly.Exception"},
        {"ok": {"Exception": True}},
        {"ok": True},
        {"ok": False},
        {"ok": {"number": "7"}},
    ],
    "eh/tag-export-identity": [
        {"ok": {"Instance": {"exports": ["e", "f", "throw"]}}},
        {"ok": {"Tag": True}},
        {"ok": {"Instance": {"exports": ["again"]}}},
        {"ok": {"named": "e"}},
    ],
    "eh/js-exception-through-wasm": [
        {"ok": {"Tag": True}},
        {"ok": {"Exception": True}},
        {"ok": True},
        {"ok": {"number": "2.5"}},
        {"ok": {"Instance": {"exports": ["pass"]}}},
        {"throws": "WebAssembly.Exception"},
        {"ok": {"named": "x"}},
    ],
    "eh/exception-payload-length": [
        {"ok": {"Tag": True}},
        {"throws": "TypeError"},
        {"throws": "TypeError"},
        {"ok": {"Exception": True}},
    ],
    "eh/tag-import-kinds": [
        {"ok": {"Tag": True}},
        {"ok": {"Tag": True}},
        {"ok": {"Instance": {"exports": []}}},
        {"throws": "LinkError"},
        {"throws": "LinkError"},
    ],
}


# Where V8 (node 20) departs from the spec text: the step it skips, and what it gives instead.
V8_DEPARTURES: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "eh/exception-payload-length": (
        "Exception(exceptionTag, payload, options), step 'If types's size is not payload's "
        "size, throw a TypeError': V8 (node 20) makes the exception anyway",
        [{"ok": {"Tag": True}}, {"ok": {"Exception": True}}, {"ok": {"Exception": True}},
         {"ok": {"Exception": True}}],
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_refwasm_gives_the_spec_outcomes(scenario: dict[str, Any]) -> None:
    assert run_python(scenario, V3) == EXPECTED[scenario["name"]]


@pytest.mark.peer
def test_node_agrees() -> None:
    if node_path() is None:
        pytest.skip("node is not on PATH")
    results = run_node(SCENARIOS)
    for scenario, outcomes in zip(SCENARIOS, results, strict=True):
        name = scenario["name"]
        if name in V8_DEPARTURES:
            assert outcomes == V8_DEPARTURES[name][1], name
            assert run_python(scenario, V3) == EXPECTED[name]
        else:
            assert outcomes == run_python(scenario, V3), name
