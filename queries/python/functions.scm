; Every function definition (handlers, methods, nested functions). Rules ask
; `analysis::routes` whether a framework calls it per request.
(function_definition) @function
