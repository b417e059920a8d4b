//! Environment-variable grants: the guest sees only the variables it was
//! granted, with the host's values as read when the grant was prepared. By
//! default it sees none.

use std::ffi::OsString;
use std::fmt;
use wasmtime_wasi::WasiCtxBuilder;

/// The granted variables that the host has, with their values.
#[derive(Clone, Default)]
pub struct PreparedEnvGrant {
    vars: Vec<(String, String)>,
}

impl PreparedEnvGrant {
    /// Reads each of `names` once with `lookup`; variables the host does not
    /// have are left out. Values that are not UTF-8 are converted lossily.
    pub fn prepare(names: &[String], lookup: impl Fn(&str) -> Option<OsString>) -> Self {
        let vars = names
            .iter()
            .filter_map(|name| lookup(name).map(|value| (name.clone(), value.to_string_lossy().into_owned())))
            .collect();
        Self { vars }
    }

    /// The names of the variables the guest will see.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(|(name, _)| name.as_str())
    }

    /// Sets the variables in the guest's environment.
    pub fn apply(&self, wasi: &mut WasiCtxBuilder) {
        for (name, value) in &self.vars {
            wasi.env(name, value);
        }
    }
}

/// Names only: the values may be secrets.
impl fmt::Debug for PreparedEnvGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedEnvGrant").field("names", &self.names().collect::<Vec<_>>()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_variables_the_host_has_are_granted() {
        let names = ["SET".to_string(), "UNSET".to_string()];
        let grant = PreparedEnvGrant::prepare(&names, |n| (n == "SET").then(|| OsString::from("v")));
        assert_eq!(grant.names().collect::<Vec<_>>(), ["SET"]);
    }

    #[test]
    fn debug_output_shows_names_but_not_values() {
        let grant = PreparedEnvGrant::prepare(&["TOKEN".to_string()], |_| Some(OsString::from("s3cret")));
        let shown = format!("{grant:?}");
        assert!(shown.contains("TOKEN") && !shown.contains("s3cret"), "{shown}");
    }
}
