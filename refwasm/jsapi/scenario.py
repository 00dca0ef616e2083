"""JSON scenarios for the JS API, and their refwasm driver (``node_driver.js`` beside this file is
the same driver for V8 through ``node``).

A scenario::

    {"name": "...",
     "modules": {"m": {"base64": "<module bytes>", "text": "(module ...)"}},
     "steps": [{"op": "instantiate", "module": "m", "imports": VALUE, "as": "i"}, ...]}

A module gives ``base64`` (what both drivers use) or only ``text`` (refwasm's driver only).

VALUE, a JavaScript value written in JSON: ``null``, ``true``/``false``, ``{"undefined": true}``,
``{"number": "1.5" | "-0" | "NaN" | "Infinity" | "-Infinity"}``, ``{"bigint": "-5"}``,
``{"string": "..."}``, ``{"array": [VALUE...]}``, ``{"object": {"key": VALUE}}``, ``{"ref": PATH}``
(a value the scenario named earlier, then properties: ``["i", "exports", "f"]``), and host
functions with fixed behaviour: ``{"hostfunc": {"returns": VALUE}}``,
``{"hostfunc": {"throws": "message"}}`` (``throw new Error(message)``), ``{"hostfunc": {"echo": 0}}``
(returns its argument 0), ``{"hostfunc": {"call": PATH}}`` (calls PATH with its own arguments and
returns the result).

Steps (``as`` names the step's result for later ``ref``s):

- ``new_memory``/``new_table``/``new_global``: ``descriptor`` (VALUE) and optional ``value``;
- ``compile`` (``module``), ``validate`` (``module``), ``instantiate`` (``module``, ``imports``);
- ``module_imports``/``module_exports`` (``module``), ``custom_sections`` (``module``, ``name``);
- ``get`` (``target`` PATH): the value of a property path (``["g", "value"]``);
- ``call`` (``target``, ``args``); ``set_value`` (``target``: a Global, ``value``);
  ``value_of`` (``target``: a Global);
- ``grow`` (``target``: a Memory or Table, ``delta``, optional ``value``);
- ``table_get`` (``target``, ``index``), ``table_set`` (``target``, ``index``, optional ``value``);
- ``read_memory`` (``target``: a Memory, ``offset``, ``length``): ``{"byteLength", "bytes"}``.

Each step's outcome is ``{"ok": NORMAL}`` or ``{"throws": "<error class name>"}`` (plus
``"message"`` for a plain ``Error``, which only host functions throw), or ``{"unavailable": n}``
when it refers to a name ``n`` that an earlier step failed to define.  NORMAL writes values
so that the two engines' outcomes compare as JSON: numbers as JavaScript's ``String(x)`` except
``"-0"``, every NaN as ``"NaN"``; objects by kind, or ``{"named": n}`` when identical to the value
named ``n`` (the object caches are observable that way).
"""

from __future__ import annotations

import base64
import json
import math
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.jsapi.agent import ExportedFunction
from refwasm.jsapi.errors import JSError, JSThrow
from refwasm.jsapi.exceptions import Tag, WasmException
from refwasm.jsapi.namespace import WebAssembly
from refwasm.jsapi.objects import (
    ArrayBuffer,
    ExportsObject,
    Global,
    Instance,
    Memory,
    Module,
    Table,
)
from refwasm.jsapi.values import UNDEFINED, BigInt, get, number_to_string

Scenario = Mapping[str, Any]
Outcome = dict[str, Any]

NODE_DRIVER = Path(__file__).parent / "node_driver.js"


class ScenarioError(Exception):
    """The scenario itself is wrong (unknown op, bad value): a bug in the scenario."""


class Unavailable(Exception):
    """A step refers to a name an earlier, failed step did not define: its outcome says so."""


def module_bytes(spec: Mapping[str, Any], features: Features) -> bytes:
    """A scenario module's bytes: its ``base64``, or its ``text`` through refwasm's encoder."""
    if "base64" in spec:
        return base64.b64decode(spec["base64"])
    from refwasm.binary import encode_module
    from refwasm.text import parse_module

    return encode_module(parse_module(spec["text"], features))


