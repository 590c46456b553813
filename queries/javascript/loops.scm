; `for (const x of xs)` loops and `xs.forEach(x => …)` / `xs.map(async x => …)` callbacks,
; with what they iterate over and their body.
(for_in_statement
  left: (_) @target
  right: (_) @iter
  body: (_) @body) @loop

(call_expression
  function: (member_expression
    object: (_) @iter
    property: (property_identifier) @method)
  arguments: (arguments
    .
    [(arrow_function) (function_expression)] @callback)) @loop
