; `NAME += value`, with the captures of assignments.scm, for settings extended in place
; (`ALLOWED_HOSTS += ["*"]`).
(augmented_assignment
  left: (_) @target
  operator: "+="
  right: (_) @value) @assignment
