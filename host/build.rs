//! Builds the built-in activity library (`activities/*`) into WebAssembly
//! components and embeds them in the `chaos` binary as `builtin:NAME`.

use std::path::{Path, PathBuf};

include!("build-support/guests.rs");

/// Built-in activity crates: `builtin:NAME` is the crate `activities/NAME`
/// (package `builtin-NAME`).
const BUILTINS: &[&str] = &["fs", "http", "net"];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap();
    let packages: Vec<String> = BUILTINS.iter().map(|n| format!("builtin-{n}")).collect();
    let package_refs: Vec<&str> = packages.iter().map(String::as_str).collect();
    let components = build_guests(workspace, &package_refs);
    for name in BUILTINS {
        println!("cargo:rerun-if-changed={}", workspace.join("activities").join(name).display());
    }

    let mut table = String::from(
        "/// The built-in components embedded at build time: (`NAME` of `builtin:NAME`, component bytes).\n\
         pub const BUILTIN_COMPONENTS: &[(&str, &[u8])] = &[\n",
    );
    for (name, file) in BUILTINS.iter().zip(&components) {
        table.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", file.display().to_string()));
    }
    table.push_str("];\n");
    let out = Path::new(&std::env::var_os("OUT_DIR").unwrap()).join("builtin_components.rs");
    std::fs::write(out, table).unwrap();
}
