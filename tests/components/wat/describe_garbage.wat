;; A component whose `describe` returns a list of 2^31 - 1 activities that
;; starts near the end of its memory: lifting it must fail cleanly.
(module
  (memory (export "memory") 1)
  ;; The list: pointer 0xffff0000, length 0x7fffffff.
  (data (i32.const 16) "\00\00\ff\ff\ff\ff\ff\7f")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    i32.const 1024)
  (func (export "chaos:activity/activities@0.1.0#describe") (result i32)
    i32.const 16)
  (func (export "chaos:activity/activities@0.1.0#run") (param i32 i32 i32 i32) (result i32)
    unreachable))
