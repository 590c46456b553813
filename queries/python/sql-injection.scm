; Calls that run SQL text passed first: DB-API `cursor.execute(query, ...)`, `executescript`,
; SQLAlchemy `exec_driver_sql`, Django `Manager.raw`, asyncpg `fetch/fetchrow/fetchval`, psycopg
; `mogrify`, pandas `read_sql`, `databases` `fetch_all/fetch_one`, peewee `execute_sql`,
; and `query(...)` of clients such as records and PyGreSQL (the SQL text test keeps it precise).
; (SQLAlchemy's text(query) is checked through calls.scm, which the rule shares.)
(call
  function: (attribute
    attribute: (identifier) @method)
  arguments: (argument_list . (_) @query)
  (#any-of? @method "execute" "executemany" "executescript" "exec_driver_sql" "execute_sql" "raw" "fetch" "fetchrow" "fetchval" "fetch_all" "fetch_one" "fetch_val" "query" "mogrify" "read_sql" "read_sql_query")) @call
