//! The grants table: every capability an experiment asks for, one
//! [`GrantRow`] per request, with where the request comes from and what the
//! operator decides (allowed, and by what; missing; denied, and by which
//! flag). `chaos grants` prints it, `chaos run` logs it before anything
//! runs, and prompts walk its missing rows.
//!
//! The operator's allowances come in [`Consent`] layers (flags, `-A`, the
//! policy file, answers to prompts), so each allowed row names the layer
//! that allows it. Adding a column means adding a field to [`GrantRow`].

use super::policy::{Permissions, Verdict};
use super::request::{Capability, Grants};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Where an allowance comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The `--allow-*` and `--deny-*` flags.
    Flags,
    /// `-A` / `--allow-all`.
    AllowAll,
    /// The policy file (`--policy` or the settings' `policy:`).
    Policy,
    /// An answer to a prompt, for this run.
    Prompt,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Flags => "flags",
            Origin::AllowAll => "-A",
            Origin::Policy => "policy",
            Origin::Prompt => "prompt",
        })
    }
}

/// The operator's permissions, layer by layer. A denial in any layer wins
/// over an allowance in any layer.
#[derive(Debug, Clone)]
pub struct Consent {
    layers: Vec<(Origin, Permissions)>,
    limits_origin: Origin,
}

impl Consent {
    /// One layer: `permissions` from `origin`.
    pub fn new(origin: Origin, permissions: Permissions) -> Self {
        Self { layers: vec![(origin, permissions)], limits_origin: Origin::Flags }
    }

    /// Where the run's default limits come from (the flags, the default,
    /// or the policy file).
    #[must_use]
    pub fn with_limits_origin(mut self, origin: Origin) -> Self {
        self.limits_origin = origin;
        self
    }

    /// Where the run's default limits come from.
    pub fn limits_origin(&self) -> Origin {
        self.limits_origin
    }

    /// Adds a layer.
    #[must_use]
    pub fn with(mut self, origin: Origin, permissions: Permissions) -> Self {
        self.layers.push((origin, permissions));
        self
    }

    /// Allows `value` for `capability` in the [`Origin::Prompt`] layer.
    pub fn grant(&mut self, capability: Capability, value: &str) {
        if !self.layers.iter().any(|(o, _)| *o == Origin::Prompt) {
            let base = self.layers.first().map(|(_, p)| p.base_dir.clone()).unwrap_or_default();
            self.layers.push((Origin::Prompt, Permissions::deny_all(base)));
        }
        if let Some((_, prompted)) = self.layers.iter_mut().find(|(o, _)| *o == Origin::Prompt) {
            prompted.grant(capability, value);
        }
    }

    /// Every layer merged: what the run is checked against. The first
    /// layer's base directory is kept.
    pub fn permissions(&self) -> Permissions {
        let mut layers = self.layers.iter().map(|(_, p)| p);
        let first = layers.next().cloned().unwrap_or_else(|| Permissions::deny_all("."));
        layers.fold(first, |all, p| all.merged(p))
    }

    /// What the operator decides for `value`, and the layer that allows it.
    pub fn status(&self, capability: Capability, value: &str) -> Status {
        match self.permissions().verdict(capability, value) {
            Verdict::Denied(flag) => Status::Denied { by: flag },
            Verdict::Missing => Status::Missing { flag: format!("{}={value}", capability.flag()) },
            Verdict::Allowed => {
                let by = self
                    .layers
                    .iter()
                    .find(|(_, p)| p.verdict(capability, value) == Verdict::Allowed)
                    .map_or(Origin::Flags, |(o, _)| *o);
                Status::Allowed { by }
            }
        }
    }
}

/// What is asked for in one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// A grant of this capability.
    Grant(Capability),
    /// A memory limit above the default.
    Memory,
    /// A time limit above the default.
    Timeout,
}

impl Serialize for RowKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for RowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RowKind::Grant(c) => c.name(),
            RowKind::Memory => "memory",
            RowKind::Timeout => "timeout",
        })
    }
}

/// Where a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestSource {
    /// The experiment: an activity's `grants` block.
    Grants,
    /// The experiment: an http provider's URL.
    HttpUrl,
    /// The experiment: a process provider's program.
    Program,
    /// The experiment: an `{"type": "env"}` entry of `configuration`.
    Configuration,
    /// The experiment: an `{"type": "env"}` entry of `secrets`.
    Secrets,
    /// The experiment: a provider's `timeout`.
    ProviderTimeout,
    /// The operator's flags or policy (limits raised for every activity).
    Operator,
}

