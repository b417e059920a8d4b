//! Builds the test components for wasm32-wasip2 and writes their paths
//! into constants (`HOSTILE_COMPONENT`, `GREETER_COMPONENT`).

use std::path::{Path, PathBuf};

/// Test component packages and the constant naming each.
const COMPONENTS: &[(&str, &str, &str)] = &[
    ("test-component-hostile", "HOSTILE_COMPONENT", "tests/components/hostile"),
    ("greeter-activity", "GREETER_COMPONENT", "examples/activities/greeter"),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest_dir.parent().unwrap().parent().unwrap();
    let packages: Vec<&str> = COMPONENTS.iter().map(|(p, _, _)| *p).collect();
    let built = chaos_guest_build::build_guests(workspace, &packages);
    let mut code = String::new();
    for ((package, constant, dir), file) in COMPONENTS.iter().zip(&built) {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
        code.push_str(&format!(
            "/// Path of the `{package}` component.\npub const {constant}: &str = {:?};\n",
            file.display().to_string()
        ));
    }
    std::fs::write(Path::new(&std::env::var_os("OUT_DIR").unwrap()).join("components.rs"), code).unwrap();
}
