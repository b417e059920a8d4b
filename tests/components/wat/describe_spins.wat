;; A component whose `describe` never returns: loading it must stop at the
;; operator's --timeout, not the built-in 60 s.
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    i32.const 1024)
  (func (export "chaos:activity/activities@0.1.0#describe") (result i32)
    (loop $forever (br $forever))
    unreachable)
  (func (export "chaos:activity/activities@0.1.0#run") (param i32 i32 i32 i32) (result i32)
    unreachable))
