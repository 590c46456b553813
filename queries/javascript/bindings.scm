; A value bound to a name: declarations (`const JWT_SECRET = "…"`), assignments
; (`process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"`, `config.apiKey = "…"`) and object entries
; (`{ password: "…" }`, `{ rejectUnauthorized: false }`). Rules judge the name and value in Rust.
(variable_declarator
  name: (identifier) @target
  value: (_) @value)

(assignment_expression
  left: (_) @target
  right: (_) @value)

(pair
  key: (_) @target
  value: (_) @value)