class PythonDriver:
    """Runs one scenario on refwasm.jsapi (a fresh agent per scenario)."""

    def __init__(self, scenario: Scenario, features: Features = DEFAULT_FEATURES) -> None:
        self.scenario = scenario
        self.features = features
        self.wa = WebAssembly(features)
        self.env: dict[str, object] = {}

    # -- values ----------------------------------------------------------------------------

    def value(self, v: Any) -> object:
        """A VALUE of the scenario as a modelled JavaScript value."""
        if v is None or isinstance(v, bool):
            return v
        if not isinstance(v, dict) or len(v) != 1:
            raise ScenarioError(f"bad value {v!r}")
        ((tag, x),) = v.items()
        match tag:
            case "undefined":
                return UNDEFINED
            case "number":
                return parse_number(x)
            case "bigint":
                return BigInt(int(x))
            case "string":
                return str(x)
            case "array":
                return [self.value(e) for e in x]
            case "object":
                return {k: self.value(e) for k, e in x.items()}
            case "ref":
                return self.lookup(x)
            case "hostfunc":
                return self.hostfunc(x)
        raise ScenarioError(f"bad value tag {tag!r}")

    def hostfunc(self, spec: Mapping[str, Any]) -> Callable[..., object]:
        """A host function with fixed behaviour."""
        if "returns" in spec:
            result = self.value(spec["returns"])
            return lambda *args: result
        if "throws" in spec:
            message = str(spec["throws"])

            def throw(*args: object) -> object:
                raise JSError(message)

            return throw
        if "echo" in spec:
            i = int(spec["echo"])
            return lambda *args: args[i] if len(args) > i else UNDEFINED
        if "call" in spec:
            path = spec["call"]

            def forward(*args: object) -> object:
                target = self.lookup(path)
                if not callable(target):
                    raise ScenarioError(f"not callable: {path}")
                return target(*args)

            return forward
        if "throws_value" in spec:  # throw a value the scenario named (a WebAssembly.Exception)
            return self.throw_named(spec["throws_value"])
        raise ScenarioError(f"bad hostfunc {spec!r}")

    def throw_named(self, path: Sequence[str]) -> Callable[..., object]:
        """A host function throwing the value at ``path`` (``throw v``)."""

        def throw(*args: object) -> object:
            v = self.lookup(path)
            raise v if isinstance(v, BaseException) else JSThrow(v)

        return throw

    def lookup(self, path: Sequence[str]) -> object:
        """A named value, then properties along the path."""
        if not path:
            raise ScenarioError("empty path")
        if path[0] not in self.env:
            raise Unavailable(path[0])
        v = self.env[path[0]]
        for key in path[1:]:
            v = get(v, key)
        return v

    # -- steps -----------------------------------------------------------------------------

    def module(self, name: str) -> bytes:
        return module_bytes(self.scenario["modules"][name], self.features)

    def step(self, s: Mapping[str, Any]) -> object:
        """Perform one step; its result (a JS value)."""
        wa = self.wa
        op = s["op"]
        opt = self.value(s["value"]) if "value" in s else UNDEFINED
        match op:
            case "new_memory":
                return wa.Memory(self.value(s["descriptor"]))
            case "new_table":
                return wa.Table(self.value(s["descriptor"]), opt)
            case "new_global":
                return wa.Global(self.value(s["descriptor"]), opt)
            case "compile":
                return wa.Module(self.module(s["module"]))
            case "validate":
                return wa.validate(self.module(s["module"]))
            case "instantiate":
                imports = self.value(s["imports"]) if "imports" in s else UNDEFINED
                return wa.Instance(wa.Module(self.module(s["module"])), imports)
            case "module_imports":
                return [dict(d) for d in wa.Module.imports(wa.Module(self.module(s["module"])))]
            case "module_exports":
                return [dict(d) for d in wa.Module.exports(wa.Module(self.module(s["module"])))]
            case "custom_sections":
                mod = wa.Module(self.module(s["module"]))
                return [{"bytes": c.hex()} for c in wa.Module.customSections(mod, s["name"])]
            case "get":
                return self.lookup(s["target"])
            case "call":
                f = self.lookup(s["target"])
                if not callable(f):
                    raise ScenarioError(f"not callable: {s['target']}")
                return f(*[self.value(a) for a in s.get("args", [])])
            case "set_value":
                target = self.lookup(s["target"])
                if not isinstance(target, Global):
                    raise ScenarioError("set_value needs a Global")
                target.value = opt
                return UNDEFINED
            case "value_of":
                target = self.lookup(s["target"])
                if not isinstance(target, Global):
                    raise ScenarioError("value_of needs a Global")
                return target.valueOf()
            case "grow":
                target = self.lookup(s["target"])
                delta = self.value(s["delta"])
                if isinstance(target, Memory):
                    return target.grow(delta)
                if isinstance(target, Table):
                    return target.grow(delta, opt)
                raise ScenarioError("grow needs a Memory or Table")
            case "table_get" | "table_set":
                table = self.lookup(s["target"])
                if not isinstance(table, Table):
                    raise ScenarioError(f"{op} needs a Table")
                index = self.value(s["index"])
                return table.get(index) if op == "table_get" else table.set(index, opt)
            case "read_memory":
                memory = self.lookup(s["target"])
                if not isinstance(memory, Memory):
                    raise ScenarioError("read_memory needs a Memory")
                buf = memory.buffer
                data = buf.read(int(s["offset"]), int(s["length"]))
                return {"byteLength": float(buf.byteLength), "bytes": data.hex()}
            case "new_tag" | "new_exception" | "call_catching" | "exception_is" | "exception_arg":
                return exception_step(self, s)
        raise ScenarioError(f"unknown op {op!r}")

    def run(self) -> list[Outcome]:
        """Every step's outcome, in order."""
        outcomes: list[Outcome] = []
        for s in self.scenario["steps"]:
            try:
                result = self.step(s)
            except JSError as error:
                outcomes.append(error_outcome(error))
                continue
            except Unavailable as missing:
                outcomes.append({"unavailable": str(missing)})
                continue
            outcomes.append({"ok": self.normal(result)})
            if "as" in s:
                self.env[s["as"]] = result
        return outcomes

    # -- normalisation ---------------------------------------------------------------------

    def normal(self, v: object, depth: int = 0) -> Any:
        """The normal form of a JavaScript value (see the module docstring)."""
        for name, named in self.env.items():
            if named is v and not is_primitive(v):
                return {"named": name}
        if v is UNDEFINED:
            return {"undefined": True}
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, BigInt):
            return {"bigint": str(int(v))}
        if isinstance(v, (int, float)):
            return {"number": normal_number(float(v))}
        if isinstance(v, str):
            return {"string": v}
        if isinstance(v, list):
            return {"array": [self.normal(e, depth + 1) for e in v]}
        if isinstance(v, ExportedFunction):
            return {"function": {"name": v.name, "length": v.length}}
        if isinstance(v, ArrayBuffer):
            return {"ArrayBuffer": {"byteLength": float(v.byteLength)}}
        if isinstance(v, Memory):
            return {"Memory": {"byteLength": float(v.buffer.byteLength)}}
        if isinstance(v, Table):
            return {"Table": {"length": self.normal(v.length)}}
        if isinstance(v, Global):
            return {"Global": {"value": self.normal(v.value) if depth < 2 else "..."}}
        if isinstance(v, Instance):
            return {"Instance": {"exports": list(v.exports)}}
        if isinstance(v, ExportsObject):
            return {"exports": list(v)}
        if isinstance(v, Module):
            return {"Module": True}
        if isinstance(v, dict):
            return {"object": {k: self.normal(e, depth + 1) for k, e in v.items()}}
        if isinstance(v, Tag | WasmException):
            return {"Tag" if isinstance(v, Tag) else "Exception": True}
        if callable(v):
            return {"function": "host"}
        return {"object": type(v).__name__}


