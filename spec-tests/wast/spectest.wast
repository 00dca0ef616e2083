;; The spectest host module: every export, its type, its contents, and how it links.

(module $S
  (import "spectest" "print" (func $print))
  (import "spectest" "print_i32" (func $print_i32 (param i32)))
  (import "spectest" "print_i64" (func $print_i64 (param i64)))
  (import "spectest" "print_f32" (func $print_f32 (param f32)))
  (import "spectest" "print_f64" (func $print_f64 (param f64)))
  (import "spectest" "print_i32_f32" (func $print_i32_f32 (param i32 f32)))
  (import "spectest" "print_f64_f64" (func $print_f64_f64 (param f64 f64)))
  (import "spectest" "global_i32" (global $gi32 i32))
  (import "spectest" "global_i64" (global $gi64 i64))
  (import "spectest" "global_f32" (global $gf32 f32))
  (import "spectest" "global_f64" (global $gf64 f64))
  (import "spectest" "table" (table $t 10 20 funcref))
  (import "spectest" "memory" (memory 1 2))
  (func (export "print-all")
    (call $print)
    (call $print_i32 (i32.const 1))
    (call $print_i64 (i64.const 2))
    (call $print_f32 (f32.const 3))
    (call $print_f64 (f64.const 4))
    (call $print_i32_f32 (i32.const 5) (f32.const 6))
    (call $print_f64_f64 (f64.const 7) (f64.const 8)))
  (func (export "global_i32") (result i32) (global.get $gi32))
  (func (export "global_i64") (result i64) (global.get $gi64))
  (func (export "global_f32") (result f32) (global.get $gf32))
  (func (export "global_f64") (result f64) (global.get $gf64))
  (func (export "table-size") (result i32) (table.size $t))
  (func (export "table-grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))
  (func (export "table-get") (param i32) (result funcref) (table.get $t (local.get 0)))
  (func (export "memory-size") (result i32) (memory.size))
  (func (export "memory-grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
)

(assert_return (invoke "print-all"))
(assert_return (invoke "global_i32") (i32.const 666))
(assert_return (invoke "global_i64") (i64.const 666))
(assert_return (invoke "global_f32") (f32.const 666.6))
(assert_return (invoke "global_f32") (f32.const 0x1.4d4cccp+9))
(assert_return (invoke "global_f64") (f64.const 666.6))
(assert_return (invoke "global_f64") (f64.const 0x1.4d4cccccccccdp+9))
(assert_return (invoke "table-size") (i32.const 10))
(assert_return (invoke "table-get" (i32.const 9)) (ref.null func))
(assert_trap (invoke "table-get" (i32.const 10)) "out of bounds table access")
(assert_return (invoke "memory-size") (i32.const 1))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 65533)) "out of bounds memory access")

;; Import matching against the spectest externs.
(assert_unlinkable
  (module (import "spectest" "global_i32" (global (mut i32))))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "global_i32" (global i64)))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "table" (table 10 20 externref)))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "table" (table 11 funcref)))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "table" (table 10 19 funcref)))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "memory" (memory 2)))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "memory" (memory 1 1)))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "print_i32" (func (param i64))))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "print_i32" (func (param i32) (result i32))))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "global_i32" (func)))
  "incompatible import type"
)
(assert_unlinkable
  (module (import "spectest" "memory" (table 1 funcref)))
  "incompatible import type"
)
(assert_unlinkable (module (import "spectest" "unknown" (func))) "unknown import")
(assert_unlinkable (module (import "Spectest" "print" (func))) "unknown import")
(assert_unlinkable (module (import "spectest" "print" (func)) (import "nowhere" "x" (func))) "unknown import")

;; Looser types link.
(module
  (import "spectest" "table" (table 5 funcref))
  (import "spectest" "table" (table 0 30 funcref))
  (import "spectest" "memory" (memory 0 3))
  (import "spectest" "global_f64" (global f64))
)

;; The table and memory are one per script: growing them changes what later imports see.
(assert_return (invoke $S "table-grow" (i32.const 10)) (i32.const 10))
(assert_return (invoke $S "table-grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke $S "table-size") (i32.const 20))
(assert_return (invoke $S "memory-grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke $S "memory-grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke $S "memory-size") (i32.const 2))
(assert_return (invoke $S "load" (i32.const 131068)) (i32.const 0))
(module
  (import "spectest" "table" (table 20 20 funcref))
  (import "spectest" "memory" (memory 2 2))
)
