//! Grants refused whatever the operator allows, because together they let
//! a guest change what the host itself runs: a program under a directory
//! an activity may write (the guest rewrites it, the host runs it), and a
//! path that contains the compiled-component cache (the guest patches an
//! artifact, the next run executes it as native code).

use super::path::{lexical_path, resolve_path, resolve_program};
use super::request::{Capability, Grants};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// A request refused whatever the operator allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsafeGrant {
    /// A program an activity runs lies under a directory an activity of the
    /// run may write.
    WritableProgram {
        /// The activity that runs the program.
        activity: String,
        /// The program, as the experiment names it.
        program: String,
        /// The activity that may write the directory.
        writer: String,
        /// The write grant, as the experiment names it.
        directory: String,
    },
    /// A read or write grant contains the compiled-component cache (or lies
    /// inside it).
    ContainsCache {
        /// The activity that asks.
        activity: String,
        /// Read or write.
        capability: Capability,
        /// The path, as the experiment names it.
        value: String,
        /// The cache directory.
        cache: PathBuf,
    },
}

impl fmt::Display for UnsafeGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnsafeGrant::WritableProgram { activity, program, writer, directory } => write!(
                f,
                "activity '{activity}' runs the program {program}, which lies under {directory}, a directory \
                 activity '{writer}' may write: a guest could rewrite the program before the host runs it"
            ),
            UnsafeGrant::ContainsCache { activity, capability, value, cache } => write!(
                f,
                "activity '{activity}' needs {} {value}, which overlaps the compiled-component cache {}: \
                 a guest could plant native code that a later run executes (grant a narrower directory)",
                capability.noun(),
                cache.display()
            ),
        }
    }
}

/// Every request of `activities` (name, grants) that is refused whatever
/// the operator allows: programs under a directory any of them may write,
/// and read or write grants that overlap `cache` (the compiled-component
/// cache directory). Paths resolve against `base_dir`, following symlinks
/// where they exist; a program is also compared by the path it is named
/// by, so a writable symlink to it counts.
pub fn unsafe_grants<'a>(
    base_dir: &Path,
    activities: impl IntoIterator<Item = (&'a str, &'a Grants)>,
    cache: Option<&Path>,
) -> Vec<UnsafeGrant> {
    let activities: Vec<(&str, &Grants)> = activities.into_iter().collect();
    let mut refused = Vec::new();
    let writable: Vec<(&str, &str, [PathBuf; 2])> = activities
        .iter()
        .flat_map(|(name, grants)| grants.write.iter().map(move |w| (*name, w.as_str())))
        .map(|(name, w)| (name, w, [resolve_path(base_dir, w), lexical_path(base_dir, Path::new(w))]))
        .collect();
    let cache_places = cache.map(|cache| [resolve_path(base_dir, cache), lexical_path(base_dir, cache)]);
    // Many activities grant the same paths: each is resolved once.
    let mut places_of: HashMap<&str, [PathBuf; 2]> = HashMap::new();
    for (activity, grants) in &activities {
        for program in &grants.run {
            let places = program_places(base_dir, program);
            for (writer, directory, dirs) in &writable {
                if places.iter().any(|p| dirs.iter().any(|d| p.starts_with(d))) {
                    push(
                        &mut refused,
                        UnsafeGrant::WritableProgram {
                            activity: activity.to_string(),
                            program: program.clone(),
                            writer: writer.to_string(),
                            directory: directory.to_string(),
                        },
                    );
                }
            }
        }
        if let (Some(cache), Some(cache_places)) = (cache, &cache_places) {
            let paths = grants
                .read
                .iter()
                .map(|v| (Capability::Read, v))
                .chain(grants.write.iter().map(|v| (Capability::Write, v)));
            for (capability, value) in paths {
                let granted = places_of
                    .entry(value.as_str())
                    .or_insert_with(|| [resolve_path(base_dir, value), lexical_path(base_dir, Path::new(value))]);
                let overlaps =
                    granted.iter().any(|g| cache_places.iter().any(|c| c.starts_with(g) || g.starts_with(c)));
                if overlaps {
                    push(
                        &mut refused,
                        UnsafeGrant::ContainsCache {
                            activity: activity.to_string(),
                            capability,
                            value: value.clone(),
                            cache: cache.to_path_buf(),
                        },
                    );
                }
            }
        }
    }
    refused
}

