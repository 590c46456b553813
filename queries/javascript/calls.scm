; Every call whose callee is a name or a member chain, and every `new` of one; rules resolve the
; callee through `require`/`import` in Rust (`const { exec: run } = require("child_process")`).
(call_expression
  function: [(identifier) (member_expression)] @func
  arguments: (arguments) @args) @call

(new_expression
  constructor: [(identifier) (member_expression)] @func
  arguments: (arguments) @args) @call
