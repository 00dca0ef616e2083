"""A user's script: the quickstart's steps, which ``mypy --strict`` must accept without casts
(``test_public_api.py`` runs it and type-checks it)."""

from __future__ import annotations

import refwasm

WAT = """
(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1)
  (func (export "store") (param i32 i32)
    (i32.store (local.get 0) (local.get 1))
    (call $log (local.get 1)))
  (func (export "half") (param f32) (result f32) (f32.div (local.get 0) (f32.const 2))))
"""


def main() -> list[int]:
    module = refwasm.parse(WAT)
    refwasm.validate(module)
    store = refwasm.store_init()
    logged: list[int] = []

    def log(args: list[refwasm.Val]) -> list[refwasm.Val]:
        value = args[0]
        if isinstance(value, int):
            logged.append(refwasm.signed(value, 32))
        return []

    log_func = refwasm.host_function(store, [refwasm.NumType.I32], [], log)
    instance = refwasm.instantiate(module, {"env": {"log": log_func}}, store=store)
    instance.invoke("store", 8, refwasm.i32(-2))
    word = instance.read_memory("memory", 8, 4)
    [half] = instance.invoke("half", refwasm.f32(3.0))
    assert isinstance(half, int) and refwasm.to_float(half, 32) == 1.5
    return [int.from_bytes(word, "little"), *logged]


def js_main() -> object:
    """The JS API model: exports typed through ``refwasm.js_function`` and friends."""
    from refwasm.jsapi import WebAssembly

    wa = WebAssembly()
    data = refwasm.encode(refwasm.parse(WAT))
    imports = {"env": {"log": lambda value: None}}
    instance = wa.Instance(wa.Module(data), imports)
    half = refwasm.js_function(instance.exports, "half")
    memory = refwasm.js_memory(instance.exports, "memory")
    memory.grow(1)
    return half(3.0)


def js_instantiate_main() -> object:
    """``WebAssembly().instantiate(bytes, imports)``: its exports, typed without casts."""
    from refwasm.jsapi import WebAssembly

    wa = WebAssembly()
    data = refwasm.encode(refwasm.parse(WAT))
    result = wa.instantiate(data, {"env": {"log": lambda value: None}})
    exports = refwasm.js_instance(result).exports
    half = refwasm.js_function(exports, "half")
    refwasm.js_memory(exports, "memory").grow(1)
    again = refwasm.js_instance(wa.instantiate(wa.Module(data), {"env": {"log": print}}))
    return [half(3.0), refwasm.js_function(again.exports, "half")(5.0)]


if __name__ == "__main__":
    print(main())
