; Every call whose callee is a name or an attribute chain. Rules resolve the callee through the
; file's imports in Rust, so aliases (`import subprocess as sp`) are matched too.
(call
  function: [(identifier) (attribute)] @func
  arguments: (argument_list) @args) @call
