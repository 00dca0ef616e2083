// V8 (through node's WebAssembly API) behind refwasm's node adapter (node_engine.py).
//
// A long-lived process: one JSON request per line on stdin, one JSON reply per line on stdout.
// Handles (modules, instances, externs) are small integers, kept per session so a session can
// be dropped at once.  Values travel as carriers (i32 as a Number, i64 as a decimal string,
// references as {null}, {host: n} or {func: handle}); the Python side builds the trampolines that
// make this bit-exact.  A request never kills the process: every failure becomes a reply.
"use strict";

const crypto = require("crypto");
const readline = require("readline");

class HostRef {
  constructor(n) { this.n = n; }
}

const sessions = new Map();

function session(id) {
  if (!sessions.has(id)) sessions.set(id, { handles: [null], hosts: new Map(), events: [] });
  return sessions.get(id);
}

function keep(s, value) {
  s.handles.push(value);
  return s.handles.length - 1;
}

function handle(s, id) {
  if (!Number.isInteger(id) || id <= 0 || id >= s.handles.length) throw new Error(`bad handle ${id}`);
  return s.handles[id];
}

function hostRef(s, n) {
  // The same ref.extern N is the same JS object within a session (reference identity).
  if (!s.hosts.has(n)) s.hosts.set(n, new HostRef(n));
  return s.hosts.get(n);
}

function toWasm(s, carrier, value) {
  switch (carrier) {
    case "i32": return Number(value) | 0;
    case "i64": return BigInt.asIntN(64, BigInt(value));
    default:
      if (value === null || value.null) return null;
      if (value.host !== undefined) return hostRef(s, value.host);
      if (value.func !== undefined) return handle(s, value.func);
      throw new Error(`bad reference ${JSON.stringify(value)}`);
  }
}

function fromWasm(s, value) {
  if (typeof value === "bigint") return { i64: BigInt.asUintN(64, value).toString() };
  if (typeof value === "number") return { i32: value >>> 0 };
  if (value === null) return { null: true };
  if (value instanceof HostRef) return { host: value.n };
  if (typeof value === "function") return { func: keep(s, value) };
  return { other: String(value) };
}

function kindOf(value) {
  if (value instanceof WebAssembly.Memory) return "memory";
  if (value instanceof WebAssembly.Global) return "global";
  if (value instanceof WebAssembly.Table) return "table";
  if (typeof value === "function") return "func";
  return "other";
}

function errorReply(error) {
  let kind = "crash";
  if (error instanceof WebAssembly.CompileError) kind = "compile";
  else if (error instanceof WebAssembly.LinkError) kind = "link";
  else if (error instanceof WebAssembly.RuntimeError) kind = "runtime";
  else if (error instanceof RangeError) kind = "range";
  return { ok: false, kind, message: String(error && error.message) };
}

let spectestCache = new WeakMap();

function spectest(s) {
  if (!spectestCache.has(s)) {
    const print = () => {};
    spectestCache.set(s, {
      print, print_i32: print, print_i64: print, print_f32: print, print_f64: print,
      print_i32_f32: print, print_f64_f64: print,
      global_i32: new WebAssembly.Global({ value: "i32" }, 666),
      global_i64: new WebAssembly.Global({ value: "i64" }, 666n),
      global_f32: new WebAssembly.Global({ value: "f32" }, 666.6),
      global_f64: new WebAssembly.Global({ value: "f64" }, 666.6),
      table: new WebAssembly.Table({ element: "anyfunc", initial: 10, maximum: 20 }),
      memory: new WebAssembly.Memory({ initial: 1, maximum: 2 }),
    });
  }
  return spectestCache.get(s);
}

const ops = {
  compile(s, r) {
    return { module: keep(s, new WebAssembly.Module(Buffer.from(r.bytes, "base64"))) };
  },
  instantiate(s, r) {
    const imports = {};
    for (const [mod, name, id] of r.imports) {
      imports[mod] = imports[mod] || {};
      imports[mod][name] = handle(s, id);
    }
    return { instance: keep(s, new WebAssembly.Instance(handle(s, r.module), imports)) };
  },
  export(s, r) {
    const exports = handle(s, r.instance).exports;
    if (!Object.prototype.hasOwnProperty.call(exports, r.name)) return { extern: null };
    const value = exports[r.name];
    return { extern: keep(s, value), kind: kindOf(value) };
  },
  spectest(s, r) {
    const table = spectest(s);
    if (!Object.prototype.hasOwnProperty.call(table, r.name)) return { extern: null };
    return { extern: keep(s, table[r.name]) };
  },
  call(s, r) {
    const f = handle(s, r.func);
    const args = r.args.map(([carrier, value]) => toWasm(s, carrier, value));
    const result = f(...args);
    const list = r.count === 1 ? [result] : r.count === 0 ? [] : Array.from(result);
    return { results: list.map((v) => fromWasm(s, v)) };
  },
  memory(s, r) {
    const memory = handle(s, r.memory);
    return { base64: Buffer.from(memory.buffer).toString("base64") };
  },
  digest(s, r) {
    // The size and SHA-256 of a memory, hashed here: sending a big memory whole (as base64
    // in one JSON line) after every call of a run costs far more than running it.
    const memory = handle(s, r.memory);
    if (!(memory instanceof WebAssembly.Memory)) throw new Error(`handle ${r.memory} is not a memory`);
    const bytes = new Uint8Array(memory.buffer);
    return { size: bytes.length, sha256: crypto.createHash("sha256").update(bytes).digest("hex") };
  },
  recorder(s, r) {
    // A recording import's host function: it logs its carriers and returns nothing.
    const index = r.index;
    return { extern: keep(s, (...args) => { s.events.push([index, args.map((v) => fromWasm(s, v))]); }) };
  },
  drop(s, r) {
    sessions.delete(r.session);
    return {};
  },
};

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  let reply;
  let id = null;
  let s = null;
  try {
    const r = JSON.parse(line);
    id = r.id === undefined ? null : r.id;
    if (!Object.prototype.hasOwnProperty.call(ops, r.op)) throw new Error(`unknown op ${r.op}`);
    s = session(r.session);
    reply = { ok: true, ...ops[r.op](s, r) };
  } catch (error) {
    reply = errorReply(error);
  }
  if (s !== null && s.events.length > 0) {
    reply.events = s.events;
    s.events = [];
  }
  reply.id = id;
  process.stdout.write(JSON.stringify(reply) + "\n");
});
