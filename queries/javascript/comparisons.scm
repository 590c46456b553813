; Every binary expression (`a === b`, `token !== expected`); rules judge the operator and the
; operands in Rust.
(binary_expression
  left: (_) @left
  right: (_) @right) @comparison