fn push(refused: &mut Vec<UnsafeGrant>, entry: UnsafeGrant) {
    if !refused.contains(&entry) {
        refused.push(entry);
    }
}

/// Where `program` is on disk: the file it resolves to (symlinks followed)
/// and, when named by a path, that path as written (a link a guest could
/// replace, or a file a guest could create).
fn program_places(base_dir: &Path, program: &str) -> Vec<PathBuf> {
    let mut places: Vec<PathBuf> = resolve_program(base_dir, program).into_iter().collect();
    let named = match program.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME").map(|home| PathBuf::from(home).join(rest)),
        None => Some(PathBuf::from(program)),
    };
    if let Some(named) = named.filter(|p| p.is_absolute() || p.components().count() > 1) {
        places.push(lexical_path(base_dir, &named));
        if let Some(parent) = lexical_path(base_dir, &named).parent() {
            // The program's directory, symlinks followed, and its file name.
            let name = named.file_name().map(PathBuf::from).unwrap_or_default();
            places.push(resolve_path(base_dir, parent).join(name));
        }
    }
    places
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(write: &[&str], run: &[&str]) -> Grants {
        Grants {
            write: write.iter().map(|s| s.to_string()).collect(),
            run: run.iter().map(|s| s.to_string()).collect(),
            ..Grants::default()
        }
    }

    fn read(paths: &[&str]) -> Grants {
        Grants { read: paths.iter().map(|s| s.to_string()).collect(), ..Grants::default() }
    }

    #[test]
    fn a_program_under_a_directory_another_activity_may_write_is_refused() {
        let base = tempfile::tempdir().unwrap();
        let (writer, runner) = (grants(&["./data"], &[]), grants(&[], &["./data/check.sh"]));
        let refused = unsafe_grants(base.path(), [("write-it", &writer), ("run-it", &runner)], None);
        assert_eq!(
            refused,
            vec![UnsafeGrant::WritableProgram {
                activity: "run-it".into(),
                program: "./data/check.sh".into(),
                writer: "write-it".into(),
                directory: "./data".into(),
            }]
        );
        assert!(refused[0].to_string().contains("a guest could rewrite the program before the host runs it"));
    }

    #[test]
    fn a_program_reached_through_a_symlink_into_a_writable_directory_is_refused() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("data")).unwrap();
        let script = base.path().join("data/check.sh");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink(&script, base.path().join("check.sh")).unwrap();
        let (writer, runner) = (grants(&["data"], &[]), grants(&[], &["./check.sh"]));
        assert_eq!(unsafe_grants(base.path(), [("w", &writer), ("r", &runner)], None).len(), 1);
    }

    #[test]
    fn a_program_beside_a_writable_directory_is_allowed() {
        let base = tempfile::tempdir().unwrap();
        let (writer, runner) = (grants(&["./data"], &[]), grants(&[], &["./bin/check.sh", "./data-check.sh"]));
        assert!(unsafe_grants(base.path(), [("w", &writer), ("r", &runner)], None).is_empty());
    }

    #[test]
    fn a_grant_containing_the_cache_is_refused_for_reading_and_writing() {
        let base = tempfile::tempdir().unwrap();
        let cache = base.path().join(".cache/chaos");
        for g in [read(&["."]), grants(&["./.cache"], &[]), read(&["./.cache/chaos/components-x"])] {
            let refused = unsafe_grants(base.path(), [("a", &g)], Some(&cache));
            assert_eq!(refused.len(), 1, "{g:?}");
            assert!(refused[0].to_string().contains("overlaps the compiled-component cache"));
        }
    }

    #[test]
    fn a_grant_beside_the_cache_is_allowed() {
        let base = tempfile::tempdir().unwrap();
        let cache = base.path().join(".cache/chaos");
        let g = grants(&["./data", "./.cache/other"], &[]);
        assert!(unsafe_grants(base.path(), [("a", &g)], Some(&cache)).is_empty());
    }
}
