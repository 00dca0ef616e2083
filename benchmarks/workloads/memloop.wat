;; Integer loops over memory: fill an i32 array with a linear congruential sequence,
;; then sum it with loads, several passes.
(module
  (memory 1)
  (func (export "run") (result i32)
    (local $i i32) (local $x i32) (local $sum i32) (local $pass i32)
    (local.set $x (i32.const 12345))
    (block $done
      (loop $fill
        (br_if $done (i32.ge_u (local.get $i) (i32.const 4096)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $x))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (loop $passes
      (local.set $i (i32.const 0))
      (loop $sum
        (local.set $sum
          (i32.add (local.get $sum) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $sum (i32.lt_u (local.get $i) (i32.const 4096))))
      (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
      (br_if $passes (i32.lt_u (local.get $pass) (i32.const 4))))
    (local.get $sum))
)