def exception_step(driver: PythonDriver, s: Mapping[str, Any]) -> object:
    """The exception-handling steps (3.0): ``new_tag`` (``descriptor``), ``new_exception``
    (``tag`` PATH, ``payload``), ``call_catching`` (``target``, ``args``: the call's result, or
    the WebAssembly.Exception it threw), ``exception_is`` (``target``, ``tag``) and
    ``exception_arg`` (``target``, ``tag``, ``index``: V8 (node 20) takes the tag, as the
    proposal's first JS API did; the spec's ``getArg(index)`` does not, and refwasm follows
    the spec)."""
    wa = driver.wa
    match s["op"]:
        case "new_tag":
            return wa.Tag(driver.value(s["descriptor"]))
        case "new_exception":
            return wa.Exception(driver.lookup(s["tag"]), driver.value(s["payload"]))
        case "call_catching":
            f = driver.lookup(s["target"])
            if not callable(f):
                raise ScenarioError(f"not callable: {s['target']}")
            try:
                return f(*[driver.value(a) for a in s.get("args", [])])
            except WasmException as thrown:
                return thrown
    target = driver.lookup(s["target"])
    if not isinstance(target, WasmException):
        raise ScenarioError(f"{s['op']} needs a WebAssembly.Exception")
    if s["op"] == "exception_is":
        return getattr(target, "is")(driver.lookup(s["tag"]))
    return target.getArg(driver.value(s["index"]))