impl fmt::Display for RequestSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestSource::Grants => "grants",
            RequestSource::HttpUrl => "http url",
            RequestSource::Program => "process program",
            RequestSource::Configuration => "configuration",
            RequestSource::Secrets => "secrets",
            RequestSource::ProviderTimeout => "provider timeout",
            RequestSource::Operator => "operator",
        })
    }
}

/// What the operator decides for one row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase", tag = "status")]
pub enum Status {
    /// Allowed, by this layer.
    Allowed {
        /// The layer that allows it.
        by: Origin,
    },
    /// Not allowed: this flag would allow it.
    Missing {
        /// `--allow-read=./data`.
        flag: String,
    },
    /// Refused whatever is allowed, by this deny entry.
    Denied {
        /// `--deny-read=./secret`.
        by: String,
    },
    /// Not known before the run: it depends on dynamic configuration, and
    /// is checked once that is computed, still before the first activity.
    Deferred,
}

/// One request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantRow {
    /// The activity that asks (`configuration:KEY` / `secrets:SCOPE.KEY`
    /// for env entries, `*` for limits of every activity).
    pub activity: String,
    /// What it asks for.
    pub kind: RowKind,
    /// The path, host:port, variable, program or limit.
    pub value: String,
    /// Where the request comes from.
    pub source: RequestSource,
    /// What the operator decides.
    #[serde(flatten)]
    pub status: Status,
}

impl fmt::Display for GrantRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {} [{}] ", escape(&self.activity), self.kind, escape(&self.value), self.source)?;
        match &self.status {
            Status::Allowed { by } => write!(f, "allowed ({by})"),
            Status::Missing { flag } => write!(f, "missing: {}", escape(flag)),
            Status::Denied { by } => write!(f, "denied by {}", escape(by)),
            Status::Deferred => f.write_str("checked once dynamic configuration is computed"),
        }
    }
}

/// The whole table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GrantsTable {
    /// One row per request, in document order.
    pub rows: Vec<GrantRow>,
    /// The rows [`GrantsTable::add_grants`] added, to leave duplicates out
    /// without comparing with every row.
    #[serde(skip)]
    added: HashSet<(String, Capability, String)>,
    /// What the consent decided for each distinct request: a table is
    /// built against one consent, and many activities ask for the same
    /// things (deciding resolves paths on disk).
    #[serde(skip)]
    decided: HashMap<(Capability, String), Status>,
}

impl GrantsTable {
    /// Adds one row per request of `grants`, asked for by `activity`,
    /// decided by `consent` (duplicates are left out).
    pub fn add_grants(&mut self, activity: &str, source: RequestSource, grants: &Grants, consent: &Consent) {
        for (capability, value) in grants.requests() {
            if !self.added.insert((activity.to_string(), capability, value.to_string())) {
                continue;
            }
            self.rows.push(GrantRow {
                activity: activity.to_string(),
                kind: RowKind::Grant(capability),
                value: value.to_string(),
                source,
                status: self
                    .decided
                    .entry((capability, value.to_string()))
                    .or_insert_with(|| consent.status(capability, value))
                    .clone(),
            });
        }
    }

    /// Whether every known request is allowed.
    pub fn all_allowed(&self) -> bool {
        self.rows.iter().all(|r| matches!(r.status, Status::Allowed { .. } | Status::Deferred))
    }

    /// The rows neither allowed nor denied (what a prompt may ask about),
    /// each (capability, value) once.
    pub fn missing(&self) -> Vec<(Capability, String)> {
        let mut out: Vec<(Capability, String)> = Vec::new();
        for row in &self.rows {
            if let (RowKind::Grant(c), Status::Missing { .. }) = (row.kind, &row.status)
                && !out.iter().any(|(oc, ov)| *oc == c && *ov == row.value)
            {
                out.push((c, row.value.clone()));
            }
        }
        out
    }

    /// The one line of flags that would allow every missing row
    /// ([`rerun_flags`]); `None` when nothing is missing. Denied rows are
    /// not in it: no allow flag wins over a denial.
    pub fn rerun_flags(&self) -> Option<String> {
        rerun_flags(self.missing())
    }

    /// The table as text lines: a header, then one line per row.
    pub fn lines(&self) -> Vec<String> {
        if self.rows.is_empty() {
            return vec!["Grants: the experiment asks for nothing".to_string()];
        }
        let mut lines = vec![format!("Grants: the experiment asks for {} capability(ies):", self.rows.len())];
        lines.extend(self.rows.iter().map(|row| format!("  {row}")));
        lines
    }
}

