//! Builds every crate under `activities/` (found by reading the directory:
//! `activities/NAME` is the package `builtin-NAME`, embedded as
//! `builtin:NAME`) into a WebAssembly component, and generates:
//! - `BUILTIN_COMPONENTS`: name, bytes and SHA-256 digest of each component,
//!   the digest computed here so that no run hashes the built-ins again;
//! - `foreach_builtin_activity!`: calls a macro with `(component, kind,
//!   function)` for each activity the crates declare in their `activities!`
//!   block, so a test suite can require a test per built-in function;
//! - `PYTHON_RUNNER`: the Python runner (`activities/python`, built by
//!   `build_python.rs` with componentize-py), `builtin:python`.

#[path = "build_python.rs"]
mod python;

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().parent().unwrap().to_path_buf();
    let activities_dir = workspace.join("activities");
    println!("cargo:rerun-if-changed={}", activities_dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&activities_dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", activities_dir.display()))
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "activities/{name}: a built-in's directory name must be lower-case letters, digits and `_`"
        );
    }
    let packages: Vec<String> = names.iter().map(|n| format!("builtin-{n}")).collect();
    let package_refs: Vec<&str> = packages.iter().map(String::as_str).collect();
    let components = chaos_guest_build::build_guests(&workspace, &package_refs);

    let mut table = String::from(
        "/// The built-in components embedded at build time.\npub const BUILTIN_COMPONENTS: &[Builtin] = &[\n",
    );
    for (name, file) in names.iter().zip(&components) {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let digest = format!("{:x}", Sha256::digest(&bytes));
        writeln!(
            table,
            "    Builtin {{ name: {name:?}, bytes: include_bytes!({:?}), sha256: {digest:?} }},",
            file.display().to_string()
        )
        .unwrap();
    }
    table.push_str("];\n");

    let mut foreach = String::from(
        "/// Calls `$mac!(component, kind, function)` for every activity the built-in\n\
         /// components declare (`kind` is `probe` or `action`).\n\
         #[macro_export]\n\
         macro_rules! foreach_builtin_activity {\n    ($mac:ident) => {\n",
    );
    for name in &names {
        let source = activities_dir.join(name).join("src/lib.rs");
        for (kind, function) in declared_activities(&source) {
            writeln!(foreach, "        $mac!({name}, {kind}, {function});").unwrap();
        }
    }
    foreach.push_str("    };\n}\n");

    let out = Path::new(&std::env::var_os("OUT_DIR").unwrap()).to_path_buf();
    let python = match python::build(&workspace, &out) {
        Ok(path) => path,
        Err(reason) => {
            println!("cargo::error={reason}");
            return;
        }
    };
    let bytes = std::fs::read(&python).unwrap_or_else(|e| panic!("cannot read {}: {e}", python.display()));
    writeln!(
        table,
        "/// The Python runner, `builtin:python` (not an activity component: it\n\
         /// exports the `python-runner` world).\n\
         pub const PYTHON_RUNNER: Builtin = Builtin {{ name: \"python\", bytes: include_bytes!({:?}), sha256: {:?} }};",
        python.display().to_string(),
        format!("{:x}", Sha256::digest(&bytes))
    )
    .unwrap();
    std::fs::write(out.join("builtin_components.rs"), table).unwrap();
    std::fs::write(out.join("foreach_builtin_activity.rs"), foreach).unwrap();
}

/// The `(kind, name)` of each line `probe "name": ...` or `action "name": ...`
/// in the `activities!` block of `source`.
///
/// # Panics
/// When the file has no such block, or a function name is not a Rust
/// identifier (the generated macro names each one).
fn declared_activities(source: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(source).unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
    let block = text
        .split_once("activities! {")
        .unwrap_or_else(|| panic!("{} has no `activities! {{ ... }}` block", source.display()))
        .1;
    let block = &block[..block.find("\n}").unwrap_or(block.len())];
    let mut found = Vec::new();
    for line in block.lines().map(str::trim) {
        let Some((kind, rest)) = line.split_once(' ') else { continue };
        if kind != "probe" && kind != "action" {
            continue;
        }
        let name = rest.trim_start().strip_prefix('"').and_then(|r| r.split_once('"')).map(|(n, _)| n);
        let name = name.unwrap_or_else(|| panic!("{}: cannot read the activity name in `{line}`", source.display()));
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{}: activity `{name}` must be a Rust identifier",
            source.display()
        );
        found.push((kind.to_string(), name.to_string()));
    }
    assert!(!found.is_empty(), "{} declares no activities", source.display());
    found
}
