//! What an activity tried and was refused: the audit trail a journal keeps
//! under each activity's run record (`"denials"`), so an operator sees
//! what a shared experiment attempted beyond its grants.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One refusal: which capability, what the activity tried to reach, and
/// the refusing side's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Denial {
    /// The capability refused: `net` (a socket, a `wasi:http` request, an
    /// http provider's URL or redirect), `read`, `write`, `env`, `run`, or
    /// `activity` when the activity itself reported `capability-denied`
    /// (its message is then the detail).
    pub capability: String,
    /// What it tried to reach: `host:port`, an address, a path, a
    /// variable; empty when the refusing side did not say.
    pub target: String,
    /// Why it was refused, in words.
    pub detail: String,
}

impl Denial {
    /// A refusal of `capability` for `target`, explained by `detail`.
    pub fn new(capability: impl Into<String>, target: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { capability: capability.into(), target: target.into(), detail: detail.into() }
    }
}

impl fmt::Display for Denial {
    /// One line, every field escaped (`\n`, `\x1b`, quotes), so a target or
    /// detail chosen by a guest cannot forge or recolour a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} \"{}\"", self.capability.escape_debug(), self.target.escape_debug())?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail.escape_debug())?;
        }
        Ok(())
    }
}

/// The denials of one activity run, bounded: the first
/// [`Denials::LIMIT`] are kept and the rest only counted, so a guest that
/// retries a refused connection in a loop cannot grow the journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Denials {
    /// The denials kept, in the order they happened.
    pub kept: Vec<Denial>,
    /// How many more there were.
    pub omitted: usize,
}

impl Denials {
    /// How many denials a run record keeps.
    pub const LIMIT: usize = 32;

    /// Records `denial`: kept while fewer than [`Denials::LIMIT`] are,
    /// counted otherwise. Returns whether it was kept.
    pub fn push(&mut self, denial: Denial) -> bool {
        if self.kept.len() < Self::LIMIT {
            self.kept.push(denial);
            true
        } else {
            self.omitted += 1;
            false
        }
    }

    /// Whether nothing was denied.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.omitted == 0
    }

    /// Adds these denials after `kept` and `omitted` (a record's two
    /// fields), within the bound.
    pub fn append_to(self, kept: &mut Vec<Denial>, omitted: &mut usize) {
        let mut all = Denials { kept: std::mem::take(kept), omitted: *omitted };
        all.extend(self);
        *kept = all.kept;
        *omitted = all.omitted;
    }

    /// These denials, each detail prefixed with `who: ` (for denials of an
    /// activity recorded under another's record, or under the journal).
    pub fn described_as(mut self, who: &str) -> Self {
        for denial in &mut self.kept {
            denial.detail = format!("{who}: {}", denial.detail);
        }
        self
    }

    /// Every denial of `other` after these, within the bound.
    pub fn extend(&mut self, other: Denials) {
        for denial in other.kept {
            self.push(denial);
        }
        self.omitted += other.omitted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denials_appended_to_a_records_fields_stay_within_the_limit() {
        let mut more = Denials::default();
        for i in 0..Denials::LIMIT {
            more.push(Denial::new("net", format!("10.0.0.2:{i}"), "not granted"));
        }
        let (mut kept, mut omitted) = (vec![Denial::new("net", "10.0.0.1:1", "not granted")], 1);
        more.append_to(&mut kept, &mut omitted);
        assert_eq!((kept.len(), omitted), (Denials::LIMIT, 2));
        assert_eq!(kept[0].target, "10.0.0.1:1", "earlier denials come first");
    }

    #[test]
    fn described_denials_name_who_was_refused() {
        let mut denials = Denials::default();
        denials.push(Denial::new("net", "10.0.0.1:1", "not granted"));
        let described = denials.described_as("tolerance probe 'p'");
        assert_eq!(described.kept[0].detail, "tolerance probe 'p': not granted");
    }

    #[test]
    fn denials_past_the_limit_are_counted_not_kept() {
        let mut denials = Denials::default();
        for i in 0..Denials::LIMIT + 3 {
            denials.push(Denial::new("net", format!("10.0.0.1:{i}"), "not granted"));
        }
        assert_eq!(denials.kept.len(), Denials::LIMIT);
        assert_eq!(denials.omitted, 3);
        assert_eq!(denials.kept[0].target, "10.0.0.1:0");
    }

    #[test]
    fn a_denial_displays_on_one_line_with_control_characters_escaped() {
        let denial = Denial::new("net", "evil\n[INFO] forged", "\x1b[31mred");
        let line = denial.to_string();
        assert!(!line.contains('\n') && !line.contains('\x1b'), "{line}");
        assert_eq!(line, r#"net "evil\n[INFO] forged": \u{1b}[31mred"#);
    }
}
