; DB-API style calls: cursor.execute(query, ...), session.execute(...), conn.executescript(...).
(call
  function: (attribute
    attribute: (identifier) @method)
  arguments: (argument_list . (_) @query)
  (#any-of? @method "execute" "executemany" "executescript" "exec_driver_sql")) @call

; sqlalchemy.text(query) (resolved in Rust), only when the argument is built, not a literal.
(call
  function: [(identifier) (attribute)] @func
  arguments: (argument_list . [(binary_operator) (string) (call) (identifier)] @query)) @text_call
