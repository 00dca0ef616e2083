;; A br_table-dispatched interpreter loop: a tiny stack machine whose program (in the data
;; segment) counts a register down from 3000, adding it into an accumulator.
;; Opcodes: 0 halt, 1 acc += r, 2 r -= 1, 3 jump to 0 if r != 0, 4 nop.
(module
  (memory 1)
  (data (i32.const 0) "\04\01\02\03")
  (func (export "run") (result i32)
    (local $pc i32) (local $r i32) (local $acc i32)
    (local.set $r (i32.const 3000))
    (block $halt
      (loop $next
        (block $nop
          (block $jnz
            (block $dec
              (block $add
                (br_table $halt $add $dec $jnz $nop
                  (i32.load8_u (local.get $pc))))
              ;; add
              (local.set $acc (i32.add (local.get $acc) (local.get $r)))
              (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
              (br $next))
            ;; dec
            (local.set $r (i32.sub (local.get $r) (i32.const 1)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
            (br $next))
          ;; jnz
          (local.set $pc
            (select (i32.const 0) (i32.add (local.get $pc) (i32.const 1)) (local.get $r)))
          (if (i32.eqz (local.get $r)) (then (br $halt)))
          (br $next))
        ;; nop
        (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
        (br $next)))
    (local.get $acc))
)
