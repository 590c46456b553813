; Literals bound to a name outside plain assignments (assignments.scm has those): keyword
; arguments `connect(password="…")`, default parameters `def login(token="…")` (typed or not),
; and dictionary entries `{"PASSWORD": "…"}`. The rule judges the name and the literal in Rust.
(keyword_argument
  name: (identifier) @name
  value: [(string) (concatenated_string)] @value) @binding
(default_parameter
  name: (identifier) @name
  value: [(string) (concatenated_string)] @value) @binding
(typed_default_parameter
  name: (identifier) @name
  value: [(string) (concatenated_string)] @value) @binding
(pair
  key: (string) @name
  value: [(string) (concatenated_string)] @value) @binding
; Every string literal, for well-known key formats (AWS, GitHub, Stripe, Slack, Google, private
; key blocks) and passwords inside connection strings, wherever they appear.
(string) @literal