def is_primitive(v: object) -> bool:
    return v is None or v is UNDEFINED or isinstance(v, (bool, int, float, str))


def parse_number(x: str) -> float:
    """A scenario's Number: ``"NaN"``, ``"Infinity"``, ``"-Infinity"``, ``"-0"``, or decimal."""
    specials = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}
    return specials[x] if x in specials else float(x)


def normal_number(x: float) -> str:
    """``String(x)``, but ``"-0"`` for negative zero (every NaN is ``"NaN"``)."""
    if x == 0 and math.copysign(1.0, x) < 0:
        return "-0"
    return number_to_string(x)


def error_outcome(error: JSError) -> Outcome:
    """The outcome of a step that threw."""
    if isinstance(error, JSThrow):
        return {"throws": "(thrown value)"}
    outcome: Outcome = {"throws": error.js_name}
    if error.js_name == "Error":
        outcome["message"] = error.message
    return outcome


def run_python(scenario: Scenario, features: Features = DEFAULT_FEATURES) -> list[Outcome]:
    """The outcomes of a scenario on refwasm.jsapi."""
    return PythonDriver(scenario, features).run()


def node_path() -> str | None:
    """The ``node`` executable on PATH, if any."""
    return shutil.which("node")


def run_node(scenarios: Sequence[Scenario], *, timeout: float = 600) -> list[list[Outcome]]:
    """The outcomes of scenarios on V8, through ``node node_driver.js`` (one process for all)."""
    node = node_path()
    if node is None:
        raise FileNotFoundError("node is not on PATH")
    proc = subprocess.run(
        [node, str(NODE_DRIVER)],
        input=json.dumps(list(scenarios)),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise ScenarioError(f"node driver failed: {proc.stderr[-2000:]}")
    results: list[list[Outcome]] = json.loads(proc.stdout)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m refwasm.jsapi.scenario FILE.json [--node]``: print each scenario's outcomes
    (the file holds one scenario or a list of them) on refwasm, or on V8 with ``--node``."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--node", action="store_true", help="run on V8 through node instead")
    args = parser.parse_args(argv)
    loaded = json.loads(args.file.read_text())
    scenarios = loaded if isinstance(loaded, list) else [loaded]
    results = run_node(scenarios) if args.node else [run_python(s) for s in scenarios]
    for s, outcomes in zip(scenarios, results, strict=True):
        print(json.dumps({"name": s.get("name"), "outcomes": outcomes}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
