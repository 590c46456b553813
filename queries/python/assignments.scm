; Every assignment, including annotated ones (`X: str = "..."`) and chained ones.
; Rules judge the target (`DEBUG`, `app.config["DEBUG"]`, `app.secret_key`) and the value in Rust.
(assignment
  left: (_) @target
  right: (_) @value) @assignment
