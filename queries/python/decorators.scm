; Every decorator of a function or class, with the definition it decorates (one match per
; decorator). Rules resolve the decorator expression (`csrf_exempt`, `csrf.exempt`,
; `method_decorator(csrf_exempt)`) in Rust.
(decorated_definition
  (decorator) @decorator
  definition: (_) @definition)
