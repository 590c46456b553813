; Classes with bases (DRF paginators and the views that name one), and string-to-string dict
; entries (`"DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination"` in
; `REST_FRAMEWORK`). PERF207 judges them in Rust.
(class_definition
  superclasses: (argument_list) @bases) @class

(pair
  key: (string) @key
  value: (string) @value) @pair
