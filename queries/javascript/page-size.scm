; A value read from the query string by name: `req.query.limit`, `ctx.request.query.pageSize`,
; `req.query["per_page"]`, and destructuring `const { limit = 20 } = req.query`. PERF207 keeps
; the page-size names in Rust and follows the value to the query.
(member_expression
  object: (member_expression
    property: (property_identifier) @_query (#eq? @_query "query"))
  property: (property_identifier) @name) @source

(subscript_expression
  object: (member_expression
    property: (property_identifier) @_query (#eq? @_query "query"))
  index: (string) @name) @source

(variable_declarator
  name: (object_pattern) @pattern
  value: (member_expression
    property: (property_identifier) @_query (#eq? @_query "query"))) @destructure


; NestJS: `@Query("limit") limit: number`, `@Query("limit", ParseIntPipe) limit: number` (the
; decorated parameter is TypeScript's; Rust finds it above the decorator).
(decorator
  (call_expression
    function: (identifier) @_query_decorator (#eq? @_query_decorator "Query")
    arguments: (arguments . (string) @name))) @decorator
