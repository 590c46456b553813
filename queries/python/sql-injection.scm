; Calls that run SQL text passed first: DB-API `cursor.execute(query, ...)`, `executescript`,
; SQLAlchemy `exec_driver_sql`, Django `Manager.raw`, asyncpg `fetch/fetchrow/fetchval`, psycopg
; `mogrify`, pandas `read_sql`.
; (SQLAlchemy's text(query) is checked through calls.scm, which the rule shares.)
(call
  function: (attribute
    attribute: (identifier) @method)
  arguments: (argument_list . (_) @query)
  (#any-of? @method "execute" "executemany" "executescript" "exec_driver_sql" "raw" "fetch" "fetchrow" "fetchval" "mogrify" "read_sql" "read_sql_query")) @call
