; DB-API style calls: cursor.execute(query, ...), session.execute(...), conn.executescript(...).
; (SQLAlchemy's text(query) is checked through calls.scm, which the rule shares.)
(call
  function: (attribute
    attribute: (identifier) @method)
  arguments: (argument_list . (_) @query)
  (#any-of? @method "execute" "executemany" "executescript" "exec_driver_sql")) @call
