//! Asking the operator, Deno-style, for each grant the experiment asks for
//! and nothing allows: allow (this grant, for this run), deny, or allow all
//! (this and every following one). Denied grants are never asked about:
//! no answer wins over a `--deny-*`.
//!
//! The asking itself is behind [`Prompter`]: the CLI's terminal prompter,
//! and a scripted one in tests.

use super::request::Capability;
use super::table::{Consent, GrantsTable};

/// An answer to one prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Allow this grant for this run (`y`).
    Allow,
    /// Do not allow it (`n`, or anything else, the default).
    Deny,
    /// Allow this grant and every following missing one (`a`).
    AllowAll,
}

/// Asks the operator about one missing grant.
pub trait Prompter {
    /// The answer for `capability` `value`; `activities` are the (escaped)
    /// names of the activities that ask for it.
    fn ask(&mut self, capability: Capability, value: &str, activities: &[String]) -> Answer;
}

/// Asks `prompter` once per missing grant of `table` and adds each allowed
/// one to `consent` (as [`super::Origin::Prompt`]). Returns how many were
/// allowed.
pub fn ask_missing(table: &GrantsTable, consent: &mut Consent, prompter: &mut dyn Prompter) -> usize {
    let mut allowed = 0;
    let mut allow_all = false;
    for (capability, value) in table.missing() {
        let answer = if allow_all {
            Answer::Allow
        } else {
            let activities: Vec<String> = table
                .rows
                .iter()
                .filter(|r| r.kind == super::RowKind::Grant(capability) && r.value == value)
                .map(|r| super::table::escape(&r.activity))
                .collect();
            prompter.ask(capability, &value, &activities)
        };
        if answer == Answer::AllowAll {
            allow_all = true;
        }
        if answer != Answer::Deny {
            consent.grant(capability, &value);
            allowed += 1;
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grants::{Grants, Origin, Permissions, RequestSource, Status};

    struct Scripted(Vec<Answer>, Vec<String>);

    impl Prompter for Scripted {
        fn ask(&mut self, _: Capability, value: &str, _: &[String]) -> Answer {
            self.1.push(value.to_string());
            self.0.remove(0)
        }
    }

    fn table(consent: &Consent) -> GrantsTable {
        let grants = Grants { env: vec!["A".into(), "B".into(), "C".into()], ..Grants::default() };
        let mut table = GrantsTable::default();
        table.add_grants("x", RequestSource::Grants, &grants, consent);
        table.add_grants("y", RequestSource::Grants, &grants, consent);
        table
    }

    #[test]
    fn each_missing_grant_is_asked_once_and_allow_adds_it_for_the_run() {
        let mut consent = Consent::new(Origin::Flags, Permissions::deny_all("/"));
        let mut prompter = Scripted(vec![Answer::Allow, Answer::Deny, Answer::Allow], Vec::new());
        assert_eq!(ask_missing(&table(&consent), &mut consent, &mut prompter), 2);
        assert_eq!(prompter.1, ["A", "B", "C"]);
        assert_eq!(consent.status(Capability::Env, "A"), Status::Allowed { by: Origin::Prompt });
        assert!(matches!(consent.status(Capability::Env, "B"), Status::Missing { .. }));
    }

    #[test]
    fn allow_all_allows_every_following_grant_without_asking() {
        let mut consent = Consent::new(Origin::Flags, Permissions::deny_all("/"));
        let mut prompter = Scripted(vec![Answer::Deny, Answer::AllowAll], Vec::new());
        assert_eq!(ask_missing(&table(&consent), &mut consent, &mut prompter), 2);
        assert_eq!(prompter.1, ["A", "B"]);
        assert!(consent.permissions().allows(Capability::Env, "C"));
    }

    #[test]
    fn denied_grants_are_never_asked_about() {
        let mut flags = Permissions::deny_all("/");
        flags.deny.env = crate::grants::Allowance::All;
        let mut consent = Consent::new(Origin::Flags, flags);
        let mut prompter = Scripted(vec![], Vec::new());
        assert_eq!(ask_missing(&table(&consent), &mut consent, &mut prompter), 0);
        assert!(prompter.1.is_empty());
    }
}
