// The V8 driver of refwasm's JS API scenarios (see refwasm/jsapi/scenario.py for the format).
// Reads a JSON array of scenarios on stdin, runs each through WebAssembly.* in a fresh set of
// names, and prints a JSON array holding each scenario's list of step outcomes.
"use strict";

function parseNumber(x) {
  if (x === "-0") return -0;
  return Number(x);
}

function numberString(x) {
  if (Object.is(x, -0)) return "-0";
  return String(x);
}

class ScenarioError extends Error {}
class Unavailable extends Error {}

function runScenario(scenario) {
  const env = new Map();

  function lookup(path) {
    if (!path.length) throw new ScenarioError("empty path");
    if (!env.has(path[0])) throw new Unavailable(path[0]);
    let v = env.get(path[0]);
    for (const key of path.slice(1)) v = v[key];
    return v;
  }

  function value(v) {
    if (v === null || typeof v === "boolean") return v;
    const [tag] = Object.keys(v);
    const x = v[tag];
    switch (tag) {
      case "undefined": return undefined;
      case "number": return parseNumber(x);
      case "bigint": return BigInt(x);
      case "string": return String(x);
      case "array": return x.map(value);
      case "object": {
        const o = {};
        for (const [k, e] of Object.entries(x)) o[k] = value(e);
        return o;
      }
      case "ref": return lookup(x);
      case "hostfunc": return hostfunc(x);
    }
    throw new ScenarioError("bad value " + JSON.stringify(v));
  }

  function hostfunc(spec) {
    if ("returns" in spec) {
      const result = value(spec.returns);
      return function () { return result; };
    }
    if ("throws" in spec) {
      const message = String(spec.throws);
      return function () { throw new Error(message); };
    }
    if ("echo" in spec) {
      const i = spec.echo;
      return function (...args) { return args[i]; };
    }
    if ("call" in spec) {
      const path = spec.call;
      return function (...args) { return lookup(path)(...args); };
    }
    if ("throws_value" in spec) {
      const path = spec.throws_value;
      return function () { throw lookup(path); };
    }
    throw new ScenarioError("bad hostfunc " + JSON.stringify(spec));
  }

  function moduleBytes(name) {
    const m = scenario.modules[name];
    if (!("base64" in m)) throw new ScenarioError("module " + name + " has no bytes");
    return new Uint8Array(Buffer.from(m.base64, "base64"));
  }

  function hasValue(s) { return "value" in s; }

  function step(s) {
    const opt = hasValue(s) ? value(s.value) : undefined;
    switch (s.op) {
      case "new_memory": return new WebAssembly.Memory(value(s.descriptor));
      case "new_table":
        return hasValue(s) ? new WebAssembly.Table(value(s.descriptor), opt)
                           : new WebAssembly.Table(value(s.descriptor));
      case "new_global":
        return hasValue(s) ? new WebAssembly.Global(value(s.descriptor), opt)
                           : new WebAssembly.Global(value(s.descriptor));
      case "compile": return new WebAssembly.Module(moduleBytes(s.module));
      case "validate": return WebAssembly.validate(moduleBytes(s.module));
      case "instantiate": {
        const mod = new WebAssembly.Module(moduleBytes(s.module));
        return "imports" in s ? new WebAssembly.Instance(mod, value(s.imports))
                              : new WebAssembly.Instance(mod);
      }
      case "module_imports":
        return WebAssembly.Module.imports(new WebAssembly.Module(moduleBytes(s.module)));
      case "module_exports":
        return WebAssembly.Module.exports(new WebAssembly.Module(moduleBytes(s.module)));
      case "custom_sections": {
        const mod = new WebAssembly.Module(moduleBytes(s.module));
        return WebAssembly.Module.customSections(mod, s.name).map(
          (b) => ({ bytes: Buffer.from(b).toString("hex") }));
      }
      case "get": return lookup(s.target);
      case "call": return lookup(s.target)(...(s.args || []).map(value));
      case "set_value": {
        const g = lookup(s.target);
        if (!(g instanceof WebAssembly.Global)) throw new ScenarioError("set_value needs a Global");
        g.value = opt;
        return undefined;
      }
      case "value_of": {
        const g = lookup(s.target);
        if (!(g instanceof WebAssembly.Global)) throw new ScenarioError("value_of needs a Global");
        return g.valueOf();
      }
      case "grow": {
        const t = lookup(s.target);
        const delta = value(s.delta);
        if (t instanceof WebAssembly.Memory) return t.grow(delta);
        if (t instanceof WebAssembly.Table) return hasValue(s) ? t.grow(delta, opt) : t.grow(delta);
        throw new ScenarioError("grow needs a Memory or Table");
      }
      case "table_get": case "table_set": {
        const t = lookup(s.target);
        if (!(t instanceof WebAssembly.Table)) throw new ScenarioError(s.op + " needs a Table");
        const index = value(s.index);
        if (s.op === "table_get") return t.get(index);
        return hasValue(s) ? t.set(index, opt) : t.set(index);
      }
      case "read_memory": {
        const m = lookup(s.target);
        if (!(m instanceof WebAssembly.Memory)) throw new ScenarioError("read_memory needs a Memory");
        const buf = m.buffer;
        if (s.offset + s.length > buf.byteLength) {
          throw new RangeError("outside the bounds of the buffer");
        }
        const bytes = new Uint8Array(buf, s.offset, s.length);
        return { byteLength: buf.byteLength, bytes: Buffer.from(bytes).toString("hex") };
      }
    }
    if (["new_tag", "new_exception", "call_catching", "exception_is", "exception_arg"]
        .includes(s.op)) return exceptionStep(s);
    throw new ScenarioError("unknown op " + s.op);
  }

  // The exception-handling steps (see exception_step in scenario.py).
  function exceptionStep(s) {
    switch (s.op) {
      case "new_tag": return new WebAssembly.Tag(value(s.descriptor));
      case "new_exception": return new WebAssembly.Exception(lookup(s.tag), value(s.payload));
      case "call_catching":
        try {
          return lookup(s.target)(...(s.args || []).map(value));
        } catch (e) {
          if (e instanceof WebAssembly.Exception) return e;
          throw e;
        }
    }
    const e = lookup(s.target);
    if (!(e instanceof WebAssembly.Exception)) {
      throw new ScenarioError(s.op + " needs a WebAssembly.Exception");
    }
    if (s.op === "exception_is") return e.is(lookup(s.tag));
    return e.getArg(lookup(s.tag), value(s.index));  // node 20: getArg(tag, index)
  }

  function normal(v, depth) {
    for (const [name, named] of env) {
      if (named === v && (typeof v === "object" || typeof v === "function") && v !== null) {
        return { named: name };
      }
    }
    if (v === undefined) return { undefined: true };
    if (v === null || typeof v === "boolean") return v;
    if (typeof v === "bigint") return { bigint: v.toString() };
    if (typeof v === "number") return { number: numberString(v) };
    if (typeof v === "string") return { string: v };
    if (Array.isArray(v)) return { array: v.map((e) => normal(e, depth + 1)) };
    if (v instanceof ArrayBuffer) return { ArrayBuffer: { byteLength: v.byteLength } };
    if (v instanceof WebAssembly.Memory) return { Memory: { byteLength: v.buffer.byteLength } };
    if (v instanceof WebAssembly.Table) return { Table: { length: normal(v.length, depth + 1) } };
    if (v instanceof WebAssembly.Global) {
      return { Global: { value: depth < 2 ? normal(v.value, depth + 1) : "..." } };
    }
    if (v instanceof WebAssembly.Instance) return { Instance: { exports: Object.keys(v.exports) } };
    if (v instanceof WebAssembly.Module) return { Module: true };
    if (v instanceof WebAssembly.Tag) return { Tag: true };
    if (v instanceof WebAssembly.Exception) return { Exception: true };
    if (typeof v === "function") {
      // Exported Functions have a numeric name; the scenario's host functions do not.
      if (/^\d+$/.test(v.name)) return { function: { name: v.name, length: v.length } };
      return { function: "host" };
    }
    if (Object.getPrototypeOf(v) === null) return { exports: Object.keys(v) };
    const o = {};
    for (const [k, e] of Object.entries(v)) o[k] = normal(e, depth + 1);
    return { object: o };
  }

  function errorOutcome(e) {
    if (e instanceof ScenarioError) throw e;
    if (e instanceof Unavailable) return { unavailable: e.message };
    if (e instanceof WebAssembly.Exception) return { throws: "WebAssembly.Exception" };
    if (!(e instanceof Error)) return { throws: "(thrown value)" };
    const name = e instanceof WebAssembly.CompileError ? "CompileError"
      : e instanceof WebAssembly.LinkError ? "LinkError"
      : e instanceof WebAssembly.RuntimeError ? "RuntimeError"
      : e.name;
    const outcome = { throws: name };
    if (name === "Error") outcome.message = e.message;
    return outcome;
  }

  const outcomes = [];
  for (const s of scenario.steps) {
    let result;
    try {
      result = step(s);
    } catch (e) {
      outcomes.push(errorOutcome(e));
      continue;
    }
    outcomes.push({ ok: normal(result, 0) });
    if ("as" in s) env.set(s.as, result);
  }
  return outcomes;
}

function main() {
  const chunks = [];
  process.stdin.on("data", (c) => chunks.push(c));
  process.stdin.on("end", () => {
    const scenarios = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const results = scenarios.map(runScenario);
    process.stdout.write(JSON.stringify(results));
  });
}

main();
