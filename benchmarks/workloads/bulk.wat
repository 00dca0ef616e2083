;; Bulk memory: repeated fills and overlapping copies over 64 KiB, then a checksum.
(module
  (memory 2)
  (func (export "run") (result i32)
    (local $i i32) (local $sum i32)
    (loop $rounds
      (memory.fill (i32.const 0) (i32.and (local.get $i) (i32.const 255)) (i32.const 65536))
      (memory.copy (i32.const 1) (i32.const 0) (i32.const 65535))
      (memory.copy (i32.const 65536) (i32.const 0) (i32.const 65536))
      (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 65540))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rounds (i32.lt_u (local.get $i) (i32.const 200))))
    (local.get $sum))
)
