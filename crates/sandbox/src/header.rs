//! What a file is, told from its first eight bytes before anything parses
//! it: a WebAssembly component, a core module, or something else.
//!
//! wasmtime's own error for a file that is not WebAssembly quotes its first
//! bytes ("bad magic number ... actual=[...]"): a `"module": "/etc/passwd"`
//! would print the start of any file the host can read. This check answers
//! without quoting anything.

/// `\0asm`, the start of every WebAssembly binary.
const MAGIC: [u8; 4] = *b"\0asm";
/// The version and layer of a component (version 0x0d, layer 1).
const COMPONENT: [u8; 4] = [0x0d, 0x00, 0x01, 0x00];
/// The version and layer of a core module (version 1, layer 0).
const CORE_MODULE: [u8; 4] = [0x01, 0x00, 0x00, 0x00];

/// Why bytes are not a WebAssembly component, in words that quote none of
/// them; `None` when the header is a component's.
pub(crate) fn not_a_component(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() < 8 || bytes[..4] != MAGIC {
        return Some("it is not a WebAssembly file");
    }
    match <[u8; 4]>::try_from(&bytes[4..8]).unwrap_or_default() {
        COMPONENT => None,
        CORE_MODULE => {
            Some("it is a core WebAssembly module, not a component (wrap it with `wasm-tools component new`)")
        }
        _ => Some("it is a WebAssembly binary of an unsupported version or layer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_file_is_not_webassembly() {
        assert_eq!(not_a_component(b"root:x:0:0:root:/root:/bin/bash\n"), Some("it is not a WebAssembly file"));
    }

    #[test]
    fn an_empty_file_is_not_webassembly() {
        assert_eq!(not_a_component(b""), Some("it is not a WebAssembly file"));
    }

    #[test]
    fn a_core_module_is_told_apart() {
        assert!(not_a_component(b"\0asm\x01\0\0\0").unwrap().contains("core WebAssembly module"));
    }

    #[test]
    fn a_component_header_passes() {
        assert_eq!(not_a_component(b"\0asm\x0d\0\x01\0rest"), None);
    }
}
