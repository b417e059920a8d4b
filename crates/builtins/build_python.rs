//! Builds the Python runner (`activities/python/app.py`, world
//! `python-runner` of `wit/python.wit`) into a component with the pinned
//! componentize-py, for `build.rs`.
//!
//! componentize-py embeds CPython and snapshots the interpreter after
//! importing `app.py`, so the component bundles exactly the modules
//! `app.py` imports. It is found as `$COMPONENTIZE_PY`, else
//! `componentize-py` on the `PATH`, else installed once into a virtualenv
//! under the target directory (Python 3 and PyPI are all a fresh machine
//! needs); when that fails or the version found is another, the build
//! stops with one line saying how to install it. The build takes
//! about half a minute, so its output is kept in `OUT_DIR` with a stamp of
//! its inputs and reused while they do not change.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The componentize-py version the runner is built with.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25.1";

/// The world the runner targets.
const WORLD: &str = "python-runner";

/// The version `tool --version` prints, if it runs.
fn version_of(tool: &Path) -> Option<String> {
    let output = Command::new(tool).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace().nth(1).map(str::to_string)
}

/// Installs the pinned componentize-py in a virtualenv of the build's
/// target directory (`target/tools/componentize-py-VERSION`), once, when
/// neither `$COMPONENTIZE_PY` nor the `PATH` has it: a fresh checkout
/// builds with Python 3 and PyPI alone. Returns the tool's path.
fn install_private(out_dir: &Path) -> Result<PathBuf, String> {
    // OUT_DIR is target/PROFILE/build/PACKAGE-HASH/out.
    let target = out_dir.ancestors().nth(4).ok_or("no target directory above OUT_DIR")?;
    let venv = target.join("tools").join(format!("componentize-py-{COMPONENTIZE_PY_VERSION}"));
    let tool = venv.join("bin").join("componentize-py");
    if version_of(&tool).as_deref() == Some(COMPONENTIZE_PY_VERSION) {
        return Ok(tool);
    }
    println!("cargo:warning=installing componentize-py {COMPONENTIZE_PY_VERSION} into {} (once)", venv.display());
    let run = |program: &Path, args: &[&str]| -> Result<(), String> {
        let status =
            Command::new(program).args(args).status().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        status
            .success()
            .then_some(())
            .ok_or_else(|| format!("{} {} failed ({status})", program.display(), args.join(" ")))
    };
    let venv_text = venv.to_str().ok_or("the target directory's path is not UTF-8")?;
    run(Path::new("python3"), &["-m", "venv", venv_text])?;
    let pin = format!("componentize-py=={COMPONENTIZE_PY_VERSION}");
    run(&venv.join("bin").join("pip"), &["install", "--quiet", "--disable-pip-version-check", &pin])?;
    Ok(tool)
}

/// Builds the runner and returns the component's path, or `Err` with the
/// one-line reason the build cannot go on.
pub fn build(workspace: &Path, out_dir: &Path) -> Result<PathBuf, String> {
    let source_dir = workspace.join("activities").join("python");
    let wit_dir = workspace.join("wit");
    println!("cargo:rerun-if-changed={}", source_dir.display());
    println!("cargo:rerun-if-changed={}", wit_dir.display());
    println!("cargo:rerun-if-env-changed=COMPONENTIZE_PY");

    let install = format!(
        "builtin:python needs componentize-py {COMPONENTIZE_PY_VERSION}: install it with \
         `pip install componentize-py=={COMPONENTIZE_PY_VERSION}` (in a virtualenv whose bin/ is on the PATH, \
         or set COMPONENTIZE_PY to its path)"
    );
    let tool = match std::env::var_os("COMPONENTIZE_PY") {
        Some(tool) => PathBuf::from(tool),
        None if version_of(Path::new("componentize-py")).is_some() => PathBuf::from("componentize-py"),
        None => install_private(out_dir).map_err(|e| format!("{install} ({e})"))?,
    };
    let version = version_of(&tool).ok_or_else(|| install.clone())?;
    if version != COMPONENTIZE_PY_VERSION {
        return Err(format!("{install}; found version `{version}`"));
    }

    let stamp = inputs_digest(&source_dir, &wit_dir)?;
    let output = out_dir.join("python.wasm");
    let stamp_file = out_dir.join("python.wasm.inputs");
    if output.is_file() && std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str()) {
        return Ok(output);
    }

    // Build from a copy, so the interpreter's byte code never lands in the
    // source tree.
    let build_dir = out_dir.join("python-src");
    let _ = std::fs::remove_dir_all(&build_dir);
    std::fs::create_dir_all(&build_dir).map_err(|e| format!("cannot create {}: {e}", build_dir.display()))?;
    std::fs::copy(source_dir.join("app.py"), build_dir.join("app.py"))
        .map_err(|e| format!("cannot copy activities/python/app.py: {e}"))?;
    let status = Command::new(&tool)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&build_dir)
        .arg("--quiet")
        .arg("-d")
        .arg(&wit_dir)
        .arg("-w")
        .arg(WORLD)
        .arg("componentize")
        .arg("app")
        .arg("-p")
        .arg(&build_dir)
        .arg("-o")
        .arg(&output)
        .status()
        .map_err(|e| format!("cannot run componentize-py: {e}"))?;
    if !status.success() {
        return Err(format!("componentize-py failed ({status}) building activities/python; its output is above"));
    }
    std::fs::write(&stamp_file, &stamp).map_err(|e| format!("cannot write {}: {e}", stamp_file.display()))?;
    Ok(output)
}

/// The SHA-256 of the tool version, the runner's source and every WIT file.
fn inputs_digest(source_dir: &Path, wit_dir: &Path) -> Result<String, String> {
    let mut hasher = Sha256::new();
    hasher.update(COMPONENTIZE_PY_VERSION);
    let mut files = vec![source_dir.join("app.py")];
    let mut wit: Vec<PathBuf> = std::fs::read_dir(wit_dir)
        .map_err(|e| format!("cannot list {}: {e}", wit_dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wit"))
        .collect();
    wit.sort();
    files.extend(wit);
    for file in files {
        let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        hasher.update(file.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(format!("{:x}", hasher.finalize()))
}
