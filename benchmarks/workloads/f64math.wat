;; Floating-point arithmetic: a small Mandelbrot grid, counting iterations.
(module
  (func $point (param $cr f64) (param $ci f64) (result i32)
    (local $zr f64) (local $zi f64) (local $t f64) (local $n i32)
    (block $out
      (loop $iter
        (br_if $out (i32.ge_u (local.get $n) (i32.const 50)))
        (br_if $out
          (f64.gt (f64.add (f64.mul (local.get $zr) (local.get $zr))
                           (f64.mul (local.get $zi) (local.get $zi)))
                  (f64.const 4)))
        (local.set $t (f64.add (f64.sub (f64.mul (local.get $zr) (local.get $zr))
                                        (f64.mul (local.get $zi) (local.get $zi)))
                               (local.get $cr)))
        (local.set $zi (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $zr)) (local.get $zi))
                                (local.get $ci)))
        (local.set $zr (local.get $t))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $iter)))
    (local.get $n))
  (func (export "run") (result i32)
    (local $x i32) (local $y i32) (local $total i32)
    (loop $rows
      (local.set $x (i32.const 0))
      (loop $cols
        (local.set $total (i32.add (local.get $total)
          (call $point
            (f64.sub (f64.div (f64.convert_i32_u (local.get $x)) (f64.const 10)) (f64.const 2))
            (f64.sub (f64.div (f64.convert_i32_u (local.get $y)) (f64.const 10)) (f64.const 1)))))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $x) (i32.const 30))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $y) (i32.const 20))))
    (local.get $total))
)
