; Classes with bases (DRF serializers with their `Meta`): rules judge the bases and the body in
; Rust.
(class_definition
  superclasses: (argument_list) @bases
  body: (block) @body) @class
