;; Script mechanics the runner must get right: named modules, register, get, default module.

(module $A
  (global (export "g") (mut i32) (i32.const 1))
  (func (export "set") (param i32) (global.set 0 (local.get 0)))
  (func (export "f") (result i32) (i32.const 10))
)
(register "A" $A)
(module $B
  (import "A" "f" (func $f (result i32)))
  (import "A" "g" (global $g (mut i32)))
  (func (export "f") (result i32) (i32.add (call $f) (global.get $g)))
)
(assert_return (invoke "f") (i32.const 11))
(assert_return (get $A "g") (i32.const 1))
(invoke $A "set" (i32.const 5))
(assert_return (get $A "g") (i32.const 5))
(assert_return (invoke $B "f") (i32.const 15))
(assert_return (invoke $A "f") (i32.const 10))

;; A later registration under the same name wins.
(module $C
  (func (export "f") (result i32) (i32.const 20))
)
(register "A" $C)
(module (import "A" "f" (func $f (result i32))) (func (export "h") (result i32) (call $f)))
(assert_return (invoke "h") (i32.const 20))
(assert_unlinkable (module (import "A" "g" (global (mut i32)))) "unknown import")

;; register without a module name registers the last one.
(module (func (export "k") (result i64) (i64.const -1)))
(register "K")
(module (import "K" "k" (func $k (result i64))) (func (export "k2") (result i64) (call $k)))
(assert_return (invoke "k2") (i64.const 0xffff_ffff_ffff_ffff))

;; A module that fails to instantiate is not bound: actions use the previous module.
(assert_trap (module (func $t unreachable) (start $t)) "unreachable")
(assert_return (invoke "k2") (i64.const -1))
(assert_unlinkable (module (import "K" "nope" (func))) "unknown import")
(assert_return (invoke "k2") (i64.const -1))

;; Deep recursion: 10,000 nested calls complete; unbounded recursion exhausts the stack.
(module
  (func $down (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
  (func $forever (export "forever") (call $forever))
)
(assert_return (invoke "down" (i32.const 10000)) (i32.const 10000))
(assert_exhaustion (invoke "forever") "call stack exhausted")
(assert_exhaustion (invoke "down" (i32.const -1)) "call stack exhausted")
(assert_return (invoke "down" (i32.const 3)) (i32.const 3))
