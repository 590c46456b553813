; Every string literal and template literal, for well-known key formats and passwords inside
; connection strings, wherever they appear.
(string) @literal

(template_string) @literal
