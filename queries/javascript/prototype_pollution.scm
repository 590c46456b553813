; Assignments through a computed key, `obj[key] = value` and `obj[a][b] = value`: the rule
; judges in Rust whether the keys come from the request.
(assignment_expression
  left: (subscript_expression) @target
  right: (_) @value) @assign
