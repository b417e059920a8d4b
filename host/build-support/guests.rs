// Builds guest crates (activity components) for wasm32-wasip2 from a build
// script. Shared, through `include!`, by `host/build.rs` (the built-in
// activities) and `tests/artifacts/build.rs` (the test components).
//
// The nested cargo uses its own target directory so it never waits on the
// lock the outer build holds, and it drops the variables that would make it
// build for the wrong target or through clippy.

/// Builds `packages` of the workspace at `workspace` for wasm32-wasip2 in
/// release mode and returns the path of each package's component, in order.
#[allow(dead_code)]
fn build_guests(workspace: &std::path::Path, packages: &[&str]) -> Vec<std::path::PathBuf> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("guest");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(workspace)
        .arg("build")
        .arg("--release")
        .arg("--target=wasm32-wasip2")
        .arg("--target-dir")
        .arg(&target_dir);
    if std::env::var_os("CARGO_NET_OFFLINE").is_some() {
        cmd.arg("--offline");
    }
    for package in packages {
        cmd.arg("-p").arg(package);
    }
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_PROFILE_RELEASE_DEBUG",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo to build the guest components: {e}"));
    if !status.success() {
        panic!(
            "building the guest components {packages:?} for wasm32-wasip2 failed; \
             is the target installed? (`rustup target add wasm32-wasip2`)"
        );
    }
    for dir in ["guest-sdk", "wit"] {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    packages
        .iter()
        .map(|p| {
            let file = target_dir
                .join("wasm32-wasip2/release")
                .join(format!("{}.wasm", p.replace('-', "_")));
            assert!(file.exists(), "cargo built {p} but {} is missing", file.display());
            file
        })
        .collect()
}
