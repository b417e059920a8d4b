//! Builds guest crates of this workspace (activity components) for
//! `wasm32-wasip2`, from build scripts: `chaos-builtins` builds
//! `activities/*`, `tests/artifacts` builds the test components.
//!
//! The nested cargo uses its own target directory (`<target>/guest`) so it
//! never waits on the lock the outer build holds, and it drops the
//! variables that would make it build for the wrong target or through
//! clippy. Every source file the guests were built from is reported to the
//! outer cargo with `rerun-if-changed`, read from the nested build's `.d`
//! files, so a change to a guest rebuilds exactly what embeds it.
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// Builds `packages` of the workspace at `workspace` for wasm32-wasip2 in
/// release mode, prints `cargo:rerun-if-changed` for every file they were
/// built from, and returns the path of each package's component, in order.
///
/// # Panics
/// When cargo cannot run or the build fails: a build script has no better
/// way to report it, and the message says what to install.
pub fn build_guests(workspace: &Path, packages: &[&str]) -> Vec<PathBuf> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
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
    let status = cmd.status().unwrap_or_else(|e| panic!("could not run cargo to build the guest components: {e}"));
    if !status.success() {
        panic!(
            "building the guest components {packages:?} for wasm32-wasip2 failed; \
             is the target installed? (`rustup target add wasm32-wasip2`)"
        );
    }
    packages
        .iter()
        .map(|p| {
            let stem = p.replace('-', "_");
            let release = target_dir.join("wasm32-wasip2/release");
            let file = release.join(format!("{stem}.wasm"));
            assert!(file.exists(), "cargo built {p} but {} is missing", file.display());
            forward_dependencies(&release.join(format!("{stem}.d")), workspace);
            file
        })
        .collect()
}

/// Prints `cargo:rerun-if-changed` for each file in the cargo dep-info file
/// `dep_info` (`target: dep dep ...`) that lies in `workspace`: registry
/// sources never change under a fixed lock file.
fn forward_dependencies(dep_info: &Path, workspace: &Path) {
    let Ok(text) = std::fs::read_to_string(dep_info) else {
        // No dep-info: fall back to the whole workspace's guest inputs.
        for dir in ["guest-sdk", "wit", "activities"] {
            println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
        }
        return;
    };
    let Some((_, deps)) = text.split_once(": ") else { return };
    // Paths with spaces are escaped as `\ ` in dep-info files.
    let deps = deps.replace("\\ ", "\u{0}");
    for dep in deps.split_whitespace() {
        let dep = dep.replace('\u{0}', " ");
        if Path::new(&dep).starts_with(workspace) {
            println!("cargo:rerun-if-changed={dep}");
        }
    }
}
