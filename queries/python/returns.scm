; Values returned from functions (view handlers returning response bodies).
(return_statement (_) @value) @return
