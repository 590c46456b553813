; Statements judged as a whole: `assert`, `try`, and `for` loops.
(assert_statement) @assert
(try_statement) @try
(for_statement) @for
