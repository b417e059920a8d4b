//! `builtin:fs`: files and directories, inside the paths the activity is
//! granted. Paths are the ones the experiment uses (`./exchange.dat`).
//!
//! A path outside every granted directory fails with `capability-denied`
//! before anything is tried, for every function: `exists` answers `false`
//! only for a granted path that does not exist.

use chaos_guest_sdk::grants::require_path;
use chaos_guest_sdk::{ActivityError, JsonSchema, activities, schemars};
use serde::Deserialize;
use std::fs;
use std::io::{ErrorKind, Write};

/// One path.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PathArgs {
    /// The path, as granted (relative paths resolve against the run's directory).
    path: String,
}

/// A file to write.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WriteArgs {
    /// The file to write; created if missing.
    path: String,
    /// The text to write.
    content: String,
    /// Append instead of replacing the file's content.
    #[serde(default)]
    append: bool,
}

/// A move.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RenameArgs {
    /// The existing path.
    src: String,
    /// The new path.
    dst: String,
}

fn exists(args: PathArgs) -> Result<bool, ActivityError> {
    require_path(&args.path)?;
    match fs::metadata(&args.path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(ActivityError::io(&args.path, e)),
    }
}

fn read(args: PathArgs) -> Result<String, ActivityError> {
    require_path(&args.path)?;
    fs::read_to_string(&args.path).map_err(|e| ActivityError::io(&args.path, e))
}

fn write(args: WriteArgs) -> Result<usize, ActivityError> {
    require_path(&args.path)?;
    let mut file = fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(args.append)
        .truncate(!args.append)
        .open(&args.path)
        .map_err(|e| ActivityError::io(&args.path, e))?;
    file.write_all(args.content.as_bytes()).map_err(|e| ActivityError::io(&args.path, e))?;
    Ok(args.content.len())
}

fn rename(args: RenameArgs) -> Result<(), ActivityError> {
    require_path(&args.src)?;
    require_path(&args.dst)?;
    fs::rename(&args.src, &args.dst).map_err(|e| ActivityError::io(format!("{} -> {}", args.src, args.dst), e))
}

fn remove(args: PathArgs) -> Result<(), ActivityError> {
    require_path(&args.path)?;
    let meta = fs::symlink_metadata(&args.path).map_err(|e| ActivityError::io(&args.path, e))?;
    let result = if meta.is_dir() { fs::remove_dir(&args.path) } else { fs::remove_file(&args.path) };
    result.map_err(|e| ActivityError::io(&args.path, e))
}

activities! {
    probe "exists": "Tells whether `path` exists (true or false)." => exists,
    probe "read": "Returns the text content of the file at `path`." => read,
    action "write": "Writes `content` to the file at `path`, replacing it unless `append` is true; returns the number of bytes written." => write,
    action "rename": "Moves `src` to `dst`." => rename,
    action "remove": "Removes the file (or empty directory) at `path`." => remove,
}
