; Every comparison (`a == b`, `token != stored`, `x is None`, `a < b < c`). Rules judge the
; operators and the operands in Rust.
(comparison_operator) @comparison
