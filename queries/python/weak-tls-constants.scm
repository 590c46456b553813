; Names of legacy SSL/TLS protocol constants, as an attribute (`ssl.PROTOCOL_TLSv1`,
; `SSL.TLSv1_METHOD`) or a bare imported name (`from ssl import PROTOCOL_SSLv3`). The rule resolves
; them through imports in Rust, so unrelated names that happen to match are not reported.
(attribute
  attribute: (identifier) @name
  (#any-of? @name
    "PROTOCOL_SSLv2" "PROTOCOL_SSLv3" "PROTOCOL_TLSv1" "PROTOCOL_TLSv1_1"
    "SSLv2_METHOD" "SSLv3_METHOD" "TLSv1_METHOD" "TLSv1_1_METHOD")) @constant

((identifier) @constant
  (#any-of? @constant
    "PROTOCOL_SSLv2" "PROTOCOL_SSLv3" "PROTOCOL_TLSv1" "PROTOCOL_TLSv1_1"
    "SSLv2_METHOD" "SSLv3_METHOD" "TLSv1_METHOD" "TLSv1_1_METHOD"))
