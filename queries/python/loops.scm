; Loops and comprehensions with their target, what they iterate over and their body.
(for_statement
  left: (_) @target
  right: (_) @iter
  body: (_) @body) @loop

(list_comprehension
  body: (_) @body
  (for_in_clause left: (_) @target right: (_) @iter)) @loop

(set_comprehension
  body: (_) @body
  (for_in_clause left: (_) @target right: (_) @iter)) @loop

(dictionary_comprehension
  body: (_) @body
  (for_in_clause left: (_) @target right: (_) @iter)) @loop

(generator_expression
  body: (_) @body
  (for_in_clause left: (_) @target right: (_) @iter)) @loop
