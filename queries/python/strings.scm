; Strings built at run time: f-strings with interpolations, `+` concatenations and
; `"...".format(...)` calls. Rules check what the interpolated parts carry.
(string (interpolation)) @built
(binary_operator operator: "+") @built
(call
  function: (attribute
    object: (string)
    attribute: (identifier) @_format)
  (#eq? @_format "format")) @built