/// The one line of flags that would allow each (capability, value)
/// (`--allow-read=./data,./out --allow-net=localhost:8080`): each flag
/// once, its values joined by commas, control characters escaped; `None`
/// for none.
pub fn rerun_flags(missing: impl IntoIterator<Item = (Capability, String)>) -> Option<String> {
    let mut by_flag: Vec<(&'static str, Vec<String>)> = Vec::new();
    for (capability, value) in missing {
        match by_flag.iter_mut().find(|(f, _)| *f == capability.flag()) {
            Some((_, values)) if values.contains(&value) => {}
            Some((_, values)) => values.push(value),
            None => by_flag.push((capability.flag(), vec![value])),
        }
    }
    (!by_flag.is_empty()).then(|| {
        let flags: Vec<String> = by_flag.iter().map(|(f, v)| format!("{f}={}", v.join(","))).collect();
        escape(&flags.join(" "))
    })
}

/// `text` safe to print on a terminal: every control character (line
/// breaks included) escaped, so a name from the experiment cannot move the
/// cursor, recolour the terminal or forge a line.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::Allowance;

    fn grants(read: &[&str], env: &[&str]) -> Grants {
        Grants {
            read: read.iter().map(|s| s.to_string()).collect(),
            env: env.iter().map(|s| s.to_string()).collect(),
            ..Grants::default()
        }
    }

    fn flags() -> Permissions {
        let mut p = Permissions::deny_all("/w");
        p.read = Allowance::Only(vec!["./data".into()]);
        p
    }

    #[test]
    fn each_row_names_the_layer_that_allows_it_or_the_flag_that_would() {
        let mut policy = Permissions::deny_all("/w");
        policy.env = Allowance::Only(vec!["HOME".into()]);
        let consent = Consent::new(Origin::Flags, flags()).with(Origin::Policy, policy);
        let mut table = GrantsTable::default();
        table.add_grants("a", RequestSource::Grants, &grants(&["./data"], &["HOME", "TOKEN"]), &consent);
        let statuses: Vec<_> = table.rows.iter().map(|r| r.status.clone()).collect();
        assert_eq!(
            statuses,
            [
                Status::Allowed { by: Origin::Flags },
                Status::Allowed { by: Origin::Policy },
                Status::Missing { flag: "--allow-env=TOKEN".into() }
            ]
        );
        assert!(!table.all_allowed());
    }

    #[test]
    fn a_denied_row_names_the_deny_flag_and_is_not_in_the_rerun_flags() {
        let mut p = Permissions::allow_all("/w");
        p.deny.env = Allowance::Only(vec!["TOKEN".into()]);
        let consent = Consent::new(Origin::AllowAll, p);
        let mut table = GrantsTable::default();
        table.add_grants("a", RequestSource::Grants, &grants(&[], &["TOKEN"]), &consent);
        assert_eq!(table.rows[0].status, Status::Denied { by: "--deny-env=TOKEN".into() });
        assert_eq!(table.rerun_flags(), None);
        assert!(!table.all_allowed());
    }

    #[test]
    fn the_rerun_flags_are_one_line_with_each_flag_once() {
        let consent = Consent::new(Origin::Flags, Permissions::deny_all("/w"));
        let mut table = GrantsTable::default();
        table.add_grants("a", RequestSource::Grants, &grants(&["./a"], &["X"]), &consent);
        table.add_grants("b", RequestSource::Grants, &grants(&["./b", "./a"], &[]), &consent);
        assert_eq!(table.rerun_flags().as_deref(), Some("--allow-read=./a,./b --allow-env=X"));
    }

    #[test]
    fn a_prompt_answer_allows_the_row_by_prompt() {
        let mut consent = Consent::new(Origin::Flags, Permissions::deny_all("/w"));
        consent.grant(Capability::Env, "X");
        assert_eq!(consent.status(Capability::Env, "X"), Status::Allowed { by: Origin::Prompt });
    }

    #[test]
    fn control_characters_from_the_experiment_are_escaped_in_rows() {
        let consent = Consent::new(Origin::Flags, Permissions::deny_all("/w"));
        let mut table = GrantsTable::default();
        table.add_grants("a\u{1b}[2J\nforged", RequestSource::Grants, &grants(&[], &["X\r"]), &consent);
        let line = table.rows[0].to_string();
        assert_eq!(line, "a\\x1b[2J\\nforged: env X\\r [grants] missing: --allow-env=X\\r");
    }

    #[test]
    fn rows_serialize_with_their_status_flattened() {
        let consent = Consent::new(Origin::Flags, flags());
        let mut table = GrantsTable::default();
        table.add_grants("a", RequestSource::Grants, &grants(&["./data"], &[]), &consent);
        assert_eq!(
            serde_json::to_value(&table).unwrap(),
            serde_json::json!({"rows": [{"activity": "a", "kind": "read", "value": "./data",
                "source": "grants", "status": "allowed", "by": "flags"}]})
        );
    }
}
